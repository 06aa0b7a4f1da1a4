"""Public ``*.zerops.app`` subdomain access for a service: its URL, and turning it on or off.

The URL comes from the ``zeropsSubdomain`` variable (:data:`SUBDOMAIN_ENV`) the platform publishes
shortly after enabling; until it appears it is built the way the platform builds it
(:func:`subdomain_urls`): ``https://{hostname}-{prefix}[-{port}].{rest}`` from the project's
subdomain host and each HTTP port. Every tool that shows or probes a subdomain URL uses these two.

:func:`set_subdomain` is the enable/disable state machine:

* the state is read from the authoritative service endpoint first; asking for the state the service
  already has changes nothing (``already_enabled`` / ``already_disabled``). Enabling an enabled
  subdomain would otherwise start a process that ends ``FAILED``; when that still happens (a race) it
  is reported as ``already_enabled`` with the platform's reason as a warning;
* right after a deploy the HTTP ports may not be registered yet: the platform answers
  ``noSubdomainPorts`` and the enable is retried a few times with a growing pause, then refused with
  what to deploy;
* after enabling, the published URL is waited for a few seconds (within the call's budget).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from zcp.calls import ToolCall
from zcp.clock import Clock
from zcp.errors import ApiError, InvalidUsage, PlatformError
from zcp.ops.waiting import Outcome, ProcessWaiter, Waited, outcome_of, poll_call

if TYPE_CHECKING:
    from zcp.auth import PlatformConnection
    from zcp.platform.client import ZeropsClient
    from zcp.platform.models import Process, Project, ServiceStack

#: The variable the platform publishes a service's subdomain URL in.
SUBDOMAIN_ENV: Final = "zeropsSubdomain"
#: Pauses before re-trying an enable the platform refused with ``noSubdomainPorts``.
ENABLE_RETRY_DELAYS: Final = (0.25, 0.5, 1.0)
#: How long an enable waits (within the call's budget) for the platform to publish the URL.
URL_WAIT_SECONDS: Final = 5.0

SubdomainAction = Literal["enable", "disable"]
SubdomainState = Literal["enabled", "disabled", "already_enabled", "already_disabled", "failed", "running"]


# --- URLs -----------------------------------------------------------------------------------------


def subdomain_urls(project: Project, service: ServiceStack) -> list[str]:
    """The subdomain URL of every HTTP port, as the platform names them. Pure."""
    host = project.zerops_subdomain_host or ""
    if "." not in host:
        return []
    prefix, rest = host.split(".", 1)
    urls = []
    for port in service.ports:
        if port.http_routing:
            suffix = "" if port.port == 80 else f"-{port.port}"
            urls.append(f"https://{service.name}-{prefix}{suffix}.{rest}")
    return urls


def find_published_url(env: Mapping[str, str]) -> str | None:
    """The URL in a service's ``zeropsSubdomain`` variable (``key → value``), once it holds one. Pure."""
    value = env.get(SUBDOMAIN_ENV, "")
    return value if value.startswith(("http://", "https://")) else None


async def published_url(client: ZeropsClient, service: ServiceStack) -> str | None:
    """The published ``zeropsSubdomain`` URL of ``service`` (read from its variables)."""
    return find_published_url({v.key: v.content for v in await client.get_service_env(service.id)})


# --- enable / disable -----------------------------------------------------------------------------


async def request_enable(
    platform: PlatformConnection,
    service: ServiceStack,
    *,
    clock: Clock,
    delays: Sequence[float] = ENABLE_RETRY_DELAYS,
) -> Process:
    """Ask for subdomain access, retrying while the platform has not registered the HTTP ports."""
    attempts = [*delays, None]
    for delay in attempts:
        try:
            return await platform.client.enable_subdomain(service.id)
        except ApiError as error:
            if error.api_code != "noSubdomainPorts":
                raise
            if delay is None:
                raise InvalidUsage(
                    f"{service.name} has no HTTP port for a subdomain to route to",
                    suggestion=(
                        f"Deploy {service.name} with a zerops.yaml whose run.ports has an entry with "
                        "httpSupport: true, then enable the subdomain again."
                    ),
                    api_code=error.api_code,
                    api_meta=error.api_meta,
                ) from None
            await clock.sleep(delay)
    raise AssertionError("unreachable")


async def request_disable(platform: PlatformConnection, service: ServiceStack) -> Process | None:
    """Ask to turn subdomain access off; ``None`` when the platform says it already is off."""
    try:
        return await platform.client.disable_subdomain(service.id)
    except ApiError as error:
        if error.api_code == "serviceStackSubdomainAccessAlreadyDisabled":
            return None
        raise


@dataclass(frozen=True)
class SubdomainChange:
    """How an enable or disable ended."""

    service: ServiceStack
    action: SubdomainAction
    status: SubdomainState
    outcome: Outcome
    urls: tuple[str, ...]
    waited: Waited | None
    warnings: tuple[str, ...]
    next_actions: tuple[ToolCall, ...]


def _state(action: SubdomainAction, outcome: Outcome) -> SubdomainState:
    if outcome == "running":
        return "running"
    if outcome == "failed":
        return "failed"
    return "enabled" if action == "enable" else "disabled"


async def set_subdomain(
    platform: PlatformConnection,
    service_id: str,
    action: SubdomainAction,
    *,
    waiter: ProcessWaiter,
    clock: Clock,
) -> SubdomainChange:
    """Enable or disable the subdomain of the service ``service_id`` and wait (see the module docstring)."""
    client = platform.client
    service = await client.get_service(service_id)  # authoritative, never lagging
    host = service.name
    warnings: list[str] = []
    waited: Waited | None = None
    outcome: Outcome = "done"
    enabled = service.subdomain_access
    status: SubdomainState
    if action == "enable" and enabled:
        status = "already_enabled"
    elif action == "disable" and not enabled:
        status = "already_disabled"
    else:
        process = (
            await request_enable(platform, service, clock=clock)
            if action == "enable"
            else await request_disable(platform, service)
        )
        if process is None:
            status = "already_disabled"
        else:
            waited = await waiter.wait(process, label=host)
            outcome = outcome_of([waited])
            if waited.problem:
                warnings.append(waited.problem)
            status = _state(action, outcome)
            if (
                status == "failed"
                and action == "enable"
                and (await client.get_service(service.id)).subdomain_access
            ):
                status, outcome = "already_enabled", "done"
                warnings.append("the enable process ended FAILED because the subdomain was already on")
    urls: list[str] = []
    if status in ("enabled", "already_enabled"):

        async def published() -> str | None:
            try:
                return await published_url(client, service)
            except PlatformError:  # the change is made; a failed read only costs the published URL
                return None

        found = await waiter.wait_for(published, at_most=URL_WAIT_SECONDS)
        if found:
            urls = [found]
        else:
            warnings.append(
                "the platform has not published zeropsSubdomain yet; the URL is built from the project's "
                "subdomain host and answers once the route is live (usually seconds)"
            )
            urls = subdomain_urls(platform.project, service)
    return SubdomainChange(
        service=service,
        action=action,
        status=status,
        outcome=outcome,
        urls=tuple(urls),
        waited=waited,
        warnings=tuple(warnings),
        next_actions=_next_actions(host, action, status, waited),
    )


def _next_actions(
    host: str, action: SubdomainAction, status: SubdomainState, waited: Waited | None
) -> tuple[ToolCall, ...]:
    if status == "running" and waited is not None:
        return (poll_call(waited.process.id),)
    if status == "failed":
        return (ToolCall.of("zerops_events", serviceHostname=host),)
    if action == "enable":
        return (ToolCall.of("zerops_verify", serviceHostname=host),)
    return ()
