"""The bootstrap actions: ``start workflow=bootstrap`` (the route menu, a route, resume), ``complete``
of each step, ``skip``, ``iterate`` and ``resume``.

Without a route, ``start`` answers with the route menu as calls (nothing is created); with one it
opens the session. ``complete step="provision"`` answers ``check-failed`` with every check when one
fails, and says what was mounted for editing when it passes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zcp.errors import BootstrapNotActive, InvalidParameter
from zcp.ops.workflow import flows
from zcp.ops.workflow.answer import WorkflowAnswer, reported
from zcp.ops.workflow.bootstrap import close, discover, lifecycle, provision
from zcp.ops.workflow.bootstrap.session import current_step
from zcp.ops.workflow.bootstrap.start import route_menu, start_bootstrap
from zcp.ops.workflow.request import need
from zcp.workflow.actions import INTENT_FILL, STATUS_CALL, NextAction, workflow_call

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.ops.workflow.bootstrap.provision import Waiter
    from zcp.ops.workflow.live import LiveProject
    from zcp.ops.workflow.request import WorkflowRequest
    from zcp.workflow.routes import RouteOption

__all__ = ["complete", "iterate", "resume", "skip", "start"]


async def start(app: App, live: LiveProject, req: WorkflowRequest) -> WorkflowAnswer:
    app.require_platform("zerops_workflow workflow=bootstrap")
    flows.forget(app.state)  # a new task ends an export or cicd walk-through
    intent = req.intent or ""
    if req.route is None:
        if req.sessionId or req.recipeSlug:
            raise InvalidParameter(
                "sessionId and recipeSlug go with a route",
                suggestion='Send route="resume" with sessionId, or route="recipe" with recipeSlug.',
            )
        return await _route_menu(app, live, intent)
    if req.route == "resume":
        return await resume(app, req, "start")
    if req.route not in ("classic", "adopt", "recipe"):
        raise InvalidParameter(
            f"route {req.route!r} is not a bootstrap route",
            suggestion="Routes are classic, adopt, recipe and resume; omit route for the menu.",
        )
    need(req.intent, "intent", "start workflow=bootstrap", 'intent="node app with postgres"')
    session, cleaned = await start_bootstrap(app, live, intent, req.route, req.recipeSlug)
    data: dict[str, Any] = {"sessionId": session.session_id, "route": req.route, "step": "discover"}
    if cleaned:
        data["cleanedUpOrphanMetas"] = cleaned
    return await reported(
        app,
        "start",
        "bootstrap",
        "session-active",
        f"Bootstrap session {session.session_id} started (route {req.route}); step 1/3: discover — submit the plan.",
        data=data,
    )


async def _route_menu(app: App, live: LiveProject, intent: str) -> WorkflowAnswer:
    options = await route_menu(app, live, intent)
    return WorkflowAnswer(
        action="start",
        workflow="bootstrap",
        status="route-menu",
        message=f"{len(options)} way{'s' if len(options) != 1 else ''} to start this bootstrap, best first; "
        "call one of them (nothing was created yet).",
        data={"intent": intent, "routeOptions": [_option_wire(o) for o in options]},
        actions=[_option_call(o, intent) for o in options],
    )


def _option_call(option: RouteOption, intent: str) -> NextAction:
    args: dict[str, Any] = {"action": "start", "workflow": "bootstrap", "route": option.route}
    if option.route == "resume":
        args["sessionId"] = option.resume_session
    else:
        args["intent"] = intent or INTENT_FILL
    if option.recipe_slug:
        args["recipeSlug"] = option.recipe_slug
    label = f"Bootstrap: {option.route}" + (f" {option.recipe_slug}" if option.recipe_slug else "")
    return workflow_call(label, option.why, **args)


def _option_wire(option: RouteOption) -> dict[str, Any]:
    data: dict[str, Any] = {"route": option.route, "why": option.why}
    for key, value in (
        ("recipeSlug", option.recipe_slug),
        ("fit", option.fit),
        ("fitExtras", list(option.fit_extras)),
        ("fitMissing", list(option.fit_missing)),
        ("score", option.score),
        ("collisions", list(option.collisions)),
        ("adoptServices", list(option.adopt_services)),
        ("resumeSession", option.resume_session),
        ("resumeServices", list(option.resume_services)),
        ("mode", option.mode),
    ):
        if value:
            data[key] = value
    return data


async def resume(app: App, req: WorkflowRequest, action: str) -> WorkflowAnswer:
    """``resume``, or ``start workflow=bootstrap route="resume"`` (whose answer names the step)."""
    if action == "start":
        what, example = "route=resume", 'sessionId="<id from the route menu>"'
    else:
        what, example = "resume", 'sessionId="<id>"'
    session = await lifecycle.resume(app, need(req.sessionId, "sessionId", what, example))
    data: dict[str, Any] = {"sessionId": session.session_id}
    if action == "start":
        data["step"] = current_step(session)
    return await reported(
        app, action, "bootstrap", "resumed", f"Resumed bootstrap session {session.session_id}.", data=data
    )


async def complete(
    app: App, live: LiveProject, req: WorkflowRequest, waiter: Waiter | None
) -> WorkflowAnswer:
    step = need(req.step, "step", "complete", 'step="discover"')
    if step in ("prepare", "execute", "verify"):
        raise InvalidParameter(
            f"{step!r} is not a step of zcp's workflows (develop sessions have no steps)",
            suggestion="Deploy with zerops_deploy and check with zerops_verify; the session tracks them.",
        )
    if step != "discover" and req.plan is not None:
        raise InvalidParameter("plan belongs to step discover", suggestion="Drop plan.")
    if step == "discover":
        plan = need(
            req.plan, "plan", "complete step=discover", 'plan=[{"runtime": {…}, "dependencies": […]}] (or [])'
        )
        validated = await discover.complete_discover(app, live, plan)
        data: dict[str, Any] = {"step": "discover", "planned": len(validated.targets)}
        if validated.defaulted:
            data["defaultedModes"] = list(validated.defaulted)
        return await reported(
            app,
            "complete",
            "bootstrap",
            "step-complete",
            "Plan accepted; step 2/3: provision — complete it and zcp creates and checks the services.",
            data=data,
        )
    if step == "provision":
        if waiter is None:
            app.require_platform("complete step=provision")
        assert waiter is not None
        return await _provision(app, live, waiter)
    if step == "close":
        session = await close.complete_close(app, live)
        return await reported(
            app,
            "complete",
            "bootstrap",
            "finished",
            "Bootstrap finished: the services are recorded as managed by zcp. No application code is deployed "
            "yet — start a develop session for the first task.",
            data={"step": "close", "sessionId": session.session_id},
        )
    raise InvalidParameter(
        f"{step!r} is not a bootstrap step", suggestion="Steps are discover, provision, close."
    )


async def _provision(app: App, live: LiveProject, waiter: Waiter) -> WorkflowAnswer:
    report = await provision.provision(app, live, waiter)
    data: dict[str, Any] = {
        "step": "provision",
        "checks": [c.wire() for c in report.checks],
        "imported": report.imported,
    }
    if report.import_yaml:
        data["importYaml"] = report.import_yaml
    if report.env_vars:
        data["discoveredEnvVars"] = report.env_vars
    if not report.passed:
        failed = ", ".join(c.name for c in report.failed)
        return await reported(
            app,
            "complete",
            "bootstrap",
            "check-failed",
            f"Provision is not complete: {failed} failed. Fix what each check says, then complete provision "
            "again (services that already exist are not created twice).",
            data=data,
        )
    message = "Every planned service runs; step 3/3: close."
    if report.finished:
        message = "Every planned service already existed and runs: the adoption is finished."
    if report.mounts:
        data["autoMounts"] = report.mounts
        unmounted = [m["hostname"] for m in report.mounts if m.get("status") == "failed"]
        mounted = [m["hostname"] for m in report.mounts if m.get("status") == "mounted"]
        if mounted:
            message += f" Mounted {', '.join(mounted)} under {app.settings.mount_root} for editing."
        if unmounted:
            message += (
                f" Mounting {', '.join(unmounted)} failed (see autoMounts); retry with "
                f'zerops_mount action="mount" serviceHostname="{unmounted[0]}".'
            )
    return await reported(app, "complete", "bootstrap", "step-complete", message, data=data)


async def skip(app: App, live: LiveProject, req: WorkflowRequest) -> WorkflowAnswer:
    step = need(req.step, "step", "skip", 'step="close"')
    await close.skip_step(app, live, step, req.reason)
    return await reported(app, "skip", "bootstrap", "skipped", f"Step {step} skipped.")


async def iterate(app: App, live: LiveProject) -> WorkflowAnswer:
    if live.bootstrap is None:
        raise BootstrapNotActive(
            "iterate restarts a bootstrap, and none is open in this process",
            suggestion="In a develop session just fix and redeploy; the session counts the attempts.",
            recovery=STATUS_CALL,
        )
    session = await lifecycle.iterate(app, live)
    return await reported(
        app,
        "iterate",
        "bootstrap",
        "iterating",
        f"Bootstrap iteration {session.iteration}: back at discover with the previous plan as a starting point.",
        data={"iteration": session.iteration, "cap": app.settings.max_iterations},
    )
