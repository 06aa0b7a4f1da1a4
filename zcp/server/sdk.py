"""The one place zcp reaches past the MCP SDK's public API, and the SDK range that was tested.

:class:`~mcp.server.mcpserver.MCPServer` has no public hook for a paginated ``resources/list``, for
``logging/setLevel`` or for the tool-schema lookup used by the 2026-07-28 HTTP transport. The
low-level :class:`~mcp.server.lowlevel.Server` has all three as public API
(``add_request_handler``, ``get_tool_input_schema``), but ``MCPServer`` keeps it in the private
attribute ``_lowlevel_server``. Everything else zcp does with the SDK (tools, resources, prompts,
completions, the transports) goes through public methods.

``pyproject.toml`` pins ``mcp`` to :data:`TESTED_RANGE`; :func:`private_surface_problems` is run
by ``tests/server/test_sdk_surface.py`` so an SDK upgrade that moves this surface fails loudly,
naming the installed version, instead of breaking at run time.
"""

from __future__ import annotations

import importlib.metadata
import inspect
from typing import Any

from mcp.server.lowlevel import Server
from mcp.server.mcpserver import MCPServer

#: The ``mcp`` versions this module was written and tested against (``pyproject.toml`` pins them).
TESTED_RANGE = ((2, 3), (2, 4))  # >= 2.3, < 2.4


def sdk_version() -> str:
    """The installed ``mcp`` distribution's version."""
    return importlib.metadata.version("mcp")


def lowlevel(server: MCPServer[Any]) -> Server[Any]:
    """The low-level server behind ``server`` (private attribute, public API behind it)."""
    inner: Server[Any] = server._lowlevel_server
    return inner


def version_tested(version: str) -> bool:
    """True when ``version`` (e.g. ``2.3.0``) lies in :data:`TESTED_RANGE`."""
    parts = version.split(".")
    try:
        major_minor = (int(parts[0]), int(parts[1]))
    except (IndexError, ValueError):
        return False
    low, high = TESTED_RANGE
    return low <= major_minor < high


def private_surface_problems(server: MCPServer[Any]) -> list[str]:
    """What no longer matches the SDK surface zcp relies on (empty when everything is in place)."""
    problems: list[str] = []
    inner = getattr(server, "_lowlevel_server", None)
    if not isinstance(inner, Server):
        return ["MCPServer no longer keeps its low-level Server in `_lowlevel_server`"]
    add = getattr(inner, "add_request_handler", None)
    if add is None or list(inspect.signature(add).parameters) != ["method", "params_type", "handler"]:
        problems.append("Server.add_request_handler(method, params_type, handler) changed")
    if not hasattr(inner, "get_tool_input_schema"):
        problems.append("Server.get_tool_input_schema is gone")
    for method in ("resources/list", "logging/setLevel", "tools/list", "tools/call"):
        if inner.get_request_handler(method) is None:
            problems.append(f"no handler registered for {method}")
    return problems
