"""zerops_knowledge through the MCP SDK client: every mode, every error, structured output."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.plugins.core import result_text
from tests.plugins.knowledge import make_app
from zcp.knowledge.store import KnowledgeStore

pytestmark = pytest.mark.anyio


def _error(result: Any) -> dict[str, Any]:
    assert result.is_error, result
    payload: dict[str, Any] = json.loads(result_text(result))
    assert set(payload) >= {"code", "error"}
    return payload


async def test_the_tool_is_listed_with_true_annotations_and_schemas(knowledge_client: Any) -> None:
    tools = {t.name: t for t in (await knowledge_client.list_tools()).tools}
    tool = tools["zerops_knowledge"]
    hints = tool.annotations
    assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint, hints.open_world_hint) == (
        True,
        False,
        True,
        False,
    )
    assert tool.input_schema["additionalProperties"] is False
    assert tool.output_schema is not None and "mode" in tool.output_schema["properties"]


async def test_query_returns_structured_hits_and_readable_text(knowledge_client: Any) -> None:
    result = await knowledge_client.call_tool(
        "zerops_knowledge", {"query": "postgres connection string", "limit": 3}
    )
    assert not result.is_error
    data = result.structured_content
    assert data["mode"] == "query" and 1 <= len(data["hits"]) <= 3
    top = data["hits"][0]
    assert top["uri"].startswith("zerops://") and top["provenance"]["path"].endswith(".md")
    assert top["uri"] in result_text(result)


async def test_uri_mode_returns_the_document_with_paging_fields(knowledge_client: Any) -> None:
    result = await knowledge_client.call_tool(
        "zerops_knowledge", {"uri": "zerops://themes/services#postgresql"}
    )
    data = result.structured_content
    assert data["mode"] == "uri" and data["markdown"].startswith("## PostgreSQL")
    assert data["page"] == 1 and data["pages"] >= 1


async def test_recipe_briefing_and_scope_modes_return_markdown(knowledge_client: Any) -> None:
    recipe = await knowledge_client.call_tool("zerops_knowledge", {"recipe": "nodejs", "mode": "standard"})
    assert recipe.structured_content["uri"] == "zerops://recipes/nodejs"
    assert "setup: prod" in recipe.content[0].text
    briefing = await knowledge_client.call_tool(
        "zerops_knowledge", {"runtime": "nodejs@22", "services": ["postgresql@16", "valkey@7.2"]}
    )
    assert "zerops://themes/services#valkey" in briefing.structured_content["sources"]
    scope = await knowledge_client.call_tool("zerops_knowledge", {"scope": "infrastructure"})
    assert scope.structured_content["sources"] and not scope.is_error


@pytest.mark.parametrize(
    ("arguments", "code", "fragment"),
    [
        ({}, "INVALID_PARAMETER", "no mode selected"),
        ({"query": "x", "uri": "zerops://themes/services"}, "INVALID_PARAMETER", "uri + query"),
        (
            {"recipe": "nodejs", "scope": "infrastructure", "runtime": "go@1"},
            "INVALID_PARAMETER",
            "recipe + scope + runtime",
        ),
        ({"query": "   "}, "INVALID_PARAMETER", "query is empty"),
        ({"scope": "everything"}, "INVALID_PARAMETER", "scope"),
        ({"query": "x", "limit": 0}, "INVALID_PARAMETER", "limit"),
        ({"query": "x", "limit": "many"}, "INVALID_PARAMETER", "limit"),
        ({"query": "x", "colour": "red"}, "INVALID_PARAMETER", "colour"),
        ({"query": "x", "axes": {"moods": ["happy"]}}, "INVALID_PARAMETER", "unknown axis"),
        ({"recipe": "nodejs", "limit": 3}, "INVALID_PARAMETER", "only apply to query"),
        ({"uri": "zerops://themes/nope"}, "FILE_NOT_FOUND", "no document"),
        ({"uri": "not a uri"}, "INVALID_PARAMETER", "not a knowledge URI"),
        ({"recipe": "cobol"}, "FILE_NOT_FOUND", "no recipe"),
        ({"runtime": "cobol@1"}, "FILE_NOT_FOUND", "nothing in the knowledge base"),
        ({"uri": "zerops://themes/services", "page": 99}, "INVALID_PARAMETER", "out of range"),
    ],
)
async def test_bad_calls_return_one_structured_error(
    knowledge_client: Any, arguments: dict[str, Any], code: str, fragment: str
) -> None:
    payload = _error(await knowledge_client.call_tool("zerops_knowledge", arguments))
    assert payload["code"] == code
    assert fragment in payload["error"]
    assert payload.get("suggestion")


async def test_a_misspelt_parameter_gets_the_right_name_suggested(knowledge_client: Any) -> None:
    payload = _error(await knowledge_client.call_tool("zerops_knowledge", {"querry": "postgres"}))
    assert "'querry' → 'query'" in payload["suggestion"]


async def test_boolean_like_and_numeric_strings_are_tolerated_where_agents_drift(
    knowledge_client: Any,
) -> None:
    result = await knowledge_client.call_tool("zerops_knowledge", {"query": "valkey", "limit": "2"})
    assert not result.is_error and len(result.structured_content["hits"]) <= 2


async def test_documents_are_listed_and_readable_as_resources(knowledge_client: Any) -> None:
    listed = await knowledge_client.list_resources()
    uris = {str(r.uri) for r in listed.resources}
    assert "zerops://themes/services" in uris
    templates = await knowledge_client.list_resource_templates()
    assert [t.uri_template for t in templates.resource_templates] == ["zerops://{kind}/{name}"]
    read = await knowledge_client.read_resource("zerops://themes/services")
    assert "## PostgreSQL" in read.contents[0].text


async def test_reading_an_unknown_resource_is_a_protocol_error(knowledge_client: Any) -> None:
    from mcp.shared.exceptions import MCPError

    with pytest.raises(MCPError):
        await knowledge_client.read_resource("zerops://themes/nope")


_ARGUMENT_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=100),
    st.text(max_size=30),
    st.lists(st.text(max_size=10), max_size=3),
    st.dictionaries(st.text(max_size=8), st.lists(st.text(max_size=8), max_size=2), max_size=2),
)
_KEYS = st.sampled_from(
    [
        "query",
        "limit",
        "kinds",
        "stacks",
        "axes",
        "runtime",
        "services",
        "scope",
        "recipe",
        "uri",
        "page",
        "mode",
        "x",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arguments=st.dictionaries(_KEYS, _ARGUMENT_VALUES, max_size=4))
async def test_no_input_raises_or_returns_an_unstructured_error(
    real_store: KnowledgeStore, arguments: dict[str, Any]
) -> None:
    from mcp import Client

    from zcp.server.app import build_server

    async with Client(build_server(make_app(real_store)), mode="legacy") as client:
        result = await client.call_tool("zerops_knowledge", arguments)
    if result.is_error:
        payload = json.loads(result_text(result))
        assert payload["code"] in {"INVALID_PARAMETER", "FILE_NOT_FOUND"}
        assert payload["error"] and payload["suggestion"]
    else:
        assert result.structured_content["mode"] in {"query", "briefing", "scope", "recipe", "uri"}


def test_the_published_limit_maximum_matches_the_search_engine() -> None:
    from zcp.knowledge import search
    from zcp.tools import knowledge

    assert knowledge.MAX_LIMIT == search.MAX_LIMIT
