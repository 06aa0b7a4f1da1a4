"""Search bodies (EsFilter): validation, filters on dotted fields, sorting and paging."""

from __future__ import annotations

from typing import Any

import pytest

from zcp.sandbox.failures import ApiFailure
from zcp.sandbox.search import parse_search, run_search

ITEMS: list[dict[str, Any]] = [
    {
        "id": "a",
        "clientId": "c1",
        "created": "2025-06-02T08:00:00Z",
        "build": {"serviceStackId": "b1"},
        "n": 3,
    },
    {"id": "b", "clientId": "c1", "created": "2025-06-02T08:00:00.5Z", "build": None, "n": 1},
    {
        "id": "c",
        "clientId": "c2",
        "created": "2025-06-02T07:59:59.999999Z",
        "build": {"serviceStackId": "b2"},
        "n": 2,
    },
]


def search(body: dict[str, Any]) -> tuple[list[str], int]:
    page, total = run_search(ITEMS, parse_search({"search": [], "sort": [], **body}))
    return [item["id"] for item in page], total


def test_eq_and_ne_filter_on_dotted_paths() -> None:
    assert search({"search": [{"name": "clientId", "operator": "eq", "value": "c1"}]}) == (["a", "b"], 2)
    assert search({"search": [{"name": "build.serviceStackId", "operator": "ne", "value": "b1"}]}) == (
        ["b", "c"],
        2,
    )


def test_timestamps_sort_by_time_whatever_their_precision() -> None:
    assert search({"sort": [{"name": "created", "ascending": False}]})[0] == ["b", "a", "c"]
    assert search({"sort": [{"name": "n"}]})[0] == ["b", "c", "a"]


def test_offset_and_limit_page_while_total_counts_every_match() -> None:
    assert search({"sort": [{"name": "id"}], "offset": 1, "limit": 1}) == (["b"], 3)
    assert search({"limit": None}) == (["a", "b", "c"], 3)


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"sort": []}, "search"),
        ({"search": []}, "sort"),
        ({"search": [{"name": "x"}], "sort": []}, "search[0]"),
        ({"search": [{"name": "x", "operator": "gt", "value": "1"}], "sort": []}, "search[0].operator"),
        ({"search": [], "sort": [{}]}, "sort[0].name"),
        ({"search": [], "sort": [], "limit": -1}, "limit"),
        ({"search": [], "sort": [], "offset": "2"}, "offset"),
    ],
)
def test_malformed_search_bodies_are_invalid_user_input(body: dict[str, Any], parameter: str) -> None:
    with pytest.raises(ApiFailure) as caught:
        parse_search(body)
    assert caught.value.code == "invalidUserInput"
    assert parameter in [item["parameter"] for item in caught.value.meta]
