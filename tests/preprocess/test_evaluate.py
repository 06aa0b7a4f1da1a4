"""Limits and lookups of the evaluator: call budget, deadline, output size, unknown names."""

from __future__ import annotations

import itertools
import random

import pytest

from zcp.errors import InvalidParameter
from zcp.preprocess import Limits, expand
from zcp.preprocess.evaluate import closest


def details_of(text: str, **kwargs: object) -> dict[str, object]:
    with pytest.raises(InvalidParameter) as caught:
        expand(text, rng=random.Random(1), **kwargs)  # type: ignore[arg-type]
    return dict(caught.value.details or {})


def test_two_hundred_calls_are_allowed_by_default() -> None:
    text = "<@setVar(<x>, <1>)>" + "<@getVar(x)>" * 199
    assert expand(text) == "1" * 200


def test_the_201st_call_is_refused_at_its_column() -> None:
    text = "<@setVar(<x>, <1>)>" + "<@getVar(x)>" * 200
    details = details_of(text)
    assert details["reason"] == "call_limit"
    assert details["column"] == len("<@setVar(<x>, <1>)>") + 199 * len("<@getVar(x)>") + 1


def test_modifiers_count_towards_the_call_limit() -> None:
    details = details_of("<@getVar(<a>) | upper | lower>", limits=Limits(max_calls=2))
    assert details == {"reason": "call_limit", "line": 1, "column": 25}


def test_a_run_past_its_deadline_stops_with_a_timeout() -> None:
    ticks = itertools.count(0.0, 10.0)  # every reading of the clock is 10 s later
    details = details_of(
        "<@getVar(<a>)><@getVar(<b>)>", limits=Limits(timeout=15), monotonic=lambda: next(ticks)
    )
    assert details["reason"] == "timeout"
    assert details["column"] == 15


def test_output_that_doubles_itself_is_stopped_by_the_size_limit() -> None:
    grow = "<@setVar(<x>, <@getVar(x)><@getVar(x)>)>"
    text = "<@setVar(<x>, <@generateRandomString(<1024>)>)>" + grow * 40
    details = details_of(text, limits=Limits(max_output_bytes=100_000))
    assert details["reason"] == "output_too_large"


def test_input_longer_than_the_limit_is_refused_before_parsing() -> None:
    details = details_of("<@getVar(<a>)>" + "x" * 50, limits=Limits(max_input_chars=20))
    assert details["reason"] == "input_too_long"


def test_an_unknown_function_points_at_its_name_and_suggests_the_closest() -> None:
    with pytest.raises(InvalidParameter) as caught:
        expand("x <@generateRandomStrin(<5>)>")
    assert caught.value.details == {"reason": "unknown_function", "line": 1, "column": 5}
    assert caught.value.suggestion == "Did you mean generateRandomString?"


def test_an_unknown_function_with_no_close_match_lists_the_known_ones() -> None:
    with pytest.raises(InvalidParameter) as caught:
        expand("<@zzz()>")
    assert "setVar" in (caught.value.suggestion or "")


def test_a_failing_call_leaves_earlier_variables_but_a_syntax_error_leaves_none() -> None:
    variables: dict[str, str] = {}
    with pytest.raises(InvalidParameter):
        expand("<@setVar(<a>, <1>)><@getVar(missing)>", variables=variables)
    assert variables == {}  # the store is only written back after a successful run
    with pytest.raises(InvalidParameter):
        expand("<@setVar(<a>, <1>)><@getVar(", variables=variables)
    assert variables == {}


def test_closest_returns_none_when_nothing_is_similar() -> None:
    assert closest("zzzz", ["upper", "lower"]) is None
