"""Deleting a service: what it would break, and the delete itself.

:func:`delete_impact` gathers what a dry run shows before anything is deleted: the service, whether
its public subdomain goes away, and which other services reference its variables (``${db_...}``) and
would lose them. zcp's own service is never deleted (``SELF_SERVICE_BLOCKED``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from zcp.errors import PlatformError
from zcp.ops.env import REFERENCE
from zcp.ops.targets import guard_self

if TYPE_CHECKING:
    from zcp.auth import PlatformConnection
    from zcp.platform.models import Process, ServiceStack


@dataclass(frozen=True)
class DeleteImpact:
    """What deleting a service takes with it."""

    service: ServiceStack
    referenced_by: tuple[str, ...]  # services whose variables point at this one
    checked_references: bool  # False when reading another service's variables failed


async def delete_impact(
    platform: PlatformConnection, service: ServiceStack, others: list[ServiceStack]
) -> DeleteImpact:
    """Who references ``service``'s variables (best effort: a failed read is reported, not raised)."""
    prefix = f"{service.name}_"
    users: list[str] = []
    complete = True
    for other in others:
        if other.id == service.id:
            continue
        try:
            variables = await platform.client.get_service_env(other.id)
        except PlatformError:
            complete = False
            continue
        if any(m.group(1).startswith(prefix) for v in variables for m in REFERENCE.finditer(v.content)):
            users.append(other.name)
    return DeleteImpact(service, tuple(sorted(users)), complete)


async def delete_service(platform: PlatformConnection, service: ServiceStack) -> Process:
    guard_self(platform, service, "delete")
    return await platform.client.delete_service(service.id)
