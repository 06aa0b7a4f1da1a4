"""Service health: a few checks per service, aggregated into healthy / degraded / unhealthy.

Checks (each ``pass``, ``fail``, ``skip`` or ``info``):

* ``service_running`` — the platform reports the service ``ACTIVE``/``RUNNING``;
* ``error_logs`` — no error-level log lines in the last few minutes, counted from the containers' last
  boot when that is later (a crash of a version a deploy has since replaced is not the running
  version's fault); runtimes only; a failed log read is a ``skip``, never a failure of the check run;
* ``http_root`` — for runtimes that serve HTTP (not workers): a ``GET`` of the public subdomain
  answers below 500. A service without a subdomain is ``skip`` with the call that enables one;
* ``env_applied`` — for running runtimes: no variable changed after the containers last booted
  (:mod:`zcp.ops.env_live`); a change they run without fails with the restart as recovery.

Every failed check carries a ``recovery`` call: deploy a never-deployed service, verify again one
that is still coming up, start a stopped one, read the logs of one that errs or does not answer,
restart one that runs without its latest variables.

Aggregation: a failed ``service_running`` makes the service **unhealthy**; any other failed check
makes it **degraded**; otherwise it is **healthy** (``skip`` and ``info`` do not count). The project
is as bad as its worst service.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Final, Literal

from zcp import axes
from zcp.axes import runtime_class_for
from zcp.calls import ToolCall
from zcp.errors import ZcpError
from zcp.ops.concurrency import gather
from zcp.ops.probe import HttpProber
from zcp.ops.subdomain import published_url, subdomain_urls
from zcp.platform import status as st
from zcp.platform.logs import LogQuery

if TYPE_CHECKING:
    from zcp.ops.env_live import PendingEnv
    from zcp.platform.client import ZeropsClient
    from zcp.platform.models import Project, ServiceStack

log = logging.getLogger(__name__)

CheckStatus = Literal["pass", "fail", "skip", "info"]
Health = Literal["healthy", "degraded", "unhealthy"]
RuntimeClass = Literal["managed", "dynamic", "implicit", "static", "worker"]

#: How far back ``error_logs`` looks.
ERROR_WINDOW: Final = timedelta(minutes=5)
#: Error lines kept as evidence in a failed ``error_logs`` check.
EVIDENCE_LINES: Final = 3
_COMING_UP: Final = frozenset({"CREATING", "STARTING", "RESTARTING", "RELOADING"})
_RANK: Final[dict[Health, int]] = {"healthy": 0, "degraded": 1, "unhealthy": 2}


@dataclass(frozen=True)
class Check:
    """One check's outcome; ``evidence`` holds text from outside (log lines, a page excerpt)."""

    name: str
    status: CheckStatus
    detail: str | None = None
    http_status: int | None = None
    url: str | None = None
    evidence: tuple[str, ...] = ()
    recovery: ToolCall | None = None


@dataclass(frozen=True)
class ServiceHealth:
    hostname: str
    kind: Literal["runtime", "managed"]
    status: Health
    checks: tuple[Check, ...]


def runtime_class(service: ServiceStack) -> RuntimeClass:
    """How a service is checked: the one type classifier (:func:`zcp.axes.runtime_class_for`), with
    dynamic runtimes that publish no HTTP port told apart as workers."""
    kind = runtime_class_for(service.type_version)
    if kind is axes.RuntimeClass.MANAGED or service.category.upper() != st.CATEGORY_RUNTIME:
        return "managed"
    if kind is axes.RuntimeClass.IMPLICIT_WEBSERVER:
        return "implicit"
    if kind is axes.RuntimeClass.STATIC:
        return "static"
    if not any(port.http_routing for port in service.ports):
        return "worker"
    return "dynamic"


def aggregate(checks: Sequence[Check]) -> Health:
    """unhealthy if ``service_running`` failed, degraded if anything else failed, else healthy."""
    failed = {check.name for check in checks if check.status == "fail"}
    if "service_running" in failed:
        return "unhealthy"
    return "degraded" if failed else "healthy"


def worst(healths: Sequence[Health]) -> Health:
    """The worst of several health values (healthy when there are none)."""
    return max(healths, key=lambda h: _RANK[h], default="healthy")


def running_check(service: ServiceStack) -> Check:
    status = service.status.upper()
    if status in st.SERVICE_HEALTHY:
        return Check("service_running", "pass", f"status {status}")
    if status == st.SERVICE_READY_TO_DEPLOY:
        return Check(
            "service_running",
            "fail",
            "created but never deployed: deploy code to start it",
            recovery=ToolCall.of("zerops_deploy", targetService=service.name),
        )
    if status in _COMING_UP:
        return Check(
            "service_running",
            "fail",
            f"status {status}: verify again when it settles",
            recovery=ToolCall.of("zerops_verify", serviceHostname=service.name),
        )
    recovery = ToolCall.of("zerops_manage", action="start", serviceHostname=service.name)
    return Check("service_running", "fail", f"status {status}", recovery=recovery)


async def error_log_check(
    client: ZeropsClient,
    project_id: str,
    service: ServiceStack,
    now: datetime,
    *,
    booted_at: datetime | None = None,
) -> Check:
    """``error_logs``: no error lines in the last :data:`ERROR_WINDOW`, or since the containers last
    booted when that is later — what a version that is gone logged (a crash a deploy since fixed) is
    not held against the one running now."""
    since = now - ERROR_WINDOW
    window = f"in the last {int(ERROR_WINDOW.total_seconds() // 60)} minutes"
    if booted_at is not None and booted_at > since:
        since = booted_at
        window = f"since the containers started ({booted_at.strftime('%H:%M:%SZ')})"
    query = LogQuery(service_id=service.id, severity="error", limit=50, since=since)
    try:
        items = await client.fetch_logs(project_id, query)
    except ZcpError as error:
        log.info("verify %s: reading logs failed: %s", service.name, error.code)
        return Check("error_logs", "skip", f"could not read the logs ({error.code})")
    if not items:
        return Check("error_logs", "pass", f"no error lines {window}")
    minutes = max(1, math.ceil((now - since).total_seconds() / 60))
    recovery = ToolCall.of("zerops_logs", serviceHostname=service.name, severity="error", since=f"{minutes}m")
    return Check(
        "error_logs",
        "fail",
        f"{len(items)} error line(s) {window}",
        evidence=tuple(item.message[:300] for item in items[-EVIDENCE_LINES:]),
        recovery=recovery,
    )


async def subdomain_url(client: ZeropsClient, project: Project, service: ServiceStack) -> str | None:
    """The published ``zeropsSubdomain`` URL, else the one the platform builds for the first HTTP port."""
    try:
        found = await published_url(client, service)
    except ZcpError as error:
        log.info("verify %s: reading env failed: %s", service.name, error.code)
        found = None
    return found or next(iter(subdomain_urls(project, service)), None)


async def http_check(
    client: ZeropsClient, project: Project, service: ServiceStack, prober: HttpProber
) -> Check:
    if not service.subdomain_access:
        return Check(
            "http_root",
            "skip",
            "no public subdomain to probe",
            recovery=ToolCall.of("zerops_subdomain", action="enable", serviceHostname=service.name),
        )
    url = await subdomain_url(client, project, service)
    if url is None:
        return Check("http_root", "skip", "the subdomain URL is not known yet; verify again in a moment")
    result = await prober.probe(url)
    if result.status is None:
        recovery = ToolCall.of("zerops_logs", serviceHostname=service.name, severity="error", since="15m")
        return Check("http_root", "fail", result.error, url=url, recovery=recovery)
    if result.reachable:
        return Check("http_root", "pass", f"HTTP {result.status}", http_status=result.status, url=url)
    excerpt = " ".join(result.body.split())[:300]
    return Check(
        "http_root",
        "fail",
        f"HTTP {result.status}: the app is not serving",
        http_status=result.status,
        url=url,
        evidence=(excerpt,) if excerpt else (),
        recovery=ToolCall.of("zerops_logs", serviceHostname=service.name, severity="error", since="15m"),
    )


def env_check(service: ServiceStack, pending: PendingEnv | None, *, known: bool) -> Check:
    """``env_applied``: the service booted after its variables last changed (see :mod:`zcp.ops.env_live`)."""
    if not known:
        return Check("env_applied", "skip", "could not read the variables or the process history")
    if pending is None:
        return Check("env_applied", "pass", "running with its current variables")
    from zcp.ops.env_live import pending_summary

    return Check(
        "env_applied",
        "fail",
        f"{pending_summary(pending)}, after the containers last booted: they still run with the old "
        "values until a restart",
        recovery=ToolCall.of("zerops_manage", action="restart", serviceHostname=service.name),
    )


async def check_service(
    client: ZeropsClient,
    project: Project,
    service: ServiceStack,
    *,
    prober: HttpProber,
    now: datetime,
    pending_env: PendingEnv | None = None,
    env_known: bool = False,
    booted_at: datetime | None = None,
) -> ServiceHealth:
    """Run the checks that apply to ``service`` and aggregate them."""
    kind = runtime_class(service)
    running = running_check(service)
    checks: list[Check] = [running]
    if kind != "managed":
        checks.append(await error_log_check(client, project.id, service, now, booted_at=booted_at))
    if kind in ("dynamic", "implicit", "static"):
        if running.status == "pass":
            checks.append(await http_check(client, project, service, prober))
        else:
            checks.append(Check("http_root", "skip", "the service is not running"))
    if kind != "managed" and running.status == "pass":
        checks.append(env_check(service, pending_env, known=env_known))
    return ServiceHealth(
        hostname=service.name,
        kind="managed" if kind == "managed" else "runtime",
        status=aggregate(checks),
        checks=tuple(checks),
    )


async def verify_services(
    client: ZeropsClient,
    project: Project,
    targets: Sequence[ServiceStack],
    *,
    prober: HttpProber,
    now: datetime,
    concurrency: int = 5,
    on_checked: Callable[[ServiceHealth, int, int], Awaitable[None]] | None = None,
) -> list[ServiceHealth]:
    """Check every target (at most ``concurrency`` at a time), in the order given.

    ``on_checked(health, finished, total)`` runs as each service is done (progress). The env history
    is read once for all targets; when it cannot be read, ``env_applied`` is a skip.
    """
    from zcp.ops.env_live import EnvHistory, read_env_history

    try:
        history = await read_env_history(client, project.id, targets)
        known = True
    except ZcpError as error:
        log.info("verify: reading the env history failed: %s", error.code)
        history, known = EnvHistory(pending={}, booted={}), False
    results: list[ServiceHealth | None] = [None] * len(targets)
    finished = 0

    async def check(index: int) -> None:
        nonlocal finished
        service = targets[index]
        health = await check_service(
            client,
            project,
            service,
            prober=prober,
            now=now,
            pending_env=history.pending.get(service.name),
            env_known=known,
            booted_at=history.booted.get(service.name),
        )
        results[index] = health
        finished += 1
        if on_checked is not None:
            await on_checked(health, finished, len(targets))

    await gather(*[partial(check, i) for i in range(len(targets))], limit=concurrency)
    return [r for r in results if r is not None]


def summary(results: Sequence[ServiceHealth]) -> dict[str, Any]:
    """``{"status": worst, "summary": "N/M healthy"}`` for a set of results."""
    healthy = sum(1 for r in results if r.status == "healthy")
    return {"status": worst([r.status for r in results]), "summary": f"{healthy}/{len(results)} healthy"}
