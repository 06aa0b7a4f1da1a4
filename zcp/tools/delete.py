"""``zerops_delete``: delete one service — only with a confirmation that names it.

Without ``confirm`` equal to the hostname the call changes nothing and returns a dry run: the service,
what goes with it (data, public URL, variables other services reference) and the literal call that
confirms. The agent must get the user's explicit approval before sending that call. zcp's own service
is never deleted (``SELF_SERVICE_BLOCKED``). The delete is waited for like any process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from mcp.server.mcpserver import Context
from pydantic import Field

from zcp.errors import ServiceNotFound
from zcp.ops.delete import already_deleted, delete_or_preview
from zcp.ops.targets import project_services
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import Hostname, find_service
from zcp.tools.waiting import Outcome, ProcessOut, ProcessWaiter, WaitSeconds, process_out

if TYPE_CHECKING:
    from zcp.app import App

NAME = "zerops_delete"
DESCRIPTION = (
    "Delete a service with its data; irreversible. Only with explicit user approval: call "
    'first without confirm to get a dry run of what is lost, then with confirm="<hostname>".'
)


class DeleteResult(ToolOutput):
    """A dry run or the outcome."""

    dry_run: bool = Field(alias="dryRun")
    service_hostname: str = Field(alias="serviceHostname")
    service_id: str = Field(alias="serviceId")
    summary: str
    effects: list[str]
    outcome: Outcome | None = None
    process: ProcessOut | None = None
    confirm_with: str | None = Field(default=None, alias="confirmWith")
    warnings: list[str] | None = None

    def to_text(self) -> str:
        lines = [("DRY RUN — nothing was changed. " if self.dry_run else "") + self.summary]
        lines += [f"- {effect}" for effect in self.effects]
        if self.process is not None:
            lines.append(self.process.render())
        if self.confirm_with:
            lines.append(f"to delete it (only after the user approved): {self.confirm_with}")
        lines += [f"warning: {w}" for w in self.warnings or []]
        return "\n".join(lines) + "\n"


def delete_tool(app: App) -> ToolDefinition:
    """Build the zerops_delete tool bound to ``app``."""

    async def zerops_delete(
        serviceHostname: Hostname,
        confirm: Annotated[str | None, Field(description="the hostname again")] = None,
        waitSeconds: WaitSeconds = None,
        ctx: Context | None = None,
    ) -> DeleteResult:
        platform = app.require_platform()
        services = await project_services(platform)
        try:
            service = find_service(services, serviceHostname)
        except ServiceNotFound:
            gone = await already_deleted(platform, serviceHostname) if confirm is not None else None
            if gone is None:
                raise
            done = gone
        else:
            waiter = ProcessWaiter(app, ctx, wait_seconds=waitSeconds, subject=f"delete {service.name}")
            done = await delete_or_preview(platform, service, services, confirm=confirm, waiter=waiter)
        service = done.service
        return DeleteResult(
            dry_run=done.dry_run,
            service_hostname=service.name,
            service_id=service.id,
            summary=done.summary,
            effects=list(done.effects),
            outcome=done.outcome,
            process=process_out(done.waited) if done.waited is not None else None,
            confirm_with=done.confirm.command if done.confirm is not None else None,
            warnings=list(done.warnings) or None,
            next_actions=list(done.next_actions),
        )

    return ToolDefinition(
        name=NAME,
        title="Delete a service",
        description=DESCRIPTION,
        fn=zerops_delete,
        read_only=False,
        destructive=True,
        idempotent=False,
        open_world=True,
        needs_platform=True,
    )
