"""One concurrent read of everything a status view needs: the project, its services, recent processes
and recent deploys. With the organisation id cached, the four calls run side by side, so the whole read
costs about one round trip instead of four.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio

from zcp.errors import ZcpError
from zcp.platform.client import ZeropsClient
from zcp.platform.models import AppVersion, Process, Project, ServiceStack


@dataclass
class ProjectSnapshot:
    """The project and what is in it, read at (nearly) one moment."""

    project: Project | None = None
    services: list[ServiceStack] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    app_versions: list[AppVersion] = field(default_factory=list)


async def read_snapshot(
    client: ZeropsClient, project_id: str, *, process_limit: int = 50, app_version_limit: int = 10
) -> ProjectSnapshot:
    """Read project, services, processes and app versions concurrently; the first failure is raised."""
    client_id = await client.client_id()
    snapshot = ProjectSnapshot()

    async def project() -> None:
        snapshot.project = await client.get_project(project_id)

    async def services() -> None:
        snapshot.services = await client.list_services(project_id, client_id)

    async def processes() -> None:
        snapshot.processes = await client.search_processes(project_id, process_limit, client_id)

    async def app_versions() -> None:
        snapshot.app_versions = await client.search_app_versions(project_id, app_version_limit, client_id)

    try:
        async with anyio.create_task_group() as group:
            for read in (project, services, processes, app_versions):
                group.start_soon(read)
    except BaseExceptionGroup as failures:
        first = _first_zcp_error(failures)
        if first is None:
            raise
        raise first from None
    return snapshot


def _first_zcp_error(group: BaseExceptionGroup[BaseException]) -> ZcpError | None:
    for error in group.exceptions:
        if isinstance(error, ZcpError):
            return error
        if isinstance(error, BaseExceptionGroup):
            nested = _first_zcp_error(error)
            if nested is not None:
                return nested
    return None
