"""Develop work sessions: start, close, and the one place deploy and verify attempts are recorded.

A work session (``work/{pid}.json``) belongs to one zcp process: its task (``intent``), its scope
(runtime hostnames; the stage half of a standard pair is added with its dev half) and the history
of deploy and verify attempts per service (the last :data:`MAX_HISTORY` each).

:func:`record_deploy_attempt` and :func:`record_verify_attempt` are the seam the deploy and verify
tools call. After every record the session is evaluated:

* **auto-close** — every scope service's last deploy succeeded and its last verify passed, and no
  scope service has close mode ``unset`` or ``manual`` → closed with reason ``auto-complete``;
* **iteration cap** — a scope service failed ``Settings.max_iterations`` attempts in a row →
  closed with reason ``iteration-cap`` (stop and report to the user);
* the first successful deploy of a service stamps ``firstDeployedAt`` on its meta.

Recording outside a session, or for a host outside the scope, changes nothing and says so.

Every recorded attempt carries an ``order`` (one counter per session, over deploys and verifies), an
extra key the state files keep: timestamps have whole seconds, and an agent often deploys and
verifies within one. :func:`deployed_since_verify` reads it, so a verify older than the running
deploy does not count as verifying it (files without ``order`` fall back to the timestamps).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import anyio.to_thread

from zcp.calls import ToolCall
from zcp.errors import InvalidParameter, PrerequisiteMissing
from zcp.state.models import (
    DeployAttempt,
    RegistryEntry,
    ServiceMeta,
    VerifyAttempt,
    WorkSession,
    work_entry_id,
)
from zcp.workflow.actions import INTENT_FILL

if TYPE_CHECKING:
    from collections.abc import Sequence

    from zcp.app import App
    from zcp.ops.health import ServiceHealth
    from zcp.ops.workflow.live import LiveProject
    from zcp.state.store import StateStore

__all__ = [
    "MAX_HISTORY",
    "AutoCloseProgress",
    "DevelopStart",
    "WorkSessionState",
    "auto_close_progress",
    "close_develop",
    "deployed_since_verify",
    "record_deploy_attempt",
    "record_health",
    "record_verify_attempt",
    "start_develop",
    "work_session_state",
]

MAX_HISTORY = 10
_Attempt = TypeVar("_Attempt", bound=DeployAttempt | VerifyAttempt)
#: Close modes that let a session close itself once everything is green.
AUTO_CLOSING = frozenset({"auto", "git-push"})

#: Work-session read-modify-writes in this process are serialised (concurrent tool calls).
_WRITES = threading.Lock()


@dataclass(frozen=True)
class AutoCloseProgress:
    """How far a session is from closing itself."""

    ready: int
    total: int
    pending: tuple[str, ...]
    enabled: bool
    reason: str | None = None

    def wire(self) -> dict[str, Any]:
        data: dict[str, Any] = {"ready": self.ready, "total": self.total, "enabled": self.enabled}
        if self.pending:
            data["pending"] = list(self.pending)
        if self.reason:
            data["reason"] = self.reason
        return data


@dataclass(frozen=True)
class WorkSessionState:
    """The work session as deploy/verify/record-deploy results report it (``workSessionState``)."""

    status: Literal["open", "auto-closed", "none"]
    intent: str | None = None
    closed_at: str | None = None
    close_reason: str | None = None
    note: str | None = None
    progress: AutoCloseProgress | None = None
    recorded: bool = False

    def wire(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status, "recorded": self.recorded}
        for key, value in (
            ("intent", self.intent),
            ("closedAt", self.closed_at),
            ("closeReason", self.close_reason),
            ("note", self.note),
        ):
            if value:
                data[key] = value
        if self.progress is not None:
            data["progress"] = self.progress.wire()
        return data


def _last_ok_deploy(session: WorkSession, host: str) -> bool:
    attempts = (session.deploys or {}).get(host) or []
    return bool(attempts and attempts[-1].succeeded_at)


def _last_ok_verify(session: WorkSession, host: str) -> bool:
    attempts = (session.verifies or {}).get(host) or []
    return bool(attempts and attempts[-1].passed) and not deployed_since_verify(session, host)


def _order(attempt: DeployAttempt | VerifyAttempt) -> int | None:
    value = (attempt.model_extra or {}).get("order")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _next_order(session: WorkSession) -> int:
    attempts = [
        a for history in (session.deploys or {}, session.verifies or {}) for h in history.values() for a in h
    ]
    return 1 + max((o for a in attempts if (o := _order(a)) is not None), default=len(attempts))


def _appended(
    session: WorkSession, history: dict[str, list[_Attempt]] | None, host: str, attempt: _Attempt
) -> dict[str, list[_Attempt]]:
    """``history`` with ``attempt`` added to ``host``'s, numbered in the session's order (the last
    :data:`MAX_HISTORY` are kept)."""
    setattr(attempt, "order", _next_order(session))  # noqa: B010 (an extra key, see the module docstring)
    updated: dict[str, list[_Attempt]] = dict(history or {})
    updated[host] = [*updated.get(host, []), attempt][-MAX_HISTORY:]
    return updated


def deployed_since_verify(session: WorkSession, host: str) -> bool:
    """Whether ``host`` was deployed after its last verify (so that verify is about an older version)."""
    deploys = (session.deploys or {}).get(host) or []
    verifies = (session.verifies or {}).get(host) or []
    if not deploys or not verifies:
        return False
    deploy, verify = deploys[-1], verifies[-1]
    deployed, verified = _order(deploy), _order(verify)
    if deployed is not None and verified is not None:
        return deployed > verified
    # Whole seconds: a tie counts as verified after the deploy (verifying follows deploying).
    return deploy.attempted_at > verify.attempted_at


def _meta_for(metas: list[ServiceMeta], host: str) -> ServiceMeta | None:
    return next((m for m in metas if host in m.hostnames), None)


def auto_close_progress(session: WorkSession, metas: list[ServiceMeta]) -> AutoCloseProgress:
    """Which scope services are green, and whether their close modes let the session close itself."""
    scope = list(session.services)
    pending = tuple(h for h in scope if not (_last_ok_deploy(session, h) and _last_ok_verify(session, h)))
    blocking = sorted(
        h
        for h in scope
        if (meta := _meta_for(metas, h)) is not None
        and (meta.close_deploy_mode or "unset") not in AUTO_CLOSING
    )
    reason = None
    if blocking:
        reason = (
            f"close mode of {', '.join(blocking)} is unset or manual: the session is closed by hand "
            '(zerops_workflow action="close" workflow="develop") or after setting close-mode auto'
        )
    return AutoCloseProgress(
        ready=len(scope) - len(pending),
        total=len(scope),
        pending=pending,
        enabled=not blocking,
        reason=reason,
    )


def _failed_streak(session: WorkSession, host: str) -> int:
    def streak(flags: list[bool]) -> int:
        count = 0
        for ok in reversed(flags):
            if ok:
                break
            count += 1
        return count

    deploys = [
        bool(a.succeeded_at) or (a.strategy == "git-push" and not a.error)
        for a in (session.deploys or {}).get(host, [])
    ]
    verifies = [a.passed for a in (session.verifies or {}).get(host, [])]
    return max(streak(deploys), streak(verifies))


def work_session_state(
    store: StateStore, *, recorded: bool = False, note: str | None = None
) -> WorkSessionState:
    """The current work session's state as results report it."""
    session = store.work_session()
    if session is None:
        return WorkSessionState(
            status="none",
            note=note
            or 'No develop session is open: start one with zerops_workflow action="start" workflow="develop" '
            'intent="…" scope=[…] so deploys and verifies are tracked.',
        )
    if session.closed:
        return WorkSessionState(
            status="auto-closed",
            intent=session.intent,
            closed_at=session.closed_at,
            close_reason=session.close_reason,
            note=note,
            recorded=recorded,
        )
    return WorkSessionState(
        status="open",
        intent=session.intent,
        note=note,
        progress=auto_close_progress(session, store.list_metas()),
        recorded=recorded,
    )


def _after_record(store: StateStore, session: WorkSession, host: str, cap: int) -> None:
    now = store.now_text()
    session.last_activity_at = now
    if session.closed:
        return
    if _failed_streak(session, host) >= cap:
        session.closed_at, session.close_reason = now, "iteration-cap"
        return
    progress = auto_close_progress(session, store.list_metas())
    if progress.enabled and not progress.pending and progress.total:
        session.closed_at, session.close_reason = now, "auto-complete"


def _record(
    store: StateStore, host: str, cap: int, add: Callable[[WorkSession], None], kind: str
) -> WorkSessionState:
    with _WRITES:
        session = store.work_session()
        if session is None:
            return work_session_state(store)
        if host not in session.services:
            return work_session_state(
                store,
                note=f"{host} is not in this develop session's scope ({', '.join(session.services)}); "
                f"the {kind} was not recorded",
            )
        if session.closed:
            return work_session_state(
                store, note=f"the session is already closed; the {kind} was not recorded"
            )
        add(session)
        _after_record(store, session, host, cap)
        store.write_work_session(session)
        return work_session_state(store, recorded=True)


def _stamp_first_deploy(store: StateStore, host: str) -> None:
    meta = store.meta(host)
    if meta is not None and meta.complete and not meta.first_deployed_at:
        meta.first_deployed_at = store.now_text()
        store.write_meta(meta)


async def record_deploy_attempt(
    app: App,
    host: str,
    *,
    succeeded: bool,
    strategy: str = "zcli",
    setup: str | None = None,
    error: str | None = None,
    failure_class: str | None = None,
    starts_app: bool | None = None,
) -> WorkSessionState:
    """Record one deploy of ``host`` in this process's work session (the deploy tools call this).

    A git push whose build runs elsewhere is recorded with ``succeeded=False`` and no error: it is
    pending until ``record-deploy`` confirms the build.
    """
    store = app.state
    cap = app.settings.max_iterations

    def run() -> WorkSessionState:
        now = store.now_text()
        attempt = DeployAttempt(
            attempted_at=now,
            succeeded_at=now if succeeded else None,
            setup=setup,
            strategy=strategy,
            error=None if succeeded else error,
            failure_class=None if succeeded else (failure_class or ("other" if error else None)),
            starts_app=starts_app if succeeded else None,
        )

        def add(session: WorkSession) -> None:
            session.deploys = _appended(session, session.deploys, host, attempt)

        if succeeded:
            _stamp_first_deploy(store, host)
        return _record(store, host, cap, add, "deploy")

    return await anyio.to_thread.run_sync(run)


async def record_verify_attempt(
    app: App, host: str, *, passed: bool, summary: str, failure_class: str | None = None
) -> WorkSessionState:
    """Record one verify of ``host`` (``zerops_verify`` calls this)."""
    store = app.state
    cap = app.settings.max_iterations

    def run() -> WorkSessionState:
        now = store.now_text()
        attempt = VerifyAttempt(
            attempted_at=now,
            passed_at=now if passed else None,
            summary=summary,
            passed=passed,
            failure_class=None if passed else (failure_class or "verify"),
        )

        def add(session: WorkSession) -> None:
            session.verifies = _appended(session, session.verifies, host, attempt)

        return _record(store, host, cap, add, "verify")

    return await anyio.to_thread.run_sync(run)


# --- start and close ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DevelopStart:
    """What ``start workflow=develop`` did."""

    status: Literal["started", "unchanged", "replaced", "manual-session-active"]
    scope: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    cleaned_up: tuple[str, ...] = ()
    previous: WorkSession | None = None
    blocked: tuple[str, ...] = ()
    options: tuple[ToolCall, ...] = field(default=())


def _deployable(metas: list[ServiceMeta]) -> dict[str, ServiceMeta]:
    index: dict[str, ServiceMeta] = {}
    for meta in metas:
        if meta.complete and (meta.mode or meta.stage_hostname):
            for host in meta.hostnames:
                index[host] = meta
    return index


def start_develop_sync(
    store: StateStore, live: LiveProject, intent: str, scope: list[str], force: bool
) -> DevelopStart:
    """The state part of a develop start (see :func:`start_develop`)."""
    cleaned: list[str] = []
    if live.services is not None:
        cleaned = store.prune_orphan_metas(live.live_hostnames)
    metas = store.list_metas()
    deployable = _deployable(metas)
    if not deployable:
        raise PrerequisiteMissing(
            "no runtime is managed by zcp yet, so there is nothing to develop on",
            suggestion='Create or adopt runtimes first: zerops_workflow action="start" workflow="bootstrap" '
            f'intent="{INTENT_FILL}".',
            recovery=ToolCall.of("zerops_workflow", action="start", workflow="bootstrap", intent=INTENT_FILL),
        )
    if not scope:
        raise InvalidParameter(
            "a develop session needs a scope: the runtime hostnames the task changes",
            suggestion=f"Send scope=[…] with some of: {', '.join(sorted(deployable))}.",
            details={"available": sorted(deployable)},
        )
    wanted = list(dict.fromkeys(h.strip() for h in scope if h.strip()))
    unknown = [h for h in wanted if h not in deployable]
    if unknown:
        managed = [h for h in unknown if live.service(h) is not None]
        raise InvalidParameter(
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a runtime zcp manages"
            + (f" ({', '.join(managed)}: managed services or not adopted)" if managed else ""),
            suggestion=f"Scope may name: {', '.join(sorted(deployable))}. Adopt other runtimes with "
            'zerops_workflow action="start" workflow="bootstrap" route="adopt".',
            details={"unknown": unknown, "available": sorted(deployable)},
        )
    added: list[str] = []
    final = set(wanted)
    for host in wanted:
        meta = deployable[host]
        if meta.mode == "standard" and host == meta.hostname and meta.stage_hostname:
            stage = meta.stage_hostname
            if live.services is not None and live.service(stage) is None:
                raise PrerequisiteMissing(
                    f"{host} is the dev half of a standard pair, but its stage {stage} no longer exists",
                    suggestion=f"Re-create the pair: bootstrap with route=adopt planning {host} with a new stageHostname.",
                )
            if stage not in final:
                final.add(stage)
                added.append(stage)
    ordered = tuple(sorted(final))

    existing = store.work_session()
    status: Literal["started", "replaced"] = "started"
    if existing is not None and not existing.closed:
        if intent.strip() and existing.intent == intent.strip() and tuple(existing.services) == ordered:
            return DevelopStart(status="unchanged", scope=ordered, cleaned_up=tuple(cleaned))
        blocked = tuple(
            h
            for h in existing.services
            if (m := _meta_for(metas, h)) is not None and (m.close_deploy_mode or "unset") not in AUTO_CLOSING
        )
        if blocked and not force:
            return DevelopStart(
                status="manual-session-active",
                scope=tuple(existing.services),
                previous=existing,
                blocked=blocked,
                options=(
                    ToolCall.of("zerops_workflow", action="close", workflow="develop"),
                    ToolCall.of(
                        "zerops_workflow",
                        action="start",
                        workflow="develop",
                        intent=intent,
                        scope=list(scope),
                        force=True,
                    ),
                ),
            )
        status = "replaced"
    if existing is not None:
        store.delete_work_session()
    now = store.now_text()
    session = WorkSession(
        pid=store.pid,
        project_id=live.project.id,
        environment=live.environment.value,
        intent=intent.strip(),
        services=list(ordered),
        created_at=now,
        last_activity_at=now,
    )
    store.write_work_session(session)
    store.register(
        RegistryEntry(
            session_id=work_entry_id(store.pid),
            pid=store.pid,
            workflow="work",
            project_id=live.project.id,
            intent=session.intent,
            created_at=now,
            updated_at=now,
        )
    )
    return DevelopStart(
        status=status,
        scope=ordered,
        added=tuple(added),
        cleaned_up=tuple(cleaned),
        previous=existing if status == "replaced" else None,
    )


async def start_develop(
    app: App, live: LiveProject, intent: str, scope: list[str], force: bool
) -> DevelopStart:
    """Open this process's work session for ``intent`` over ``scope`` (see the module docstring).

    The same intent and scope again changes nothing. A different task replaces the open session,
    unless a scope service of it has close mode unset or manual (its work may not be delivered yet):
    then the answer lists the choices, and ``force`` replaces it anyway.
    """

    def run() -> DevelopStart:
        with _WRITES:
            return start_develop_sync(app.state, live, intent, scope, force)

    return await anyio.to_thread.run_sync(run)


def close_develop_sync(store: StateStore) -> WorkSession | None:
    """Delete this process's work session (and its registry entry); returns what was closed."""
    with _WRITES:
        session = store.work_session()
        store.delete_work_session()
        store.unregister(work_entry_id(store.pid))
        return session


def close_for_iteration_cap(store: StateStore) -> bool:
    """Close this process's open work session with reason ``iteration-cap``; returns whether one was open."""
    with _WRITES:
        session = store.work_session()
        if session is None or session.closed:
            return False
        session.closed_at = session.last_activity_at = store.now_text()
        session.close_reason = "iteration-cap"
        store.write_work_session(session)
        return True


async def close_develop(app: App) -> WorkSession | None:
    """Close this process's work session; closing none is fine."""
    return await anyio.to_thread.run_sync(close_develop_sync, app.state)


async def record_health(app: App, healths: Sequence[ServiceHealth]) -> WorkSessionState:
    """Record ``zerops_verify`` results as verify attempts of the services in the session's scope.

    A service passes when it is ``healthy``; otherwise the summary names its first failed check, and
    the failure class is ``start`` when the service is not running, else ``verify``.
    """
    session = await anyio.to_thread.run_sync(app.state.work_session)
    if session is None or session.closed:
        return await anyio.to_thread.run_sync(work_session_state, app.state)
    state: WorkSessionState | None = None
    for health in healths:
        if health.hostname not in session.services:
            continue
        failed = next((c for c in health.checks if c.status == "fail"), None)
        passed = health.status == "healthy"
        summary = "healthy" if passed or failed is None else f"{failed.name}: {failed.detail or 'failed'}"
        failure = (
            None
            if passed
            else ("start" if failed is not None and failed.name == "service_running" else "verify")
        )
        state = await record_verify_attempt(
            app, health.hostname, passed=passed, summary=summary, failure_class=failure
        )
    if state is not None:
        return state
    return await anyio.to_thread.run_sync(work_session_state, app.state)
