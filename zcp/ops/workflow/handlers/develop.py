"""The develop actions: ``start workflow=develop`` and ``close``.

A start over an open session whose services close by hand answers ``manual-session-active`` with two
calls — close that session, or start anyway with ``force=true`` — and changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zcp.errors import InvalidParameter
from zcp.ops.workflow import develop, flows
from zcp.ops.workflow.answer import WorkflowAnswer, labelled, reported
from zcp.ops.workflow.request import need
from zcp.workflow.actions import STATUS_CALL

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.ops.workflow.live import LiveProject
    from zcp.ops.workflow.request import WorkflowRequest

__all__ = ["close", "start"]


async def start(app: App, live: LiveProject, req: WorkflowRequest) -> WorkflowAnswer:
    intent = need(req.intent, "intent", "start workflow=develop", 'intent="add a signup form"')
    scope = need(req.scope, "scope", "start workflow=develop", 'scope=["appdev"]')
    flows.forget(app.state)  # a new task ends an export or cicd walk-through
    if live.bootstrap is not None:
        raise InvalidParameter(
            "a bootstrap is still open in this process; finish it before developing",
            suggestion='Continue it (zerops_workflow action="status"), or drop it with action="reset".',
            recovery=STATUS_CALL,
        )
    started = await develop.start_develop(app, live, intent, list(scope), bool(req.force))
    data: dict[str, Any] = {"scope": list(started.scope)}
    if started.added:
        data["addedStageHalves"] = list(started.added)
    if started.cleaned_up:
        data["cleanedUpOrphanMetas"] = list(started.cleaned_up)
    if started.status == "manual-session-active":
        previous = started.previous
        data.update(
            previousIntent=previous.intent if previous else None,
            blocked=list(started.blocked),
        )
        return WorkflowAnswer(
            "start",
            "develop",
            "manual-session-active",
            f"A develop session for {previous.intent if previous else 'another task'!r} is open and "
            f"{', '.join(started.blocked)} close{'s' if len(started.blocked) == 1 else ''} by hand (close mode unset "
            "or manual): its work may not be delivered yet. Close it first, or start anyway with force=true.",
            data=data,
            actions=[
                labelled(started.options[0], "Close the open session", "Deliver or drop its work first."),
                labelled(started.options[1], "Start anyway", "Replaces the open session."),
            ],
        )
    message = {
        "started": f"Develop session started for {intent!r} on {', '.join(started.scope)}.",
        "unchanged": "This develop session is already open; nothing changed.",
        "replaced": f"The previous session was replaced; develop session started for {intent!r}.",
    }[started.status]
    return await reported(app, "start", "develop", started.status, message, data=data)


async def close(app: App, workflow: str | None) -> WorkflowAnswer:
    if workflow not in (None, "develop"):
        raise InvalidParameter(
            f"close ends a develop session; a {workflow} is ended differently",
            suggestion='Finish a bootstrap with action="complete" step="close", or drop it with action="reset".',
        )
    closed = await develop.close_develop(app)
    text = (
        f"Develop session for {closed.intent!r} closed."
        if closed is not None
        else "No develop session was open."
    )
    return await reported(app, "close", "develop", "closed", text)
