"""The ``tools/list`` answer as a client sees it: fetch it, measure it, render it for review.

Shared by the registry meta-tests (snapshot and size budget) and ``make bench``. The server is built
without credentials: the tool list does not depend on the mode, only the answers do.
"""

from __future__ import annotations

import json
from typing import Any, Final

from mcp import Client
from mcp.types import ListToolsResult, Tool

from zcp.app import App
from zcp.config import Settings
from zcp.server.app import build_server

#: The whole ``tools/list`` result must stay below this many bytes (compact JSON).
LIST_BUDGET_BYTES: Final = 36 * 1024
#: zerops_workflow alone (the widest tool: every workflow action shares one input model).
WORKFLOW_BUDGET_BYTES: Final = 6 * 1024


async def list_tools() -> ListToolsResult:
    """``tools/list`` of a freshly built server, through the MCP SDK client."""
    async with Client(build_server(App(Settings())), mode="legacy") as client:
        result: ListToolsResult = await client.list_tools()
        return result


def _wire(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def listing_bytes(result: ListToolsResult) -> int:
    """Bytes of the result as compact JSON (what travels, minus the JSON-RPC envelope)."""
    return len(json.dumps(_wire(result), separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def tool_bytes(tool: Tool) -> int:
    """Bytes of one tool's entry as compact JSON."""
    return len(json.dumps(_wire(tool), separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def render_markdown(result: ListToolsResult) -> str:
    """The listing as readable markdown: per tool its hints, description and both JSON schemas."""
    lines = [f"# tools/list: {len(result.tools)} tools, {listing_bytes(result)} bytes", ""]
    for tool in result.tools:
        hints = tool.annotations
        assert hints is not None
        lines += [
            f"## {tool.name} — {tool.title} ({tool_bytes(tool)} bytes)",
            "",
            f"readOnly={hints.read_only_hint} destructive={hints.destructive_hint} "
            f"idempotent={hints.idempotent_hint} openWorld={hints.open_world_hint}",
            "",
            tool.description or "",
            "",
            "Input:",
            "",
            "```json",
            json.dumps(tool.input_schema, indent=2, ensure_ascii=False),
            "```",
            "",
            "Output:",
            "",
            "```json",
            json.dumps(tool.output_schema, indent=2, ensure_ascii=False),
            "```",
            "",
        ]
    return "\n".join(lines).rstrip("\n") + "\n"
