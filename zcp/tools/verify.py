"""``zerops_verify``: is a service (or every service) healthy — running, quiet logs, answering HTTP.

Checks and aggregation are in :mod:`zcp.ops.health`; the HTTP probe goes through
:class:`~zcp.ops.probe.HttpProber` with ``ZCP_PROBE_TIMEOUT`` per request, at most five services at a
time. Deviations from the reference tool: single and all-services calls share one shape
(``services`` has one entry for a single service); a runtime without a public subdomain gets a
``skip`` (with the enabling call as ``recovery``) instead of a failure, because a private service is
not unhealthy; zcp's own service is left out of the all-services check; an ``env_applied`` check
shows variables changed after the service last booted (:mod:`zcp.ops.env_live`); every failed check
carries a recovery call. Log lines and page excerpts are fenced as untrusted data in the readable text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from zcp.calls import ToolCall
from zcp.ops.health import Check, ServiceHealth, summary, verify_services
from zcp.ops.targets import user_services
from zcp.ops.workflow.develop import record_health
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import Hostname, find_service
from zcp.tools.untrusted import fence_records

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.platform.models import ServiceStack

NAME = "zerops_verify"
DESCRIPTION = (
    "Health of one service or all: running, error log lines in the last 5 min, HTTP probe of the "
    "subdomain. Each is healthy, degraded or unhealthy; failed checks carry a recovery call."
)
CONCURRENCY = 5

Health = Literal["healthy", "degraded", "unhealthy"]


class CheckOut(BaseModel):
    name: str
    status: Literal["pass", "fail", "skip", "info"]
    detail: str | None = None
    http_status: int | None = Field(default=None, alias="httpStatus")
    url: str | None = None
    evidence: list[str] | None = Field(default=None, description="untrusted")
    recovery: ToolCall | None = None


class ServiceHealthOut(BaseModel):
    hostname: str
    kind: Literal["runtime", "managed"]
    status: Health
    checks: list[CheckOut]


class VerifyResult(ToolOutput):
    status: Health
    summary: str
    services: list[ServiceHealthOut]
    notes: list[str] | None = None
    work_session_state: dict[str, Any] | None = Field(default=None, alias="workSessionState")

    def to_text(self) -> str:
        lines = [f"{self.summary} — overall {self.status}", ""]
        evidence: list[str] = []
        for service in self.services:
            lines.append(f"{service.hostname} ({service.kind}): {service.status}")
            for check in service.checks:
                line = f"  {check.status:<4} {check.name}"
                if check.detail:
                    line += f": {check.detail}"
                if check.url:
                    line += f" [{check.url}]"
                if check.recovery:
                    line += f" → {check.recovery.command}"
                lines.append(line)
                evidence += [f"{service.hostname} {check.name}: {text}" for text in check.evidence or []]
        text = "\n".join(lines) + "\n"
        if evidence:
            text += "\nEvidence:\n" + fence_records(evidence)
        for note in self.notes or []:
            text += f"Note: {note}\n"
        text += session_line(self.work_session_state)
        return text


def session_line(state: dict[str, Any] | None) -> str:
    """One line on the develop session after a recorded attempt (empty when there is no session)."""
    if not state or state["status"] == "none":
        return ""
    if state["status"] == "auto-closed":
        return f'Develop session closed ({state.get("closeReason")}): zerops_workflow action="status" shows what next.\n'
    progress = state.get("progress") or {}
    text = f"Develop session: {progress.get('ready', 0)}/{progress.get('total', 0)} services deployed and verified"
    if progress.get("pending"):
        text += f"; pending {', '.join(progress['pending'])}"
    if state.get("note"):
        text += f" ({state['note']})"
    return text + ".\n"


def _check_out(check: Check) -> CheckOut:
    return CheckOut(
        name=check.name,
        status=check.status,
        detail=check.detail,
        httpStatus=check.http_status,
        url=check.url,
        evidence=list(check.evidence) or None,
        recovery=check.recovery,
    )


def _service_out(health: ServiceHealth) -> ServiceHealthOut:
    return ServiceHealthOut(
        hostname=health.hostname,
        kind=health.kind,
        status=health.status,
        checks=[_check_out(check) for check in health.checks],
    )


def verify_tool(app: App) -> ToolDefinition:
    """Build the zerops_verify tool bound to ``app``."""

    async def zerops_verify(
        serviceHostname: Annotated[Hostname | None, Field(description="omit for all")] = None,
        ctx: Context | None = None,
    ) -> VerifyResult:
        platform = app.require_platform()
        client, project = platform.client, platform.project
        services = await user_services(client, project.id)
        notes: list[str] = []
        targets: list[ServiceStack]
        if serviceHostname is not None:
            targets = [find_service(services, serviceHostname)]
        else:
            targets = platform.runtime.without_self(services)
            skipped = [s.name for s in services if s not in targets]
            if skipped:
                notes.append(f"{skipped[0]} (zcp itself) is not checked.")
        now = app.clock.now()

        async def progress(health: ServiceHealth, finished: int, total: int) -> None:
            if ctx is not None:
                await ctx.report_progress(finished, total, f"{health.hostname}: {health.status}")

        async with app.prober() as prober:
            done = await verify_services(
                client, project, targets, prober=prober, now=now, concurrency=CONCURRENCY, on_checked=progress
            )
        overall = summary(done)
        next_actions = [
            check.recovery
            for health in done
            for check in health.checks
            if check.status == "fail" and check.recovery is not None
        ]
        if not targets:
            notes.append("The project has no services to check yet.")
        session_state = await record_health(app, done)
        return VerifyResult(
            status=overall["status"],
            summary=overall["summary"],
            services=[_service_out(r) for r in done],
            notes=notes or None,
            next_actions=list({call.command: call for call in next_actions}.values())[:3],
            work_session_state=session_state.wire(),
        )

    return ToolDefinition(
        name=NAME,
        title="Verify service health",
        description=DESCRIPTION,
        fn=zerops_verify,
        read_only=True,
        destructive=False,
        idempotent=True,
        open_world=True,
        needs_platform=True,
    )
