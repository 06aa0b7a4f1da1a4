"""The delivery actions: ``close-mode``, ``git-push-setup``, ``build-integration``, ``record-deploy``,
``adopt-local``.

``git-push-setup`` without ``remoteUrl`` and ``build-integration`` without ``integration`` change
nothing: they answer with a walkthrough, guidance rendered for the push source alone in the setup
phase. A step that configures something ends with its **continuation** (:func:`continuation`): the
call back into the export or cicd flow that asked for it, else the walkthrough's next setup step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio.to_thread

from zcp.axes import Phase
from zcp.ops.workflow import delivery, flows
from zcp.ops.workflow.answer import WorkflowAnswer, labelled, narrowed, report_for, reported
from zcp.ops.workflow.live import build_envelope, read_project
from zcp.ops.workflow.request import need
from zcp.workflow.actions import NextAction, workflow_call
from zcp.workflow.envelope import ServiceSnapshot

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.ops.workflow.live import LiveProject
    from zcp.ops.workflow.request import WorkflowRequest
    from zcp.workflow.envelope import StateEnvelope

__all__ = [
    "adopt_local",
    "build_integration",
    "close_mode",
    "continuation",
    "git_push_setup",
    "record_deploy",
]

_FLOW_NAMES = {"export": "export", "cicd": "CI/CD setup"}
_SETUP_STEPS = frozenset({"setup.git-push", "setup.build-integration", "setup.push"})


async def continuation(app: App, host: str, live: LiveProject) -> list[NextAction]:
    """After a delivery step for ``host`` (``live``: the state it left): the call that goes on with what
    asked for it — the export or cicd flow this process is in (:mod:`.flows`), else the git-push setup
    walkthrough's next step."""
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
                labelled(
                    flow, f"Continue the {name}", f"The {name} asked for this step; it goes on from here."
                )
            ]
    report = await report_for(app, _walkthrough_envelope(live, host))
    if report.plan.branch in _SETUP_STEPS:
        return [report.plan.primary]
    return []


def _walkthrough_envelope(live: LiveProject, host: str, **overrides: Any) -> StateEnvelope:
    """The setup phase for ``host`` (with ``overrides`` on its snapshot) and its stage half."""
    base = build_envelope(live)
    svc = base.service(host)
    services = []
    if svc is not None:
        data = svc.model_dump(by_alias=True, exclude_none=True)
        data.update(overrides)
        services.append(ServiceSnapshot.model_validate(data))
        if svc.stage_hostname and (stage := base.service(svc.stage_hostname)) is not None:
            services.append(stage)
    return narrowed(base, Phase.STRATEGY_SETUP, services)


async def _walkthrough(
    app: App, live: LiveProject, action: str, host: str, message: str, **overrides: Any
) -> WorkflowAnswer:
    """The walkthrough answer for ``host``'s push source; ``message`` names it as ``{host}``."""
    meta = await anyio.to_thread.run_sync(delivery.push_source, app.state, host)
    report = await report_for(app, _walkthrough_envelope(live, meta.hostname, **overrides))
    return WorkflowAnswer(
        action,
        None,
        "walkthrough",
        message.format(host=meta.hostname),
        data={"service": meta.hostname},
        report=report,
        guide=report.guide,
    )


async def close_mode(app: App, live: LiveProject, req: WorkflowRequest) -> WorkflowAnswer:
    store = app.state
    if not req.closeMode:
        rows = await anyio.to_thread.run_sync(delivery.close_mode_list, store)
        return await reported(
            app,
            "close-mode",
            None,
            "list",
            "Close modes of the managed runtimes.",
            data={"services": rows},
            live=live,  # nothing was written
        )
    modes = req.closeMode

    def run() -> delivery.CloseModeChange:
        change = delivery.set_close_modes(store, modes)
        delivery.reevaluate_auto_close(store)
        return change

    change = await anyio.to_thread.run_sync(run)
    after = await read_project(app)
    text = ", ".join(f"{h}={m}" for h, m in change.updated) or "nothing changed"
    push_setups = [
        labelled(c, f"Set up git push for {c.args['service']}", "git-push close mode needs a remote.")
        for c in change.next_steps
    ]
    return await reported(
        app,
        "close-mode",
        None,
        "updated",
        f"Close mode: {text}.",
        data={"updated": dict(change.updated), "unchanged": list(change.unchanged)},
        actions=push_setups + [a for h, _ in change.updated for a in await continuation(app, h, after)],
        live=after,
    )


async def git_push_setup(app: App, live: LiveProject, req: WorkflowRequest) -> WorkflowAnswer:
    host = need(req.service, "service", "git-push-setup", 'service="appdev"')
    if req.remoteUrl is None:
        return await _walkthrough(
            app,
            live,
            "git-push-setup",
            host,
            "How to connect {host} to a git remote.",
            closeMode="git-push",
            gitPushState="unconfigured",
        )
    url = req.remoteUrl
    meta = await anyio.to_thread.run_sync(lambda: delivery.set_git_push(app.state, host, url))
    after = await read_project(app)
    return await reported(
        app,
        "git-push-setup",
        None,
        "configured",
        f"Git push for {meta.hostname} goes to {meta.remote_url}.",
        data={"service": meta.hostname, "gitPushState": "configured", "remoteUrl": meta.remote_url},
        actions=await continuation(app, meta.hostname, after),
        live=after,
    )


async def build_integration(app: App, live: LiveProject, req: WorkflowRequest) -> WorkflowAnswer:
    store = app.state
    host = need(req.service, "service", "build-integration", 'service="appdev"')
    if req.integration is None:
        return await _walkthrough(
            app, live, "build-integration", host, "What can build {host} after a push.", closeMode="git-push"
        )
    integration = req.integration
    service_ids = {s.hostname: s.service_id for s in live.services or () if s.service_id}
    result = await anyio.to_thread.run_sync(
        lambda: delivery.set_build_integration(
            store,
            host,
            integration,
            service_ids=service_ids,
            project_id=live.project.id,
            in_container=app.in_container,
        )
    )
    service = result.meta.hostname
    data: dict[str, Any] = {"service": service, "buildIntegration": result.meta.build_integration}
    if result.status == "needs-git-push-setup":
        setup = workflow_call(
            f"Set up git push for {service}",
            "Connect the repository first.",
            action="git-push-setup",
            service=service,
        )
        return await reported(
            app,
            "build-integration",
            None,
            "needs-git-push-setup",
            f"A build integration builds what is pushed: set up git push for {service} first.",
            data=data,
            actions=[setup],
        )
    if result.actions is not None:
        data["workflowFile"] = {"path": result.actions.path, "content": result.actions.content}
        data["secrets"] = list(result.actions.secrets)
        if result.actions.warnings:
            data["warnings"] = list(result.actions.warnings)
    data.update(result.dashboard)
    after = await read_project(app)
    message = {
        "noop": f"{service} already uses {integration}.",
        "configured": f"{service} builds with {integration}"
        + (
            f": write {data['workflowFile']['path']} and set the two secrets (commands below)."
            if result.actions
            else "."
        ),
    }[result.status]
    return await reported(
        app,
        "build-integration",
        None,
        result.status,
        message,
        data=data,
        actions=await continuation(app, service, after),
        live=after,
    )


async def record_deploy(app: App, live: LiveProject, req: WorkflowRequest) -> WorkflowAnswer:
    host = need(req.targetService, "targetService", "record-deploy", 'targetService="appstage"')
    data = await delivery.record_deploy(app, live, host)
    return await reported(
        app, "record-deploy", None, "recorded", f"The deploy of {host} is recorded.", data=data
    )


async def adopt_local(app: App, live: LiveProject, req: WorkflowRequest) -> WorkflowAnswer:
    host = need(req.targetService, "targetService", "adopt-local", 'targetService="app"')
    meta = await anyio.to_thread.run_sync(
        lambda: delivery.adopt_local(app.state, live, host, in_container=app.in_container)
    )
    return await reported(
        app,
        "adopt-local",
        None,
        "linked",
        f"{host} is linked to this working directory (local-stage).",
        data={"service": meta.hostname, "mode": meta.mode, "closeMode": "unset"},
    )
