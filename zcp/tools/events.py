"""``zerops_events``: the project's activity timeline — processes and builds, newest first.

Deviations from the reference tool: builds and deploys are one event ``type: "build"`` (one per app
version, carrying ``buildId``) and the ``stack.build`` processes that duplicate them are left out;
``limit`` is capped at 200; failed builds carry ``failureClass``/``failureCause``/``hint`` from their build
log (the newest three failed builds are classified per call). Platform fail reasons are fenced as
untrusted data in the readable text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, Field

from zcp.calls import ToolCall
from zcp.ops.events import Event, read_timeline
from zcp.ops.targets import user_services
from zcp.ops.waiting import poll_call
from zcp.platform import status as st
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import Hostname, find_service
from zcp.tools.untrusted import fence_records

if TYPE_CHECKING:
    from zcp.app import App

NAME = "zerops_events"
DESCRIPTION = (
    "Project activity, newest first: processes (start, stop, scale, env-update, import, delete…) and "
    "builds with status, duration and user; failed builds get a likely cause and hint."
)
MAX_EVENTS = 200


class EventOut(BaseModel):
    timestamp: str
    type: Literal["process", "build"]
    action: str
    status: str
    service: str | None = None
    process_id: str | None = Field(default=None, alias="processId")
    build_id: str | None = Field(default=None, alias="buildId")
    duration: float | None = None
    user: str | None = None
    detail: str | None = None
    fail_reason: str | None = Field(default=None, alias="failReason")
    failure_class: str | None = Field(default=None, alias="failureClass")
    failure_cause: str | None = Field(default=None, alias="failureCause")
    hint: str | None = None


class EventSummary(BaseModel):
    total: int
    processes: int
    builds: int


class EventsResult(ToolOutput):
    project_id: str = Field(alias="projectId")
    events: list[EventOut]
    summary: EventSummary

    def to_text(self) -> str:
        if not self.events:
            return "No events in the project's recent history for this filter.\n"
        s = self.summary
        lines = [f"{s.total} event(s), newest first ({s.processes} processes, {s.builds} builds):", ""]
        reasons: list[str] = []
        for e in self.events:
            # A build whose version went live reads "deployed" (the platform calls it ACTIVE).
            status = "deployed" if e.type == "build" and e.status == "ACTIVE" else e.status
            head = f"{e.timestamp}  {e.type:<7} {e.action:<18} {status:<12} {e.service or '-'}"
            if e.duration is not None:
                head += f"  {e.duration:g}s"
            if e.user:
                head += f"  by {e.user}"
            if e.detail:
                head += f"  ({e.detail})"
            lines.append(head)
            if e.failure_cause:
                lines.append(f"    likely cause [{e.failure_class}]: {e.failure_cause} — {e.hint}")
            if e.fail_reason:
                reasons.append(f"{e.process_id or e.build_id}: {e.fail_reason}")
        text = "\n".join(lines) + "\n"
        if reasons:
            text += "\nFailure reasons reported by the platform:\n" + fence_records(reasons)
        return text


def _event_out(event: Event) -> EventOut:
    failure = event.failure
    return EventOut(
        timestamp=event.timestamp,
        type=event.type,
        action=event.action,
        status=event.status,
        service=", ".join(event.services) or None,
        processId=event.id if event.type == "process" else None,
        buildId=event.id if event.type == "build" else None,
        duration=event.duration,
        user=event.user,
        detail=event.detail,
        failReason=event.fail_reason,
        failureClass=failure.category if failure else None,
        failureCause=failure.cause if failure else None,
        hint=failure.hint if failure else None,
    )


def _next_actions(events: list[EventOut]) -> list[ToolCall]:
    actions: list[ToolCall] = []
    running = next(
        (e for e in events if e.process_id and e.status in st.PROCESS_IN_PROGRESS),
        None,
    )
    if running is not None and running.process_id:
        actions.append(poll_call(running.process_id))
    failed = next((e for e in events if e.build_id and e.status.endswith("FAILED")), None)
    if failed is not None and failed.service:
        actions.append(
            ToolCall.of(
                "zerops_logs",
                serviceHostname=failed.service,
                source="build",
                buildId=failed.build_id,
                severity="error",
            )
        )
    return actions


def events_tool(app: App) -> ToolDefinition:
    """Build the zerops_events tool bound to ``app``."""

    async def zerops_events(
        serviceHostname: Annotated[Hostname | None, Field(description="only this service")] = None,
        limit: Annotated[int, Field(ge=1, le=MAX_EVENTS)] = 50,
    ) -> EventsResult:
        platform = app.require_platform()
        client, project_id = platform.client, platform.project.id
        if serviceHostname is not None:
            find_service(await user_services(client, project_id), serviceHostname)
        events, _ = await read_timeline(client, project_id, hostname=serviceHostname, limit=limit)
        out = [_event_out(event) for event in events]
        processes = sum(1 for e in out if e.type == "process")
        return EventsResult(
            project_id=project_id,
            events=out,
            summary=EventSummary(total=len(out), processes=processes, builds=len(out) - processes),
            next_actions=_next_actions(out),
        )

    return ToolDefinition(
        name=NAME,
        title="Project activity timeline",
        description=DESCRIPTION,
        fn=zerops_events,
        read_only=True,
        destructive=False,
        idempotent=True,
        open_world=True,
        needs_platform=True,
    )
