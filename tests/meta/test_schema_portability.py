"""Every published schema says what it accepts: no sub-schema is an empty object (which constrains
nothing and is flagged by strict MCP clients such as the Inspector's ``--strict``)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tools.tool_listing import list_tools

pytestmark = pytest.mark.anyio

_SCHEMA_KEYS = ("additionalProperties", "propertyNames", "items", "contains", "not")


def _empty_subschemas(node: Any, path: str) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if key in _SCHEMA_KEYS and isinstance(value, dict) and not set(value) - {"description", "title"}:
                found.append(where)
            found += _empty_subschemas(value, where)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += _empty_subschemas(item, f"{path}[{i}]")
    return found


async def test_no_tool_schema_has_an_empty_sub_schema() -> None:
    listing = await list_tools()
    problems: list[str] = []
    for tool in listing.tools:
        problems += _empty_subschemas(tool.input_schema, f"{tool.name}.inputSchema")
        problems += _empty_subschemas(tool.output_schema or {}, f"{tool.name}.outputSchema")
    assert problems == []
