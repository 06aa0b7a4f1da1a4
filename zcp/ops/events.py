"""The project's activity timeline: processes and builds merged, newest first.

Processes (start, stop, scale, env changes…) and app versions (builds and deploys) come from two
searches; :func:`build_timeline` merges them into one list of :class:`Event` — a pure function, so the
rules are easy to test:

* platform-internal actions (``zL7Master.…``) are hidden;
* ``stack.build`` processes are left out because the build itself appears as a ``build`` event with
  more detail (source, pipeline duration, failure phase);
* the placeholder version a ``startWithoutCode`` import leaves is not a build and is left out;
* action names are readable labels (:func:`zcp.ops.actions.action_label`);
* with a hostname, only events touching that service remain.

:func:`read_timeline` does the I/O: three concurrent reads, then build logs for the newest failed
builds so they can be classified (best effort: a log read that fails leaves the build unclassified).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Final, Literal

from zcp.errors import ZcpError
from zcp.ops.actions import action_label, is_internal
from zcp.ops.build_failures import BuildFailure, classify_build_failure
from zcp.ops.concurrency import gather
from zcp.platform import status as st
from zcp.platform.builds import build_status
from zcp.platform.logs import LogQuery
from zcp.platform.models import AppVersion, Process, ServiceStack

if TYPE_CHECKING:
    from zcp.platform.client import ZeropsClient

log = logging.getLogger(__name__)

#: Failed builds whose logs are read for classification, per timeline.
CLASSIFY_AT_MOST: Final = 3
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Event:
    """One line of the timeline."""

    timestamp: str
    type: Literal["process", "build"]
    action: str
    status: str
    services: tuple[str, ...]
    id: str
    duration: float | None = None
    user: str | None = None
    fail_reason: str | None = None
    detail: str | None = None
    failure: BuildFailure | None = None
    build_service_id: str | None = None  # where a build's log lines live

    @property
    def failed(self) -> bool:
        return self.status in ("FAILED",) or self.status.endswith("_FAILED")


def _seconds(start: str | None, end: str | None) -> float | None:
    begin, finish = st.parse_timestamp(start), st.parse_timestamp(end)
    if begin is None or finish is None:
        return None
    return round((finish - begin).total_seconds(), 1)


def process_event(process: Process, names: Mapping[str, str]) -> Event:
    """A process as a timeline event (``names`` maps service ids to hostnames)."""
    services = tuple(
        s.name or names.get(s.id, s.id) for s in process.service_stacks if s.name or s.id in names
    )
    if not services and process.service_stack_id and process.service_stack_id in names:
        services = (names[process.service_stack_id],)
    user = process.created_by_user.full_name if process.created_by_user else None
    return Event(
        timestamp=process.created or "",
        type="process",
        action=action_label(process.action_name),
        status=process.normalized_status,
        services=services,
        id=process.id,
        duration=_seconds(process.started, process.finished),
        user=user or ("system" if process.created_by_system else None),
        fail_reason=process.fail_reason,
    )


def build_event(version: AppVersion, names: Mapping[str, str]) -> Event:
    """An app version (one build/deploy) as a timeline event."""
    state = build_status(version)
    detail = f"source {version.source}" if version.source else None
    if version.status == "BACKUP":
        detail = (detail + "; " if detail else "") + "superseded by a newer deploy"
    if state.failure_phase:
        detail = (detail + "; " if detail else "") + f"failed in the {state.failure_phase} phase"
    return Event(
        timestamp=version.created or "",
        type="build",
        action="build",
        status=version.status,
        services=(names.get(version.service_stack_id, version.service_stack_id),),
        id=version.id,
        duration=round(state.duration, 1) if state.duration is not None else None,
        detail=detail,
        build_service_id=version.build.service_stack_id if version.build else None,
    )


def build_timeline(
    processes: Sequence[Process],
    versions: Sequence[AppVersion],
    services: Sequence[ServiceStack],
    *,
    hostname: str | None = None,
    limit: int = 50,
) -> list[Event]:
    """Merge processes and builds into one timeline, newest first, at most ``limit`` events."""
    names = {service.id: service.name for service in services}
    events = [
        process_event(process, names)
        for process in processes
        if not is_internal(process.action_name) and process.action_name != "stack.build"
    ]
    events += [build_event(version, names) for version in versions if not version.is_start_without_code]
    if hostname is not None:
        events = [event for event in events if hostname in event.services]
    events.sort(key=lambda event: (st.parse_timestamp(event.timestamp) or _EPOCH, event.id), reverse=True)
    return events[:limit]


async def read_timeline(
    client: ZeropsClient,
    project_id: str,
    *,
    hostname: str | None = None,
    limit: int = 50,
) -> tuple[list[Event], list[ServiceStack]]:
    """Read processes, builds and services concurrently; classify the newest failed builds."""
    client_id = await client.client_id()
    processes: list[Process] = []
    versions: list[AppVersion] = []
    services: list[ServiceStack] = []
    # Searches cut before the project filter; ask for more than needed so a busy organisation
    # still leaves this project enough events.
    search_limit = min(max(limit * 2, 50), 200)

    async def read_processes() -> None:
        processes.extend(await client.search_processes(project_id, search_limit, client_id))

    async def read_versions() -> None:
        versions.extend(await client.search_app_versions(project_id, search_limit, client_id))

    async def read_services() -> None:
        services.extend(await client.list_services(project_id, client_id))

    await gather(read_processes, read_versions, read_services)
    events = build_timeline(processes, versions, services, hostname=hostname, limit=limit)
    failed = [e for e in events if e.type == "build" and e.failed and e.build_service_id][:CLASSIFY_AT_MOST]
    classified: dict[str, BuildFailure] = {}

    async def classify(event: Event) -> None:
        assert event.build_service_id is not None
        try:
            items = await client.fetch_logs(
                project_id,
                LogQuery(service_id=event.build_service_id, tags=(f"zbuilder@{event.id}",), limit=100),
            )
        except ZcpError as error:
            log.info("build %s: could not read its log to classify it: %s", event.id, error.code)
            return
        errors_first = sorted(items, key=lambda item: item.severity if item.severity is not None else 6)
        classified[event.id] = classify_build_failure(
            event.status, event.fail_reason, [item.message for item in errors_first]
        )

    await gather(*[partial(classify, event) for event in failed])
    return [replace(e, failure=classified.get(e.id)) for e in events], services
