"""``zerops_import``: create services from import YAML (inline or a file) and wait for them.

The whole flow is :func:`zcp.ops.importing.run_import`. The document is checked before anything is sent: one source, no
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

from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, ConfigDict, Field

from zcp.ops import importing as ops
from zcp.ops.workflow.gates import require_workflow_context
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import FlexBool
from zcp.tools.untrusted import fence
from zcp.tools.waiting import Outcome, ProcessOut, ProcessWaiter, WaitSeconds, process_out

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

    @classmethod
    def of(cls, service: ops.ImportedService) -> ImportedOut:
        return cls(
            hostname=service.hostname,
            type=service.type,
            action=service.action,
            service_id=service.service_id,
            status=service.status,
            process=process_out(service.waited) if service.waited is not None else None,
            error=ServiceErrorOut(code=service.error[0], message=service.error[1]) if service.error else None,
        )


class ImportResult(ToolOutput):
    """A dry run or the outcome."""

    dry_run: bool = Field(alias="dryRun")
    summary: str
    services: list[ImportedOut]
    outcome: Outcome | None = None
    confirm_with: str | None = Field(default=None, alias="confirmWith")
    warnings: list[str] | None = None

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
        return "\n".join(lines) + "\n"


def import_tool(app: App) -> ToolDefinition:
    """Build the zerops_import tool bound to ``app``."""

    async def import_schema() -> Any:
        from zcp.schema import SchemaKind

        return await app.schemas().get(SchemaKind.IMPORT)

    async def zerops_import(
        content: Annotated[
            str | None, Field(description="import YAML text", max_length=ops.MAX_IMPORT_CHARS)
        ] = None,
        filePath: Annotated[
            str | None, Field(description="import YAML file in the working directory")
        ] = None,
        override: Annotated[FlexBool, Field(description="replace existing services")] = False,
        confirm: Annotated[str | None, Field(description="hostnames being replaced, comma-separated")] = None,
        waitSeconds: WaitSeconds = None,
        ctx: Context | None = None,
    ) -> ImportResult:
        platform = app.require_platform()
        await require_workflow_context(app, NAME)
        waiter = ProcessWaiter(app, ctx, wait_seconds=waitSeconds, subject="import")
        done = await ops.run_import(
            platform,
            ops.ImportRequest(content=content, file_path=filePath, override=override, confirm=confirm),
            work_dir=app.settings.work_dir,
            load_schema=import_schema,
            waiter=waiter,
        )
        return ImportResult(
            dry_run=done.dry_run,
            summary=done.summary,
            services=[ImportedOut.of(s) for s in done.services],
            outcome=done.outcome,
            confirm_with=done.confirm_text,
            warnings=list(done.warnings) or None,
            next_actions=list(done.next_actions),
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
