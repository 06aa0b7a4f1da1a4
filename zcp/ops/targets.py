"""Finding the service a mutating tool acts on, and refusing to act on zcp's own service.

Inside a Zerops container zcp runs as a service of the project it manages. Stopping, restarting,
reloading, replacing or deleting that service would cut the branch zcp sits on, so those actions
raise :class:`~zcp.errors.SelfServiceBlocked` before any API call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zcp.errors import SelfServiceBlocked

if TYPE_CHECKING:
    from zcp.auth import PlatformConnection
    from zcp.platform.models import ServiceStack

#: Service statuses of services that no longer exist (the search index may still list them).
_GONE = frozenset({"DELETED", "SERVICE_DELETED"})


async def project_services(platform: PlatformConnection) -> list[ServiceStack]:
    """The project's user services (platform plumbing and deleted services left out), by hostname."""
    services = await platform.client.list_services(platform.project.id)
    kept = [s for s in services if not s.is_system_service and s.status.upper() not in _GONE]
    return sorted(kept, key=lambda s: s.name)


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
