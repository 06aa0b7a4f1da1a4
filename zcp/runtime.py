"""Where zcp itself runs: inside a Zerops service container, or on a developer's machine.

The Zerops runtime sets ``serviceId``, ``hostname`` and ``projectId`` in every container; their presence
means zcp runs as a service of the project it manages. That service must never be deleted, stopped,
restarted or unmounted by zcp itself (it would cut the branch it sits on), so operations that act on
"every service" skip it, and guards refuse to touch it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from zcp.config import Settings

__all__ = ["RuntimeInfo", "detect_runtime"]


class _NamedService(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


ServiceT = TypeVar("ServiceT", bound=_NamedService)


@dataclass(frozen=True)
class RuntimeInfo:
    """The execution environment of this zcp process."""

    in_container: bool
    service_id: str | None = None
    hostname: str | None = None
    project_id: str | None = None

    @property
    def label(self) -> str:
        """``container (zcpx)`` or ``local``, for status output."""
        if not self.in_container:
            return "local"
        return f"container ({self.hostname})" if self.hostname else "container"

    def is_self(self, *, service_id: str | None = None, hostname: str | None = None) -> bool:
        """True when the id or hostname names the service zcp runs in."""
        if not self.in_container:
            return False
        if service_id and self.service_id and service_id == self.service_id:
            return True
        return bool(hostname and self.hostname and hostname == self.hostname)

    def without_self(self, services: Iterable[ServiceT]) -> list[ServiceT]:
        """``services`` minus the one zcp runs in (for bulk restarts and similar)."""
        return [s for s in services if not self.is_self(service_id=s.id, hostname=s.name)]


def detect_runtime(settings: Settings) -> RuntimeInfo:
    """Container when the Zerops runtime's ``serviceId`` is set, else local."""
    if not settings.service_id:
        return RuntimeInfo(in_container=False)
    return RuntimeInfo(
        in_container=True,
        service_id=settings.service_id,
        hostname=settings.self_hostname,
        project_id=settings.container_project_id,
    )
