"""``zerops_mount``: a runtime service's ``/var/www`` at ``<mount root>/<hostname>`` in zcp's workspace.

Inside a Zerops container only (elsewhere NOT_IMPLEMENTED: the working directory is the code).
``mount`` refuses zcp's own service (SELF_SERVICE_BLOCKED), needs an open bootstrap or develop session
of this process (WORKFLOW_REQUIRED) and checks the mount is writable; ``unmount`` and ``status`` are
not gated (status also works read-only). ``status`` lists every runtime service plus anything
mounted or left under the root (``orphan``: no such service any more; ``stale``: mounted but its
connection is dead — mount it again). The mounter is sshfs in a real project and the sandbox's
links under ``zcp sandbox serve --container`` (docs/remote.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from zcp.errors import InvalidParameter, SelfServiceBlocked
from zcp.ops.deploy.mounting import mountable, require_container, runtime_names
from zcp.ops.targets import project_services
from zcp.ops.workflow.gates import require_workflow_context
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import Hostname

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.remote.mounts import MountStatus

NAME = "zerops_mount"
DESCRIPTION = (
    "Container only: mount a runtime service's /var/www at /var/www/<hostname> in this workspace to edit "
    "its files (needs an open workflow session), unmount it, or list mounts (status: mounted, stale, "
    "writable, orphan). Never zcp's own service. Run builds on the service over SSH, not on the mount."
)


class MountOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    hostname: str
    mount_path: str = Field(alias="mountPath")
    mounted: bool
    stale: bool | None = None
    writable: bool | None = None
    orphan: bool | None = None
    message: str | None = None

    @classmethod
    def of(cls, status: MountStatus) -> MountOut:
        return cls(
            hostname=status.hostname,
            mount_path=str(status.mount_path),
            mounted=status.mounted,
            stale=True if status.stale else None,
            writable=status.writable,
            orphan=True if status.orphan else None,
            message=status.message,
        )

    def line(self) -> str:
        state = "stale" if self.stale else "mounted" if self.mounted else "not mounted"
        extras = [x for x in ("writable" if self.writable else "", "orphan" if self.orphan else "") if x]
        tail = f" ({', '.join(extras)})" if extras else ""
        note = f" — {self.message}" if self.message else ""
        return f"{self.hostname}: {state} at {self.mount_path}{tail}{note}"


class MountResult(ToolOutput):
    action: Literal["mount", "unmount", "status"]
    message: str
    mounts: list[MountOut]
    next_actions: list[str] | None = Field(default=None, alias="nextActions")

    def to_text(self) -> str:
        lines = [self.message, *(m.line() for m in self.mounts)]
        if self.next_actions:
            lines.append("Next: " + " | ".join(self.next_actions))
        return "\n".join(lines) + "\n"


def mount_tool(app: App) -> ToolDefinition:
    """Build the zerops_mount tool bound to ``app``."""

    async def zerops_mount(
        action: Annotated[
            Literal["mount", "unmount", "status"], Field(description="mount, unmount or status")
        ],
        serviceHostname: Annotated[
            Hostname | None, Field(description="mount/unmount: the runtime service")
        ] = None,
    ) -> MountResult:
        require_container(app, NAME)
        platform = app.require_platform()
        if action != "status" and serviceHostname is None:
            raise InvalidParameter(
                f"action={action} needs serviceHostname",
                suggestion='Send serviceHostname="<runtime hostname>".',
            )
        mounter = app.mounter()
        services = await project_services(platform)
        if action == "status":
            statuses = await mounter.status(runtime_names(app, services))
            mounted = sum(1 for s in statuses if s.mounted)
            stale = [s.hostname for s in statuses if s.stale]
            return MountResult(
                action=action,
                message=f"{mounted} of {len(statuses)} mounted under {mounter.root}"
                + (f"; stale: {', '.join(stale)}" if stale else ""),
                mounts=[MountOut.of(s) for s in statuses],
                next_actions=[f'zerops_mount action="mount" serviceHostname="{h}"' for h in stale] or None,
            )
        assert serviceHostname is not None
        if action == "unmount":
            status = await mounter.unmount(serviceHostname)
            return MountResult(
                action=action, message=f"{serviceHostname}: {status.message}", mounts=[MountOut.of(status)]
            )
        if platform.runtime.hostname and serviceHostname.lower() == platform.runtime.hostname.lower():
            raise SelfServiceBlocked(
                f"{serviceHostname} is the service zcp runs in; its files are zcp's own workspace",
                suggestion='Mount another runtime service (zerops_mount action="status" lists them).',
            )
        await require_workflow_context(app, NAME)
        mountable(services, serviceHostname)
        status = await mounter.mount(serviceHostname)
        return MountResult(
            action=action,
            message=f"{serviceHostname}: {status.message or 'mounted'} at {status.mount_path}",
            mounts=[MountOut.of(status)],
            next_actions=[f'zerops_deploy targetService="{serviceHostname}"'],
        )

    return ToolDefinition(
        name=NAME,
        title="Mount/unmount service filesystems",
        description=DESCRIPTION,
        fn=zerops_mount,
        read_only=False,
        destructive=False,
        idempotent=True,
        open_world=True,
        needs_platform=True,
        read_actions=frozenset({"status"}),
    )
