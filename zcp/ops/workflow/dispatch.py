"""``zerops_workflow``'s engine: one request in, one answer out, with the live plan attached.

:func:`handle` checks the request's shape (which parameters each action takes), runs the action
against the live project and the state files, and returns a :class:`WorkflowAnswer`: a status word,
a message, action-specific data, and the **status report** of the state after the action (the
rendered status block and its plan), so every answer carries the next actions as tool calls.

Actions: ``start`` (workflow bootstrap | develop | export | cicd), ``status``, ``complete``, ``skip``,
``iterate``, ``reset``, ``resume``, ``list``, ``route``, ``close``, ``close-mode``, ``git-push-setup``,
``build-integration``, ``record-deploy``, ``adopt-local``; ``workflow="export"`` or
``workflow="cicd"`` without an action are the stateless flows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from zcp.axes import ExportStatus, Phase
from zcp.calls import ToolCall
from zcp.errors import BootstrapNotActive, InvalidParameter
from zcp.ops.workflow import bootstrap as boot
from zcp.ops.workflow import delivery, develop, flows
from zcp.ops.workflow.export import run_export
from zcp.ops.workflow.live import LiveProject, build_envelope, read_project
from zcp.workflow.actions import INTENT_FILL, NextAction
from zcp.workflow.bootstrap_plan import PlanTargetIn
from zcp.workflow.envelope import ServiceSnapshot, StateEnvelope
from zcp.workflow.pipeline import StatusReport, status_report

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.ops.workflow.bootstrap import Waiter

__all__ = ["ACTIONS", "WORKFLOWS", "WorkflowAnswer", "WorkflowRequest", "handle"]

WORKFLOWS = ("bootstrap", "develop", "export", "cicd")

#: Parameters each action takes (besides ``action`` and ``workflow``); anything else is refused.
ACTIONS: dict[str, frozenset[str]] = {
    "start": frozenset(
        {
            "intent",
            "scope",
            "force",
            "route",
            "sessionId",
            "recipeSlug",
            "targetService",
            "variant",
            "envClassifications",
        }
    ),
    "status": frozenset(),
    "complete": frozenset({"step", "plan", "attestation"}),
    "skip": frozenset({"step", "reason"}),
    "iterate": frozenset(),
    "reset": frozenset(),
    "resume": frozenset({"sessionId"}),
    "list": frozenset(),
    "route": frozenset(),
    "close": frozenset(),
    "close-mode": frozenset({"closeMode"}),
    "git-push-setup": frozenset({"service", "remoteUrl"}),
    "build-integration": frozenset({"service", "integration"}),
    "record-deploy": frozenset({"targetService"}),
    "adopt-local": frozenset({"targetService"}),
}
#: What ``start`` takes per workflow.
_START_PARAMS = {
    "bootstrap": frozenset({"intent", "route", "sessionId", "recipeSlug"}),
    "develop": frozenset({"intent", "scope", "force"}),
    "export": frozenset({"targetService", "variant", "envClassifications"}),
    "cicd": frozenset({"targetService"}),
}
_STATUS = ToolCall.of("zerops_workflow", action="status")


@dataclass(frozen=True)
class WorkflowRequest:
    """The validated arguments of one ``zerops_workflow`` call (``None`` = not sent)."""

    action: str | None = None
    workflow: str | None = None
    intent: str | None = None
    scope: list[str] | None = None
    force: bool | None = None
    route: str | None = None
    sessionId: str | None = None
    recipeSlug: str | None = None
    step: str | None = None
    plan: list[PlanTargetIn] | None = None
    attestation: str | None = None
    reason: str | None = None
    closeMode: dict[str, str] | None = None
    service: str | None = None
    remoteUrl: str | None = None
    integration: str | None = None
    targetService: str | None = None
    variant: str | None = None
    envClassifications: dict[str, str] | None = None

    def sent(self) -> set[str]:
        return {k for k, v in self.__dict__.items() if v is not None and k not in ("action", "workflow")}


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


def _refuse_extras(request: WorkflowRequest, allowed: frozenset[str], what: str) -> None:
    extra = sorted(request.sent() - allowed)
    if extra:
        takes = ", ".join(sorted(allowed)) or "no other parameters"
        raise InvalidParameter(
            f"{what} does not take {', '.join(extra)}",
            suggestion=f"{what} takes {takes}; drop the rest.",
            details={"unexpected": extra, "accepted": sorted(allowed)},
        )


def _need(value: Any, name: str, what: str, example: str) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidParameter(f"{what} needs {name}", suggestion=f"Send it, e.g. {example}.")
    return value


async def _report(app: App, live: LiveProject | None = None) -> StatusReport:
    live = live or await read_project(app)
    envelope = build_envelope(live)
    return status_report(envelope, await anyio.to_thread.run_sync(app.atoms))


def _workflow_call(label: str, rationale: str, **args: Any) -> NextAction:
    return NextAction(label=label, tool="zerops_workflow", args=args, rationale=rationale)


# --- bootstrap ------------------------------------------------------------------------------------------


async def _start_bootstrap(app: App, live: LiveProject, req: WorkflowRequest) -> WorkflowAnswer:
    app.require_platform("zerops_workflow workflow=bootstrap")
    flows.forget(app.state)  # a new task ends an export or cicd walk-through
    intent = req.intent or ""
    if req.route is None:
        if req.sessionId or req.recipeSlug:
            raise InvalidParameter(
                "sessionId and recipeSlug go with a route",
                suggestion='Send route="resume" with sessionId, or route="recipe" with recipeSlug.',
            )
        options = await boot.route_menu(app, live, intent)
        calls = []
        for option in options:
            args: dict[str, Any] = {"action": "start", "workflow": "bootstrap", "route": option.route}
            args["intent"] = intent or INTENT_FILL
            if option.route == "resume":
                args = {
                    "action": "start",
                    "workflow": "bootstrap",
                    "route": "resume",
                    "sessionId": option.resume_session,
                }
            if option.recipe_slug:
                args["recipeSlug"] = option.recipe_slug
            calls.append(
                _workflow_call(
                    f"Bootstrap: {option.route}" + (f" {option.recipe_slug}" if option.recipe_slug else ""),
                    option.why,
                    **args,
                )
            )
        return WorkflowAnswer(
            action="start",
            workflow="bootstrap",
            status="route-menu",
            message=f"{len(options)} way{'s' if len(options) != 1 else ''} to start this bootstrap, best first; "
            "call one of them (nothing was created yet).",
            data={"intent": intent, "routeOptions": [_option_wire(o) for o in options]},
            actions=calls,
        )
    if req.route == "resume":
        session_id = _need(req.sessionId, "sessionId", "route=resume", 'sessionId="<id from the route menu>"')
        session = await boot.resume(app, session_id)
        return WorkflowAnswer(
            "start",
            "bootstrap",
            "resumed",
            f"Resumed bootstrap session {session.session_id}.",
            data={"sessionId": session.session_id, "step": boot.current_step(session)},
            report=await _report(app),
        )
    if req.route not in ("classic", "adopt", "recipe"):
        raise InvalidParameter(
            f"route {req.route!r} is not a bootstrap route",
            suggestion="Routes are classic, adopt, recipe and resume; omit route for the menu.",
        )
    _need(req.intent, "intent", "start workflow=bootstrap", 'intent="node app with postgres"')
    session, cleaned = await boot.start_bootstrap(app, live, intent, req.route, req.recipeSlug)
    data: dict[str, Any] = {"sessionId": session.session_id, "route": req.route, "step": "discover"}
    if cleaned:
        data["cleanedUpOrphanMetas"] = cleaned
    return WorkflowAnswer(
        "start",
        "bootstrap",
        "session-active",
        f"Bootstrap session {session.session_id} started (route {req.route}); step 1/3: discover — submit the plan.",
        data=data,
        report=await _report(app),
    )


def _option_wire(option: Any) -> dict[str, Any]:
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


async def _complete(
    app: App, live: LiveProject, req: WorkflowRequest, waiter: Waiter | None
) -> WorkflowAnswer:
    step = _need(req.step, "step", "complete", 'step="discover"')
    if step in ("prepare", "execute", "verify"):
        raise InvalidParameter(
            f"{step!r} is not a step of zcp's workflows (develop sessions have no steps)",
            suggestion="Deploy with zerops_deploy and check with zerops_verify; the session tracks them.",
        )
    if step != "discover" and req.plan is not None:
        raise InvalidParameter("plan belongs to step discover", suggestion="Drop plan.")
    if step == "discover":
        plan = _need(
            req.plan, "plan", "complete step=discover", 'plan=[{"runtime": {…}, "dependencies": […]}] (or [])'
        )
        validated = await boot.complete_discover(app, live, plan)
        data: dict[str, Any] = {"step": "discover", "planned": len(validated.targets)}
        if validated.defaulted:
            data["defaultedModes"] = list(validated.defaulted)
        return WorkflowAnswer(
            "complete",
            "bootstrap",
            "step-complete",
            "Plan accepted; step 2/3: provision — complete it and zcp creates and checks the services.",
            data=data,
            report=await _report(app),
        )
    if step == "provision":
        if waiter is None:
            app.require_platform("complete step=provision")
        assert waiter is not None
        report = await boot.provision(app, live, waiter)
        data = {
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
            return WorkflowAnswer(
                "complete",
                "bootstrap",
                "check-failed",
                f"Provision is not complete: {failed} failed. Fix what each check says, then complete provision "
                "again (services that already exist are not created twice).",
                data=data,
                report=await _report(app),
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
        return WorkflowAnswer(
            "complete", "bootstrap", "step-complete", message, data=data, report=await _report(app)
        )
    if step == "close":
        session = await boot.complete_close(app, live)
        return WorkflowAnswer(
            "complete",
            "bootstrap",
            "finished",
            "Bootstrap finished: the services are recorded as managed by zcp. No application code is deployed "
            "yet — start a develop session for the first task.",
            data={"step": "close", "sessionId": session.session_id},
            report=await _report(app),
        )
    raise InvalidParameter(
        f"{step!r} is not a bootstrap step", suggestion="Steps are discover, provision, close."
    )


# --- develop ----------------------------------------------------------------------------------------


async def _start_develop(app: App, live: LiveProject, req: WorkflowRequest) -> WorkflowAnswer:
    intent = _need(req.intent, "intent", "start workflow=develop", 'intent="add a signup form"')
    scope = _need(req.scope, "scope", "start workflow=develop", 'scope=["appdev"]')
    flows.forget(app.state)  # a new task ends an export or cicd walk-through
    if live.bootstrap is not None:
        raise InvalidParameter(
            "a bootstrap is still open in this process; finish it before developing",
            suggestion='Continue it (zerops_workflow action="status"), or drop it with action="reset".',
            recovery=_STATUS,
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
                NextAction(
                    label="Close the open session",
                    rationale="Deliver or drop its work first.",
                    **started.options[0].model_dump(),
                ),
                NextAction(
                    label="Start anyway",
                    rationale="Replaces the open session.",
                    **started.options[1].model_dump(),
                ),
            ],
        )
    message = {
        "started": f"Develop session started for {intent!r} on {', '.join(started.scope)}.",
        "unchanged": "This develop session is already open; nothing changed.",
        "replaced": f"The previous session was replaced; develop session started for {intent!r}.",
    }[started.status]
    return WorkflowAnswer("start", "develop", started.status, message, data=data, report=await _report(app))


# --- stateless flows ------------------------------------------------------------------------------


async def _export(app: App, live: LiveProject, req: WorkflowRequest, action: str) -> WorkflowAnswer:
    app.require_platform("zerops_workflow workflow=export")
    answer = await run_export(app, live, req.targetService, req.variant, req.envClassifications)
    services: list[ServiceSnapshot] = []
    base = build_envelope(live)
    if answer.status is ExportStatus.SCOPE_PROMPT:
        services = [s for s in base.services if s.bootstrapped and not s.is_managed]
    elif answer.target is not None:
        # A pair is shown whole, dev half first: it is the push source the next calls name.
        target = base.service(answer.target)
        partner = base.dev_partner(answer.target)
        keep = {
            answer.target,
            target.stage_hostname if target else None,
            partner.hostname if partner else None,
        }
        services = [s for s in base.services if s.hostname in keep]
    envelope = StateEnvelope(
        phase=Phase.EXPORT_ACTIVE,
        environment=base.environment,
        project=base.project,
        services=tuple(services),
        export_status=answer.status,
        export_variant=answer.variant,
    )
    report = status_report(envelope, await anyio.to_thread.run_sync(app.atoms))
    messages = {
        ExportStatus.SCOPE_PROMPT: "Pick the runtime to export.",
        ExportStatus.VARIANT_PROMPT: f"{answer.target} is a dev/stage pair: export the stage (production) or dev variant.",
        ExportStatus.SCAFFOLD_REQUIRED: f"{answer.target} has no zerops.yaml yet: write one, then export again.",
        ExportStatus.GIT_PUSH_SETUP_REQUIRED: f"The bundle is published from a git repository: {answer.data.get('reason', '')}.",
        ExportStatus.CLASSIFY_PROMPT: "Put every project env var in a bucket, then export again.",
        ExportStatus.VALIDATION_FAILED: "The bundle failed validation: fix the listed problems and export again.",
        ExportStatus.PUBLISH_READY: "The bundle is ready: write the files, commit, and push.",
    }
    data = {"exportStatus": answer.status.value, **answer.data}
    if answer.target:
        data["targetService"] = answer.target
    if answer.variant:
        data["variant"] = answer.variant
    if answer.status is ExportStatus.PUBLISH_READY:
        flows.forget(app.state)
    else:
        again: dict[str, Any] = {"workflow": "export"}
        for key, value in (
            ("targetService", answer.target or req.targetService),
            ("variant", answer.variant or req.variant),
            ("envClassifications", req.envClassifications),
        ):
            if value:
                again[key] = value
        flows.remember(app.state, ToolCall(tool="zerops_workflow", args=again))
    return WorkflowAnswer(
        action,
        "export",
        answer.status.value,
        messages[answer.status],
        data=data,
        report=report,
        guide=report.guide,
    )


async def _cicd(app: App, live: LiveProject, req: WorkflowRequest, action: str) -> WorkflowAnswer:
    base = build_envelope(live)
    services = list(base.services)
    if req.targetService is not None:
        chosen = base.service(req.targetService)
        if chosen is None:
            raise InvalidParameter(
                f"no service {req.targetService!r}",
                suggestion=f"Runtimes: {', '.join(s.hostname for s in services if s.is_runtime) or '(none)'}.",
            )
        partner = base.dev_partner(chosen.hostname)
        keep = {chosen.hostname, chosen.stage_hostname, partner.hostname if partner else None}
        services = [s for s in services if s.hostname in keep]
    envelope = StateEnvelope(
        phase=Phase.CICD_ACTIVE, environment=base.environment, project=base.project, services=tuple(services)
    )
    report = status_report(envelope, await anyio.to_thread.run_sync(app.atoms))
    if report.plan.branch == "cicd.ready":
        flows.forget(app.state)
    else:
        again: dict[str, Any] = {"workflow": "cicd"}
        if req.targetService:
            again["targetService"] = req.targetService
        flows.remember(app.state, ToolCall(tool="zerops_workflow", args=again))
    return WorkflowAnswer(
        action,
        "cicd",
        report.plan.branch.removeprefix("cicd."),
        "How to deploy this project from a repository pipeline (nothing was changed).",
        data={"branch": report.plan.branch},
        report=report,
        guide=report.guide,
    )


_FLOW_NAMES = {"export": "export", "cicd": "CI/CD setup"}
_SETUP_STEPS = frozenset({"setup.git-push", "setup.build-integration", "setup.push"})


async def _continuation(app: App, host: str) -> list[NextAction]:
    """After a delivery step for ``host``: the call that goes on with what asked for it — the export or
    cicd flow this process is in (:mod:`.flows`), else the git-push setup walkthrough's next step."""
    live = await read_project(app)
    flow = flows.current(app.state)
    if flow is not None:
        target = flow.args.get("targetService")
        related = {host}
        svc = build_envelope(live).service(host)
        if svc is not None and svc.stage_hostname:
            related.add(svc.stage_hostname)
        if target is None or target in related:
            name = _FLOW_NAMES.get(str(flow.args.get("workflow")), "flow")
            return [
                NextAction(
                    label=f"Continue the {name}",
                    rationale=f"The {name} asked for this step; it goes on from here.",
                    **flow.model_dump(),
                )
            ]
    report = status_report(_walkthrough_envelope(live, host), await anyio.to_thread.run_sync(app.atoms))
    if report.plan.branch in _SETUP_STEPS:
        return [report.plan.primary]
    return []


def _walkthrough_envelope(live: LiveProject, host: str, **overrides: Any) -> StateEnvelope:
    base = build_envelope(live)
    svc = base.service(host)
    services = []
    if svc is not None:
        data = svc.model_dump(by_alias=True, exclude_none=True)
        data.update(overrides)
        services.append(ServiceSnapshot.model_validate(data))
        if svc.stage_hostname and (stage := base.service(svc.stage_hostname)) is not None:
            services.append(stage)
    return StateEnvelope(
        phase=Phase.STRATEGY_SETUP,
        environment=base.environment,
        project=base.project,
        services=tuple(services),
    )


# --- the dispatcher ---------------------------------------------------------------------------------


async def handle(app: App, req: WorkflowRequest, waiter: Waiter | None) -> WorkflowAnswer:
    """Run one ``zerops_workflow`` call (see the module docstring)."""
    action, workflow = req.action, req.workflow
    if workflow is not None and workflow not in WORKFLOWS:
        hint = ' (recipes are started with route="recipe" on a bootstrap)' if workflow == "recipe" else ""
        raise InvalidParameter(
            f"{workflow!r} is not a workflow{hint}", suggestion=f"Workflows are {', '.join(WORKFLOWS)}."
        )
    if action is None:
        if workflow in ("export", "cicd"):
            action = "start"
        else:
            raise InvalidParameter(
                "zerops_workflow needs an action" + (f" for workflow={workflow}" if workflow else ""),
                suggestion='Re-orient with zerops_workflow action="status"; start work with action="start" '
                'workflow="develop" (or "bootstrap").',
                recovery=_STATUS,
            )
    if action not in ACTIONS:
        raise InvalidParameter(
            f"{action!r} is not a zerops_workflow action",
            suggestion=f"Actions: {', '.join(ACTIONS)}.",
            recovery=_STATUS,
        )
    if action == "start":
        if workflow is None:
            raise InvalidParameter(
                "action=start needs workflow", suggestion=f"workflow is one of {', '.join(WORKFLOWS)}."
            )
        _refuse_extras(req, _START_PARAMS[workflow], f"start workflow={workflow}")
    else:
        _refuse_extras(req, ACTIONS[action], f"action={action}")
        if workflow is not None and action not in ("close",):
            raise InvalidParameter(
                f"action={action} does not take workflow",
                suggestion="Drop workflow (only start and close take it).",
            )
    if action == "reset":  # must work even when the state files are unreadable
        return await _reset(app)
    live = await read_project(app)
    if action == "start":
        if workflow == "bootstrap":
            return await _start_bootstrap(app, live, req)
        if workflow == "develop":
            return await _start_develop(app, live, req)
        if workflow == "export":
            return await _export(app, live, req, action)
        return await _cicd(app, live, req, action)
    if action == "status":
        report = await _report(app, live)
        return WorkflowAnswer(action, None, report.envelope.phase.value, _status_line(report), report=report)
    if action == "complete":
        return await _complete(app, live, req, waiter)
    if action == "skip":
        step = _need(req.step, "step", "skip", 'step="close"')
        await boot.skip_step(app, live, step, req.reason)
        return WorkflowAnswer(
            action, "bootstrap", "skipped", f"Step {step} skipped.", report=await _report(app)
        )
    if action == "iterate":
        if live.bootstrap is None:
            raise BootstrapNotActive(
                "iterate restarts a bootstrap, and none is open in this process",
                suggestion="In a develop session just fix and redeploy; the session counts the attempts.",
                recovery=_STATUS,
            )
        session = await boot.iterate(app, live)
        return WorkflowAnswer(
            action,
            "bootstrap",
            "iterating",
            f"Bootstrap iteration {session.iteration}: back at discover with the previous plan as a starting point.",
            data={"iteration": session.iteration, "cap": app.settings.max_iterations},
            report=await _report(app),
        )
    if action == "resume":
        session_id = _need(req.sessionId, "sessionId", "resume", 'sessionId="<id>"')
        session = await boot.resume(app, session_id)
        return WorkflowAnswer(
            action,
            "bootstrap",
            "resumed",
            f"Resumed bootstrap session {session.session_id}.",
            data={"sessionId": session.session_id},
            report=await _report(app),
        )
    if action == "list":
        return await _list(app)
    if action == "route":
        report = await _report(app, live)
        return WorkflowAnswer(
            action, None, "route", _status_line(report), data=_offerings(report), report=report
        )
    if action == "close":
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
        return WorkflowAnswer(action, "develop", "closed", text, report=await _report(app))
    return await _delivery(app, live, req, action)


async def _reset(app: App) -> WorkflowAnswer:
    from zcp.ops.targets import project_services

    live_hosts = {s.name for s in await project_services(app.platform)} if app.platform is not None else None
    result = await boot.reset(app, live_hosts)
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
    return WorkflowAnswer(
        "reset",
        None,
        "reset",
        "Workflow state of this process cleared.",
        data=data,
        report=await _report(app),
    )


def _status_line(report: StatusReport) -> str:
    env = report.envelope
    return f"Phase {env.phase.value}; next: {report.plan.primary.label}."


def _offerings(report: StatusReport) -> dict[str, Any]:
    plan = report.plan
    rows = [plan.primary, *plan.alternatives]
    return {"offerings": [{"label": a.label, "call": a.command, "why": a.rationale} for a in rows]}


async def _list(app: App) -> WorkflowAnswer:
    store = app.state
    registry = await anyio.to_thread.run_sync(store.registry)
    rows = [
        {**e.to_file(), "ownedByThisProcess": e.pid == store.pid, "alive": store.alive(e.pid)}
        for e in registry.sessions
    ]
    return WorkflowAnswer(
        "list",
        None,
        "list",
        f"{len(rows)} open workflow session(s).",
        data={"sessions": rows},
        report=await _report(app),
    )


async def _delivery(app: App, live: LiveProject, req: WorkflowRequest, action: str) -> WorkflowAnswer:
    store = app.state
    if action == "close-mode":
        if not req.closeMode:
            rows = await anyio.to_thread.run_sync(delivery.close_mode_list, store)
            return WorkflowAnswer(
                action,
                None,
                "list",
                "Close modes of the managed runtimes.",
                data={"services": rows},
                report=await _report(app),
            )
        modes = req.closeMode

        def run() -> delivery.CloseModeChange:
            change = delivery.set_close_modes(store, modes)
            delivery.reevaluate_auto_close(store)
            return change

        change = await anyio.to_thread.run_sync(run)
        text = ", ".join(f"{h}={m}" for h, m in change.updated) or "nothing changed"
        return WorkflowAnswer(
            action,
            None,
            "updated",
            f"Close mode: {text}.",
            data={"updated": dict(change.updated), "unchanged": list(change.unchanged)},
            actions=[
                NextAction(
                    label=f"Set up git push for {c.args['service']}",
                    rationale="git-push close mode needs a remote.",
                    **c.model_dump(),
                )
                for c in change.next_steps
            ]
            + [a for h, _ in change.updated for a in await _continuation(app, h)],
            report=await _report(app),
        )
    if action == "git-push-setup":
        host = _need(req.service, "service", "git-push-setup", 'service="appdev"')
        if req.remoteUrl is None:
            meta = await anyio.to_thread.run_sync(delivery.push_source, store, host)
            envelope = _walkthrough_envelope(
                live, meta.hostname, closeMode="git-push", gitPushState="unconfigured"
            )
            report = status_report(envelope, await anyio.to_thread.run_sync(app.atoms))
            return WorkflowAnswer(
                action,
                None,
                "walkthrough",
                f"How to connect {meta.hostname} to a git remote.",
                data={"service": meta.hostname},
                report=report,
                guide=report.guide,
            )
        url = req.remoteUrl
        meta = await anyio.to_thread.run_sync(lambda: delivery.set_git_push(store, host, url))
        return WorkflowAnswer(
            action,
            None,
            "configured",
            f"Git push for {meta.hostname} goes to {meta.remote_url}.",
            data={"service": meta.hostname, "gitPushState": "configured", "remoteUrl": meta.remote_url},
            actions=await _continuation(app, meta.hostname),
            report=await _report(app),
        )
    if action == "build-integration":
        host = _need(req.service, "service", "build-integration", 'service="appdev"')
        if req.integration is None:
            meta = await anyio.to_thread.run_sync(delivery.push_source, store, host)
            envelope = _walkthrough_envelope(live, meta.hostname, closeMode="git-push")
            report = status_report(envelope, await anyio.to_thread.run_sync(app.atoms))
            return WorkflowAnswer(
                action,
                None,
                "walkthrough",
                f"What can build {meta.hostname} after a push.",
                data={"service": meta.hostname},
                report=report,
                guide=report.guide,
            )
        integration = req.integration
        meta0 = await anyio.to_thread.run_sync(delivery.push_source, store, host)
        target = meta0.stage_hostname or meta0.hostname
        target_service = live.service(target)
        result = await anyio.to_thread.run_sync(
            lambda: delivery.set_build_integration(
                store,
                host,
                integration,
                service_id=target_service.service_id if target_service else None,
                project_id=live.project.id,
                in_container=app.in_container,
            )
        )
        data: dict[str, Any] = {
            "service": result.meta.hostname,
            "buildIntegration": result.meta.build_integration,
        }
        if result.status == "needs-git-push-setup":
            return WorkflowAnswer(
                action,
                None,
                "needs-git-push-setup",
                f"A build integration builds what is pushed: set up git push for {result.meta.hostname} first.",
                data=data,
                actions=[
                    _workflow_call(
                        f"Set up git push for {result.meta.hostname}",
                        "Connect the repository first.",
                        action="git-push-setup",
                        service=result.meta.hostname,
                    )
                ],
                report=await _report(app),
            )
        if result.actions is not None:
            data["workflowFile"] = {"path": result.actions.path, "content": result.actions.content}
            data["secrets"] = list(result.actions.secrets)
            if result.actions.warnings:
                data["warnings"] = list(result.actions.warnings)
        data.update(result.dashboard)
        message = {
            "noop": f"{result.meta.hostname} already uses {integration}.",
            "configured": f"{result.meta.hostname} builds with {integration}"
            + (
                f": write {data['workflowFile']['path']} and set the two secrets (commands below)."
                if result.actions
                else "."
            ),
        }[result.status]
        return WorkflowAnswer(
            action,
            None,
            result.status,
            message,
            data=data,
            actions=await _continuation(app, result.meta.hostname),
            report=await _report(app),
        )
    if action == "record-deploy":
        host = _need(req.targetService, "targetService", "record-deploy", 'targetService="appstage"')
        data = await delivery.record_deploy(app, live, host)
        return WorkflowAnswer(
            action,
            None,
            "recorded",
            f"The deploy of {host} is recorded.",
            data=data,
            report=await _report(app),
        )
    host = _need(req.targetService, "targetService", "adopt-local", 'targetService="app"')
    meta = await anyio.to_thread.run_sync(
        lambda: delivery.adopt_local(store, live, host, in_container=app.in_container)
    )
    return WorkflowAnswer(
        action,
        None,
        "linked",
        f"{host} is linked to this working directory (local-stage).",
        data={"service": meta.hostname, "mode": meta.mode, "closeMode": "unset"},
        report=await _report(app),
    )
