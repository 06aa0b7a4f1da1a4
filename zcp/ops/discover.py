"""What is in the project: services (platform plumbing left out), subdomain URLs and, on request, env.

:func:`read_discovery` takes the services a user manages (:func:`zcp.ops.targets.user_services`) and adds, concurrently,
each service's environment (only when asked, or to learn a published subdomain URL), the project's
variables, for a single service the authoritative detail read with scaling limits, and the env changes
running runtimes have not restarted with yet (:class:`zcp.ops.env_live.EnvPrefetch`, reusing the
variables read for the views).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Final

from zcp.ops.concurrency import Job, gather
from zcp.ops.env import GENERATED_TYPES
from zcp.ops.subdomain import SUBDOMAIN_ENV, find_published_url
from zcp.platform.models import Process, ProjectEnv, ServiceEnv, ServiceStack

if TYPE_CHECKING:
    from zcp.ops.env_live import PendingEnv
    from zcp.platform.client import ZeropsClient
    from zcp.platform.models import Project

#: Concurrent env reads per discovery.
READ_CONCURRENCY: Final = 8


@dataclass(frozen=True)
class EnvView:
    """One variable; ``value`` is the raw content (untrusted text from the project)."""

    key: str
    value: str
    is_reference: bool
    is_platform: bool
    sensitive: bool

    @classmethod
    def of(cls, key: str, value: str, env_type: str, sensitive: bool) -> EnvView:
        return cls(
            key=key,
            value=value,
            is_reference="${" in value,
            is_platform=env_type.upper() in GENERATED_TYPES or key == SUBDOMAIN_ENV,
            sensitive=sensitive,
        )


@dataclass
class ServiceView:
    service: ServiceStack
    envs: list[EnvView] | None = None
    subdomain_url: str | None = None


@dataclass
class Discovery:
    project: Project
    services: list[ServiceView]
    project_envs: list[EnvView] | None = None
    notes: list[str] = field(default_factory=list)
    #: Env changes a running runtime has not booted with yet, by hostname.
    env_pending: dict[str, PendingEnv] = field(default_factory=dict)


def _service_envs(variables: Sequence[ServiceEnv]) -> list[EnvView]:
    return sorted((EnvView.of(v.key, v.content, v.type, v.sensitive) for v in variables), key=lambda e: e.key)


def _project_envs(variables: Sequence[ProjectEnv]) -> list[EnvView]:
    return sorted((EnvView.of(v.key, v.content, v.type, v.sensitive) for v in variables), key=lambda e: e.key)


async def read_discovery(
    client: ZeropsClient,
    project: Project,
    services: Sequence[ServiceStack],
    *,
    include_envs: bool,
    detail: bool,
) -> Discovery:
    """Views of ``services`` with env (when ``include_envs``) and published subdomain URLs.

    The project is re-read (its status may have changed since start-up); ``detail`` re-reads each
    service from the authoritative endpoint (scaling limits included).
    """
    from zcp.errors import ZcpError
    from zcp.ops.env_live import PROCESS_WINDOW, EnvPrefetch

    views = [ServiceView(service) for service in services]
    project_envs: list[EnvView] | None = None
    env_pending: dict[str, PendingEnv] = {}
    # What the env-change check needs is read once, with the rest: the variables read for the views
    # are reused, and only the runtimes not read here are read after (EnvPrefetch.pending).
    raw_service_envs: dict[str, list[ServiceEnv]] = {}
    raw_project_env: list[ProjectEnv] | None = None
    processes: list[Process] | None = None

    async def read_service(view: ServiceView) -> None:
        if detail:
            view.service = await client.get_service(view.service.id)
        if not include_envs and not view.service.subdomain_access:
            return
        raw = await client.get_service_env(view.service.id)
        raw_service_envs[view.service.id] = raw
        envs = _service_envs(raw)
        url = find_published_url({e.key: e.value for e in envs})
        view.subdomain_url = url if view.service.subdomain_access else None
        if include_envs:
            view.envs = envs

    async def read_project() -> None:
        nonlocal project
        project = await client.get_project(project.id)

    async def read_project_env() -> None:
        nonlocal project_envs, raw_project_env
        try:
            raw_project_env = await client.get_project_env(project.id)
        except ZcpError:
            if include_envs:
                raise  # asked for: a failure is the answer
            return  # only the env-change check needed it: that check shows nothing
        if include_envs:
            project_envs = _project_envs(raw_project_env)

    async def read_processes() -> None:
        nonlocal processes
        try:
            processes = await client.search_processes(project.id, PROCESS_WINDOW)
        except ZcpError:
            processes = None

    jobs: list[Job] = [
        read_project,
        read_project_env,
        read_processes,
        *(partial(read_service, view) for view in views),
    ]
    await gather(*jobs, limit=READ_CONCURRENCY)
    if processes is not None and raw_project_env is not None:
        prefetch = EnvPrefetch(
            processes=processes, project_vars=raw_project_env, service_vars=raw_service_envs
        )
        env_pending.update(await prefetch.pending(client, services) or {})
    return Discovery(project=project, services=views, project_envs=project_envs, env_pending=env_pending)
