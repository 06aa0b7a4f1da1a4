"""The answer of one ``zerops_workflow`` call, and the status report it carries.

A :class:`WorkflowAnswer` is a status word, a message, action-specific data, and the **status
report** of the state after the action (the rendered status block and its plan), so every answer
carries the next actions as tool calls: the answer's own calls first (a route menu's options, a
walkthrough's steps), then the plan's, each command once.

:func:`reported` builds the common answer — the report of the project read anew after the action;
:func:`report_for` renders a report for an envelope a handler narrowed itself with :func:`narrowed`
(a delivery walkthrough, the export or cicd view).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from zcp.ops.workflow.live import LiveProject, build_envelope, read_project
from zcp.workflow.actions import NextAction
from zcp.workflow.envelope import StateEnvelope
from zcp.workflow.pipeline import StatusReport, status_report

if TYPE_CHECKING:
    from collections.abc import Iterable

    from zcp.app import App
    from zcp.axes import Phase
    from zcp.calls import ToolCall
    from zcp.workflow.envelope import ServiceSnapshot

__all__ = ["WorkflowAnswer", "current_report", "labelled", "narrowed", "report_for", "reported"]


@dataclass
class WorkflowAnswer:
    """What one call did, and the state it left."""

    action: str
    workflow: str | None
    status: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)
    report: StatusReport | None = None
    #: Calls specific to this answer (a route menu's options, a walkthrough's steps), before the plan's.
    actions: list[NextAction] = field(default_factory=list)
    guide: str | None = None

    @property
    def next_actions(self) -> list[NextAction]:
        calls = list(self.actions)
        if self.report is not None:
            plan = self.report.plan
            calls += [plan.primary]
            if plan.secondary is not None:
                calls.append(plan.secondary)
            calls += [plan.per_service[h] for h in sorted(plan.per_service)]
            calls += list(plan.alternatives)
        seen: set[str] = set()
        unique = []
        for call in calls:
            if call.command not in seen:
                seen.add(call.command)
                unique.append(call)
        return unique


async def report_for(app: App, envelope: StateEnvelope) -> StatusReport:
    """The status report (guidance and plan) of ``envelope``."""
    return status_report(envelope, await anyio.to_thread.run_sync(app.atoms))


async def current_report(app: App, live: LiveProject | None = None) -> StatusReport:
    """The status report of ``live``, or of the project read now."""
    live = live or await read_project(app)
    return await report_for(app, build_envelope(live))


async def reported(
    app: App,
    action: str,
    workflow: str | None,
    status: str,
    message: str,
    *,
    data: dict[str, Any] | None = None,
    actions: Iterable[NextAction] = (),
    live: LiveProject | None = None,
) -> WorkflowAnswer:
    """An answer carrying the status report of the state the action left: the project read anew, or
    ``live`` when the action wrote nothing and that read is already in hand."""
    return WorkflowAnswer(
        action,
        workflow,
        status,
        message,
        data={} if data is None else data,
        actions=list(actions),
        report=await current_report(app, live),
    )


def narrowed(
    base: StateEnvelope, phase: Phase, services: Iterable[ServiceSnapshot], **fields: Any
) -> StateEnvelope:
    """``base`` seen in ``phase`` with only ``services`` (and any other envelope fields): the view a
    walkthrough or a stateless flow renders its guidance for."""
    return StateEnvelope(
        phase=phase, environment=base.environment, project=base.project, services=tuple(services), **fields
    )


def labelled(call: ToolCall, label: str, rationale: str) -> NextAction:
    """``call`` as a next action with a label and the reason for it."""
    return NextAction(label=label, rationale=rationale, **call.model_dump())
