"""Public ``*.zerops.app`` subdomain access for a service.

The state is read from the authoritative service endpoint first, so enabling an enabled subdomain
(which the platform answers with a process that ends ``FAILED``) or disabling a disabled one is a
no-op that says so. Right after a deploy the HTTP ports may not be registered yet: the platform then
answers ``noSubdomainPorts``, and the enable is retried a few times with a growing pause.

The URL comes from the ``zeropsSubdomain`` variable the platform publishes shortly after enabling;
until it appears it is built the way the platform builds it:
``https://{hostname}-{prefix}[-{port}].{rest}`` from the project's subdomain host and each HTTP port.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from zcp.clock import Clock
from zcp.errors import ApiError, InvalidUsage

if TYPE_CHECKING:
    from zcp.auth import PlatformConnection
    from zcp.platform.models import Process, Project, ServiceStack

SUBDOMAIN_ENV: Final = "zeropsSubdomain"
#: Pauses before re-trying an enable the platform refused with ``noSubdomainPorts``.
ENABLE_RETRY_DELAYS: Final = (0.25, 0.5, 1.0)


def built_urls(project: Project, service: ServiceStack) -> list[str]:
    """The subdomain URL of every HTTP port, as the platform names them. Pure."""
    host = project.zerops_subdomain_host or ""
    if "." not in host:
        return []
    prefix, rest = host.split(".", 1)
    urls = []
    for port in service.ports:
        if port.http_routing:
            suffix = "" if port.port == 80 else f"-{port.port}"
            urls.append(f"https://{service.name}-{prefix}{suffix}.{rest}")
    return urls


async def published_url(platform: PlatformConnection, service: ServiceStack) -> str | None:
    """The ``zeropsSubdomain`` variable of the service, once the platform has published it."""
    for variable in await platform.client.get_service_env(service.id):
        if variable.key == SUBDOMAIN_ENV and variable.content:
            return variable.content
    return None


async def request_enable(
    platform: PlatformConnection,
    service: ServiceStack,
    *,
    clock: Clock,
    delays: Sequence[float] = ENABLE_RETRY_DELAYS,
) -> Process:
    """Ask for subdomain access, retrying while the platform has not registered the HTTP ports."""
    attempts = [*delays, None]
    for delay in attempts:
        try:
            return await platform.client.enable_subdomain(service.id)
        except ApiError as error:
            if error.api_code != "noSubdomainPorts":
                raise
            if delay is None:
                raise InvalidUsage(
                    f"{service.name} has no HTTP port for a subdomain to route to",
                    suggestion=(
                        f"Deploy {service.name} with a zerops.yaml whose run.ports has an entry with "
                        "httpSupport: true, then enable the subdomain again."
                    ),
                    api_code=error.api_code,
                    api_meta=error.api_meta,
                ) from None
            await clock.sleep(delay)
    raise AssertionError("unreachable")


async def request_disable(platform: PlatformConnection, service: ServiceStack) -> Process | None:
    """Ask to turn subdomain access off; ``None`` when the platform says it already is off."""
    try:
        return await platform.client.disable_subdomain(service.id)
    except ApiError as error:
        if error.api_code == "serviceStackSubdomainAccessAlreadyDisabled":
            return None
        raise
