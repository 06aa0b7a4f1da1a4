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

Requests go through the usual fault injection and request log under the route name ``subdomain``, so
tests can slow a subdomain down (``sandbox.fault("subdomain", latency=5)``) or count probes
(``sandbox.hits("subdomain")``). Add the extension to a server with
``SandboxServer(sandbox, extensions=SERVE_EXTENSIONS)``; ``zcp sandbox serve`` always runs it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from starlette.routing import BaseRoute

from zcp.sandbox.failures import ApiFailure
from zcp.sandbox.lifecycle import SUBDOMAIN_ENV, subdomain_label, subdomain_url
from zcp.sandbox.model import Service
from zcp.sandbox.routes.base import Call, Endpoint, endpoint_route
from zcp.sandbox.sandbox import Sandbox

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
        return [endpoint_route(sandbox, endpoint) for endpoint in ENDPOINTS]

    async def start(self, sandbox: Sandbox) -> None:
        publish_loopback_urls(sandbox)

    async def stop(self, sandbox: Sandbox) -> None:
        with sandbox.lock:
            sandbox.subdomain_base = None


SUBDOMAIN_GATEWAY: Final = SubdomainGateway()
