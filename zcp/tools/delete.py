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

from zcp.ops.delete import delete_impact, delete_service
from zcp.ops.targets import guard_self, project_services
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import Hostname, find_service
from zcp.tools.waiting import Outcome, ProcessOut, ProcessWaiter, WaitSeconds, outcome_of, poll_call

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
    next_actions: list[str] = Field(default_factory=list, alias="nextActions")

    def to_text(self) -> str:
        lines = [("DRY RUN — nothing was changed. " if self.dry_run else "") + self.summary]
        lines += [f"- {effect}" for effect in self.effects]
        if self.process is not None:
            lines.append(self.process.render())
        if self.confirm_with:
            lines.append(f"to delete it (only after the user approved): {self.confirm_with}")
        lines += [f"warning: {w}" for w in self.warnings or []]
        if self.next_actions:
            lines.append("next: " + " | ".join(self.next_actions))
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
        service = find_service(services, serviceHostname)
        host = service.name
        guard_self(platform, service, "delete")
        kind = service.type_version or service.category or "service"
        confirm_call = f'zerops_delete serviceHostname="{host}" confirm="{host}"'
        if confirm is None or confirm.strip() != host:
            impact = await delete_impact(platform, service, services)
            effects = [f"{host} ({kind}, {service.status}) is deleted with all its containers and data"]
            if service.subdomain_access:
                effects.append(f"{host}'s public subdomain stops answering")
            if impact.referenced_by:
                effects.append(
                    f"{', '.join(impact.referenced_by)} reference {host}'s variables (${{{host}_...}}); "
                    "those references break"
                )
            warnings = []
            if not impact.checked_references:
                warnings.append(
                    "some services' variables could not be read; references to this service may be missed"
                )
            if confirm is not None:
                warnings.append(
                    f"confirm={confirm.strip()!r} does not name this service; it must be exactly {host!r}"
                )
            return DeleteResult(
                dry_run=True,
                service_hostname=host,
                service_id=service.id,
                summary=f"would delete {host}; this cannot be undone",
                effects=effects,
                confirm_with=confirm_call,
                warnings=warnings or None,
                next_actions=[confirm_call],
            )
        process = await delete_service(platform, service)
        waiter = ProcessWaiter(app, ctx, wait_seconds=waitSeconds, subject=f"delete {host}")
        waited = await waiter.wait(process, label=host)
        outcome = outcome_of([waited])
        summary = {
            "done": f"deleted {host}",
            "failed": f"deleting {host} ended {waited.status}",
            "running": f"{host} is still being deleted",
        }[outcome]
        return DeleteResult(
            dry_run=False,
            service_hostname=host,
            service_id=service.id,
            summary=summary,
            effects=[],
            outcome=outcome,
            process=waited.out(),
            warnings=[waited.problem] if waited.problem else None,
            next_actions=[poll_call(waited.process.id)] if outcome == "running" else ["zerops_discover"],
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
