"""Meta-tests over the tool registry (Datasette style): adding a tool without its annotations, output
schema, description, README row or behaviour test fails here, and any change to what ``tools/list``
publishes shows up as a snapshot diff to review (``make snapshots``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from mcp.types import Tool

from tests.tools.tool_listing import (
    LIST_BUDGET_BYTES,
    WORKFLOW_BUDGET_BYTES,
    list_tools,
    listing_bytes,
    render_markdown,
    tool_bytes,
)
from zcp.app import App
from zcp.config import Settings
from zcp.tools import tool_factories
from zcp.tools.base import ToolDefinition

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[2]
MAX_DESCRIPTION_WORDS = 80
DEFINITIONS: list[ToolDefinition] = [factory(App(Settings())) for factory in tool_factories()]
NAMES = [definition.name for definition in DEFINITIONS]


async def _tools() -> dict[str, Tool]:
    return {tool.name: tool for tool in (await list_tools()).tools}


def _readme_rows() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Tools\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\|\s*`([a-z_]+)`\s*\|", section, flags=re.MULTILINE)


def test_tool_names_are_unique_and_follow_the_zerops_prefix() -> None:
    assert len(NAMES) == len(set(NAMES))
    assert all(re.fullmatch(r"zerops(_[a-z]+)+", name) for name in NAMES), NAMES


async def test_tools_are_listed_once_each_in_registry_order() -> None:
    assert [tool.name for tool in (await list_tools()).tools] == NAMES


@pytest.mark.parametrize("name", NAMES)
async def test_every_tool_sets_all_four_hints_and_a_title(name: str) -> None:
    tool = (await _tools())[name]
    hints = tool.annotations
    assert hints is not None
    assert None not in (
        hints.read_only_hint,
        hints.destructive_hint,
        hints.idempotent_hint,
        hints.open_world_hint,
    )
    assert tool.title
    assert hints.title is None  # published once, on the tool
    if hints.read_only_hint:
        assert hints.destructive_hint is False, "a read-only tool cannot be destructive"


@pytest.mark.parametrize("name", NAMES)
async def test_every_tool_publishes_an_output_schema_and_a_closed_input_schema(name: str) -> None:
    tool = (await _tools())[name]
    assert tool.output_schema is not None
    assert tool.output_schema.get("type") == "object" and tool.output_schema.get("properties")
    assert tool.input_schema.get("type") == "object"
    assert tool.input_schema.get("additionalProperties") is False


@pytest.mark.parametrize("definition", DEFINITIONS, ids=NAMES)
def test_every_description_is_present_and_short(definition: ToolDefinition) -> None:
    words = definition.description.split()
    assert words, f"{definition.name} has no description"
    assert len(words) <= MAX_DESCRIPTION_WORDS, f"{definition.name}: {len(words)} words"


@pytest.mark.parametrize("definition", DEFINITIONS, ids=NAMES)
def test_a_read_only_annotation_means_the_tool_is_never_write_gated(definition: ToolDefinition) -> None:
    if definition.annotations.read_only_hint:
        assert definition.read_only, (
            f"{definition.name} says read-only but would be refused in read-only mode"
        )


@pytest.mark.parametrize("name", NAMES)
def test_every_tool_has_a_row_in_the_readme_tools_table(name: str) -> None:
    assert name in _readme_rows(), f"README.md '## Tools' has no row for `{name}`"


def test_the_readme_tools_table_lists_no_tool_that_does_not_exist() -> None:
    stale = sorted(set(_readme_rows()) - set(NAMES))
    assert not stale, f"README rows for unregistered tools: {stale}"


@pytest.mark.parametrize("name", NAMES)
def test_every_tool_has_a_behaviour_test_module(name: str) -> None:
    short = name.removeprefix("zerops_")
    candidates = [
        REPO / "tests" / "tools" / f"test_{short}.py",
        REPO / "tests" / "tools" / f"test_{short}_tool.py",
    ]
    found = [path for path in candidates if path.is_file()]
    assert found, f"no tests/tools/test_{short}.py"
    text = found[0].read_text(encoding="utf-8")
    assert name in text and re.search(r"^(async )?def test_", text, flags=re.MULTILINE)


async def test_tools_list_is_snapshotted_for_review(snapshot_md: Any) -> None:
    assert render_markdown(await list_tools()) == snapshot_md


async def test_tools_list_stays_under_its_byte_budget() -> None:
    result = await list_tools()
    size = listing_bytes(result)
    largest = sorted(((tool_bytes(t), t.name) for t in result.tools), reverse=True)[:3]
    assert size < LIST_BUDGET_BYTES, (
        f"tools/list is {size} bytes (budget {LIST_BUDGET_BYTES}); largest: {largest}"
    )


async def test_zerops_workflow_stays_under_its_own_byte_budget() -> None:
    result = await list_tools()
    (workflow,) = [t for t in result.tools if t.name == "zerops_workflow"]
    assert tool_bytes(workflow) < WORKFLOW_BUDGET_BYTES


def test_the_registry_names_each_tool_as_its_factory_does() -> None:
    from zcp.tools import TOOL_MODULES, tool_factory

    app = App(Settings())
    assert [name for name, _m, _f in TOOL_MODULES] == [d.name for d in DEFINITIONS]
    for name, _module, _factory in TOOL_MODULES:
        factory = tool_factory(name)
        assert factory is not None and factory(app).name == name
    assert tool_factory("zerops_nope") is None
