"""``zerops_subdomain``: turn a service's public ``*.zerops.app`` subdomain on or off.

Enabling returns the URL: the ``zeropsSubdomain`` variable once the platform has published it (the
call waits a few seconds for it, within ``waitSeconds``), else the URL built from the project's
subdomain host. Asking for the state a service already has changes nothing and says so
(``already_enabled`` / ``already_disabled``). Unlike the Go original this tool does not probe the
URL over HTTP; ``zerops_verify`` does that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from zcp.errors import PlatformError
from zcp.ops.subdomain import built_urls, published_url, request_disable, request_enable
from zcp.ops.targets import project_services
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import Hostname, find_service
from zcp.tools.untrusted import fence
from zcp.tools.waiting import Outcome, ProcessOut, ProcessWaiter, WaitSeconds, outcome_of, poll_call

if TYPE_CHECKING:
    from zcp.app import App

NAME = "zerops_subdomain"
DESCRIPTION = (
    "Enable or disable a service's public zerops.app subdomain; enable returns the URL. Needs an HTTP "
    "port (deploy first). Idempotent: the current state is reported as already_enabled/already_disabled."
)
#: How long an enable waits (within waitSeconds) for the platform to publish zeropsSubdomain.
URL_WAIT_SECONDS = 5.0

State = Literal["enabled", "disabled", "already_enabled", "already_disabled", "failed", "running"]


class SubdomainResult(ToolOutput):
    """The subdomain state after the call."""

    service_hostname: str = Field(alias="serviceHostname")
    service_id: str = Field(alias="serviceId")
    action: Literal["enable", "disable"]
    outcome: Outcome
    status: State
    urls: list[str] = Field(default_factory=list)
    process: ProcessOut | None = None
    warnings: list[str] | None = None
    next_actions: list[str] = Field(default_factory=list, alias="nextActions")

    def to_text(self) -> str:
        lines = [f"{self.service_hostname}: subdomain {self.status.replace('_', ' ')}"]
        if self.urls:
            lines.append("URL (from the platform):")
            lines.append(fence("\n".join(self.urls)).rstrip("\n"))
        if self.process is not None:
            lines.append(self.process.render())
        lines += [f"warning: {w}" for w in self.warnings or []]
        if self.next_actions:
            lines.append("next: " + " | ".join(self.next_actions))
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
        service = await platform.client.get_service(listed.id)  # authoritative, never lagging
        host = service.name
        waiter = ProcessWaiter(app, ctx, wait_seconds=waitSeconds, subject=f"subdomain {action} {host}")
        warnings: list[str] = []
        process_out: ProcessOut | None = None
        outcome: Outcome = "done"

        async def published() -> str | None:
            try:
                return await published_url(platform, service)
            except PlatformError:  # the change is made; a failed read only costs the published URL
                return None

        async def urls() -> list[str]:
            found = await waiter.wait_for(published, at_most=URL_WAIT_SECONDS)
            if found:
                return [found]
            warnings.append(
                "the platform has not published zeropsSubdomain yet; the URL is built from the project's "
                "subdomain host and answers once the route is live (usually seconds)"
            )
            return built_urls(platform.project, service)

        if action == "enable":
            if service.subdomain_access:
                status: State = "already_enabled"
            else:
                process = await request_enable(platform, service, clock=app.clock)
                waited = await waiter.wait(process, label=host)
                process_out, outcome = waited.out(), outcome_of([waited])
                if waited.problem:
                    warnings.append(waited.problem)
                status = "enabled" if outcome == "done" else "running" if outcome == "running" else "failed"
                if outcome == "failed" and (await platform.client.get_service(service.id)).subdomain_access:
                    status, outcome = "already_enabled", "done"
                    warnings.append("the enable process ended FAILED because the subdomain was already on")
            found_urls = await urls() if status in ("enabled", "already_enabled") else []
        else:
            if not service.subdomain_access:
                status = "already_disabled"
            else:
                maybe = await request_disable(platform, service)
                if maybe is None:
                    status = "already_disabled"
                else:
                    waited = await waiter.wait(maybe, label=host)
                    process_out, outcome = waited.out(), outcome_of([waited])
                    if waited.problem:
                        warnings.append(waited.problem)
                    status = (
                        "disabled" if outcome == "done" else "running" if outcome == "running" else "failed"
                    )
            found_urls = []
        if status == "running" and process_out is not None:
            next_actions = [poll_call(process_out.process_id)]
        elif status == "failed":
            next_actions = [f'zerops_events serviceHostname="{host}"']
        elif action == "enable":
            next_actions = [f'zerops_verify serviceHostname="{host}"']
        else:
            next_actions = []
        return SubdomainResult(
            service_hostname=host,
            service_id=service.id,
            action=action,
            outcome=outcome,
            status=status,
            urls=found_urls,
            process=process_out,
            warnings=warnings or None,
            next_actions=next_actions,
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
