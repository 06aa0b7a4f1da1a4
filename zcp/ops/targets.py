"""The project's user services, and refusing to act on zcp's own service.

:func:`user_services` is the one listing rule every tool uses: platform plumbing (build, balancer…)
and deleted services are left out, the rest sorted by hostname.

Inside a Zerops container zcp runs as a service of the project it manages. Stopping, restarting,
reloading, replacing or deleting that service would cut the branch zcp sits on, so those actions
raise :class:`~zcp.errors.SelfServiceBlocked` before any API call.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Final, Protocol, TypeVar

from zcp.errors import SelfServiceBlocked, ServiceNotFound

if TYPE_CHECKING:
    from zcp.auth import PlatformConnection
    from zcp.platform.client import ZeropsClient
    from zcp.platform.models import ServiceStack

#: Service statuses of services that no longer exist (the search index may still list them).
GONE: Final = frozenset({"DELETED", "SERVICE_DELETED"})
#: Service statuses of services whose delete is under way.
DELETING: Final = frozenset({"DELETING", "SERVICE_DELETING"})


def is_user_service(service: ServiceStack) -> bool:
    """True for a service a user manages: not platform plumbing, not deleted."""
    return not service.is_system_service and service.status.upper() not in GONE


def is_deleting(service: ServiceStack) -> bool:
    """True while the service's delete runs."""
    return service.status.upper() in DELETING


async def user_services(client: ZeropsClient, project_id: str) -> list[ServiceStack]:
    """The project's user services (platform plumbing and deleted services left out), by hostname."""
    services = await client.list_services(project_id)
    return sorted((s for s in services if is_user_service(s)), key=lambda s: s.name)


async def project_services(platform: PlatformConnection) -> list[ServiceStack]:
    """:func:`user_services` of the project zcp manages."""
    return await user_services(platform.client, platform.project.id)


def is_self(platform: PlatformConnection, service: ServiceStack) -> bool:
    """True when ``service`` is the one zcp runs in."""
    return platform.runtime.is_self(service_id=service.id, hostname=service.name)


def guard_self(platform: PlatformConnection, service: ServiceStack, action: str) -> None:
    """Refuse ``action`` (e.g. "stop") when it targets zcp's own service."""
    if is_self(platform, service):
        raise SelfServiceBlocked(
            f"{service.name} is the service zcp itself runs in; zcp will not {action} it",
            suggestion=f"Do this from the Zerops GUI or zcli, outside this zcp session "
            f"(e.g. `zcli service {action} {service.name}`).",
            details={"serviceHostname": service.name},
        )


class _Named(Protocol):
    @property
    def name(self) -> str: ...


ServiceT = TypeVar("ServiceT", bound=_Named)


def service_not_found(hostname: str, names: Iterable[str]) -> ServiceNotFound:
    """SERVICE_NOT_FOUND for ``hostname``, listing the services there are (and the closest name)."""
    known = sorted(names)
    close = difflib.get_close_matches(hostname, known, n=1, cutoff=0.6)
    hint = f"Did you mean {close[0]!r}? " if close else ""
    return ServiceNotFound(
        f"no service {hostname!r} in this project",
        suggestion=f"{hint}Services: {', '.join(known) or '(none)'}.",
        details={"available": known},
    )


def find_service(services: Sequence[ServiceT], hostname: str) -> ServiceT:
    """The service with that hostname, or :func:`service_not_found`."""
    for service in services:
        if service.name == hostname:
            return service
    raise service_not_found(hostname, (s.name for s in services))
