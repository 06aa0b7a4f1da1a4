"""``zcp serve`` as an agent's host runs it: a subprocess spoken to over STDIO with the MCP SDK client.

The process can be killed mid-call (SIGKILL, as a crashed host or an OOM kill would) and started again
with the same environment and state folder, which is how the resume scenarios interrupt a bootstrap.
Its stderr (zcp's log) goes to a file in the scenario's run folder.
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import AsyncExitStack, suppress
from pathlib import Path
from typing import Any, TextIO

from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from eval.agent import Answer, Call, Catalog

__all__ = ["ZcpServer", "catalog_from"]

#: Starts zcp serve after writing this process's pid (exec keeps it), so the eval can kill it.
_LAUNCH = (
    "import os, sys; open(sys.argv[1], 'w').write(str(os.getpid())); "
    "os.execv(sys.executable, [sys.executable, '-m', 'zcp', 'serve'])"
)


def _enum(schema: Any) -> frozenset[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        found.update(str(v) for v in schema.get("enum") or ())
        for option in schema.get("anyOf") or ():
            found |= _enum(option)
    return frozenset(found)


def catalog_from(tools: list[Any]) -> Catalog:
    """The agent's view of ``tools/list``: parameters per tool, read-only tools, workflow enums."""
    parameters: dict[str, frozenset[str]] = {}
    read_only: set[str] = set()
    actions: frozenset[str] = frozenset()
    workflows: frozenset[str] = frozenset()
    for tool in tools:
        properties = (tool.input_schema or {}).get("properties") or {}
        parameters[tool.name] = frozenset(properties)
        if tool.annotations is not None and tool.annotations.read_only_hint:
            read_only.add(tool.name)
        if tool.name == "zerops_workflow":
            actions = _enum(properties.get("action"))
            workflows = _enum(properties.get("workflow"))
    return Catalog(parameters, frozenset(read_only), actions, workflows)


def _text(result: Any) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


class ZcpServer:
    """One ``zcp serve`` at a time for a scenario (see the module docstring)."""

    def __init__(self, env: dict[str, str], cwd: Path, log_dir: Path, *, timeout: float = 300.0) -> None:
        self.env = env
        self.cwd = cwd
        self.log_dir = log_dir
        self.timeout = timeout
        self.starts = 0
        self.client: Any = None
        self.catalog: Catalog | None = None
        self._stack: AsyncExitStack | None = None
        self._log: TextIO | None = None

    @property
    def _pid_file(self) -> Path:
        return self.log_dir / f"zcp-serve.{self.starts}.pid"

    async def start(self) -> Catalog:
        """Spawn zcp serve, initialise the session and read its tools."""
        self.starts += 1
        self.log_dir.mkdir(parents=True, exist_ok=True)
        stack = AsyncExitStack()
        self._log = stack.enter_context(
            (self.log_dir / f"zcp-serve.{self.starts}.log").open("w", encoding="utf-8")
        )
        params = StdioServerParameters(
            command=sys.executable, args=["-c", _LAUNCH, str(self._pid_file)], env=self.env, cwd=self.cwd
        )
        try:
            self.client = await stack.enter_async_context(
                Client(stdio_client(params, errlog=self._log), read_timeout_seconds=self.timeout)
            )
            listed = await self.client.list_tools()
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack
        self.catalog = catalog_from(list(listed.tools))
        return self.catalog

    async def call(self, call: Call) -> Answer:
        """Make one call; an answer that never comes (zcp died) is ``lost``."""
        try:
            result = await self.client.call_tool(call.tool, dict(call.args))
        except Exception as error:  # the connection is gone: no answer
            return Answer(call, lost=True, text=f"{type(error).__name__}: {error}")
        structured = result.structured_content if isinstance(result.structured_content, dict) else None
        return Answer(call, is_error=bool(result.is_error), structured=structured, text=_text(result))

    def kill(self) -> None:
        """SIGKILL the running zcp serve (the way a crash ends it)."""
        pid = int(self._pid_file.read_text(encoding="utf-8"))
        os.kill(pid, signal.SIGKILL)

    async def close(self) -> None:
        if self._stack is not None:
            stack, self._stack = self._stack, None
            with suppress(Exception):  # a killed server's transport may not close cleanly
                await stack.aclose()
        self.client = None

    async def restart(self) -> Catalog:
        await self.close()
        return await self.start()
