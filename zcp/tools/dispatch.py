"""The ``tools/call`` requests no tool sees: an unknown name, arguments that are not an object.

The SDK answers a name it does not know with plain text (``Unknown tool: X``) and arguments sent as
a list or a string with a bare ``-32602``. Both are mistakes an agent can fix, so they get the same
answer as any other bad call: an ``isError`` result carrying the error JSON, with the closest tool
names (``details.closest``) or the tool's parameters (``details.valid``).

:class:`ToolCallGuard` is an MCP server middleware — it runs before the SDK validates the request —
and :func:`guard_tool_calls` installs it on a server (once, whichever caller gets there first).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from zcp.errors import InvalidParameter, ZcpError
from zcp.tools.base import error_result

if TYPE_CHECKING:
    from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
    from mcp.server.mcpserver import MCPServer

log = logging.getLogger(__name__)

#: The first protocol version whose results must carry ``resultType``.
_RESULT_TYPE_SINCE = "2026-07-28"


class ToolCallGuard:
    """Answers malformed ``tools/call`` requests with the error wire format (see the module docstring)."""

    def __init__(self, server: MCPServer[Any]) -> None:
        self._server = server

    async def _tools(self) -> dict[str, list[str]]:
        """Registered tool name → its parameter names."""
        listed = await self._server.list_tools()
        return {tool.name: sorted(tool.input_schema.get("properties", {})) for tool in listed}

    async def problem(self, params: Mapping[str, Any] | None) -> ZcpError | None:
        """Why ``params`` cannot reach a tool, or ``None`` when they can."""
        tools = await self._tools()
        names = list(tools)
        name = params.get("name") if params is not None else None
        if not isinstance(name, str) or not name:
            return InvalidParameter(
                "tools/call needs name: the tool to call, as a string",
                suggestion=f"Tools: {', '.join(names)}.",
                details={"available": names},
            )
        if name not in tools:
            return unknown_tool(name, names)
        arguments = params.get("arguments") if params is not None else None
        if arguments is not None and not isinstance(arguments, Mapping):
            valid = tools[name]
            return InvalidParameter(
                f"arguments for {name} must be an object of named parameters, not {_json_type(arguments)}",
                suggestion=f'Send arguments as {{"parameter": value, …}}. {name} takes: {", ".join(valid) or "nothing"}.',
                details={"valid": valid},
            )
        return None

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method != "tools/call" or ctx.request_id is None:
            return await call_next(ctx)
        error = await self.problem(ctx.params)
        if error is None:
            return await call_next(ctx)
        log.info("tools/call refused before any tool: %s", error)
        result: dict[str, Any] = error_result(error).model_dump(by_alias=True, mode="json", exclude_none=True)
        if ctx.protocol_version >= _RESULT_TYPE_SINCE:  # ISO dates compare as strings
            result["resultType"] = "complete"
        return result


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    return type(value).__name__


def unknown_tool(name: str, names: list[str]) -> InvalidParameter:
    """The error for a tool name that is not registered, naming the closest ones."""
    closest = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = f"Did you mean {' or '.join(closest)}? " if closest else ""
    return InvalidParameter(
        f"no tool named {name[:80]!r}",
        suggestion=f"{hint}Tools: {', '.join(names)}.",
        details={"closest": closest, "available": names},
    )


def guard_tool_calls(server: MCPServer[Any]) -> MCPServer[Any]:
    """Install :class:`ToolCallGuard` on ``server`` (idempotent); returns the server."""
    if not any(isinstance(m, ToolCallGuard) for m in server.middleware):
        server.middleware.append(ToolCallGuard(server))
    return server
