"""``zerops_deploy_batch``: several source → target deploys in one call (inside a Zerops container).

Preflight runs for every target before anything moves; then at most three deploys run at a time,
sharing the call's ``waitSeconds`` and progress. Each target gets its own entry — the deploy's
outcome or the error that ended it — so one failure never hides the others. Every entry is recorded
in the work session like a single deploy (the original did not record batch entries). Outside a
container the tool answers NOT_IMPLEMENTED (deploy targets one by one with ``zerops_deploy``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import BaseModel, ConfigDict, Field

from zcp.ops.deploy.batch import BatchEntry, BatchReport, deploy_batch
from zcp.ops.deploy.service import DeployRequest
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import Hostname
from zcp.tools.untrusted import fence
from zcp.tools.verify import session_line
from zcp.tools.waiting import ProcessWaiter, WaitSeconds

if TYPE_CHECKING:
    from zcp.app import App

NAME = "zerops_deploy_batch"
DESCRIPTION = (
    "Container only: deploy several targets at once (each {targetService, sourceService?, setup?, "
    "workingDir?}, e.g. every dev → stage pair). Preflight for all first, then three at a time; one result "
    "per target, a failure never hides the others. Each deploy is recorded like zerops_deploy."
)


class BatchTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    targetService: Hostname
    sourceService: Hostname | None = None
    setup: str | None = None
    workingDir: str | None = None


class BatchEntryOut(BaseModel):
    """One target's outcome (the full deploy details are in the readable text)."""

    model_config = ConfigDict(populate_by_name=True)

    target_service: str = Field(alias="targetService")
    source_service: str | None = Field(default=None, alias="sourceService")
    status: str
    message: str
    setup: str | None = None
    app_version_id: str | None = Field(default=None, alias="appVersionId")
    build_duration: float | None = Field(default=None, alias="buildDuration")
    subdomain_url: str | None = Field(default=None, alias="subdomainUrl")
    failure_classification: dict[str, Any] | None = Field(default=None, alias="failureClassification")
    log_tail: list[str] | None = Field(default=None, alias="logTail", description="untrusted")
    error: dict[str, Any] | None = None
    started_at: str = Field(alias="startedAt")
    ended_at: str = Field(alias="endedAt")

    @classmethod
    def of(cls, entry: BatchEntry) -> BatchEntryOut:
        report = entry.report
        if report is None:
            error = entry.error or {}
            return cls(
                target_service=entry.target,
                source_service=entry.source,
                status=str(error.get("code", "ERROR")),
                message=str(error.get("error", "")),
                failure_classification=error.get("failureClassification"),
                error=error,
                started_at=entry.started_at,
                ended_at=entry.ended_at,
            )
        logs = (report.build_logs or report.runtime_logs or [])[-10:]
        return cls(
            target_service=entry.target,
            source_service=entry.source,
            status=report.status,
            message=report.message,
            setup=report.setup,
            app_version_id=report.app_version_id,
            build_duration=report.build_duration,
            subdomain_url=report.subdomain_url,
            failure_classification=report.failure_classification,
            log_tail=logs or None,
            started_at=entry.started_at,
            ended_at=entry.ended_at,
        )


class BatchResult(ToolOutput):
    batch_id: str = Field(alias="batchId")
    entries: list[BatchEntryOut]
    succeeded: int
    failed: int
    summary: str
    duration_seconds: float = Field(alias="durationSeconds")
    work_session_state: dict[str, Any] | None = Field(default=None, alias="workSessionState")

    @classmethod
    def of(cls, report: BatchReport) -> BatchResult:
        return cls(
            batch_id=report.batch_id,
            entries=[BatchEntryOut.of(e) for e in report.entries],
            succeeded=report.succeeded,
            failed=report.failed,
            summary=report.summary,
            duration_seconds=round(report.duration, 2),
            work_session_state=report.work_session_state,
        )

    def to_text(self) -> str:
        lines = [f"batch {self.batch_id}: {self.summary} ({self.duration_seconds:g}s)"]
        text = ""
        for entry in self.entries:
            route = (
                f"{entry.source_service} → "
                if entry.source_service and entry.source_service != entry.target_service
                else ""
            )
            lines.append(f"- {route}{entry.target_service}: {entry.status} — {entry.message}")
            if entry.failure_classification:
                fc = entry.failure_classification
                lines.append(f"  failure class: {fc.get('category')} — {fc.get('likelyCause')}")
            if entry.log_tail:
                text += f"\n{entry.target_service} log tail:\n" + fence("\n".join(entry.log_tail))
        return "\n".join(lines) + "\n" + text + session_line(self.work_session_state)


def deploy_batch_tool(app: App) -> ToolDefinition:
    """Build the zerops_deploy_batch tool bound to ``app``."""

    async def zerops_deploy_batch(
        targets: Annotated[list[BatchTarget], Field(description="one entry per target service")],
        waitSeconds: WaitSeconds = None,
        ctx: Context | None = None,
    ) -> BatchResult:
        app.require_platform()
        waiter = ProcessWaiter(
            app,
            ctx,
            wait_seconds=app.settings.poll_timeout if waitSeconds is None else waitSeconds,
            subject="deploy batch",
        )
        requests = [
            DeployRequest(
                target=t.targetService, source=t.sourceService, setup=t.setup, working_dir=t.workingDir
            )
            for t in targets
        ]
        return BatchResult.of(await deploy_batch(app, requests, waiter))

    return ToolDefinition(
        name=NAME,
        title="Deploy several services",
        description=DESCRIPTION,
        fn=zerops_deploy_batch,
        read_only=False,
        destructive=True,
        idempotent=False,
        open_world=True,
        needs_platform=True,
    )
