"""``zerops_dev_server``: start, stop, status, logs or restart a dev process on a dev service over SSH.

Inside a Zerops container only (elsewhere NOT_IMPLEMENTED). The lifecycle, the health probe and the
failure ``reason`` codes are in :mod:`zcp.ops.deploy.devserver`; ``action`` is case-insensitive.
``waitSeconds`` (default 15, at most 45) bounds how long ``start`` waits for the server to answer.
The log tail is fenced as untrusted data in the readable text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from zcp.errors import InvalidParameter, SelfServiceBlocked
from zcp.ops.deploy import devserver
from zcp.ops.deploy.devserver import DevServerReport, DevServerSpec
from zcp.ops.deploy.mounting import mountable, require_container
from zcp.ops.targets import project_services
from zcp.remote.commands import DEFAULT_DEV_LOG, DEFAULT_WORK_DIR
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import FlexBool, Hostname
from zcp.tools.untrusted import fence

if TYPE_CHECKING:
    from zcp.app import App

NAME = "zerops_dev_server"
DESCRIPTION = (
    "Container only: a dev server on a dev service over SSH. start/restart (command, port) spawn it "
    "detached and wait until http://127.0.0.1:<port><healthPath> answers; status, logs, stop. A failure "
    "says why in reason (post_spawn_exit, spawn_timeout, spawn_error, health_probe_*) with the log tail."
)

Action = Literal["start", "stop", "status", "logs", "restart"]


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class DevServerResult(ToolOutput):
    action: str
    hostname: str
    running: bool
    message: str
    port: int | None = None
    health_path: str | None = Field(default=None, alias="healthPath")
    health_status: int | None = Field(default=None, alias="healthStatus")
    start_millis: int | None = Field(default=None, alias="startMillis")
    pid: int | None = None
    log_file: str | None = Field(default=None, alias="logFile")
    log_tail: list[str] | None = Field(default=None, alias="logTail", description="untrusted")
    reason: str | None = None

    @classmethod
    def of(cls, report: DevServerReport) -> DevServerResult:
        return cls(
            action=report.action,
            hostname=report.hostname,
            running=report.running,
            message=report.message,
            port=report.port,
            health_path=report.health_path,
            health_status=report.health_status,
            start_millis=report.start_millis,
            pid=report.pid,
            log_file=report.log_file,
            log_tail=report.log_tail,
            reason=report.reason,
            next_actions=report.next_actions,
        )

    def to_text(self) -> str:
        state = "running" if self.running else "not running"
        text = (
            f"{self.message}\n{self.hostname}: {state}"
            + (f", reason {self.reason}" if self.reason else "")
            + "\n"
        )
        if self.log_tail:
            text += f"\n{self.log_file} (last {len(self.log_tail)} lines):\n" + fence(
                "\n".join(self.log_tail)
            )
        return text


def dev_server_tool(app: App) -> ToolDefinition:
    """Build the zerops_dev_server tool bound to ``app``."""

    async def zerops_dev_server(
        action: Annotated[
            Action, BeforeValidator(_lower), Field(description="start, stop, status, logs, restart")
        ],
        hostname: Hostname,
        command: Annotated[str | None, Field(description="start/restart: the dev command")] = None,
        port: Annotated[int | None, Field(ge=1, le=65535, description="start/restart: port to probe")] = None,
        healthPath: Annotated[str, Field(pattern=r"^/", description="probe path")] = "/",
        logFile: Annotated[str, Field(pattern=r"^/", description="absolute log path")] = DEFAULT_DEV_LOG,
        waitSeconds: Annotated[float, Field(ge=0, le=45, description="start: seconds to wait")] = 15.0,
        logLines: Annotated[int, Field(ge=1, le=500)] = 40,
        workDir: Annotated[str, Field(pattern=r"^/")] = DEFAULT_WORK_DIR,
        processMatch: Annotated[
            str | None, Field(description="stop: pkill -f fallback when the pid is gone")
        ] = None,
        noHttpProbe: FlexBool = False,
    ) -> DevServerResult:
        require_container(app, NAME)
        platform = app.require_platform()
        if action in ("start", "restart"):
            if not command or not command.strip():
                raise InvalidParameter(
                    f"action={action} needs command",
                    suggestion='Send command="<dev command, e.g. npm run dev>".',
                )
            if port is None and not noHttpProbe:
                raise InvalidParameter(
                    f"action={action} needs port (the app's port from run.ports) to check it answers",
                    suggestion="Send port=<port>, or noHttpProbe=true for a process without HTTP.",
                )
        if platform.runtime.hostname and hostname.lower() == platform.runtime.hostname.lower():
            raise SelfServiceBlocked(
                f"{hostname} is the service zcp runs in", suggestion="Run dev servers on a dev service."
            )
        mountable(await project_services(platform), hostname)
        spec = DevServerSpec(
            hostname=hostname,
            command=command,
            port=port,
            health_path=healthPath,
            log_file=logFile,
            work_dir=workDir,
            wait_seconds=waitSeconds,
            log_lines=logLines,
            process_match=processMatch,
            no_http_probe=noHttpProbe,
        )
        if action in ("start", "restart"):
            report = await devserver.start(app, spec, action=action)
        elif action == "status":
            report = await devserver.status(app, spec)
        elif action == "logs":
            report = await devserver.logs(app, spec)
        else:
            report = await devserver.stop(app, spec)
        return DevServerResult.of(report)

    return ToolDefinition(
        name=NAME,
        title="Manage dev server lifecycle",
        description=DESCRIPTION,
        fn=zerops_dev_server,
        read_only=False,
        destructive=False,
        idempotent=True,
        open_world=True,
        needs_platform=True,
    )
