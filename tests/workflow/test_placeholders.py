"""Atom body templates: placeholders, env references, the for-each-service block, errors with lines."""

from __future__ import annotations

import pytest

from zcp.workflow.placeholders import TemplateError, parse_template

VALUES = {"hostname": "appdev", "stage-hostname": "appstage", "project-name": "demo", "service-type": "go@1"}


def test_every_placeholder_is_substituted() -> None:
    template = parse_template("{hostname} {stage-hostname} {project-name} {service-type}", allow_block=False)
    assert template.render(VALUES) == "appdev appstage demo go@1"


def test_zerops_env_references_and_other_braces_are_left_alone() -> None:
    body = 'url: ${db_hostname}\njson: {"a": 1}\nports: [{port: 3000}]\nmixed ${hostname} and {hostname}'
    rendered = parse_template(body, allow_block=False).render(VALUES)
    assert (
        rendered == 'url: ${db_hostname}\njson: {"a": 1}\nports: [{port: 3000}]\nmixed ${hostname} and appdev'
    )


def test_an_unknown_placeholder_is_an_error_with_its_line() -> None:
    with pytest.raises(TemplateError) as caught:
        parse_template("fine line\nuse port {port} here\n", allow_block=False)
    assert caught.value.line == 2
    assert "unknown placeholder {port}" in caught.value.message
    assert "<port>" in caught.value.message


def test_values_are_substituted_once_so_braces_in_values_never_expand() -> None:
    template = parse_template("project {project-name}", allow_block=False)
    assert template.render({**VALUES, "project-name": "{hostname}"}) == "project {hostname}"


def test_the_block_repeats_once_per_service_with_that_services_values() -> None:
    body = "Intro {hostname}\n<!-- for-each-service -->\n- deploy {hostname} ({service-type})\n<!-- end-for-each-service -->\nEnd\n"
    template = parse_template(body, allow_block=True)
    per_service = [{**VALUES, "hostname": "api"}, {**VALUES, "hostname": "web", "service-type": "static"}]
    assert (
        template.render(VALUES, per_service)
        == "Intro appdev\n- deploy api (go@1)\n- deploy web (static)\nEnd"
    )
    assert template.has_block


@pytest.mark.parametrize(
    ("body", "allow_block", "line", "fragment"),
    [
        ("a\n<!-- for-each-service -->\nb\n", True, 2, "never closed"),
        ("a\n<!-- end-for-each-service -->\n", True, 2, "without a for-each-service"),
        ("<!-- for-each-service -->\n<!-- for-each-service -->\n", True, 2, "cannot be nested"),
        (
            "<!-- for-each-service -->\nx\n<!-- end-for-each-service -->\n<!-- for-each-service -->\n",
            True,
            4,
            "only one",
        ),
        ("text <!-- for-each-service -->\n", True, 1, "line of its own"),
        (
            "<!-- for-each-service -->\nx\n<!-- end-for-each-service -->\n",
            False,
            1,
            "multiService: aggregate",
        ),
    ],
)
def test_malformed_blocks_are_errors_with_their_line(
    body: str, allow_block: bool, line: int, fragment: str
) -> None:
    with pytest.raises(TemplateError) as caught:
        parse_template(body, allow_block=allow_block)
    assert caught.value.line == line
    assert fragment in caught.value.message


def test_rendered_bodies_are_trimmed() -> None:
    assert parse_template("\n\n  text {hostname}  \n\n", allow_block=False).render(VALUES) == "text appdev"
