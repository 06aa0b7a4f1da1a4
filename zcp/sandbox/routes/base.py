"""How one sandbox endpoint is served: faults, auth, the state lock, JSON in and out.

An :class:`Endpoint` names a route (the name fault rules target), its method and path, and a plain
synchronous handler that gets a :class:`Call` and returns JSON-able data or raises
:class:`ApiFailure`. :func:`endpoint_route` wraps it into a Starlette route that

1. asks the fault injector what to do with this request (latency, a forced status, a drop, a slow body);
2. authenticates the bearer token (for authenticated endpoints);
3. runs the handler under the sandbox lock, after applying every state change the clock has passed;
4. renders the answer — JSON, a JSON error body, a trickled body, or a connection dropped mid-answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import anyio
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from zcp.sandbox.failures import ApiFailure, invalid_input, not_authorized
from zcp.sandbox.faults import FaultPlan
from zcp.sandbox.model import Grant
from zcp.sandbox.sandbox import RequestRecord, Sandbox

API_PREFIX: Final = "/api/rest/public"
_DROP_LOG: Final = "ASGI callable returned without completing response."
_SLOW_CHUNKS: Final = 8


@dataclass(frozen=True)
class Call:
    """Everything a handler may look at."""

    sandbox: Sandbox
    grant: Grant | None
    params: Mapping[str, str]
    query: Mapping[str, str]
    body: Any
    raw_body: bytes
    base_url: str
    headers: Mapping[str, str]

    @property
    def user(self) -> Grant:
        """The authenticated grant (authenticated endpoints only)."""
        assert self.grant is not None
        return self.grant


Handler = Callable[[Call], Any]


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # relative to the prefix, Starlette syntax: /process/{processId}
    handler: Handler
    auth: bool = True
    json_body: bool = True
    prefix: str = API_PREFIX

    @property
    def full_path(self) -> str:
        return f"{self.prefix}{self.path}"


class _DroppedResponse(Response):
    """Sends the status line and headers, then ends the exchange without a body (the connection closes)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})


class _HideInjectedDrops(logging.Filter):
    """Uvicorn reports an unfinished response as an error; for injected drops that is the point."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _DROP_LOG


def install_drop_log_filter() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideInjectedDrops) for f in logger.filters):
        logger.addFilter(_HideInjectedDrops())


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_response(
    status: int, data: Any, plan: FaultPlan | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    body = json_bytes(data)
    all_headers = {"content-type": "application/json", "content-length": str(len(body)), **(headers or {})}
    if plan is not None and plan.drop:
        return _DroppedResponse(status_code=status, headers=all_headers)
    if plan is not None and plan.slow_body > 0 and body:
        return StreamingResponse(_trickle(body, plan.slow_body), status_code=status, headers=all_headers)
    return Response(body, status_code=status, headers=all_headers)


async def _trickle(body: bytes, seconds: float) -> AsyncIterator[bytes]:
    size = max(1, -(-len(body) // _SLOW_CHUNKS))
    for start in range(0, len(body), size):
        await anyio.sleep(seconds / _SLOW_CHUNKS)
        yield body[start : start + size]


def failure_response(failure: ApiFailure, plan: FaultPlan | None = None) -> Response:
    return json_response(failure.status, failure.body(), plan)


def bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def endpoint_route(sandbox: Sandbox, endpoint: Endpoint) -> Route:
    """The Starlette route serving ``endpoint`` for ``sandbox``."""

    async def serve(request: Request) -> Response:
        plan = sandbox.faults.plan(endpoint.name)
        raw = await request.body()
        if plan.latency and await _client_left_during(request, plan.latency):
            sandbox.record_request(
                RequestRecord(request.method, request.url.path, endpoint.name, 499, "client-gone")
            )
            return Response(status_code=499)
        if plan.status is not None:
            headers = {"retry-after": f"{plan.retry_after:g}"} if plan.retry_after is not None else None
            response = json_response(
                plan.status, ApiFailure(plan.status, plan.code, plan.message).body(), headers=headers
            )
            sandbox.record_request(
                RequestRecord(request.method, request.url.path, endpoint.name, plan.status, plan.label)
            )
            return response
        status, payload = _handle(sandbox, endpoint, request, raw)
        sandbox.record_request(
            RequestRecord(request.method, request.url.path, endpoint.name, status, plan.label)
        )
        return json_response(status, payload, plan)

    return Route(endpoint.full_path, serve, methods=[endpoint.method], name=endpoint.name)


async def _client_left_during(request: Request, seconds: float) -> bool:
    """Wait ``seconds`` (an injected latency); True if the client hung up meanwhile (then nothing is handled).

    The body is already read, so the next ASGI message is a disconnect (or pipelined data, ignored).
    """
    with anyio.move_on_after(seconds):
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                return True
    return False


def _handle(sandbox: Sandbox, endpoint: Endpoint, request: Request, raw: bytes) -> tuple[int, Any]:
    try:
        body = _parse_body(raw) if endpoint.json_body else None
        with sandbox.lock:
            sandbox.advance()
            grant = None
            if endpoint.auth:
                grant = sandbox.grant_for(bearer(request.headers))
                if grant is None:
                    raise not_authorized()
            call = Call(
                sandbox=sandbox,
                grant=grant,
                params=dict(request.path_params),
                query=dict(request.query_params),
                body=body,
                raw_body=raw,
                base_url=str(request.base_url).rstrip("/"),
                headers=dict(request.headers),
            )
            return 200, endpoint.handler(call)
    except ApiFailure as failure:
        return failure.status, failure.body()


def _parse_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid_input({"body": "is not valid JSON"}) from None


def fallback_route(sandbox: Sandbox, prefix: str = API_PREFIX) -> Route:
    """Unknown paths under the API prefix answer like the platform: 404 ``endpointNotFound`` in JSON."""

    async def serve(request: Request) -> Response:
        sandbox.record_request(RequestRecord(request.method, request.url.path, "unknown", 404))
        return failure_response(
            ApiFailure(404, "endpointNotFound", f"No endpoint {request.method} {request.url.path}.")
        )

    methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    return Route(prefix + "/{rest:path}", serve, methods=methods, name="endpoint_not_found")
