"""Is a service running with its current variables? An env change is live only after a (re)start.

A service reads its environment when its containers start. ``zerops_env set`` restarts what the change
affects, but a call that was killed (or answered before its restart ran), ``skipRestart=true``, or a
change made in the GUI leaves the new value stored and the old one running — and nothing else in the
project says so. This module tells, from what the API already records:

* **when the environment last changed** for a service: the newest ``lastUpdate`` of its own user
  variables (platform-generated ones, such as ``zeropsSubdomain``, are left out), of the project's
  variables (every service inherits those), and of the env-change processes that touched it
  (``stack.userDataFile``; ``project.envCreate``/``project.envDelete`` for project variables, whose
  real action names are not documented — both signals are used, so a delete, which leaves no
  variable behind, still counts when its process is recorded);
* **when its containers last booted**: the newest *start* of a finished ``stack.start``,
  ``stack.restart``, ``stack.import`` (creation) or ``stack.build`` (a deploy) on it — a reload does
  not re-read the environment;
* the change is **pending** when it is newer than that boot. A boot that began before the change and
  ended after it does not count: it may have read the old value. When no boot is among the recent
  processes at all, the change is pending only if it is itself newer than the oldest process seen
  (then the boot must be older still); otherwise nothing is claimed.

:func:`pending_env_change` and :func:`last_boot` are pure; :func:`read_env_history` reads what it needs
for several services (one process search, the project's variables, each service's variables). Three
places show a pending change, all from here: ``zerops_verify`` as a failed ``env_applied`` check with
the restart as its recovery; ``zerops_discover`` as ``envPendingRestart`` on the service, a note and a
restart next action; ``zerops_workflow action="status"`` as ``envPending`` on the service in the
envelope (a line in the status, a restart in the plan where one fits). The last two read it through
:class:`EnvPrefetch` (the workflow status starts it with :func:`prefetch_env` beside its services
search; discover fills it with the variables it read anyway), which looks only at running runtimes
(a managed service or a stopped one has no containers that run with old values) and answers ``None``
instead of failing the call when the history cannot be read.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from zcp.axes import RuntimeClass, runtime_class_for
from zcp.errors import ZcpError
from zcp.ops.concurrency import gather
from zcp.ops.env import GENERATED_TYPES, KEY_PATTERN
from zcp.platform import status as st
from zcp.state.models import format_time

if TYPE_CHECKING:
    from zcp.platform.client import ZeropsClient
    from zcp.platform.models import Process, ProjectEnv, ServiceEnv, ServiceStack

#: Processes that change a service's variables, and the project's.
SERVICE_ENV_ACTIONS: Final = frozenset({"stack.userDataFile"})
PROJECT_ENV_ACTIONS: Final = frozenset({"project.envCreate", "project.envDelete"})
#: Processes that boot a service's containers (so they read the environment anew).
BOOT_ACTIONS: Final = frozenset({"stack.start", "stack.restart", "stack.import", "stack.build"})
PROCESS_WINDOW: Final = 100
#: Changed keys named in a summary (the count of the rest is given).
SHOWN_KEYS: Final = 20

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingEnv:
    """An env change a service has not booted with yet."""

    changed_at: datetime
    booted_at: datetime | None
    keys: tuple[str, ...]  # variables that changed after the boot (empty when only a process shows it)
    project: bool  # a project variable is among the changes


def _when(text: str | None) -> datetime | None:
    return st.parse_timestamp(text) if text else None


def _touches(process: Process, service_id: str) -> bool:
    return service_id == process.service_stack_id or any(s.id == service_id for s in process.service_stacks)


def last_boot(service: ServiceStack, processes: Sequence[Process]) -> datetime | None:
    """When ``service``'s containers last began to boot: the newest start of a finished boot process
    on it among ``processes`` (``None`` when none is among them). Pure."""
    booted: datetime | None = None
    for process in processes:
        if process.action_name not in BOOT_ACTIONS or process.normalized_status != st.FINISHED:
            continue
        if not _touches(process, service.id):
            continue
        began = _when(process.started) or _when(process.created)
        if began is not None and (booted is None or began > booted):
            booted = began
    return booted


def pending_env_change(
    service: ServiceStack,
    service_vars: Sequence[ServiceEnv],
    project_vars: Sequence[ProjectEnv],
    processes: Sequence[Process],
) -> PendingEnv | None:
    """The change ``service`` still runs without, or ``None`` (see the module docstring). Pure."""
    changes: list[tuple[datetime, str | None, bool]] = []  # (when, key or None, from the project)
    for variable in service_vars:
        when = _when(variable.last_update)
        if when is not None and variable.type.upper() not in GENERATED_TYPES:
            changes.append((when, variable.key, False))
    for project_var in project_vars:
        when = _when(project_var.last_update)
        if when is not None and project_var.type.upper() not in GENERATED_TYPES:
            changes.append((when, project_var.key, True))
    booted = last_boot(service, processes)
    oldest: datetime | None = None
    for process in processes:
        created = _when(process.created)
        if created is not None and (oldest is None or created < oldest):
            oldest = created
        finished = _when(process.finished) or _when(process.last_update)
        if process.action_name in PROJECT_ENV_ACTIONS and finished is not None:
            changes.append((finished, None, True))
        if (
            _touches(process, service.id)
            and process.action_name in SERVICE_ENV_ACTIONS
            and finished is not None
        ):
            changes.append((finished, None, False))
    if not changes:
        return None
    limit = booted if booted is not None else oldest
    if limit is None:
        return None
    late = [change for change in changes if change[0] > limit]
    if not late:
        return None
    return PendingEnv(
        changed_at=max(when for when, _, _ in late),
        booted_at=booted,
        keys=tuple(sorted({key for _, key, _ in late if key})),
        project=any(project for _, _, project in late),
    )


@dataclass(frozen=True)
class EnvHistory:
    """What the process history and the variables say about several services, by hostname."""

    pending: dict[str, PendingEnv]  # env changes a service has not booted with yet
    booted: dict[str, datetime]  # when a service's containers last began to boot (when known)


def env_history_of(
    services: Sequence[ServiceStack],
    processes: Sequence[Process],
    project_vars: Sequence[ProjectEnv],
    service_vars: dict[str, list[ServiceEnv]],
) -> EnvHistory:
    """Pending changes and last boots of ``services`` from what was read (by service id). Pure."""
    found: dict[str, PendingEnv] = {}
    booted: dict[str, datetime] = {}
    for service in services:
        pending = pending_env_change(service, service_vars.get(service.id, []), project_vars, processes)
        if pending is not None:
            found[service.name] = pending
        boot = last_boot(service, processes)
        if boot is not None:
            booted[service.name] = boot
    return EnvHistory(pending=found, booted=booted)


@dataclass
class EnvPrefetch:
    """The env-history reads that need no service list, started beside the services search.

    ``service_vars`` holds the variables of the runtimes a previous read saw (by id), read
    speculatively; :meth:`pending` reads only the ones still missing. ``failed`` means the history
    could not be read: the caller shows nothing rather than failing.
    """

    processes: list[Process]
    project_vars: list[ProjectEnv]
    service_vars: dict[str, list[ServiceEnv]]
    failed: bool = False

    async def pending(
        self, client: ZeropsClient, services: Sequence[ServiceStack]
    ) -> dict[str, PendingEnv] | None:
        """Pending changes of the running runtimes among ``services`` (``None`` when unreadable)."""
        if self.failed:
            return None
        targets = [s for s in services if env_applies(s)]
        missing = [s for s in targets if s.id not in self.service_vars]

        async def read_service(service: ServiceStack) -> None:
            self.service_vars[service.id] = await client.get_service_env(service.id)

        try:
            await gather(*(partial(read_service, s) for s in missing), limit=8)
        except ZcpError as error:
            log.info("reading the env history failed: %s", error.code)
            return None
        return env_history_of(targets, self.processes, self.project_vars, self.service_vars).pending


async def _read_inputs(
    client: ZeropsClient, project_id: str, service_ids: Sequence[str], *, guessed: bool
) -> EnvPrefetch:
    """The process history, the project's variables and ``service_ids``' variables, concurrently.

    ``guessed``: the ids come from an earlier read, so a service that is gone is skipped rather than
    failing the read.
    """
    found = EnvPrefetch(processes=[], project_vars=[], service_vars={})

    async def read_processes() -> None:
        found.processes.extend(await client.search_processes(project_id, PROCESS_WINDOW))

    async def read_project_vars() -> None:
        found.project_vars.extend(await client.get_project_env(project_id))

    async def read_service_vars(service_id: str) -> None:
        if not guessed:
            found.service_vars[service_id] = await client.get_service_env(service_id)
            return
        with contextlib.suppress(ZcpError):
            found.service_vars[service_id] = await client.get_service_env(service_id)

    jobs = (partial(read_service_vars, i) for i in service_ids)
    await gather(read_processes, read_project_vars, *jobs, limit=8)
    return found


async def read_env_history(
    client: ZeropsClient, project_id: str, services: Sequence[ServiceStack]
) -> EnvHistory:
    """Pending env changes and last boots of ``services`` (the reads run concurrently; a failed read
    is raised)."""
    read = await _read_inputs(client, project_id, [s.id for s in services], guessed=False)
    return env_history_of(services, read.processes, read.project_vars, read.service_vars)


async def prefetch_env(client: ZeropsClient, project_id: str, service_ids: Sequence[str]) -> EnvPrefetch:
    """Start the env-change check beside a services search: the history, the project's variables and
    the variables of ``service_ids`` (runtimes an earlier read saw); never raises for the platform's
    errors (see :class:`EnvPrefetch`)."""
    try:
        return await _read_inputs(client, project_id, service_ids, guessed=True)
    except ZcpError as error:
        log.info("reading the env history failed: %s", error.code)
        return EnvPrefetch(processes=[], project_vars=[], service_vars={}, failed=True)


def env_applies(service: ServiceStack) -> bool:
    """Whether a pending change matters now: a running runtime, whose containers read the environment."""
    return (
        runtime_class_for(service.type_version) is not RuntimeClass.MANAGED
        and service.category.upper() == st.CATEGORY_RUNTIME
        and service.status.upper() in st.SERVICE_HEALTHY
    )


def shown_keys(pending: PendingEnv) -> tuple[list[str], int]:
    """The changed keys safe to show (variable-name syntax, at most :data:`SHOWN_KEYS`), and how many
    others changed. Keys come from the project, so anything that is not a plain name is only counted."""
    plain = [k for k in pending.keys if len(k) <= 100 and KEY_PATTERN.fullmatch(k)]
    return plain[:SHOWN_KEYS], len(pending.keys) - len(plain[:SHOWN_KEYS])


def pending_fields(pending: PendingEnv) -> dict[str, Any]:
    """The change as the tools publish it: ``{keys, moreKeys?, since, project?}`` (discover's
    ``envPendingRestart``, the envelope's ``envPending``)."""
    keys, more = shown_keys(pending)
    fields: dict[str, Any] = {"keys": keys, "since": format_time(pending.changed_at)}
    if more:
        fields["moreKeys"] = more
    if pending.project:
        fields["project"] = True
    return fields


def pending_summary(pending: PendingEnv) -> str:
    """One line: what changed and when (``LATE, MODE changed at 2025-…Z``)."""
    keys, more = shown_keys(pending)
    what = ", ".join(keys) if keys else "a variable (deleted or changed)"
    if keys and more:
        what += f" and {more} more"
    scope = " (project variables included)" if pending.project else ""
    return f"{what}{scope} changed at {format_time(pending.changed_at)}"
