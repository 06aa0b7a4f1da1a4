"""``zerops_subdomain``: turn a service's public ``*.zerops.app`` subdomain on or off.

Enabling returns the URL: the ``zeropsSubdomain`` variable once the platform has published it (the
call waits a few seconds for it, within ``waitSeconds``), else the URL built from the project's
subdomain host. Asking for the state a service already has changes nothing and says so
(``already_enabled`` / ``already_disabled``). The state machine is :func:`zcp.ops.subdomain.set_subdomain`.
Unlike the Go original this tool does not probe the URL over HTTP; ``zerops_verify`` does that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from zcp.ops.subdomain import SubdomainState, set_subdomain
from zcp.ops.targets import project_services
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import Hostname, find_service
from zcp.tools.untrusted import fence_records
from zcp.tools.waiting import Outcome, ProcessOut, ProcessWaiter, WaitSeconds, process_out

if TYPE_CHECKING:
    from zcp.app import App

NAME = "zerops_subdomain"
DESCRIPTION = (
    "Enable or disable a service's public zerops.app subdomain; enable returns the URL. Needs an HTTP "
    "port (deploy first). Idempotent: the current state is reported as already_enabled/already_disabled."
)


class SubdomainResult(ToolOutput):
    """The subdomain state after the call."""

    service_hostname: str = Field(alias="serviceHostname")
    service_id: str = Field(alias="serviceId")
    action: Literal["enable", "disable"]
    outcome: Outcome
    status: SubdomainState
    urls: list[str] = Field(default_factory=list)
    process: ProcessOut | None = None
    warnings: list[str] | None = None

    def to_text(self) -> str:
        lines = [f"{self.service_hostname}: subdomain {self.status.replace('_', ' ')}"]
        if self.urls:
            lines.append("URL (from the platform):")
            lines.append(fence_records(self.urls).rstrip("\n"))
        if self.process is not None:
            lines.append(self.process.render())
        lines += [f"warning: {w}" for w in self.warnings or []]
        return "\n".join(lines) + "\n"


def subdomain_tool(app: App) -> ToolDefinition:
    """Build the zerops_subdomain tool bound to ``app``."""

    async def zerops_subdomain(
        serviceHostname: Hostname,
        action: Annotated[Literal["enable", "disable"], Field(description="enable or disable")],
        waitSeconds: WaitSeconds = None,
        ctx: Context | None = None,
    ) -> SubdomainResult:
        platform = app.require_platform()
        listed = find_service(await project_services(platform), serviceHostname)
        waiter = ProcessWaiter(
            app, ctx, wait_seconds=waitSeconds, subject=f"subdomain {action} {listed.name}"
        )
        change = await set_subdomain(platform, listed.id, action, waiter=waiter, clock=app.clock)
        return SubdomainResult(
            service_hostname=change.service.name,
            service_id=change.service.id,
            action=action,
            outcome=change.outcome,
            status=change.status,
            urls=list(change.urls),
            process=process_out(change.waited) if change.waited is not None else None,
            warnings=list(change.warnings) or None,
            next_actions=list(change.next_actions),
        )

    return ToolDefinition(
        name=NAME,
        title="Enable or disable subdomain",
        description=DESCRIPTION,
        fn=zerops_subdomain,
        read_only=False,
        destructive=False,
        idempotent=True,
        open_world=True,
        needs_platform=True,
    )
