"""Positions of keys and values in loaded YAML."""

from __future__ import annotations

import pytest

from zcp.schema.yaml_marks import Mark, YamlProblem, load_yaml


def test_values_and_keys_have_one_based_positions() -> None:
    loaded = load_yaml("a:\n  b: [1, 2]\n  'c d': x\n")
    assert loaded.data == {"a": {"b": [1, 2], "c d": "x"}}
    assert loaded.mark_of(["a", "b", 1]) == Mark(2, 10)
    assert loaded.mark_of(["a", "c d"], key=True) == Mark(3, 3)
    assert loaded.mark_of(["a", "missing"]) is None


def test_merged_keys_point_at_the_anchor() -> None:
    loaded = load_yaml("base: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\n")
    assert loaded.data["child"] == {"x": 1, "y": 2}
    assert loaded.mark_of(["child", "y"]) == Mark(4, 6)


def test_syntax_errors_carry_the_position() -> None:
    with pytest.raises(YamlProblem) as caught:
        load_yaml("a: [1,\nb: 2\n")
    assert caught.value.mark is not None
    assert caught.value.mark.line >= 2


def test_an_empty_document_loads_as_none() -> None:
    assert load_yaml("# nothing\n").data is None


def test_deep_nesting_is_refused_instead_of_crashing() -> None:
    with pytest.raises(YamlProblem):
        load_yaml("[" * 5000 + "]" * 5000)
