"""Service lifecycle: start, stop, restart, reload, and connecting shared storage.

Each action is one platform call returning a process. The platform's refusals that an agent can act
on (no deployed version yet, service stopped, reload of a managed service, a delete in progress) are
turned into :class:`~zcp.errors.InvalidUsage` errors that say what to do instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from zcp.calls import ToolCall
from zcp.errors import ApiError, InvalidParameter, InvalidUsage, ZcpError
from zcp.ops.targets import guard_self
from zcp.ops.waiting import Outcome, poll_call
from zcp.platform import status as st

if TYPE_CHECKING:
    from zcp.auth import PlatformConnection
    from zcp.platform.models import Process, ServiceStack

ManageAction = Literal["start", "stop", "restart", "reload", "connect-storage", "disconnect-storage"]
STORAGE_ACTIONS: Final = frozenset({"connect-storage", "disconnect-storage"})
#: Actions that would take zcp's own service down.
SELF_BLOCKED: Final = frozenset({"stop", "restart", "reload"})


def check_storage(
    action: str, services: list[ServiceStack], storage_hostname: str | None
) -> ServiceStack | None:
    """The shared storage a storage action names; ``storageHostname`` is refused for other actions."""
    storages = sorted(s.name for s in services if s.category == st.CATEGORY_SHARED_STORAGE)
    if action not in STORAGE_ACTIONS:
        if storage_hostname is not None:
            raise InvalidParameter(
                f"storageHostname only applies to connect-storage and disconnect-storage, not {action}",
                suggestion="Drop storageHostname, or use action=connect-storage / disconnect-storage.",
            )
        return None
    if storage_hostname is None:
        raise InvalidParameter(
            f"{action} needs storageHostname: the shared storage service to {action.split('-')[0]}",
            suggestion=f"Shared storages in this project: {', '.join(storages) or '(none)'}.",
            details={"available": storages},
        )
    for service in services:
        if service.name == storage_hostname:
            if service.category != st.CATEGORY_SHARED_STORAGE:
                raise InvalidParameter(
                    f"{storage_hostname} is not a shared storage service",
                    suggestion=f"Shared storages in this project: {', '.join(storages) or '(none)'}.",
                    details={"available": storages},
                )
            return service
    raise InvalidParameter(
        f"no shared storage {storage_hostname!r} in this project",
        suggestion=f"Shared storages in this project: {', '.join(storages) or '(none)'}.",
        details={"available": storages},
    )


async def run_action(
    platform: PlatformConnection, action: str, service: ServiceStack, storage: ServiceStack | None = None
) -> Process:
    """Ask the platform to do ``action`` on ``service``; returns the process to wait for."""
    if action in SELF_BLOCKED:
        guard_self(platform, service, action)
    client = platform.client
    try:
        if action == "start":
            return await client.start_service(service.id)
        if action == "stop":
            return await client.stop_service(service.id)
        if action == "restart":
            return await client.restart_service(service.id)
        if action == "reload":
            return await client.reload_service(service.id)
        assert storage is not None, action
        if action == "connect-storage":
            return await client.connect_shared_storage(service.id, storage.id)
        if action == "disconnect-storage":
            return await client.disconnect_shared_storage(service.id, storage.id)
    except ApiError as error:
        raise explain_refusal(error, action, service) from None
    raise InvalidParameter(f"unknown action {action!r}")


def explain_refusal(error: ApiError, action: str, service: ServiceStack) -> ZcpError:
    """A platform refusal as an error that says what to do next (other errors pass unchanged)."""
    host = service.name
    recovery: ToolCall | None = None
    match error.api_code:
        case "serviceStackIsReadyToDeploy":
            message = f"{host} has no deployed version yet, so it cannot {action}"
            suggestion = f'Deploy code to {host} first (zerops_deploy targetService="{host}").'
        case "activeServiceStackRequired":
            message = f"{host} is stopped; it cannot {action} until it runs"
            suggestion = f'Start it: zerops_manage action="start" serviceHostname="{host}".'
            recovery = ToolCall.of("zerops_manage", action="start", serviceHostname=host)
        case "serviceStackReloadNotAvailable":
            message = f"reload only exists for runtime services; {host} is a managed service"
            suggestion = f'Restart it instead: zerops_manage action="restart" serviceHostname="{host}".'
            recovery = ToolCall.of("zerops_manage", action="restart", serviceHostname=host)
        case "stackWillBeDeleted":
            message = f"{host} is being deleted"
            suggestion = "Check zerops_discover for what is left."
        case "serviceStackConnectionNotFound":
            message = f"{host} does not mount that shared storage, so there is nothing to disconnect"
            suggestion = f'See what {host} mounts with zerops_discover service="{host}".'
        case "userServiceStackInvalidCategory":
            message = f"only runtime services mount shared storage; {host} is not one"
            suggestion = "Connect the storage to a runtime service instead."
        case _:
            return error
    return InvalidUsage(
        message, suggestion=suggestion, api_code=error.api_code, api_meta=error.api_meta, recovery=recovery
    )


def next_actions(action: str, host: str, outcome: Outcome, process_id: str) -> list[ToolCall]:
    """What to call after ``action`` on ``host`` ended with ``outcome``."""
    if outcome == "running":
        return [poll_call(process_id)]
    if outcome == "failed":
        return [
            ToolCall.of("zerops_logs", serviceHostname=host, severity="error", since="10m"),
            ToolCall.of("zerops_events", serviceHostname=host),
        ]
    if action == "stop":
        return [ToolCall.of("zerops_manage", action="start", serviceHostname=host)]
    if action in ("start", "restart", "reload"):
        return [ToolCall.of("zerops_verify", serviceHostname=host)]
    return [ToolCall.of("zerops_discover", service=host)]
