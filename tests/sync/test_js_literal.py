"""The data expressions MDX pages pass to components."""

from __future__ import annotations

import pytest

from zcp.sync.js_literal import UNRESOLVED, evaluate

SCOPE = {"data": {"nodejs": {"base": [["nodejs@22", "nodejs@latest"]], "default": "22"}}, "n": 3}


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("' '", " "),
        ('"a \\" b"', 'a " b'),
        ("`multi\nline`", "multi\nline"),
        ("42", 42),
        ("-1.5", -1.5),
        ("true", True),
        ("null", None),
        ("[1, 'two', [3]]", [1, "two", [3]]),
        ("{ a: 1, 'b': 'x', c: [true], }", {"a": 1, "b": "x", "c": [True]}),
        ("data.nodejs.default", "22"),
        ("data['nodejs'].base[0][1]", "nodejs@latest"),
        ("data.nodejs.base.length", 1),
        ("{ n }", {"n": 3}),
        ("/* note */ 'x'", "x"),
    ],
)
def test_supported_literals_and_lookups_evaluate(source: str, value: object) -> None:
    assert evaluate(source, SCOPE) == value


@pytest.mark.parametrize(
    "source", ["missing.name", "f(1)", "1 + 2", "`a ${b}`", "<Icons.x/>", "data.nodejs.nope", "[1,"]
)
def test_anything_else_is_unresolved_rather_than_guessed(source: str) -> None:
    assert evaluate(source, SCOPE) is UNRESOLVED


def test_unsupported_property_values_do_not_hide_the_rest_of_the_object() -> None:
    value = evaluate("{ label: 'Go', icon: <Icons.go/>, href: '/go' }")
    assert value == {"label": "Go", "icon": UNRESOLVED, "href": "/go"}
