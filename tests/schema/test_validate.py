"""Validation of zerops.yaml and import.yaml documents: good ones pass, bad ones say where and why."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zcp.errors import InvalidImportYaml, InvalidZeropsYaml
from zcp.schema.bundled import bundled_schema
from zcp.schema.live import LoadedSchema
from zcp.schema.sources import SchemaKind
from zcp.schema.validate import (
    SchemaProblem,
    format_path,
    validate_document,
    validate_import_yaml,
    validate_zerops_yaml,
)

GOOD_ZEROPS = """\
zerops:
  - setup: api
    build:
      base: nodejs@22
      buildCommands:
        - npm ci
        - npm run build
      deployFiles: [./dist, ./package.json]
      cache: node_modules
    deploy:
      readinessCheck:
        httpGet: {port: 3000, path: /status}
    run:
      base: nodejs@22
      ports:
        - port: 3000
          httpSupport: true
      envVariables:
        NODE_ENV: production
        PORT: 3000
      start: node dist/main.js
  - setup: web
    extends: api
    build:
      base: [php@8.3, nodejs@22]
      deployFiles: ./
    run:
      base: php-nginx@8.3
      documentRoot: public
"""

GOOD_IMPORT = """\
project:
  name: shop
  corePackage: LIGHT
services:
  - hostname: api
    type: nodejs@22
    enableSubdomainAccess: true
    verticalAutoscaling:
      minRam: 0.5
      maxRam: 2
  - hostname: db
    type: postgresql@16
    mode: NON_HA
  - hostname: cache
    type: valkey:single@7.2
"""


def only(problems: tuple[SchemaProblem, ...]) -> SchemaProblem:
    assert len(problems) == 1, [p.render() for p in problems]
    return problems[0]


def test_a_typical_zerops_yaml_is_valid() -> None:
    report = validate_zerops_yaml(GOOD_ZEROPS)
    assert report.valid, report.render()
    assert report.render() == "zerops.yaml: valid"
    report.raise_for_problems()


def test_a_typical_import_yaml_is_valid() -> None:
    report = validate_import_yaml(GOOD_IMPORT)
    assert report.valid, report.render()
    assert report.schema_origin == "bundled"


def test_an_unknown_key_names_its_path_line_and_the_closest_allowed_key() -> None:
    text = GOOD_ZEROPS.replace("      buildCommands:", "      buildComands:")
    problem = only(validate_zerops_yaml(text).problems)
    assert problem.rule == "additionalProperties"
    assert problem.path == "zerops[0].build.buildComands"
    assert (problem.line, problem.column) == (5, 7)
    assert problem.suggestion is not None
    assert problem.suggestion.startswith(
        "Did you mean 'buildCommands'? Keys allowed here: addToRunPrepare, base,"
    )


def test_an_unknown_top_level_key_lists_the_allowed_keys() -> None:
    problem = only(validate_import_yaml("servics: []\n").problems)
    assert problem.path == "servics"
    assert problem.suggestion == "Did you mean 'services'? Keys allowed here: project, services."


def test_a_bad_version_suggests_the_closest_value_and_its_family() -> None:
    problem = only(
        validate_zerops_yaml(
            GOOD_ZEROPS.replace(
                "base: nodejs@22\n      buildCommands", "base: nodejs@23\n      buildCommands"
            )
        ).problems
    )
    assert problem.path == "zerops[0].build.base"
    assert problem.rule == "enum"
    assert problem.line == 4
    assert problem.suggestion is not None
    assert problem.suggestion.startswith(
        "Did you mean 'nodejs@24'? Valid nodejs values: nodejs@18, nodejs@20,"
    )


def test_a_misspelt_service_type_suggests_the_right_technology() -> None:
    text = GOOD_IMPORT.replace("postgresql@16", "postgres@16")
    problem = only(validate_import_yaml(text).problems)
    assert (problem.path, problem.line) == ("services[1].type", 12)
    assert problem.suggestion == "Did you mean 'postgresql@16'?"


def test_enum_values_in_the_wrong_case_suggest_the_right_case() -> None:
    problem = only(validate_import_yaml(GOOD_IMPORT.replace("mode: NON_HA", "mode: non_ha")).problems)
    assert problem.suggestion == "Did you mean 'NON_HA'? Allowed values: HA, NON_HA."


def test_a_missing_required_key_is_reported_on_its_parent() -> None:
    text = GOOD_ZEROPS.replace("      deployFiles: [./dist, ./package.json]\n", "")
    problem = only(validate_zerops_yaml(text).problems)
    assert problem.rule == "required"
    assert problem.path == "zerops[0].build"
    assert problem.message == "missing required key 'deployFiles'"
    assert problem.line == 4


def test_missing_hostname_and_type_are_two_problems() -> None:
    problems = validate_import_yaml("services:\n  - mode: HA\n").problems
    assert [p.message for p in problems] == ["missing required key 'hostname'", "missing required key 'type'"]


def test_a_value_of_the_wrong_shape_says_what_shape_is_expected() -> None:
    text = GOOD_ZEROPS.replace("      start: node dist/main.js", "      initCommands: npm run migrate")
    problem = only(validate_zerops_yaml(text).problems)
    assert problem.message == "expected a list, got a string"
    assert problem.suggestion == "Write a YAML list: one '- item' per line."


def test_a_value_matching_no_alternative_lists_the_alternatives() -> None:
    problem = only(validate_zerops_yaml(GOOD_ZEROPS.replace("deployFiles: ./", "deployFiles: 3")).problems)
    assert problem.message == "expected a string or a list of strings, got a number"


def test_an_invalid_hostname_explains_the_rule() -> None:
    problem = only(validate_import_yaml(GOOD_IMPORT.replace("hostname: api", "hostname: my-api")).problems)
    assert problem.rule == "pattern"
    assert "lower-case letters and digits" in (problem.suggestion or "")


def test_numbers_out_of_range_say_the_bound() -> None:
    text = GOOD_IMPORT.replace("    mode: NON_HA\n", "    mode: NON_HA\n    maxContainers: 11\n")
    assert only(validate_import_yaml(text).problems).message == "11 must be at most 10"


def test_malformed_yaml_is_one_problem_with_its_line() -> None:
    problem = only(validate_zerops_yaml("zerops:\n  - setup: a\n    run: [x\n").problems)
    assert problem.rule == "yaml"
    assert problem.line == 4
    assert problem.message.startswith("not valid YAML:")


def test_a_tab_indented_document_is_malformed_yaml_with_a_line() -> None:
    problem = only(validate_zerops_yaml("zerops:\n\t- setup: a\n").problems)
    assert (problem.rule, problem.line) == ("yaml", 2)


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_an_empty_document_is_reported(text: str) -> None:
    assert only(validate_zerops_yaml(text).problems).rule == "empty"


def test_a_top_level_list_is_the_wrong_shape() -> None:
    assert only(validate_import_yaml("- a\n").problems).message == "expected a mapping, got a list"


def test_the_preprocessor_header_is_tolerated_and_expressions_are_not_judged() -> None:
    text = "#zeropsPreprocessor=on\n" + GOOD_IMPORT.replace(
        "hostname: api", "hostname: <@generateRandomString(<8>)>"
    )
    report = validate_import_yaml(text)
    assert report.preprocessor
    assert report.valid, report.render()


def test_without_the_header_expressions_are_judged_like_any_value() -> None:
    text = GOOD_IMPORT.replace("hostname: api", "hostname: <@generateRandomString(<8>)>")
    assert only(validate_import_yaml(text).problems).rule == "pattern"


def test_the_required_setup_must_exist_and_the_closest_name_is_suggested() -> None:
    problem = only(validate_zerops_yaml(GOOD_ZEROPS, required_setup="apj").problems)
    assert problem.path == "zerops"
    assert problem.message == "no setup named 'apj'"
    assert problem.suggestion == "Did you mean 'api'? Setups in this file: api, web."


def test_duplicate_setups_and_unknown_parents_are_reported() -> None:
    text = GOOD_ZEROPS.replace("setup: web", "setup: api").replace("extends: api", "extends: base")
    messages = [p.message for p in validate_zerops_yaml(text).problems]
    assert messages == ["setup 'api' is defined twice", "extends unknown setup 'base'"]


def test_problems_are_ordered_by_line() -> None:
    text = GOOD_IMPORT.replace("corePackage: LIGHT", "corePackage: HEAVY").replace("mode: NON_HA", "mode: X")
    lines = [p.line or 0 for p in validate_import_yaml(text).problems]
    assert lines == sorted(lines)
    assert len(lines) == 2


def test_raise_for_problems_raises_the_kind_specific_error_with_every_problem() -> None:
    report = validate_import_yaml(
        GOOD_IMPORT.replace("mode: NON_HA", "mode: X").replace("name: shop", "nam: shop")
    )
    with pytest.raises(InvalidImportYaml) as caught:
        report.raise_for_problems()
    wire = caught.value.to_wire()
    assert wire["code"] == "INVALID_IMPORT_YML"
    assert len(wire["details"]["problems"]) == 3
    assert wire["error"].endswith("(and 2 more)")
    with pytest.raises(InvalidZeropsYaml):
        validate_zerops_yaml("zerops: 1\n").raise_for_problems()


def test_a_self_referencing_document_is_refused() -> None:
    problem = only(validate_zerops_yaml("zerops: &a\n  - *a\n").problems)
    assert problem.rule == "yaml"
    assert "refers to itself" in problem.message


def test_an_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    problem = only(validate_zerops_yaml("\n".join(lines) + "\n").problems)
    assert "expands to more than" in problem.message


def test_a_given_schema_is_used_and_its_origin_reported() -> None:
    strict = {**bundled_schema(SchemaKind.ZEROPS), "required": ["zerops", "version"]}
    loaded = LoadedSchema(SchemaKind.ZEROPS, strict, "stale")
    report = validate_document(SchemaKind.ZEROPS, GOOD_ZEROPS, schema=loaded)
    assert report.schema_origin == "stale"
    assert only(report.problems).message == "missing required key 'version'"


def test_paths_are_written_like_yaml_paths() -> None:
    assert (
        format_path(["zerops", 0, "run", "envVariables", "my.var"]) == "zerops[0].run.envVariables['my.var']"
    )
    assert format_path([]) == ""


def test_problem_render_puts_path_line_message_and_suggestion_on_one_line() -> None:
    problem = SchemaProblem(path="a.b", message="bad", suggestion="fix it", line=3, rule="enum")
    assert problem.render() == "a.b (line 3): bad — fix it"


def test_a_large_import_with_many_services_validates_every_service() -> None:
    services = "".join(
        textwrap.dedent(f"""\
          - hostname: svc{i}
            type: {"nodejs@22" if i % 2 else "nodejs@99"}
        """)
        for i in range(40)
    )
    problems = validate_import_yaml("services:\n" + services).problems
    assert len(problems) == 20
    assert {p.rule for p in problems} == {"enum"}


_YAMLISH = st.lists(
    st.sampled_from(
        ["zerops:", "\n", "  - setup: a", "    build:", "      base: nodejs@2", "x", ": ", "[", "]", "{", "&a ",
         "*a", "- ", "  ", "services:", "type: ", "'", '"', "#zeropsPreprocessor=on\n", "<@x>", "\t", "1"]
    ),
    max_size=30,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=2000)
@given(text=_YAMLISH | st.text(max_size=60))
def test_any_text_gives_a_report_never_an_exception(text: str) -> None:
    for kind in SchemaKind:
        report = validate_document(kind, text)
        assert report.valid or all(p.message for p in report.problems)
