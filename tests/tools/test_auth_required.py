"""AUTH_REQUIRED tells a user of an MCP host where the token goes: the client config's `env`."""

from __future__ import annotations

import json
import re

import pytest

from tests.tools.harness import error_payload, knowledge_only_session

pytestmark = pytest.mark.anyio


async def test_auth_required_says_to_put_the_token_in_the_mcp_client_configs_env() -> None:
    async with knowledge_only_session() as session:
        payload = error_payload(await session.call("zerops_discover", {}))
    assert payload["code"] == "AUTH_REQUIRED"
    suggestion = payload["suggestion"]
    assert "`env`" in suggestion and ".mcp.json" in suggestion
    example = json.loads(re.search(r"\{\"mcpServers\".*\}\}\}\}", suggestion).group(0))  # type: ignore[union-attr]
    entry = example["mcpServers"]["zcp"]
    assert entry["command"] == "zcp" and entry["args"] == ["serve"]
    assert set(entry["env"]) == {"ZCP_API_KEY"}
    assert "zcli login" in suggestion
