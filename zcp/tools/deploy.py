"""``zerops_deploy``: build and deploy code to a runtime service, push it to git, or roll back.

One tool, one schema for both environments (the reference's two variants are merged):

* **container** (zcp runs in a Zerops service): ``zcli push`` runs over SSH on ``sourceService``
  (default: the target itself — a self-deploy); ``sourceService`` ≠ ``targetService`` is a
  cross-deploy (dev → stage, usually with ``setup="prod"``). ``workingDir`` is a folder on the source
  service (default ``/var/www``; never this workspace's ``/var/www/<host>`` mount).
* **local**: the working directory (``workingDir`` relative to it) is pushed to the target with zcli
  when it is on PATH, else with zcp's own implementation of the push; ``pushedWith`` says which.
  ``sourceService`` does not apply.
* ``strategy="git-push"`` commits nothing and pushes the committed code to the remote
  ``git-push-setup`` stored (``remoteUrl`` overrides it, ``branch`` defaults to ``main`` in a container
  and the current branch locally); the build then runs on the git side, so the result is ``PUSHED``
  (recorded as pending until ``record-deploy``).
* ``appVersion="latest"`` (the newest earlier build) or an app version id deploys that build again,
  without rebuilding: a rollback.

Builds and git pushes run preflight first (a rollback reuses a build that already passed it); builds
and rollbacks wait for the platform (``waitSeconds``, default ``ZCP_POLL_TIMEOUT``) with progress.
See docs/deploy.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from zcp.errors import InvalidParameter
from zcp.ops.deploy.service import DeployReport, DeployRequest, deploy_service
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import Hostname
from zcp.tools.untrusted import fence
from zcp.tools.verify import session_line
from zcp.tools.waiting import ProcessWaiter

#: Deploys wait for the build up to ZCP_POLL_TIMEOUT unless told less.
DeployWait = Annotated[
    float | None, Field(ge=0, description="max seconds to wait for the build (default 600)")
]

if TYPE_CHECKING:
    from zcp.app import App

NAME = "zerops_deploy"
DESCRIPTION = (
    "Build and deploy code to a runtime service and wait for the build, with progress. Container: zcli push "
    "over SSH on sourceService (default: the target) from /var/www. Local: pushes the working directory. "
    'Preflight first: zerops.yaml (setup, schema incl. deployFiles) and env references. strategy="git-push" '
    "pushes committed code; appVersion redeploys an earlier build."
)


class DeployResult(ToolOutput):
    """How the deploy ended."""

    status: str
    mode: Literal["ssh", "local", "redeploy", "git-push"]
    target_service: str = Field(alias="targetService")
    target_service_id: str = Field(alias="targetServiceId")
    message: str
    pushed_with: str | None = Field(default=None, alias="pushedWith")
    source_service: str | None = Field(default=None, alias="sourceService")
    target_service_type: str | None = Field(default=None, alias="targetServiceType")
    setup: str | None = None
    app_version_id: str | None = Field(default=None, alias="appVersionId")
    build_status: str | None = Field(default=None, alias="buildStatus")
    build_duration: float | None = Field(default=None, alias="buildDuration")
    failed_phase: str | None = Field(default=None, alias="failedPhase")
    timed_out: bool | None = Field(default=None, alias="timedOut")
    monitor_hint: str | None = Field(default=None, alias="monitorHint")
    suggestion: str | None = None
    ssh_ready: bool | None = Field(default=None, alias="sshReady")
    subdomain_access_enabled: bool | None = Field(default=None, alias="subdomainAccessEnabled")
    subdomain_url: str | None = Field(default=None, alias="subdomainUrl")
    build_logs: list[str] | None = Field(default=None, alias="buildLogs", description="untrusted")
    build_logs_source: str | None = Field(default=None, alias="buildLogsSource")
    runtime_logs: list[str] | None = Field(default=None, alias="runtimeLogs", description="untrusted")
    runtime_logs_source: str | None = Field(default=None, alias="runtimeLogsSource")
    failure_classification: dict[str, Any] | None = Field(default=None, alias="failureClassification")
    preflight: list[dict[str, Any]] | None = None
    previous_deploy: dict[str, Any] | None = Field(default=None, alias="previousDeploy")
    remote_url: str | None = Field(default=None, alias="remoteUrl")
    branch: str | None = None
    warnings: list[str] | None = None
    work_session_state: dict[str, Any] | None = Field(default=None, alias="workSessionState")

    @classmethod
    def of(cls, report: DeployReport) -> DeployResult:
        return cls(
            status=report.status,
            mode=report.mode,
            target_service=report.target_service,
            target_service_id=report.target_service_id,
            message=report.message,
            pushed_with=report.pushed_with,
            source_service=report.source_service,
            target_service_type=report.target_service_type,
            setup=report.setup,
            app_version_id=report.app_version_id,
            build_status=report.build_status,
            build_duration=report.build_duration,
            failed_phase=report.failed_phase,
            timed_out=report.timed_out,
            monitor_hint=report.monitor_hint,
            suggestion=report.suggestion,
            ssh_ready=report.ssh_ready,
            subdomain_access_enabled=report.subdomain_access_enabled,
            subdomain_url=report.subdomain_url,
            build_logs=report.build_logs,
            build_logs_source=report.build_logs_source,
            runtime_logs=report.runtime_logs,
            runtime_logs_source=report.runtime_logs_source,
            failure_classification=report.failure_classification,
            preflight=report.preflight or None,
            previous_deploy=report.previous_deploy,
            remote_url=report.remote_url,
            branch=report.branch,
            warnings=report.warnings or None,
            next_actions=report.next_actions,
            work_session_state=report.work_session_state,
        )

    def to_text(self) -> str:
        return render_deploy(self)


def render_deploy(result: DeployResult) -> str:
    """The readable answer: what happened, logs fenced as untrusted, what to call next."""
    lines = [f"{result.status}: {result.message}"]
    via = f" via {result.pushed_with}" if result.pushed_with and result.pushed_with != result.mode else ""
    route = (
        f"{result.source_service} → "
        if result.source_service and result.source_service != result.target_service
        else ""
    )
    lines.append(
        f"{route}{result.target_service} ({result.mode}{via}"
        + (f", setup {result.setup}" if result.setup else "")
        + ")"
    )
    if result.app_version_id:
        lines.append(
            f"app version {result.app_version_id}"
            + (f" {result.build_status}" if result.build_status else "")
        )
    if result.subdomain_url:
        lines.append(f"subdomain: {result.subdomain_url}")
    if result.failure_classification:
        fc = result.failure_classification
        lines.append(f"failure class: {fc.get('category')} — {fc.get('likelyCause')}")
        if fc.get("suggestedAction"):
            lines.append(f"fix: {fc['suggestedAction']}")
    if result.suggestion:
        lines.append(f"suggestion: {result.suggestion}")
    if result.monitor_hint:
        lines.append(result.monitor_hint)
    if result.previous_deploy:
        lines.append(f"previous deploy: {result.previous_deploy.get('note')}")
    lines += [f"warning: {w}" for w in result.warnings or []]
    text = "\n".join(lines) + "\n"
    for logs, source in (
        (result.build_logs, result.build_logs_source),
        (result.runtime_logs, result.runtime_logs_source),
    ):
        if logs:
            text += f"\n{source} (last {len(logs)} lines):\n" + fence("\n".join(logs))
    text += session_line(result.work_session_state)
    return text


def check_strategy(strategy: str | None) -> None:
    """Only ``git-push`` (or nothing) is a strategy; the usual mistakes get their own answer."""
    if strategy is None or strategy == "git-push":
        return
    if strategy in ("manual", "auto"):
        raise InvalidParameter(
            f'strategy="{strategy}" is a close mode, not a deploy strategy',
            suggestion='Omit strategy to build and deploy now, or use strategy="git-push"; set close modes with '
            'zerops_workflow action="close-mode".',
        )
    if strategy == "zcli":
        raise InvalidParameter(
            'strategy="zcli" is the default push: omit strategy',
            suggestion='Omit strategy to build and deploy now, or use strategy="git-push".',
        )
    raise InvalidParameter(
        f"unknown strategy {strategy!r}",
        suggestion='Valid values: "git-push" (or omit strategy to build and deploy now).',
    )


def deploy_tool(app: App) -> ToolDefinition:
    """Build the zerops_deploy tool bound to ``app``."""

    async def zerops_deploy(
        targetService: Hostname,
        sourceService: Annotated[
            Hostname | None,
            Field(description="container: build this service's code"),
        ] = None,
        setup: Annotated[str | None, Field(description="zerops.yaml setup")] = None,
        workingDir: Annotated[
            str | None,
            Field(description="folder to push (default /var/www or cwd)"),
        ] = None,
        strategy: Annotated[str | None, Field(description='"git-push", or omit to build now')] = None,
        remoteUrl: Annotated[str | None, Field(description="git-push remote")] = None,
        branch: Annotated[str | None, Field(description="git-push branch")] = None,
        appVersion: Annotated[
            str | None, Field(description='"latest" or an app version id: redeploy that build')
        ] = None,
        waitSeconds: DeployWait = None,
        ctx: Context | None = None,
    ) -> DeployResult:
        app.require_platform()
        check_strategy(strategy)
        if strategy == "git-push":
            if appVersion:
                raise InvalidParameter(
                    "appVersion and strategy=git-push do not combine",
                    suggestion='Roll back with appVersion alone, or push with strategy="git-push" alone.',
                )
            from zcp.ops.deploy.gitpush import git_push_deploy

            return DeployResult.of(
                await git_push_deploy(
                    app,
                    targetService,
                    remote_url=remoteUrl,
                    branch=branch,
                    working_dir=workingDir,
                    source=sourceService,
                )
            )
        if remoteUrl or branch:
            raise InvalidParameter(
                'remoteUrl and branch only apply to strategy="git-push"',
                suggestion=f'Push to git with zerops_deploy targetService="{targetService}" strategy="git-push", '
                "or drop them to build and deploy now.",
            )
        waiter = ProcessWaiter(
            app,
            ctx,
            wait_seconds=app.settings.poll_timeout if waitSeconds is None else waitSeconds,
            subject=f"deploy {targetService}",
        )
        if appVersion is not None:
            if sourceService or setup or workingDir:
                raise InvalidParameter(
                    "appVersion redeploys an existing build: sourceService, setup and workingDir do not apply",
                    suggestion=f'Send zerops_deploy targetService="{targetService}" appVersion="{appVersion}" alone.',
                )
            from zcp.ops.deploy.redeploy import redeploy_version

            return DeployResult.of(await redeploy_version(app, targetService, appVersion, waiter))
        report = await deploy_service(
            app,
            DeployRequest(target=targetService, source=sourceService, setup=setup, working_dir=workingDir),
            waiter,
        )
        return DeployResult.of(report)

    return ToolDefinition(
        name=NAME,
        title="Deploy code to a service",
        description=DESCRIPTION,
        fn=zerops_deploy,
        read_only=False,
        destructive=True,
        idempotent=False,
        open_world=True,
        needs_platform=True,
    )
