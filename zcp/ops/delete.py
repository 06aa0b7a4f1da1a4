"""Deleting a service: what it would break, the confirmation, and the delete itself.

:func:`delete_impact` gathers what a dry run shows before anything is deleted: the service, whether
its public subdomain goes away, and which other services reference its variables (``${db_...}``) and
would lose them. :func:`delete_or_preview` is the whole flow: without a confirmation that names the
service it is a dry run with the call that confirms; with it the service is deleted and the process
waited for. zcp's own service is never deleted (``SELF_SERVICE_BLOCKED``).

A delete whose answer was lost has usually started: repeating the call then finds the service
``DELETING`` (or the platform answers ``stackWillBeDeleted``), and instead of an API error the result
says the delete is already under way and waits for the process that runs it, found in the project's
recent processes. Once the service is gone, :func:`already_deleted` recognises the finished delete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from zcp.calls import ToolCall
from zcp.errors import ApiError, PlatformError
from zcp.ops.env import REFERENCE
from zcp.ops.targets import guard_self, is_deleting
from zcp.ops.waiting import Outcome, ProcessWaiter, Waited, outcome_of, poll_call
from zcp.platform import status as st

if TYPE_CHECKING:
    from zcp.auth import PlatformConnection
    from zcp.platform.models import Process, ServiceStack

#: The platform's answer to deleting a service whose delete already runs.
ALREADY_DELETING_CODE = "stackWillBeDeleted"
DELETE_ACTION = "stack.delete"


@dataclass(frozen=True)
class DeleteImpact:
    """What deleting a service takes with it."""

    service: ServiceStack
    referenced_by: tuple[str, ...]  # services whose variables point at this one
    checked_references: bool  # False when reading another service's variables failed


async def delete_impact(
    platform: PlatformConnection, service: ServiceStack, others: list[ServiceStack]
) -> DeleteImpact:
    """Who references ``service``'s variables (best effort: a failed read is reported, not raised)."""
    prefix = f"{service.name}_"
    users: list[str] = []
    complete = True
    for other in others:
        if other.id == service.id:
            continue
        try:
            variables = await platform.client.get_service_env(other.id)
        except PlatformError:
            complete = False
            continue
        if any(m.group(1).startswith(prefix) for v in variables for m in REFERENCE.finditer(v.content)):
            users.append(other.name)
    return DeleteImpact(service, tuple(sorted(users)), complete)


async def delete_service(platform: PlatformConnection, service: ServiceStack) -> Process:
    guard_self(platform, service, "delete")
    return await platform.client.delete_service(service.id)


@dataclass(frozen=True)
class DeleteOutcome:
    """A dry run (``dry_run``) or how the delete ended."""

    service: ServiceStack
    dry_run: bool
    summary: str
    effects: tuple[str, ...] = ()
    outcome: Outcome | None = None
    waited: Waited | None = None
    confirm: ToolCall | None = None
    warnings: tuple[str, ...] = ()
    next_actions: tuple[ToolCall, ...] = ()


def confirm_call(host: str) -> ToolCall:
    """The call that deletes ``host`` (to be sent only after the user approved it)."""
    return ToolCall.of("zerops_delete", serviceHostname=host, confirm=host)


async def delete_or_preview(
    platform: PlatformConnection,
    service: ServiceStack,
    services: list[ServiceStack],
    *,
    confirm: str | None,
    waiter: ProcessWaiter,
) -> DeleteOutcome:
    """Delete ``service`` when ``confirm`` names it; otherwise a dry run of what would be lost."""
    host = service.name
    guard_self(platform, service, "delete")
    if is_deleting(service):
        return await _in_progress(platform, service, waiter)
    if confirm is None or confirm.strip() != host:
        return await _preview(platform, service, services, confirm)
    try:
        process = await delete_service(platform, service)
    except ApiError as error:
        if error.api_code != ALREADY_DELETING_CODE:
            raise
        return await _in_progress(platform, service, waiter)
    waited = await waiter.wait(process, label=host)
    outcome = outcome_of([waited])
    summary = {
        "done": f"deleted {host}",
        "failed": f"deleting {host} ended {waited.status}",
        "running": f"{host} is still being deleted",
    }[outcome]
    return DeleteOutcome(
        service=service,
        dry_run=False,
        summary=summary,
        outcome=outcome,
        waited=waited,
        warnings=(waited.problem,) if waited.problem else (),
        next_actions=(poll_call(waited.process.id),)
        if outcome == "running"
        else (ToolCall.of("zerops_discover"),),
    )


async def _preview(
    platform: PlatformConnection, service: ServiceStack, services: list[ServiceStack], confirm: str | None
) -> DeleteOutcome:
    host = service.name
    kind = service.type_version or service.category or "service"
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
    call = confirm_call(host)
    return DeleteOutcome(
        service=service,
        dry_run=True,
        summary=f"would delete {host}; this cannot be undone",
        effects=tuple(effects),
        confirm=call,
        warnings=tuple(warnings),
        next_actions=(call,),
    )


async def _delete_process(
    platform: PlatformConnection, *, service_id: str | None, name: str
) -> Process | None:
    """The newest delete process of the service (by id, or by hostname once the id is gone)."""
    for process in await platform.client.search_processes(platform.project.id):
        if process.action_name != DELETE_ACTION:
            continue
        ids = {process.service_stack_id, *(s.id for s in process.service_stacks)}
        names = {s.name for s in process.service_stacks}
        if (service_id is not None and service_id in ids) or (service_id is None and name in names):
            return process
    return None


async def _in_progress(
    platform: PlatformConnection, service: ServiceStack, waiter: ProcessWaiter
) -> DeleteOutcome:
    host = service.name
    process = await _delete_process(platform, service_id=service.id, name=host)
    if process is None:
        return DeleteOutcome(
            service=service,
            dry_run=False,
            summary=f"{host} is already being deleted (an earlier call started it)",
            outcome="running",
            next_actions=(ToolCall.of("zerops_events", serviceHostname=host),),
        )
    waited = await waiter.wait(process, label=host)
    outcome = outcome_of([waited])
    state = {
        "done": "and is gone now",
        "failed": f"but the delete ended {waited.status}",
        "running": "and still is",
    }
    return DeleteOutcome(
        service=service,
        dry_run=False,
        summary=f"{host} is already being deleted (an earlier call started it) {state[outcome]}",
        outcome=outcome,
        waited=waited,
        warnings=(waited.problem,) if waited.problem else (),
        next_actions=(poll_call(waited.process.id),)
        if outcome == "running"
        else (ToolCall.of("zerops_discover"),),
    )


async def already_deleted(platform: PlatformConnection, hostname: str) -> DeleteOutcome | None:
    """A finished delete of a service called ``hostname`` among the recent processes, as an outcome."""
    process = await _delete_process(platform, service_id=None, name=hostname)
    if process is None or process.normalized_status != st.FINISHED:
        return None
    from zcp.platform.models import ServiceStack

    gone = ServiceStack(id=process.service_stack_id or "", name=hostname)
    return DeleteOutcome(
        service=gone,
        dry_run=False,
        summary=f"{hostname} was already deleted (process {process.id} finished)",
        outcome="done",
        waited=Waited(hostname, process, still_running=False),
        next_actions=(ToolCall.of("zerops_discover"),),
    )
