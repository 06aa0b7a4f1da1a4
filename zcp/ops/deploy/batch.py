"""Several deploys in one call: preflight for all first, then the pushes a few at a time.

Every target passes preflight before any push starts (one failure stops the batch with
PREFLIGHT_FAILED and every target's checks, nothing moved). Then at most :data:`CONCURRENCY` deploys
run at once, sharing the call's wait budget and progress; each ends in its own entry — a deploy
result or an error — so one failure never hides the others. Unlike the original, every entry's
attempt is recorded in the work session, exactly as a single ``zerops_deploy`` records it (a batch
that deploys a whole scope can close the session).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from zcp.errors import InvalidParameter, NotImplementedFeature, PreflightFailed, ZcpError
from zcp.ops.concurrency import gather
from zcp.ops.deploy.service import (
    DeployReport,
    DeployRequest,
    Prepared,
    Waiting,
    claim,
    current_state,
    execute_deploy,
    prepare_deploy,
    release,
)

if TYPE_CHECKING:
    from zcp.app import App

__all__ = ["CONCURRENCY", "BatchEntry", "BatchReport", "deploy_batch"]

CONCURRENCY: Final = 3
MAX_TARGETS: Final = 20


@dataclass
class BatchEntry:
    """One target's outcome: a report, or the error that ended it."""

    target: str
    source: str | None
    started_at: str
    ended_at: str = ""
    report: DeployReport | None = None
    error: dict[str, Any] | None = None

    @property
    def succeeded(self) -> bool:
        return self.report is not None and self.report.status == "DEPLOYED"


@dataclass
class BatchReport:
    batch_id: str
    entries: list[BatchEntry] = field(default_factory=list)
    duration: float = 0.0
    work_session_state: dict[str, Any] | None = None

    @property
    def succeeded(self) -> int:
        return sum(1 for e in self.entries if e.succeeded)

    @property
    def failed(self) -> int:
        return len(self.entries) - self.succeeded

    @property
    def summary(self) -> str:
        parts = [
            f"{e.target}: {e.report.status if e.report else (e.error or {}).get('code', 'ERROR')}"
            for e in self.entries
        ]
        return f"{self.succeeded}/{len(self.entries)} deployed — " + ", ".join(parts)


def _check_targets(requests: Sequence[DeployRequest]) -> None:
    if not requests:
        raise InvalidParameter(
            "targets is empty", suggestion='Send targets=[{"targetService": "…"}, …] (one entry per target).'
        )
    if len(requests) > MAX_TARGETS:
        raise InvalidParameter(f"at most {MAX_TARGETS} targets per batch", suggestion="Split the batch.")
    seen: set[str] = set()
    for request in requests:
        if request.target in seen:
            raise InvalidParameter(
                f"{request.target} is a target twice",
                suggestion="Deploy each target once per batch (one source per target).",
            )
        seen.add(request.target)


async def deploy_batch(app: App, requests: Sequence[DeployRequest], waiting: Waiting) -> BatchReport:
    """Run the batch (see the module docstring)."""
    from zcp.ops.targets import project_services

    if not app.in_container:
        raise NotImplementedFeature(
            "zerops_deploy_batch runs inside a Zerops container (it deploys over SSH from the services)",
            suggestion="Deploy each target with zerops_deploy targetService=… from here.",
        )
    _check_targets(requests)
    platform = app.require_platform()
    services = await project_services(platform)
    started = app.clock.monotonic()
    report = BatchReport(batch_id=secrets.token_hex(6))
    hosts = [r.target for r in requests]
    claim(hosts)
    try:
        prepared: list[Prepared | ZcpError | None] = [None] * len(requests)

        async def prepare(index: int) -> None:
            try:
                prepared[index] = await prepare_deploy(app, requests[index], services)
            except ZcpError as error:
                prepared[index] = error

        await gather(*[(lambda i=i: prepare(i)) for i in range(len(requests))], limit=CONCURRENCY)
        failures = [(r, p) for r, p in zip(requests, prepared, strict=True) if isinstance(p, ZcpError)]
        if failures:
            raise _preflight_failure(failures, prepared)
        ready = [p for p in prepared if isinstance(p, Prepared)]
        report.entries = [
            BatchEntry(p.target.name, p.source.name, started_at=app.clock.now().isoformat(timespec="seconds"))
            for p in ready
        ]

        async def run(index: int) -> None:
            entry = report.entries[index]
            entry.started_at = app.clock.now().isoformat(timespec="seconds")
            try:
                entry.report = await execute_deploy(app, ready[index], waiting)
            except ZcpError as error:
                entry.error = error.to_wire()
            entry.ended_at = app.clock.now().isoformat(timespec="seconds")
            outcome = entry.report.status if entry.report else (entry.error or {}).get("code", "ERROR")
            await waiting.notify(f"{entry.target}: {outcome}")

        await gather(*[(lambda i=i: run(i)) for i in range(len(ready))], limit=CONCURRENCY)
    finally:
        release(hosts)
    report.duration = app.clock.monotonic() - started
    report.work_session_state = (await current_state(app)).wire()
    return report


def _preflight_failure(
    failures: list[tuple[DeployRequest, ZcpError]], prepared: Sequence[Prepared | ZcpError | None]
) -> ZcpError:
    """One PREFLIGHT_FAILED with every target's checks; a single non-preflight failure is raised as itself."""
    checks: list[dict[str, Any]] = []
    for item in prepared:
        if isinstance(item, Prepared):
            checks += [c.wire() for c in item.preflight.checks]
        elif isinstance(item, PreflightFailed):
            checks += item.checks
    first = failures[0][1]
    names = ", ".join(r.target for r, _ in failures)
    if len(failures) == 1 and not isinstance(first, PreflightFailed):
        return first
    return PreflightFailed(
        f"the batch stopped before anything moved: {names} failed preflight ({first.message})",
        suggestion=first.suggestion or "Fix the failed checks, then send the batch again.",
        checks=checks,
        details={
            "failed": [{"targetService": r.target, "code": e.code, "error": e.message} for r, e in failures]
        },
    )
