"""compact_schema trims what tools/list carries without changing what a schema accepts."""

from __future__ import annotations

from typing import Any

import anyio
from pydantic import BaseModel

from tests.tools.tool_listing import list_tools
from zcp.tools.base import compact_schema


class Hit(BaseModel):
    title: str
    uri: str | None = None


class Answer(BaseModel):
    hits: list[Hit]
    title: str | None = None


def test_titles_go_but_a_field_named_title_stays() -> None:
    schema = compact_schema(Answer.model_json_schema(), output=True)
    assert "title" not in schema  # pydantic's model title
    assert set(schema["properties"]) == {"hits", "title"}
    item = schema["properties"]["hits"]["items"]
    assert set(item["properties"]) == {"title", "uri"} and item["required"] == ["title"]
    assert schema["properties"]["title"] == {"type": "string"}  # Optional collapsed, default None dropped
    assert "$defs" not in schema and "$ref" not in str(schema)


def _required_without_property(node: Any, path: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            found += [f"{path}.{name}" for name in node.get("required", []) if name not in props]
        for key, value in node.items():
            found += _required_without_property(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _required_without_property(value, f"{path}[{index}]")
    return found


def test_every_required_field_of_every_published_schema_has_a_property() -> None:
    from zcp.tools import TOOL_NAMES

    result = anyio.run(list_tools)
    assert [t.name for t in result.tools] == list(TOOL_NAMES)  # every registered tool is checked
    assert all(t.output_schema for t in result.tools)
    missing = [
        f"{tool.name}{where}"
        for tool in result.tools
        for schema in (tool.input_schema, tool.output_schema or {})
        for where in _required_without_property(schema)
    ]
    assert missing == []
