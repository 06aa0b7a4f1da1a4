"""The sandbox server: ephemeral ports, clean start and stop, and extensions plugged into the app."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from zcp.sandbox import Sandbox, SandboxServer
from zcp.sandbox.app import DEFAULT_EXTENSIONS


@dataclass
class SchemaExtension:
    """What a later extension looks like: its own routes plus start/stop hooks."""

    name: str = "schemas"
    events: list[str] = field(default_factory=list)

    def routes(self, sandbox: Sandbox) -> Sequence[BaseRoute]:
        async def schema(request: Request) -> JSONResponse:
            return JSONResponse(
                {"$schema": "http://json-schema.org/draft-07/schema#", "scenario": sandbox.scenario}
            )

        return [Route("/api/rest/public/settings/zerops-yml-json-schema.json", schema)]

    async def start(self, sandbox: Sandbox) -> None:
        self.events.append("start")

    async def stop(self, sandbox: Sandbox) -> None:
        self.events.append("stop")


def test_an_extension_adds_routes_ahead_of_the_not_found_fallback_and_follows_the_server_lifecycle() -> None:
    extension = SchemaExtension()
    with SandboxServer(Sandbox(scenario="empty"), extensions=(*DEFAULT_EXTENSIONS, extension)) as server:
        reply = httpx.get(f"{server.url}/api/rest/public/settings/zerops-yml-json-schema.json", timeout=5)
        assert reply.json()["scenario"] == "empty"
        assert extension.events == ["start"]
    assert extension.events == ["start", "stop"]


def test_servers_take_free_ports_and_release_them() -> None:
    first, second = SandboxServer(Sandbox()), SandboxServer(Sandbox())
    with first, second:
        assert first.port != second.port
        assert httpx.get(f"{first.url}/_sandbox/health", timeout=5).status_code == 200
    with pytest.raises(RuntimeError, match="not running"):
        _ = first.url


def test_a_server_cannot_start_twice() -> None:
    with SandboxServer(Sandbox()) as server, pytest.raises(RuntimeError, match="already running"):
        server.start()
