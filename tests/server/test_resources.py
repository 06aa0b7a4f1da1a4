"""Knowledge documents as MCP resources: the listing users browse, pages of it, #section reads."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS

from zcp.knowledge.documents import Kind
from zcp.knowledge.store import KnowledgeStore
from zcp.server.resources import LISTED_KINDS, PAGE_SIZE

pytestmark = pytest.mark.anyio


async def _all_pages(client: Any) -> tuple[list[Any], int]:
    resources: list[Any] = []
    pages = 0
    cursor: str | None = None
    while True:
        page = await client.list_resources(cursor=cursor)
        pages += 1
        resources.extend(page.resources)
        cursor = page.next_cursor
        if cursor is None:
            return resources, pages


async def test_resources_list_pages_through_what_a_user_would_open_and_no_atoms(
    knowledge_client: Any, real_store: KnowledgeStore
) -> None:
    resources, pages = await _all_pages(knowledge_client)
    uris = [str(r.uri) for r in resources]
    expected = [
        d.uri
        for kind in LISTED_KINDS
        for d in sorted(real_store.corpus.of_kind(Kind(kind)), key=lambda d: d.name)
    ]
    assert uris == expected
    assert len(uris) == len(set(uris))
    assert not any(u.startswith("zerops://atoms/") for u in uris)
    assert pages == -(-len(expected) // PAGE_SIZE)
    assert {"zerops://themes/services", "zerops://recipes/nodejs"} <= set(uris)
    assert all(r.mime_type == "text/markdown" and r.name and r.title for r in resources)


async def test_a_cursor_this_server_did_not_hand_out_is_an_invalid_params_error(
    knowledge_client: Any,
) -> None:
    with pytest.raises(MCPError) as caught:
        await knowledge_client.list_resources(cursor="not-a-cursor")
    assert caught.value.error.code == INVALID_PARAMS


async def test_reading_a_section_uri_returns_only_that_section(knowledge_client: Any) -> None:
    result = await knowledge_client.read_resource("zerops://themes/services#valkey")
    content = result.contents[0]
    assert str(content.uri) == "zerops://themes/services#valkey"
    assert content.mime_type == "text/markdown"
    assert content.text.startswith("## Valkey")
    assert "## PostgreSQL" not in content.text


async def test_atoms_are_not_listed_but_stay_readable_by_uri(
    knowledge_client: Any, real_store: KnowledgeStore
) -> None:
    atom = real_store.corpus.of_kind(Kind.ATOM)[0]
    result = await knowledge_client.read_resource(atom.uri)
    assert result.contents[0].text.strip()


@pytest.mark.parametrize(
    "uri",
    ["zerops://themes/no-such-doc", "zerops://themes/services#no-such-section", "https://example.com/x"],
)
async def test_an_unknown_resource_is_an_invalid_params_error_naming_it(
    knowledge_client: Any, uri: str
) -> None:
    with pytest.raises(MCPError) as caught:
        await knowledge_client.read_resource(uri)
    assert caught.value.error.code == INVALID_PARAMS


async def test_the_template_advertises_sections(knowledge_client: Any) -> None:
    templates = (await knowledge_client.list_resource_templates()).resource_templates
    assert [t.uri_template for t in templates] == ["zerops://{kind}/{name}"]
    assert "#section" in (templates[0].description or "")
