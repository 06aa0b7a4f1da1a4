"""``zerops_workflow``'s engine: one request in, one answer out, with the live plan attached.

:func:`handle` checks the request's shape (:func:`zcp.ops.workflow.request.resolve_action`: which
parameters each action takes), reads the live project, routes the action to its handler
(:mod:`zcp.ops.workflow.handlers`) and returns a :class:`~zcp.ops.workflow.answer.WorkflowAnswer`: a
status word, a message, action-specific data, and the **status report** of the state after the
action, so every answer carries the next actions as tool calls. The actions that only read or clear
state — ``status``, ``route``, ``list``, ``reset`` — are answered here.

Actions: ``start`` (workflow bootstrap | develop | export | cicd), ``status``, ``complete``, ``skip``,
``iterate``, ``reset``, ``resume``, ``list``, ``route``, ``close``, ``close-mode``, ``git-push-setup``,
``build-integration``, ``record-deploy``, ``adopt-local``; ``workflow="export"`` or
``workflow="cicd"`` without an action are the stateless flows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from zcp.ops.workflow.answer import WorkflowAnswer, current_report, reported
from zcp.ops.workflow.bootstrap import lifecycle
from zcp.ops.workflow.handlers import bootstrap, delivery, develop, stateless
from zcp.ops.workflow.live import read_project
from zcp.ops.workflow.request import resolve_action

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.ops.workflow.bootstrap.provision import Waiter
    from zcp.ops.workflow.live import LiveProject
    from zcp.ops.workflow.request import WorkflowRequest
    from zcp.workflow.pipeline import StatusReport

__all__ = ["handle"]

_Handler = Callable[["App", "LiveProject", "WorkflowRequest"], Awaitable[WorkflowAnswer]]

_STARTS: dict[str, _Handler] = {
    "bootstrap": bootstrap.start,
    "develop": develop.start,
    "export": stateless.export,
    "cicd": stateless.cicd,
}
_DELIVERY: dict[str, _Handler] = {
    "close-mode": delivery.close_mode,
    "git-push-setup": delivery.git_push_setup,
    "build-integration": delivery.build_integration,
    "record-deploy": delivery.record_deploy,
    "adopt-local": delivery.adopt_local,
}


async def handle(app: App, req: WorkflowRequest, waiter: Waiter | None) -> WorkflowAnswer:
    """Run one ``zerops_workflow`` call (see the module docstring)."""
    action = resolve_action(req)
    if action == "reset":  # must work even when the state files are unreadable
        return await _reset(app)
    live = await read_project(app, env=_renders_this_read(action, req))
    if action == "start":
        assert req.workflow is not None
        return await _STARTS[req.workflow](app, live, req)
    if action == "status":
        report = await current_report(app, live)
        return WorkflowAnswer(action, None, report.envelope.phase.value, _status_line(report), report=report)
    if action == "complete":
        return await bootstrap.complete(app, live, req, waiter)
    if action == "skip":
        return await bootstrap.skip(app, live, req)
    if action == "iterate":
        return await bootstrap.iterate(app, live)
    if action == "resume":
        return await bootstrap.resume(app, req, action)
    if action == "list":
        return await _list(app, live)
    if action == "route":
        report = await current_report(app, live)
        return WorkflowAnswer(
            action, None, "route", _status_line(report), data=_offerings(report), report=report
        )
    if action == "close":
        return await develop.close(app, req.workflow)
    return await _DELIVERY[action](app, live, req)


def _renders_this_read(action: str, req: WorkflowRequest) -> bool:
    """Whether the answer renders the state read before the action (so it needs the env-change check);
    every other action renders a fresh read of the state it leaves (:func:`.answer.reported`)."""
    if action == "start":
        return req.workflow in ("export", "cicd")
    # Without their value these answer from this read (a listing, a walkthrough); with it they write
    # and render a fresh read.
    if action == "close-mode":
        return not req.closeMode
    if action == "git-push-setup":
        return req.remoteUrl is None
    if action == "build-integration":
        return req.integration is None
    return action in ("status", "route", "list")


async def _reset(app: App) -> WorkflowAnswer:
    from zcp.ops.targets import project_services

    live_hosts = {s.name for s in await project_services(app.platform)} if app.platform is not None else None
    result = await lifecycle.reset(app, live_hosts)
    data = {
        "cleared": {
            "bootstrapSessionId": result.session_id,
            "incompleteMetas": list(result.incomplete_metas),
            "orphanMetas": list(result.orphan_metas),
            "quarantinedFiles": list(result.quarantined),
            "workSession": result.work_session_closed,
        },
        "preserved": {"completeMetas": list(result.kept_metas)},
    }
    return await reported(app, "reset", None, "reset", "Workflow state of this process cleared.", data=data)


def _status_line(report: StatusReport) -> str:
    env = report.envelope
    return f"Phase {env.phase.value}; next: {report.plan.primary.label}."


def _offerings(report: StatusReport) -> dict[str, Any]:
    plan = report.plan
    rows = [plan.primary, *plan.alternatives]
    return {"offerings": [{"label": a.label, "call": a.command, "why": a.rationale} for a in rows]}


async def _list(app: App, live: LiveProject) -> WorkflowAnswer:
    store = app.state
    registry = await anyio.to_thread.run_sync(store.registry)
    rows = [
        {**e.to_file(), "ownedByThisProcess": e.pid == store.pid, "alive": store.alive(e.pid)}
        for e in registry.sessions
    ]
    return await reported(
        app,
        "list",
        None,
        "list",
        f"{len(rows)} open workflow session(s).",
        data={"sessions": rows},
        live=live,
    )
