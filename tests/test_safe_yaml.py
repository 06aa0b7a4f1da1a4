"""The one YAML loader: every hostile or broken document is one structured error, never a crash."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import yaml.constructor

from zcp.errors import InvalidParameter, InvalidZeropsYaml, YamlRefused
from zcp.ops.push import setup_names
from zcp.safe_yaml import MAX_CHARS, MAX_DEPTH, compose_yaml, load_yaml, load_yaml_async
from zcp.schema import validate_import_yaml, validate_zerops_yaml

SECRET = "hunter2-not-to-be-echoed"


def _deep(kind: str, depth: int) -> str:
    if kind == "flow":
        return "a: " + "[" * depth + "]" * depth
    if kind == "open-flow":
        return "a: [" * depth
    if kind == "dashes":
        return "- " * depth + "x"
    return "".join(" " * i + f"k{i}:\n" for i in range(depth)) + " " * depth + "x"


@pytest.mark.parametrize(
    ("kind", "depth"),
    [(kind, depth) for kind in ("flow", "open-flow", "dashes") for depth in (MAX_DEPTH + 1, 900, 5000)]
    + [("block", MAX_DEPTH + 1), ("block", 900)],
)
def test_deep_nesting_is_refused_with_one_error(kind: str, depth: int) -> None:
    with pytest.raises(YamlRefused) as caught:
        load_yaml(_deep(kind, depth), what="zerops.yaml")
    error = caught.value
    assert error.code == "INVALID_PARAMETER" and isinstance(error, InvalidParameter)
    assert error.message.startswith("zerops.yaml did not load: ")
    wire = error.to_wire()
    assert wire["suggestion"]
    # An unclosed flow sequence may end the parse as a syntax error before the depth limit is hit.
    allowed = (f"nested deeper than {MAX_DEPTH} levels", "not valid YAML")
    assert any(text in error.reason for text in (allowed if kind == "open-flow" else allowed[:1]))


def test_nesting_up_to_the_limit_loads_and_survives_what_comes_after() -> None:
    data = load_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    yaml.safe_dump(data)  # a walker that recurses once per level
    with pytest.raises(YamlRefused):
        load_yaml("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_an_alias_counts_with_its_full_depth_where_it_is_used() -> None:
    anchor = "a: &x " + "[" * 40 + "]" * 40 + "\n"
    assert load_yaml(anchor + "b: " + "[" * 20 + "*x" + "]" * 20)["b"]
    with pytest.raises(YamlRefused, match="nested deeper"):
        load_yaml(anchor + "b: " + "[" * 30 + "*x" + "]" * 30)


def test_an_alias_bomb_and_a_self_reference_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    with pytest.raises(YamlRefused, match="through aliases"):
        load_yaml("\n".join(lines))
    with pytest.raises(YamlRefused, match="refers to itself"):
        load_yaml("a: &a [*a]\n")


def test_size_values_and_tags_are_refused_without_quoting_the_text() -> None:
    cases = [
        ("a: " + "x" * 200 + SECRET, 100, "larger than 100 characters"),
        (f"a: !!int 9{'9' * 5000}\nb: {SECRET}\n", MAX_CHARS, "values YAML cannot represent"),
        (f"a: !!python/object:os.system {SECRET}\n", MAX_CHARS, "tag"),
        (f"a: {SECRET}\nb: [\n", MAX_CHARS, "not valid YAML"),
        (f"a: {SECRET}\n---\nb: 2\n", MAX_CHARS, "not valid YAML"),
    ]
    for text, max_chars, reason in cases:
        with pytest.raises(YamlRefused) as caught:
            load_yaml(text, max_chars=max_chars)
        assert reason in caught.value.message
        assert SECRET not in caught.value.message and SECRET not in str(caught.value.to_wire())


def test_syntax_errors_carry_the_line_and_the_parsers_words_apart() -> None:
    with pytest.raises(YamlRefused) as caught:
        load_yaml("a: 1\nb: [\n")
    assert caught.value.line == 3
    assert caught.value.problem and "flow" in caught.value.problem
    assert caught.value.message == "the YAML did not load: it is not valid YAML (line 3)"


@pytest.mark.parametrize("failure", [RecursionError, MemoryError])
def test_recursion_and_memory_errors_in_the_parser_are_the_same_error(
    monkeypatch: pytest.MonkeyPatch, failure: type[BaseException]
) -> None:
    def explode(self: Any, node: Any) -> Any:
        raise failure

    monkeypatch.setattr(yaml.constructor.SafeConstructor, "construct_document", explode)
    with pytest.raises(YamlRefused):
        load_yaml("a: 1\n")


def test_an_empty_document_is_none_and_nodes_keep_their_marks() -> None:
    assert load_yaml("# nothing\n") is None
    node = compose_yaml("a:\n  b: 1\n")
    assert node is not None and node.value[0][1].start_mark.line == 1


@pytest.mark.anyio
async def test_the_async_loader_parses_in_a_worker_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    import zcp.safe_yaml as module

    seen: list[int] = []
    real = module.load_yaml

    def spy(text: str, **limits: Any) -> Any:
        seen.append(threading.get_ident())
        return real(text, **limits)

    monkeypatch.setattr(module, "load_yaml", spy)
    assert await load_yaml_async("a: 1\n") == {"a": 1}
    assert seen and seen[0] != threading.get_ident()
    with pytest.raises(YamlRefused):
        await load_yaml_async("a: [" * 5000)


def _validated(depth: int) -> list[list[str]]:
    zerops = "zerops:\n  - setup: dev\n    run:\n      envVariables:\n        X: " + "[" * depth + "]" * depth
    imports = "services:\n  - hostname: a\n    type: nodejs@22\n    x: " + "[" * depth + "]" * depth
    return [
        [p.rule for p in report.problems]
        for report in (validate_zerops_yaml(zerops), validate_import_yaml(imports))
    ]


@pytest.mark.parametrize("depth", [900, 5000])
def test_the_validators_report_deep_documents_as_one_yaml_problem(depth: int) -> None:
    assert _validated(depth) == [["yaml"], ["yaml"]]


def test_the_validators_parse_a_document_under_the_depth_limit() -> None:
    # The documents' own keys add five levels; this stays under the limit, so any problem is the
    # schema's (a list where a string goes, an unknown key), never the YAML's.
    for rules in _validated(MAX_DEPTH - 10):
        assert "yaml" not in rules


def test_zcps_own_push_refuses_a_deep_zerops_yaml_as_invalid_zerops_yml() -> None:
    with pytest.raises(InvalidZeropsYaml) as caught:
        setup_names("zerops:\n" + "  - " * 5000 + "x")
    assert "nested deeper" in caught.value.message and caught.value.suggestion
