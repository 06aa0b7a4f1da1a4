"""Assemble the sandbox's ASGI app from a list of extensions.

An extension contributes routes and, optionally, something to start and stop with the server. The
default set is the public REST API, the log backend and the control API; ``zcp sandbox serve`` adds the
JSON schema endpoints and the subdomain gateway, and with ``--ssh``/``--run-code``/``--container`` the
containers extension (:class:`zcp.sandbox.containers.ContainerHost`: service trees, one SSH server,
real builds).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from zcp.sandbox import schemas
from zcp.sandbox.routes import control, logs_backend, public, uploads
from zcp.sandbox.routes.base import endpoint_route, fallback_route, install_drop_log_filter
from zcp.sandbox.sandbox import Sandbox
from zcp.sandbox.subdomains import SUBDOMAIN_GATEWAY


class SandboxExtension(Protocol):
    """A piece of the sandbox server: routes plus optional start/stop hooks."""

    @property
    def name(self) -> str: ...

    def routes(self, sandbox: Sandbox) -> Sequence[BaseRoute]: ...

    async def start(self, sandbox: Sandbox) -> None: ...

    async def stop(self, sandbox: Sandbox) -> None: ...


@dataclass(frozen=True)
class RouteSet:
    """An extension that only adds routes."""

    name: str
    factory: Callable[[Sandbox], Sequence[BaseRoute]]

    def routes(self, sandbox: Sandbox) -> Sequence[BaseRoute]:
        return self.factory(sandbox)

    async def start(self, sandbox: Sandbox) -> None:
        return None

    async def stop(self, sandbox: Sandbox) -> None:
        return None


PUBLIC_API = RouteSet(
    "public-api", lambda sb: [*(endpoint_route(sb, e) for e in public.ENDPOINTS), uploads.upload_route(sb)]
)
LOG_BACKEND = RouteSet("log-backend", lambda sb: [endpoint_route(sb, e) for e in logs_backend.ENDPOINTS])
CONTROL_API = RouteSet("control-api", control.control_routes)

DEFAULT_EXTENSIONS: tuple[SandboxExtension, ...] = (PUBLIC_API, LOG_BACKEND, CONTROL_API)
SCHEMA_ENDPOINTS = RouteSet("schemas", schemas.schema_routes)
#: What ``zcp sandbox serve`` runs: the defaults plus the JSON schemas and the subdomain gateway.
SERVE_EXTENSIONS: tuple[SandboxExtension, ...] = (*DEFAULT_EXTENSIONS, SCHEMA_ENDPOINTS, SUBDOMAIN_GATEWAY)


def build_app(sandbox: Sandbox, extensions: Sequence[SandboxExtension] = DEFAULT_EXTENSIONS) -> Starlette:
    """The ASGI app serving ``sandbox`` through ``extensions`` (unknown API paths answer 404 JSON)."""
    install_drop_log_filter()
    routes: list[BaseRoute] = []
    for extension in extensions:
        routes.extend(extension.routes(sandbox))
    routes.append(fallback_route(sandbox))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        started: list[SandboxExtension] = []
        try:
            for extension in extensions:
                await extension.start(sandbox)
                started.append(extension)
            yield
        finally:
            for extension in reversed(started):
                await extension.stop(sandbox)

    return Starlette(routes=routes, lifespan=lifespan)
