"""How tools report waited-for processes, and the ``waitSeconds`` parameter they share.

The waiting itself is :class:`zcp.ops.waiting.ProcessWaiter` (re-exported here for tools); this module
holds the tool-facing parts: :class:`ProcessOut`, the process as a result shows it, and
:data:`WaitSeconds`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from zcp.ops.waiting import Outcome, ProcessWaiter, Waited, outcome_of, poll_call

if TYPE_CHECKING:
    from zcp.platform.models import Process

__all__ = [
    "WAIT_SECONDS_LIMIT",
    "Outcome",
    "ProcessOut",
    "ProcessWaiter",
    "WaitSeconds",
    "Waited",
    "outcome_of",
    "poll_call",
    "process_out",
]

#: The largest ``waitSeconds`` a call may ask for; the effective maximum is ``ZCP_POLL_TIMEOUT``.
WAIT_SECONDS_LIMIT = 3600

#: The ``waitSeconds`` parameter every waiting tool takes (more than ``ZCP_POLL_TIMEOUT`` is cut to it).
WaitSeconds = Annotated[
    float | None,
    Field(ge=0, description="max seconds to wait (default 45)"),
]


def _without_required(schema: dict[str, Any]) -> None:
    schema.pop("required", None)  # every result carries all three ids; the list only costs tools/list bytes


class ProcessOut(BaseModel):
    """A platform process as tools report it (``stillRunning``: the wait ended before the process)."""

    model_config = ConfigDict(populate_by_name=True, json_schema_extra=_without_required)

    process_id: str = Field(alias="processId")
    action_name: str = Field(alias="actionName")
    status: str
    service: str | None = None
    fail_reason: str | None = Field(default=None, alias="failReason")
    still_running: bool | None = Field(default=None, alias="stillRunning")

    @classmethod
    def of(cls, process: Process, *, still_running: bool = False, service: str | None = None) -> ProcessOut:
        return cls(
            process_id=process.id,
            action_name=process.action_name,
            status=process.normalized_status,
            service=service,
            fail_reason=process.fail_reason,
            still_running=True if still_running else None,
        )

    def line(self) -> str:
        """``stack.restart FINISHED (id)`` plus, for a process still running, how to follow it."""
        text = f"{self.action_name or 'process'} {self.status} ({self.process_id})"
        if self.still_running:
            text += f" — still running; follow it with {poll_call(self.process_id).command}"
        return text

    def render(self, prefix: str = "process: ") -> str:
        """The line, and the platform's fail reason fenced as untrusted data below it."""
        from zcp.tools.untrusted import fence

        text = prefix + self.line()
        if self.fail_reason:
            text += "\nfail reason:\n" + fence(self.fail_reason).rstrip("\n")
        return text


def process_out(waited: Waited, *, service: str | None = None) -> ProcessOut:
    """The process of ``waited`` for a tool result; ``service`` names the hostname it belongs to."""
    return ProcessOut.of(waited.process, still_running=waited.still_running, service=service)
