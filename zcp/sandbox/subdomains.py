"""The subdomain gateway: a loopback HTTP endpoint for every service with subdomain access.

On the platform a public subdomain (``https://appdev-1df2-3000.prg1.zerops.app``) reaches the service
through the L7 balancer. A sandbox has no DNS and no containers, so while this extension runs the
sandbox hands out subdomain URLs under its own address instead —
``http://127.0.0.1:<port>/_subdomain/appdev-1df2-3000`` — in the ``zeropsSubdomain`` variable, and
answers them from the service's state, the way the balancer would:

| service                                              | answer |
|------------------------------------------------------|--------|
| running (``ACTIVE``) with a deployed app version     | 200    |
| running but never deployed (``startWithoutCode``)    | 502    |
| starting, restarting, reloading, being created       | 503    |
| stopped, stopping, waiting for a deploy, deleting    | 502    |
| unknown, deleted, or subdomain access turned off     | 404    |

Under ``--run-code`` the gateway proxies to the app the deploy started, on the loopback port its
start command got (``PORT``). A dev setup's start (``zsc noop``) listens nowhere: the app is then a
dev server started over SSH (``zerops_dev_server``), which listens on the port zerops.yaml declares
(``run.ports[0].port``; SSH sessions get no ``PORT``). The gateway proxies there when a process of
*that service* listens on it (found through ``/proc``, :func:`~.children.listening_ports`), so a
process of another service or sandbox that holds the same port is never mistaken for the app.

Requests go through the usual fault injection and request log under the route name ``subdomain``, so
tests can slow a subdomain down (``sandbox.fault("subdomain", latency=5)``) or count probes
(``sandbox.hits("subdomain")``). Add the extension to a server with
``SandboxServer(sandbox, extensions=SERVE_EXTENSIONS)``; ``zcp sandbox serve`` always runs it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import anyio
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from zcp.sandbox.failures import ApiFailure
from zcp.sandbox.lifecycle import SUBDOMAIN_ENV, subdomain_label, subdomain_url
from zcp.sandbox.model import Service
from zcp.sandbox.routes.base import Call, Endpoint, endpoint_route, json_response
from zcp.sandbox.sandbox import RequestRecord, Sandbox

log = logging.getLogger(__name__)

GATEWAY_PREFIX: Final = "/_subdomain"
ROUTE_NAME: Final = "subdomain"
_RUNNING: Final = frozenset({"ACTIVE", "RUNNING"})
_COMING_UP: Final = frozenset({"CREATING", "STARTING", "RESTARTING", "RELOADING"})


def _deployed(sandbox: Sandbox, service: Service) -> bool:
    """True when the service runs code: a managed service, or a runtime with an ACTIVE real deploy."""
    if not service.stack_type.is_runtime:
        return True
    return any(
        version.service_id == service.id
        and version.status == "ACTIVE"
        and not (version.source == "NONE" and version.build is None)
        for version in sandbox.state.app_versions.values()
    )


def find_by_label(sandbox: Sandbox, label: str) -> Service | None:
    """The live service whose subdomain label is ``label`` and whose subdomain access is on."""
    for service in sandbox.state.services.values():
        if service.deleted or not service.subdomain_access:
            continue
        if subdomain_label(sandbox, service) == label:
            return service
    return None


def answer(sandbox: Sandbox, label: str) -> dict[str, Any]:
    """What the balancer answers for ``label`` (raises :class:`ApiFailure` for the non-2xx cases)."""
    service = find_by_label(sandbox, label)
    if service is None:
        raise ApiFailure(404, "subdomainNotFound", f"No service answers on subdomain {label!r}.")
    if service.status in _COMING_UP:
        raise ApiFailure(503, "serviceUnavailable", f"{service.name} is {service.status.lower()}.")
    if service.status not in _RUNNING:
        raise ApiFailure(502, "badGateway", f"{service.name} is {service.status} and not serving.")
    if not _deployed(sandbox, service):
        raise ApiFailure(502, "badGateway", f"No application is listening in {service.name} yet.")
    return {"service": service.name, "status": "ok", "message": f"Hello from {service.name}"}


def _serve(call: Call) -> Any:
    return answer(call.sandbox, call.params["label"])


ENDPOINTS: Final = (
    Endpoint(ROUTE_NAME, "GET", "/{label}", _serve, auth=False, json_body=False, prefix=GATEWAY_PREFIX),
    Endpoint(
        ROUTE_NAME, "GET", "/{label}/{rest:path}", _serve, auth=False, json_body=False, prefix=GATEWAY_PREFIX
    ),
)
_METHODS: Final = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_HOP_BY_HOP: Final = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-authorization",
        "proxy-connection",
        "host",
        "content-length",
        "content-encoding",
    }
)
MAX_PROXIED_BYTES: Final = 50 * 1024 * 1024


def _running_app(sandbox: Sandbox, label: str) -> tuple[Any, Any]:
    """(host, app) serving ``label`` under ``--run-code`` (app None: answer from the state as without it)."""
    with sandbox.lock:
        sandbox.advance()
        host = sandbox.host
        service = find_by_label(sandbox, label)
        apps = getattr(host, "apps", None)
        if service is None or not isinstance(apps, dict):
            return host, None
        return host, apps.get(service.id)


def target_port(host: Any, app: Any) -> int | None:
    """The loopback port a request for ``app`` goes to (see the module docstring).

    The port the deployed start command got, unless nothing of the service listens there but one of
    its processes (a dev server) listens on the declared port. Reads ``/proc``: call it off the loop.
    """
    port: int | None = app.port
    declared: int | None = app.declared_port
    if port is None or declared is None or declared == port:
        return port
    from zcp.sandbox.children import listening_ports

    children = getattr(host, "children", None)
    if children is None:
        return port
    ports = listening_ports(children.pids(app.service_id))
    if ports is None or port in ports or declared not in ports:
        return port
    return declared


def gateway_routes(sandbox: Sandbox) -> list[BaseRoute]:
    """The gateway: proxies to a running app under ``--run-code``, else answers from the state."""
    fallback = {e.path: endpoint_route(sandbox, e) for e in ENDPOINTS}

    async def serve(request: Request) -> Response:
        label = request.path_params["label"]
        host, app = _running_app(sandbox, label)
        if app is None:
            if request.method != "GET":
                return Response(status_code=405)
            route = fallback["/{label}/{rest:path}" if "rest" in request.path_params else "/{label}"]
            return await route.endpoint(request)  # type: ignore[no-any-return]
        plan = sandbox.faults.plan(ROUTE_NAME)

        def record(status: int) -> None:
            sandbox.record_request(
                RequestRecord(request.method, request.url.path, ROUTE_NAME, status, plan.label)
            )

        if plan.latency:
            await anyio.sleep(plan.latency)
        if plan.status is not None:
            record(plan.status)
            return json_response(plan.status, ApiFailure(plan.status, plan.code, plan.message).body())
        try:
            with sandbox.lock:
                answer(sandbox, label)  # service state first: stopped, restarting, …
            port = (
                None
                if app.static_root is not None
                else await anyio.to_thread.run_sync(target_port, host, app)
            )
            response = await _from_app(app, request, port)
        except ApiFailure as failure:
            record(failure.status)
            return json_response(failure.status, failure.body())
        record(response.status_code)
        return response

    return [
        Route(f"{GATEWAY_PREFIX}/{{label}}", serve, methods=_METHODS, name=ROUTE_NAME),
        Route(f"{GATEWAY_PREFIX}/{{label}}/{{rest:path}}", serve, methods=_METHODS, name=ROUTE_NAME),
    ]


async def _from_app(app: Any, request: Request, port: int | None) -> Response:
    rest = request.path_params.get("rest", "")
    dev_server = port is not None and port != app.port  # serves even when the deployed start ended
    if not app.running and not dev_server:
        raise ApiFailure(
            502, "badGateway", f"The app exited with code {app.exit_code}; nothing is listening."
        )
    if app.static_root is not None:
        return _static(app.static_root, rest)
    import httpx

    headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
    headers["x-forwarded-proto"] = "https"
    url = f"http://127.0.0.1:{port}/{rest}"
    if request.url.query:
        url += f"?{request.url.query}"
    try:
        async with httpx.AsyncClient(timeout=30.0, follow_redirects=False) as http:
            reply = await http.request(request.method, url, headers=headers, content=await request.body())
    except httpx.HTTPError as error:
        where = f" on port {app.declared_port}" if app.declared_port is not None else ""
        raise ApiFailure(
            502, "badGateway", f"The app did not answer{where} ({type(error).__name__})."
        ) from None
    body = reply.content[:MAX_PROXIED_BYTES]
    out = [(k, v) for k, v in reply.headers.multi_items() if k.lower() not in _HOP_BY_HOP]
    response = Response(content=body, status_code=reply.status_code)
    for key, value in out:
        response.headers.append(key, value)
    return response


def _static(root: Path, rest: str) -> Response:
    """A file of a built-in web server's document root (``index.html`` for folders); PHP is not run."""
    target = (root / rest).resolve()
    try:
        target.relative_to(root.resolve())
    except ValueError:
        raise ApiFailure(404, "notFound", "Not found.") from None
    if target.is_dir():
        target = target / "index.html"
    if target.suffix == ".php" or (not rest and not target.exists() and (root / "index.php").exists()):
        raise ApiFailure(501, "phpNotExecuted", "The sandbox serves static files only; PHP is not executed.")
    if not target.is_file():
        raise ApiFailure(404, "notFound", f"No file /{rest}.")
    return FileResponse(target)


def publish_loopback_urls(sandbox: Sandbox) -> None:
    """Point subdomain URLs at the gateway (needs :attr:`Sandbox.served_at`) and rewrite existing ones."""
    with sandbox.lock:
        if not sandbox.served_at:
            log.warning("subdomain gateway: the sandbox does not know where it is served; URLs stay public")
            return
        sandbox.subdomain_base = sandbox.served_at.rstrip("/") + GATEWAY_PREFIX
        for service in sandbox.state.services.values():
            variable = service.env_var(SUBDOMAIN_ENV)
            url = subdomain_url(sandbox, service)
            if variable is not None and url:
                variable.content = url


@dataclass(frozen=True)
class SubdomainGateway:
    """The sandbox extension serving :data:`ENDPOINTS` and switching subdomain URLs to loopback."""

    name: str = "subdomain-gateway"

    def routes(self, sandbox: Sandbox) -> Sequence[BaseRoute]:
        return gateway_routes(sandbox)

    async def start(self, sandbox: Sandbox) -> None:
        publish_loopback_urls(sandbox)

    async def stop(self, sandbox: Sandbox) -> None:
        with sandbox.lock:
            sandbox.subdomain_base = None


SUBDOMAIN_GATEWAY: Final = SubdomainGateway()
