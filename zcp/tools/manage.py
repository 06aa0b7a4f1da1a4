"""``zerops_manage``: start, stop, restart or reload a service; connect or disconnect shared storage.

The call waits for the platform process (progress notifications, bounded by ``waitSeconds``) and
reports how it ended. zcp's own service (when zcp runs inside the project) is never stopped,
restarted or reloaded: that is ``SELF_SERVICE_BLOCKED``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from mcp.server.mcpserver import Context
from pydantic import Field

from zcp.ops.manage import ManageAction, check_storage, next_actions, run_action
from zcp.ops.targets import project_services
from zcp.ops.waiting import seconds
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import Hostname, find_service
from zcp.tools.waiting import Outcome, ProcessOut, ProcessWaiter, WaitSeconds, outcome_of, process_out

if TYPE_CHECKING:
    from zcp.app import App

NAME = "zerops_manage"
DESCRIPTION = (
    "Start, stop, restart or reload (runtimes) a service, or connect-storage/disconnect-storage a shared "
    "storage (mounted at /mnt/<storage>) to a runtime. Waits for the process with progress."
)

_PAST = {
    "start": "started",
    "stop": "stopped",
    "restart": "restarted",
    "reload": "reloaded",
    "connect-storage": "connected",
    "disconnect-storage": "disconnected",
}


class ManageResult(ToolOutput):
    """How the action ended."""

    action: str
    service_hostname: str = Field(alias="serviceHostname")
    service_id: str = Field(alias="serviceId")
    storage_hostname: str | None = Field(default=None, alias="storageHostname")
    outcome: Outcome
    message: str
    process: ProcessOut
    warnings: list[str] | None = None

    def to_text(self) -> str:
        lines = [self.message, self.process.render()]
        lines += [f"warning: {w}" for w in self.warnings or []]
        return "\n".join(lines) + "\n"


def manage_tool(app: App) -> ToolDefinition:
    """Build the zerops_manage tool bound to ``app``."""

    async def zerops_manage(
        action: Annotated[ManageAction, Field(description="what to do")],
        serviceHostname: Hostname,
        storageHostname: Annotated[
            Hostname | None, Field(description="the shared storage (storage actions)")
        ] = None,
        waitSeconds: WaitSeconds = None,
        ctx: Context | None = None,
    ) -> ManageResult:
        platform = app.require_platform()
        services = await project_services(platform)
        service = find_service(services, serviceHostname)
        storage = check_storage(action, services, storageHostname)
        process = await run_action(platform, action, service, storage)
        waiter = ProcessWaiter(app, ctx, wait_seconds=waitSeconds, subject=f"{action} {service.name}")
        waited = await waiter.wait(process, label=service.name)
        outcome = outcome_of([waited])
        target = f"{service.name}" + (f" ↔ {storage.name}" if storage else "")
        if outcome == "done":
            message = f"{target}: {_PAST[action]}."
            if action == "connect-storage" and storage:
                message += f" The storage is mounted at /mnt/{storage.name} in {service.name}."
        elif outcome == "failed":
            message = f"{target}: {action} ended {waited.status}."
        else:
            message = f"{target}: {action} is still running after {seconds(waiter.elapsed)}."
        return ManageResult(
            action=action,
            service_hostname=service.name,
            service_id=service.id,
            storage_hostname=storage.name if storage else None,
            outcome=outcome,
            message=message,
            process=process_out(waited),
            warnings=[waited.problem] if waited.problem else None,
            next_actions=next_actions(action, service.name, outcome, waited.process.id),
        )

    return ToolDefinition(
        name=NAME,
        title="Manage service lifecycle",
        description=DESCRIPTION,
        fn=zerops_manage,
        read_only=False,
        destructive=False,
        idempotent=True,
        open_world=True,
        needs_platform=True,
    )
