"""Both protocol eras over a real STDIO subprocess: the handshake era (initialize, 2025-11-25)
and the stateless 2026-07-28 era (per-request envelope, server/discover), every feature in each."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp.types import PromptReference, ResourceTemplateReference

from tests.plugins.core import result_text
from tests.server.http_server import serve_env, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ERAS = {"legacy": "2025-11-25", "2026-07-28": "2026-07-28", "auto": "2026-07-28"}


@pytest.mark.parametrize("mode", list(ERAS))
async def test_every_feature_works_in_both_protocol_eras(tmp_path: Path, mode: str) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "zcp", "serve"], env=serve_env(tmp_path)
    )
    async with Client(params, mode=mode, read_timeout_seconds=30) as client:
        assert client.protocol_version == ERAS[mode]
        if mode != "2026-07-28":  # a pinned version adopts a synthesized discover result; the others ask
            capabilities = client.server_capabilities
            assert capabilities.tools and capabilities.resources and capabilities.prompts
            assert capabilities.completions

        tools = (await client.list_tools()).tools
        assert [t.name for t in tools][:3] == ["zerops_workflow", "zerops_knowledge", "zerops_discover"]
        hit = await client.call_tool("zerops_knowledge", {"query": "valkey port"})
        assert hit.structured_content["hits"][0]["uri"] == "zerops://themes/services#valkey"
        refused = await client.call_tool("zerops_discover", {})
        assert refused.is_error and json.loads(result_text(refused))["code"] == "AUTH_REQUIRED"
        unknown = await client.call_tool("zerops_teleport", {})
        assert unknown.is_error and json.loads(result_text(unknown))["code"] == "INVALID_PARAMETER"

        listed = (await client.list_resources()).resources
        assert listed and not any(str(r.uri).startswith("zerops://atoms/") for r in listed)
        section = await client.read_resource("zerops://themes/services#valkey")
        assert text_of(section.contents[0]).startswith("## Valkey")

        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert "bootstrap-stack" in prompts
        rendered = await client.get_prompt("bootstrap-stack", {"stack": "a Node.js API with PostgreSQL"})
        assert "a Node.js API with PostgreSQL" in text_of(rendered.messages[0])

        kinds = await client.complete(
            ResourceTemplateReference(uri="zerops://{kind}/{name}"), {"name": "kind", "value": "th"}
        )
        assert kinds.completion.values == ["themes"]
        none = await client.complete(
            PromptReference(name="diagnose-failed-deploy"), {"name": "service", "value": ""}
        )
        assert none.completion.values == []
