"""The stateless flows: ``workflow="export"`` and ``workflow="cicd"``.

Neither keeps a session: each call answers with the next thing missing, in guidance rendered for a
view of the project narrowed to the flow (its phase, and the chosen runtime with its pair). Until the
flow is done its next call is remembered (:mod:`zcp.ops.workflow.flows`), so a delivery step it asks
for leads back into it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zcp.axes import ExportStatus, Phase
from zcp.calls import ToolCall
from zcp.errors import InvalidParameter
from zcp.ops.workflow import flows
from zcp.ops.workflow.answer import WorkflowAnswer, narrowed, report_for
from zcp.ops.workflow.export import run_export
from zcp.ops.workflow.live import build_envelope

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.ops.workflow.live import LiveProject
    from zcp.ops.workflow.request import WorkflowRequest
    from zcp.workflow.envelope import ServiceSnapshot, StateEnvelope

__all__ = ["cicd", "export"]

_EXPORT_MESSAGES = {
    ExportStatus.SCOPE_PROMPT: "Pick the runtime to export.",
    ExportStatus.VARIANT_PROMPT: "{target} is a dev/stage pair: export the stage (production) or dev variant.",
    ExportStatus.SCAFFOLD_REQUIRED: "{target} has no zerops.yaml yet: write one, then export again.",
    ExportStatus.GIT_PUSH_SETUP_REQUIRED: "The bundle is published from a git repository: {reason}.",
    ExportStatus.CLASSIFY_PROMPT: "Put every project env var in a bucket, then export again.",
    ExportStatus.VALIDATION_FAILED: "The bundle failed validation: fix the listed problems and export again.",
    ExportStatus.PUBLISH_READY: "The bundle is ready: write the files, commit, and push.",
}


def _pair(base: StateEnvelope, host: str) -> list[ServiceSnapshot]:
    """``host`` with the other half of its dev/stage pair, in the envelope's order (dev half first: it
    is the push source the next calls name)."""
    service = base.service(host)
    partner = base.dev_partner(host)
    keep = {host, service.stage_hostname if service else None, partner.hostname if partner else None}
    return [s for s in base.services if s.hostname in keep]


def _follow(app: App, workflow: str, done: bool, **args: Any) -> None:
    """Forget the flow once it is done; else remember its next call (the arguments that were given)."""
    if done:
        flows.forget(app.state)
        return
    again: dict[str, Any] = {"workflow": workflow, **{k: v for k, v in args.items() if v}}
    flows.remember(app.state, ToolCall(tool="zerops_workflow", args=again))


async def export(app: App, live: LiveProject, req: WorkflowRequest) -> WorkflowAnswer:
    app.require_platform("zerops_workflow workflow=export")
    answer = await run_export(app, live, req.targetService, req.variant, req.envClassifications)
    base = build_envelope(live)
    services: list[ServiceSnapshot] = []
    if answer.status is ExportStatus.SCOPE_PROMPT:
        services = [s for s in base.services if s.bootstrapped and not s.is_managed]
    elif answer.target is not None:
        services = _pair(base, answer.target)
    envelope = narrowed(
        base, Phase.EXPORT_ACTIVE, services, export_status=answer.status, export_variant=answer.variant
    )
    report = await report_for(app, envelope)
    message = _EXPORT_MESSAGES[answer.status].format(
        target=answer.target, reason=answer.data.get("reason", "")
    )
    data = {"exportStatus": answer.status.value, **answer.data}
    if answer.target:
        data["targetService"] = answer.target
    if answer.variant:
        data["variant"] = answer.variant
    _follow(
        app,
        "export",
        answer.status is ExportStatus.PUBLISH_READY,
        targetService=answer.target or req.targetService,
        variant=answer.variant or req.variant,
        envClassifications=req.envClassifications,
    )
    return WorkflowAnswer(
        "start", "export", answer.status.value, message, data=data, report=report, guide=report.guide
    )


async def cicd(app: App, live: LiveProject, req: WorkflowRequest) -> WorkflowAnswer:
    base = build_envelope(live)
    services = list(base.services)
    if req.targetService is not None:
        chosen = base.service(req.targetService)
        if chosen is None:
            raise InvalidParameter(
                f"no service {req.targetService!r}",
                suggestion=f"Runtimes: {', '.join(s.hostname for s in services if s.is_runtime) or '(none)'}.",
            )
        services = _pair(base, chosen.hostname)
    report = await report_for(app, narrowed(base, Phase.CICD_ACTIVE, services))
    _follow(app, "cicd", report.plan.branch == "cicd.ready", targetService=req.targetService)
    return WorkflowAnswer(
        "start",
        "cicd",
        report.plan.branch.removeprefix("cicd."),
        "How to deploy this project from a repository pipeline (nothing was changed).",
        data={"branch": report.plan.branch},
        report=report,
        guide=report.guide,
    )
