"""``zerops_import``: create services from import YAML (inline or a file) and wait for them.

The document is checked before anything is sent (see :mod:`zcp.ops.importing`): one source, no
``project:`` section, the import schema (problems per field, with line and suggestion), hostnames that
already exist. Replacing existing services (``override=true``, or ``override: true`` on an entry) loses
their data, so it needs ``confirm`` naming exactly the hostnames being replaced; without it — or with
other names — the call changes nothing and returns a dry run: what would be created, what replaced,
and the literal call that confirms. Each service's platform processes are waited for (progress,
bounded by ``waitSeconds``); per-service failures are reported per service.

Deviations from the Go original: schema validation before the call (the original relied on the API
alone), the confirmation step for overrides, no workflow gate (zcp has no workflow engine yet), and
service-level ``envVariables`` is refused by the schema instead of being dropped with a warning.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, ConfigDict, Field

from zcp.ops import importing as ops
from zcp.ops.targets import project_services
from zcp.ops.workflow.gates import require_workflow_context
from zcp.platform import status as st
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import FlexBool
from zcp.tools.untrusted import fence
from zcp.tools.waiting import Outcome, ProcessOut, ProcessWaiter, WaitSeconds, outcome_of, poll_call

if TYPE_CHECKING:
    from zcp.app import App

NAME = "zerops_import"
DESCRIPTION = (
    "Create services from import YAML (content, or filePath), validated first. Replacing existing services "
    '(override) needs confirm="<hostnames>" after explicit user approval; without it you get a dry run. '
    "Waits for the services with progress, up to waitSeconds."
)


class ServiceErrorOut(BaseModel):
    code: str
    message: str


class ImportedOut(BaseModel):
    """One service of the import: created or replaced, with its process and final status."""

    model_config = ConfigDict(populate_by_name=True)

    hostname: str
    type: str | None = None
    action: Literal["create", "override"]
    service_id: str | None = Field(default=None, alias="serviceId")
    status: str | None = None
    process: ProcessOut | None = None
    error: ServiceErrorOut | None = None


class ImportResult(ToolOutput):
    """A dry run or the outcome."""

    dry_run: bool = Field(alias="dryRun")
    summary: str
    services: list[ImportedOut]
    outcome: Outcome | None = None
    confirm_with: str | None = Field(default=None, alias="confirmWith")
    warnings: list[str] | None = None
    next_actions: list[str] = Field(default_factory=list, alias="nextActions")

    def to_text(self) -> str:
        lines = [("DRY RUN — nothing was changed. " if self.dry_run else "") + self.summary]
        for service in self.services:
            text = f"- {service.hostname} ({service.type or '?'}): {service.action}"
            if service.status:
                text += f", status {service.status}"
            if service.process is not None:
                text += f"; {service.process.line()}"
            lines.append(text)
            if service.process is not None and service.process.fail_reason:
                lines.append("  fail reason:")
                lines.append(fence(service.process.fail_reason).rstrip("\n"))
            if service.error is not None:
                lines.append("  platform error:")
                lines.append(fence(f"{service.error.code}: {service.error.message}").rstrip("\n"))
        if self.confirm_with:
            lines.append(f"to go ahead (after the user approved it): {self.confirm_with}")
        lines += [f"warning: {w}" for w in self.warnings or []]
        if self.next_actions:
            lines.append("next: " + " | ".join(self.next_actions))
        return "\n".join(lines) + "\n"


def _confirm_call(content: str | None, file_path: str | None, hostnames: list[str], override: bool) -> str:
    source = f"filePath={json.dumps(file_path)}" if file_path is not None else "content=<the same YAML>"
    flag = " override=true" if override else ""
    return f'zerops_import {source}{flag} confirm="{",".join(hostnames)}"'


def import_tool(app: App) -> ToolDefinition:
    """Build the zerops_import tool bound to ``app``."""

    async def import_schema() -> Any:
        from zcp.schema import SchemaKind

        return await app.schemas().get(SchemaKind.IMPORT)

    async def zerops_import(
        content: Annotated[
            str | None, Field(description="import YAML text", max_length=ops.MAX_IMPORT_CHARS)
        ] = None,
        filePath: Annotated[str | None, Field(description="import YAML file path")] = None,
        override: Annotated[FlexBool, Field(description="replace existing services")] = False,
        confirm: Annotated[str | None, Field(description="hostnames being replaced, comma-separated")] = None,
        waitSeconds: WaitSeconds = None,
        ctx: Context | None = None,
    ) -> ImportResult:
        platform = app.require_platform()
        await require_workflow_context(app, NAME)
        text = ops.read_source(content, filePath, app.settings.work_dir)
        document = ops.parse_document(text)
        ops.refuse_project_section(document)
        ops.check_schema(text, await import_schema())
        existing = await project_services(platform)
        plan = ops.plan_import(document, existing, override_all=override, runtime=platform.runtime)
        types = {s.hostname: s.type for s in plan.services}
        overridden = plan.overridden
        if (overridden or confirm is not None) and ops.parse_confirmation(confirm) != set(overridden):
            return _dry_run(plan, confirm, content, filePath, override)

        to_send = ops.with_override(text, document) if override else text
        result = await platform.client.import_services(platform.project.id, to_send)
        waiter = ProcessWaiter(app, ctx, wait_seconds=waitSeconds, subject="import")
        entries: dict[str, ImportedOut] = {}
        pending = []
        for imported in result.service_stacks:
            action: Literal["create", "override"] = "override" if imported.name in overridden else "create"
            entry = ImportedOut(
                hostname=imported.name,
                type=types.get(imported.name),
                action=action,
                service_id=imported.id or None,
            )
            if imported.error is not None:
                entry.error = ServiceErrorOut(code=imported.error.code, message=imported.error.message)
            entries[imported.name] = entry
            pending += [(imported.name, process) for process in imported.processes]
        waited = await waiter.wait_all(pending)
        for item in waited:
            entries[item.label].process = item.out()
        statuses = {s.name: s.status for s in await project_services(platform)}
        for entry in entries.values():
            entry.status = statuses.get(entry.hostname)
        outcome = outcome_of(waited)
        if outcome == "done" and any(e.error is not None for e in entries.values()):
            outcome = "failed"
        warnings = [w.problem for w in waited if w.problem]
        failed = [
            e.hostname
            for e in entries.values()
            if e.error is not None or (e.process and e.process.status in ("FAILED", "CANCELED"))
        ]
        running = [w for w in waited if w.still_running]
        summary = f"imported {len(entries)} service(s) into {result.project_name or platform.project.name}"
        if failed:
            summary += f"; failed: {', '.join(failed)}"
        if running:
            summary += f"; still being created: {', '.join(w.label for w in running)}"
        next_actions = [poll_call(w.process.id) for w in running]
        next_actions += [
            f'zerops_deploy targetService="{e.hostname}"'
            for e in entries.values()
            if e.status == st.SERVICE_READY_TO_DEPLOY
        ]
        next_actions.append("zerops_events" if failed else "zerops_discover")
        return ImportResult(
            dry_run=False,
            summary=summary,
            services=list(entries.values()),
            outcome=outcome,
            warnings=warnings or None,
            next_actions=next_actions,
        )

    return ToolDefinition(
        name=NAME,
        title="Import services from YAML",
        description=DESCRIPTION,
        fn=zerops_import,
        read_only=False,
        destructive=True,
        idempotent=False,
        open_world=True,
        needs_platform=True,
    )


def _dry_run(
    plan: ops.ImportPlan, confirm: str | None, content: str | None, file_path: str | None, override: bool
) -> ImportResult:
    overridden = plan.overridden
    parts = []
    if plan.created:
        parts.append(f"would create {', '.join(plan.created)}")
    if overridden:
        parts.append(f"would REPLACE {', '.join(overridden)} (their data and deployed code are lost)")
    summary = "; ".join(parts) or "nothing to import"
    warnings = []
    if confirm is not None:
        named = sorted(ops.parse_confirmation(confirm))
        expected = ", ".join(overridden) or "nothing (no existing service is replaced: drop confirm)"
        warnings.append(
            f"confirm named {', '.join(named) or '(nothing)'} but this import replaces {expected}"
        )
    return ImportResult(
        dry_run=True,
        summary=summary,
        services=[
            ImportedOut(
                hostname=s.hostname, type=s.type or None, action="override" if s.overrides else "create"
            )
            for s in plan.services
        ],
        confirm_with=_confirm_call(content, file_path, overridden, override) if overridden else None,
        warnings=warnings or None,
        next_actions=[_confirm_call(content, file_path, overridden, override)]
        if overridden
        else [_confirm_call(content, file_path, [], override).replace(' confirm=""', "")],
    )
