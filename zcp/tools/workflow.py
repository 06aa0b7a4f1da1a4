"""``zerops_workflow``: the workflow engine over MCP — bootstrap, develop sessions, delivery, export, cicd.

The engine is :mod:`zcp.ops.workflow.dispatch` (the request it takes: :mod:`zcp.ops.workflow.request`);
this module declares the inputs, waits with progress for provisioning, and shapes the answer:
structured fields plus text that shows the message, the action's data, and the status block
(guidance and the next actions as tool calls).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import Field, SerializeAsAny, WithJsonSchema

from zcp.calls import ToolCall
from zcp.hostnames import check_hostname
from zcp.ops.workflow.dispatch import handle
from zcp.ops.workflow.request import WorkflowRequest
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import FlexBool, Hostname
from zcp.tools.waiting import ProcessWaiter
from zcp.workflow.actions import NextAction
from zcp.workflow.bootstrap_plan import PlanTargetIn

if TYPE_CHECKING:
    from zcp.app import App

NAME = "zerops_workflow"
DESCRIPTION = (
    'Guided workflows. action="status" shows the project state, guidance and next calls (use it to '
    're-orient). action="start" workflow=bootstrap (services; no route = route menu) | develop (intent + '
    "scope: a task on runtimes, tracks deploys and verifies) | export | cicd; complete/skip step; close; "
    "close-mode, git-push-setup, build-integration, record-deploy, adopt-local, reset, resume, list, route."
)


Action = Literal[
    "start",
    "status",
    "complete",
    "skip",
    "iterate",
    "reset",
    "resume",
    "list",
    "route",
    "close",
    "close-mode",
    "git-push-setup",
    "build-integration",
    "record-deploy",
    "adopt-local",
]


#: The published shape of the workflow's next actions: calls with a label and the reason for them.
NEXT_ACTIONS_SCHEMA: dict[str, Any] = {
    "items": {
        "properties": {
            "label": {"type": "string"},
            "tool": {"type": "string"},
            "args": {"type": "object"},
            "rationale": {"type": "string"},
        },
        "type": "object",
    },
    "type": "array",
}


class WorkflowResult(ToolOutput):
    """One workflow answer."""

    action: str
    workflow: str | None = None
    status: str
    message: str
    phase: str | None = None
    data: dict[str, Any] | None = None
    guidance: str | None = Field(default=None, description="status block or walkthrough (markdown)")
    atoms: list[str] | None = Field(default=None, description="guidance atoms shown")
    next_actions: Annotated[list[SerializeAsAny[ToolCall]], WithJsonSchema(NEXT_ACTIONS_SCHEMA)] = Field(
        default_factory=list, alias="nextActions"
    )

    def render(self) -> str:
        return self.to_text()  # the next actions are part of the text already, with labels

    def to_text(self) -> str:
        parts = [self.message]
        if self.data:
            parts += render_data(self.data)
        if self.guidance:
            parts.append(self.guidance.rstrip("\n"))
        if self.next_actions and (self.guidance is None or "\nNext:" not in self.guidance):
            lines = ["Next:"] + [
                f"  - {a.label} — {a.command}" if isinstance(a, NextAction) else f"  - {a.command}"
                for a in self.next_actions
            ]
            parts.append("\n".join(lines))
        return "\n\n".join(parts) + "\n"


def render_data(data: dict[str, Any]) -> list[str]:
    """The answer's data as text: checks and route options as lines, YAML as YAML, the rest as JSON."""
    rest = dict(data)
    parts: list[str] = []
    options = rest.pop("routeOptions", None)
    if options:
        lines = ["Routes:"]
        for i, option in enumerate(options, 1):
            name = option["route"] + (f" {option['recipeSlug']}" if option.get("recipeSlug") else "")
            fit = f" [{option['fit']}]" if option.get("fit") else ""
            lines.append(f"  {i}. {name}{fit} — {option['why']}")
        parts.append("\n".join(lines))
    checks = rest.pop("checks", None)
    if checks:
        marks = {"pass": "ok  ", "fail": "FAIL", "skip": "skip"}
        lines = ["Checks:"]
        for check in checks:
            line = f"  {marks.get(check['status'], check['status'])} {check['name']}"
            if check.get("detail"):
                line += f": {check['detail']}"
            if check.get("recovery"):
                recovery = check["recovery"]
                line += f" → {ToolCall(tool=recovery['tool'], args=recovery.get('args', {})).command}"
            lines.append(line)
        parts.append("\n".join(lines))
    env_vars = rest.pop("discoveredEnvVars", None)
    if env_vars:
        parts.append(
            "Env var names:\n" + "\n".join(f"  {h}: {', '.join(keys)}" for h, keys in env_vars.items())
        )
    for key in ("importYaml",):
        text = rest.pop(key, None)
        if text:
            parts.append(f"{key}:\n```yaml\n{text.rstrip()}\n```")
    workflow_file = rest.pop("workflowFile", None)
    if workflow_file:
        parts.append(f"Write {workflow_file['path']}:\n```yaml\n{workflow_file['content'].rstrip()}\n```")
    if rest:
        parts.append("```json\n" + json.dumps(rest, indent=2, ensure_ascii=False) + "\n```")
    return parts


def workflow_tool(app: App) -> ToolDefinition:
    """Build the zerops_workflow tool bound to ``app``."""

    async def zerops_workflow(
        action: Annotated[Action | None, Field(description="what to do")] = None,
        workflow: Annotated[Literal["bootstrap", "develop", "export", "cicd"] | None, Field()] = None,
        intent: Annotated[str | None, Field(description="the user's request in one sentence")] = None,
        scope: Annotated[list[Hostname] | None, Field(description="develop: runtime hostnames")] = None,
        force: Annotated[FlexBool | None, Field(description="develop: replace an unfinished session")] = None,
        route: Annotated[
            str | None, Field(description="bootstrap: classic | adopt | recipe | resume")
        ] = None,
        sessionId: Annotated[str | None, Field(description="bootstrap session to resume")] = None,
        recipeSlug: Annotated[str | None, Field(description="route=recipe: the recipe")] = None,
        step: Annotated[Literal["discover", "provision", "close"] | None, Field()] = None,
        plan: Annotated[
            list[PlanTargetIn] | None, Field(description="step discover: one entry per runtime")
        ] = None,
        attestation: Annotated[str | None, Field(description="optional note for the step")] = None,
        reason: Annotated[str | None, Field(description="why a step is skipped")] = None,
        closeMode: Annotated[
            dict[str, str] | None, Field(description='{"<hostname>": "auto|git-push|manual"}')
        ] = None,
        service: Annotated[
            Hostname | None, Field(description="runtime for git-push-setup / build-integration")
        ] = None,
        remoteUrl: Annotated[str | None, Field(description="git remote URL")] = None,
        integration: Annotated[Literal["none", "webhook", "actions"] | None, Field()] = None,
        targetService: Annotated[
            Hostname | None, Field(description="record-deploy, adopt-local, export, cicd")
        ] = None,
        variant: Annotated[Literal["dev", "stage"] | None, Field(description="export")] = None,
        envClassifications: Annotated[
            dict[str, str] | None, Field(description="export: env key → bucket")
        ] = None,
        ctx: Context | None = None,
    ) -> WorkflowResult:
        for host in closeMode or {}:
            check_hostname(host, what="closeMode key")
        request = WorkflowRequest(
            action=action,
            workflow=workflow,
            intent=intent,
            scope=scope,
            force=force,
            route=route,
            sessionId=sessionId,
            recipeSlug=recipeSlug,
            step=step,
            plan=plan,
            attestation=attestation,
            reason=reason,
            closeMode=closeMode,
            service=service,
            remoteUrl=remoteUrl,
            integration=integration,
            targetService=targetService,
            variant=variant,
            envClassifications=envClassifications,
        )
        waiter = ProcessWaiter(app, ctx, wait_seconds=None, subject="provision") if app.platform else None
        answer = await handle(app, request, waiter)
        report = answer.report
        guidance = answer.guide if answer.guide is not None else (report.text if report else None)
        return WorkflowResult(
            action=answer.action,
            workflow=answer.workflow,
            status=answer.status,
            message=answer.message,
            phase=report.envelope.phase.value if report else None,
            data=answer.data or None,
            guidance=guidance,
            atoms=list(report.atom_ids) if report else None,
            next_actions=list(answer.next_actions),
        )

    return ToolDefinition(
        name=NAME,
        title="Workflow orchestration",
        description=DESCRIPTION,
        fn=zerops_workflow,
        read_only=False,
        destructive=False,
        idempotent=False,
        open_world=True,
        read_actions=frozenset({"status", "list", "route"}),
    )
