"""Helpers for testing the read-side tools (discover, logs, events, verify, process, export).

* :func:`read_session` — :func:`tests.tools.harness.tool_session` whose tools tell time by the
  sandbox's manual clock (it starts at 2025-06-02T08:00Z), so ``since="1h"`` and "errors in the last
  5 minutes" line up with the sandbox's log timestamps;
* :func:`knowledge_only_session` — a client on a server without platform credentials;
* :func:`emit_log` — add a log line to a sandbox service at the sandbox's current time;
* :func:`check_structured` — the property every tool result must have: success with structured
  content, or an error in the one wire format with an expected code;
* :data:`SHELL_HOSTNAMES` — hostnames carrying shell metacharacters (hypothesis strategy).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st
from mcp import Client
from mcp.types import CallToolResult

from tests.plugins.core import result_text
from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import ToolSession, tool_session
from zcp.app import App
from zcp.clock import FunctionClock
from zcp.config import Settings
from zcp.server.app import build_server
from zcp.tools.dispatch import guard_tool_calls

#: Codes any platform tool may answer with when the platform misbehaves.
PLATFORM_CODES = frozenset({"API_ERROR", "API_TIMEOUT", "API_RATE_LIMITED", "NETWORK_ERROR"})

_METACHARACTERS = ";|&$`<>()'\"\\ \n\t*?![]{}~#/"
#: Hostnames with a shell metacharacter between letters (surrounding whitespace alone is trimmed
#: by the hostname rule, so the mark always sits inside): never valid, never sent anywhere.
SHELL_HOSTNAMES = st.builds(
    lambda head, mark, tail: head + mark + tail,
    st.text(alphabet="abc123", min_size=1, max_size=6),
    st.sampled_from([*_METACHARACTERS, "$(rm -rf /)", "`id`", "; ls", "../etc", "&&b"]),
    st.text(alphabet="abc123", min_size=1, max_size=6),
)


@asynccontextmanager
async def read_session(sandbox: SandboxHandle, **options: Any) -> AsyncIterator[ToolSession]:
    """A :func:`tool_session` whose tools tell time by the sandbox clock."""
    async with tool_session(sandbox, **options) as session:
        clock = session.app.clock
        assert isinstance(clock, FunctionClock)
        session.app.clock = replace(clock, now_fn=sandbox.clock.now)
        yield session


@asynccontextmanager
async def knowledge_only_session() -> AsyncIterator[Any]:
    """An MCP client on a server with no Zerops credentials (knowledge-only mode)."""
    async with Client(guard_tool_calls(build_server(App(Settings()))), mode="legacy") as client:
        yield client


def emit_log(sandbox: SandboxHandle, hostname: str, message: str, *, severity: int = 6, **extra: Any) -> None:
    """Add a log line to ``hostname`` at the sandbox's current time."""
    with sandbox.sandbox.lock:
        sandbox.sandbox.emit_log(sandbox.service(hostname), message, severity=severity, **extra)


def check_structured(result: CallToolResult, allowed: Iterable[str]) -> dict[str, Any]:
    """Assert ``result`` is structured content or a wire-format error with an allowed code."""
    if not result.is_error:
        data: dict[str, Any] | None = result.structured_content
        assert isinstance(data, dict), result
        assert result_text(result)
        return data
    payload: dict[str, Any] = json.loads(result_text(result))
    assert payload["code"] in set(allowed), payload
    assert payload["error"] and payload.get("suggestion"), payload
    return payload
