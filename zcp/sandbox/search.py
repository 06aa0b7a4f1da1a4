"""Evaluate an ``EsFilter`` search body against rendered JSON objects.

Search items compare a dotted field path (``clientId``, ``build.serviceStackId``) with ``eq``/``ne``
(values are strings on the wire, so the comparison is on string forms); ``sort`` orders by a field;
``offset``/``limit`` page the result and ``totalHits`` counts every match. Malformed bodies get the
``invalidUserInput`` error the API's DTO validation gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from zcp.platform.status import parse_timestamp
from zcp.sandbox.failures import invalid_input

_OPERATORS = ("eq", "ne")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


@dataclass(frozen=True)
class Condition:
    name: str
    operator: str
    value: str


@dataclass(frozen=True)
class Sort:
    name: str
    ascending: bool


@dataclass(frozen=True)
class SearchRequest:
    conditions: tuple[Condition, ...] = ()
    sort: tuple[Sort, ...] = ()
    offset: int = 0
    limit: int | None = None


def parse_search(body: Any) -> SearchRequest:
    """Validate and read an ``EsFilter`` body."""
    if not isinstance(body, dict):
        raise invalid_input({"body": "must be a JSON object"})
    problems: dict[str, str] = {}
    search = body.get("search")
    sort = body.get("sort")
    if not isinstance(search, list):
        problems["search"] = "required, an array of {name, operator, value}"
        search = []
    if not isinstance(sort, list):
        problems["sort"] = "required, an array of {name, ascending}"
        sort = []
    conditions = []
    for index, item in enumerate(search):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("name", "operator", "value")
        ):
            problems[f"search[{index}]"] = "name, operator and value are required strings"
            continue
        if item["operator"].lower() not in _OPERATORS:
            problems[f"search[{index}].operator"] = f"unsupported operator {item['operator']!r}"
            continue
        conditions.append(Condition(item["name"], item["operator"].lower(), item["value"]))
    sorts = []
    for index, item in enumerate(sort):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            problems[f"sort[{index}].name"] = "required string"
            continue
        sorts.append(Sort(item["name"], item.get("ascending") is not False))
    offset = body.get("offset")
    limit = body.get("limit")
    if offset is not None and (not isinstance(offset, int) or offset < 0):
        problems["offset"] = "must be a non-negative integer or null"
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        problems["limit"] = "must be a non-negative integer or null"
    if problems:
        raise invalid_input(problems)
    return SearchRequest(tuple(conditions), tuple(sorts), offset or 0, limit)


def field_value(item: dict[str, Any], path: str) -> Any:
    value: Any = item
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _sort_key(value: Any) -> tuple[int, Any]:
    """Timestamps by time (their fractions vary in length), numbers by value, the rest as text."""
    if isinstance(value, bool) or value is None:
        return (2, _as_text(value))
    if isinstance(value, int | float):
        return (1, float(value))
    if isinstance(value, str) and _TIMESTAMP.match(value):
        moment = parse_timestamp(value)
        if moment is not None:
            return (0, moment.timestamp())
    return (2, _as_text(value))


def run_search(items: list[dict[str, Any]], request: SearchRequest) -> tuple[list[dict[str, Any]], int]:
    """The page of matching items and the total number of matches."""
    matched = [
        item
        for item in items
        if all(
            (_as_text(field_value(item, c.name)) == c.value) == (c.operator == "eq")
            for c in request.conditions
        )
    ]
    for order in reversed(request.sort):
        matched.sort(key=lambda item: _sort_key(field_value(item, order.name)), reverse=not order.ascending)
    total = len(matched)
    end = None if request.limit is None else request.offset + request.limit
    return matched[request.offset : end], total
