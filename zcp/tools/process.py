"""``zerops_process``: follow a platform process (optionally waiting for it), or cancel it.

``status`` reads the process and, while it is still pending or running, waits for it up to
``waitSeconds`` (default ``ZCP_WAIT_SECONDS``; ``0`` answers at once) with progress notifications —
so "still running — follow it with zerops_process" from a mutating tool costs one call, not a loop.
``cancel`` asks the platform to stop a pending or running process.

Only ``cancel`` changes anything, so the annotations describe the tool as a whole (not read-only,
not destructive, idempotent) while read-only mode refuses ``cancel`` alone: the tool-wide read-only
gate of :class:`~zcp.tools.base.ZcpTool` lets ``status`` through (``read_actions``) and refuses
``cancel`` with ``READ_ONLY``. Processes of other projects are reported as not found: zcp manages
one project. Deviation from the reference tool: the waiting, and ``action`` names its own values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, ConfigDict, Field

from zcp.calls import ToolCall
from zcp.errors import InvalidParameter, ProcessAlreadyTerminal, ProcessNotFound
from zcp.ops.actions import action_label
from zcp.ops.waiting import seconds
from zcp.platform import status as st
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.untrusted import fence
from zcp.tools.waiting import WAIT_SECONDS_LIMIT, ProcessWaiter, poll_call

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.platform.models import Process

NAME = "zerops_process"
DESCRIPTION = (
    "Follow a platform process by processId: status (default) waits up to waitSeconds (default 45, 0 = "
    "at once) while it runs, with progress; cancel stops it."
)
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class ProcessOut(BaseModel):
    """A platform process; ``failReason`` is text from the platform (untrusted)."""

    model_config = ConfigDict(populate_by_name=True)

    process_id: str = Field(alias="processId")
    action_name: str = Field(alias="actionName")
    status: str
    services: list[str] | None = None
    started: str | None = None
    finished: str | None = None
    fail_reason: str | None = Field(default=None, alias="failReason")

    @classmethod
    def of(cls, process: Process) -> ProcessOut:
        return cls(
            process_id=process.id,
            action_name=process.action_name,
            status=process.normalized_status,
            services=[s.name for s in process.service_stacks if s.name] or None,
            started=process.started,
            finished=process.finished,
            fail_reason=process.fail_reason,
        )


class ProcessResult(ToolOutput):
    action: Literal["status", "cancel"]
    process: ProcessOut
    label: str
    still_running: bool | None = Field(default=None, alias="stillRunning")
    duration: float | None = None
    message: str

    def to_text(self) -> str:
        p = self.process
        text = f"{self.message}\n{p.action_name} {p.status} ({p.process_id})"
        if p.services:
            text += " on " + ", ".join(p.services)
        text += "\n"
        if p.fail_reason:
            text += "Failure reason reported by the platform:\n" + fence(p.fail_reason)
        return text


def _duration(process: Process) -> float | None:
    start, end = st.parse_timestamp(process.started), st.parse_timestamp(process.finished)
    return round((end - start).total_seconds(), 1) if start and end else None


def _next_actions(out: ProcessOut, still_running: bool) -> list[ToolCall]:
    if still_running or out.status in st.PROCESS_IN_PROGRESS:
        return [poll_call(out.process_id)]
    if out.status == st.FINISHED:
        return [ToolCall.of("zerops_discover")]
    host = out.services[0] if out.services else None
    if host:
        return [
            ToolCall.of("zerops_events", serviceHostname=host),
            ToolCall.of("zerops_logs", serviceHostname=host, severity="error"),
        ]
    return [ToolCall.of("zerops_events")]


def process_tool(app: App) -> ToolDefinition:
    """Build the zerops_process tool bound to ``app``."""

    async def own_process(process_id: str) -> Process:
        process: Process = await app.require_platform().client.get_process(process_id)
        if process.project_id and process.project_id != app.require_platform().project.id:
            raise ProcessNotFound(
                f"process {process_id} belongs to another project",
                suggestion="zcp manages one project; list its recent processes with zerops_events.",
            )
        return process

    async def zerops_process(
        processId: Annotated[str, Field(pattern=ID_PATTERN)],
        action: Annotated[Literal["status", "cancel"], Field()] = "status",
        waitSeconds: Annotated[
            float | None,
            Field(ge=0, le=WAIT_SECONDS_LIMIT, description="status: max seconds to wait"),
        ] = None,
        ctx: Context | None = None,
    ) -> ProcessResult:
        if action == "cancel" and waitSeconds is not None:
            raise InvalidParameter(
                "waitSeconds only applies to action=status",
                suggestion=f'Drop waitSeconds: zerops_process processId="{processId}" action="cancel".',
            )
        process = await own_process(processId)
        label = action_label(process.action_name)
        if action == "cancel":
            if not process.in_progress:
                raise ProcessAlreadyTerminal(
                    f"process {processId} ({label}) is already {process.normalized_status}; nothing to cancel",
                    suggestion=f"Read how it ended: {poll_call(processId).command}.",
                    details={"processId": processId, "status": process.normalized_status},
                )
            cancelled = await app.require_platform().client.cancel_process(processId)
            out = ProcessOut.of(cancelled)
            return ProcessResult(
                action="cancel",
                process=out,
                label=label,
                duration=_duration(cancelled),
                message=f"Cancelled {label} ({processId}); steps it had not reached will not happen.",
                next_actions=[ToolCall.of("zerops_discover"), ToolCall.of("zerops_events", limit=5)],
            )
        subject = f"{label} {', '.join(s.name for s in process.service_stacks if s.name)}".strip()
        waiter = ProcessWaiter(app, ctx, wait_seconds=waitSeconds, subject=subject)
        waited = await waiter.wait(process, label=subject)
        out = ProcessOut.of(waited.process)
        if waited.still_running:
            message = f"{subject} is still {out.status} after {seconds(waiter.elapsed)}."
        else:
            message = f"{subject}: {out.status}."
        if waited.problem:
            message += f" (Reading it failed: {waited.problem})"
        return ProcessResult(
            action="status",
            process=out,
            label=label,
            still_running=True if waited.still_running else None,
            duration=_duration(waited.process),
            message=message,
            next_actions=_next_actions(out, waited.still_running),
        )

    return ToolDefinition(
        name=NAME,
        title="Check or cancel a process",
        description=DESCRIPTION,
        fn=zerops_process,
        read_only=False,
        read_actions=frozenset({"status"}),
        destructive=False,
        idempotent=True,
        open_world=True,
        needs_platform=True,
    )
