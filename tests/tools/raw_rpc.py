"""Raw JSON-RPC to an in-process zcp over its real STDIO transport, against the sandbox.

:func:`raw_session` builds what ``zcp serve`` builds (an :class:`App` with a platform connection to the
sandbox, the server from the registry, the tool-call guard) and serves it with
:func:`zcp.server.transport.serve_lines` over two OS pipes; the test writes bytes and reads answer
lines. Tools wait on the sandbox's manual clock, so a process that "takes" seconds is over at once.

:class:`Raw` marks JSON text inserted verbatim by :func:`encode` — numbers too long for any parser,
lone surrogate escapes, nesting deeper than a recursive encoder could write.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import IO, Any

import anyio
import anyio.to_thread
import httpx

from tests.plugins.sandbox import SandboxHandle
from zcp.app import App
from zcp.auth import PlatformConnection, discover_project
from zcp.clock import FunctionClock
from zcp.runtime import RuntimeInfo
from zcp.server.app import build_server
from zcp.server.transport import serve_lines
from zcp.tools.dispatch import guard_tool_calls

#: A guard against a hang (the failure being tested for), never a pause.
ANSWER_TIMEOUT = 60.0


@dataclass(frozen=True)
class Raw:
    """JSON text written as it is."""

    text: str


def encode(value: Any) -> str:
    """JSON text for ``value``, with :class:`Raw` parts inserted verbatim."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(encode(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


class RawRpc:
    """The client side of the pipes: send a line, read the answer with a given id."""

    def __init__(self, to_server: IO[bytes], from_server: IO[bytes]) -> None:
        self._to_server = to_server
        self._from_server = from_server
        self._next_id = 0
        self.answers = 0

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    async def send_raw(self, data: bytes) -> None:
        def write() -> None:
            self._to_server.write(data)
            self._to_server.flush()

        await anyio.to_thread.run_sync(write)

    async def read(self) -> dict[str, Any]:
        with anyio.fail_after(ANSWER_TIMEOUT):
            line = await anyio.to_thread.run_sync(self._from_server.readline, abandon_on_cancel=True)
        assert line, "the server closed its output"
        self.answers += 1
        message: dict[str, Any] = json.loads(line)
        return message

    async def answer_to(self, request_id: int) -> dict[str, Any]:
        """The one answer to ``request_id``; any other answer before it fails the test."""
        while True:
            message = await self.read()
            if "id" not in message:  # a notification (progress, logging) is not an answer
                continue
            assert message["id"] == request_id, f"expected the answer to {request_id}, got {message}"
            return message

    async def request(
        self, method: str, params: Any = None, *, raw_params: str | None = None
    ) -> dict[str, Any]:
        request_id = self.new_id()
        body = f'{{"jsonrpc": "2.0", "id": {request_id}, "method": {json.dumps(method)}'
        if raw_params is not None:
            body += f', "params": {raw_params}'
        elif params is not None:
            body += f', "params": {encode(params)}'
        await self.send_raw((body + "}\n").encode("utf-8", errors="surrogatepass"))
        return await self.answer_to(request_id)

    async def ping(self) -> None:
        answer = await self.request("ping")
        assert answer.get("result") == {}, answer

    async def initialize(self) -> None:
        answer = await self.request(
            "initialize",
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "raw", "version": "1"},
            },
        )
        assert "result" in answer, answer
        await self.send_raw(b'{"jsonrpc": "2.0", "method": "notifications/initialized"}\n')


@asynccontextmanager
async def raw_session(
    sandbox: SandboxHandle, *, runtime: RuntimeInfo | None = None, **settings: Any
) -> AsyncIterator[RawRpc]:
    """An initialized raw session on a server whose platform connection points at ``sandbox``."""
    app_settings = sandbox.settings(**settings)
    c2s_read, c2s_write = os.pipe()
    s2c_read, s2c_write = os.pipe()
    server_in = os.fdopen(c2s_read, "rb")
    server_out = os.fdopen(s2c_write, "wb")
    client_out = os.fdopen(c2s_write, "wb")
    client_in = os.fdopen(s2c_read, "rb")
    async with httpx.AsyncClient(timeout=5.0) as http:
        client = sandbox.client(http, timeout=app_settings.api_timeout)
        credentials = sandbox.credentials()
        found = await discover_project(client, credentials)
        platform = PlatformConnection(
            client=client,
            project=found.project,
            client_id=found.client_id,
            user=found.user,
            credentials=credentials,
            runtime=runtime or RuntimeInfo(in_container=False),
        )
        app = App(app_settings, platform=platform)
        app.clock = FunctionClock(
            sleep_fn=sandbox.sleep, monotonic_fn=sandbox.monotonic, now_fn=sandbox.clock.now
        )
        server = guard_tool_calls(build_server(app))
        rpc = RawRpc(client_out, client_in)
        try:
            async with anyio.create_task_group() as group:

                async def serve() -> None:
                    try:
                        await serve_lines(server, server_in, server_out)
                    finally:
                        server_out.close()

                group.start_soon(serve)
                await rpc.initialize()
                yield rpc
                client_out.close()  # the client hangs up: the server reads EOF and ends
        finally:
            for handle in (client_out, client_in, server_in, server_out):
                if not handle.closed:
                    handle.close()
