"""The live state envelope: the project as the API shows it, joined with zcp's state files.

:func:`read_project` does the reads — the services (when a platform is connected) and the env
changes their running runtimes have not restarted with (:func:`zcp.ops.env_live.prefetch_env`), the
service metas, this process's work session and open bootstrap session — concurrently (the state files
in a worker thread). :func:`build_envelope` is a pure function of that snapshot, so equal inputs give an
equal envelope (and byte-identical guidance): services sorted, system services and zcp's own
service dropped, the same model ``zcp preview`` renders.

Phase: an open work session → ``develop-active``; a work session that closed itself (all green,
or the iteration cap) → ``develop-closed-auto``; an open bootstrap session of this process →
``bootstrap-active``; otherwise ``idle``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio.to_thread

from zcp.axes import (
    BuildIntegration,
    CloseMode,
    Environment,
    FailureClass,
    GitPushState,
    Mode,
    Phase,
    Route,
    ServiceStatus,
    Step,
)
from zcp.ops.concurrency import gather
from zcp.ops.env_live import EnvPrefetch, PendingEnv, env_applies, pending_fields, prefetch_env
from zcp.ops.targets import project_services
from zcp.state.models import BootstrapSession, ServiceMeta, WorkSession
from zcp.workflow.envelope import (
    AttemptInfo,
    BootstrapSummary,
    EnvPending,
    ProjectInfo,
    ServiceSnapshot,
    StateEnvelope,
    WorkSessionSummary,
)

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.platform.models import ServiceStack
    from zcp.state.store import StateStore

__all__ = ["LiveProject", "LiveService", "build_envelope", "current_session", "read_project"]

_STATUSES = {s.value for s in ServiceStatus}


@dataclass(frozen=True)
class LiveService:
    """The part of an API service the envelope uses."""

    hostname: str
    type_version: str
    status: str
    service_id: str = ""

    @classmethod
    def of(cls, service: ServiceStack) -> LiveService:
        return cls(service.name, service.type_version, service.status.upper(), service.id)


@dataclass(frozen=True)
class LiveProject:
    """Everything the envelope is computed from, read at one moment."""

    environment: Environment
    project: ProjectInfo
    #: ``None`` when no platform is connected (knowledge-only): services are unknown, not absent.
    services: tuple[LiveService, ...] | None
    metas: tuple[ServiceMeta, ...] = ()
    work: WorkSession | None = None
    bootstrap: BootstrapSession | None = None
    iteration_cap: int = 5
    raw_services: tuple[ServiceStack, ...] = field(default=(), repr=False)
    #: Env changes a running runtime has not booted with yet, by hostname (empty when unknown).
    env_pending: Mapping[str, PendingEnv] = field(default_factory=dict)

    @property
    def live_hostnames(self) -> set[str]:
        return {s.hostname for s in self.services or ()}

    @property
    def live_types(self) -> dict[str, str]:
        """Each live service's type with its version, by hostname."""
        return {s.hostname: s.type_version for s in self.services or ()}

    def service(self, hostname: str) -> LiveService | None:
        return next((s for s in self.services or () if s.hostname == hostname), None)

    def require_service(self, hostname: str) -> LiveService:
        """The live service ``hostname``, or ``SERVICE_NOT_FOUND`` listing the services there are."""
        from zcp.ops.targets import service_not_found

        service = self.service(hostname)
        if service is None:
            raise service_not_found(hostname, self.live_hostnames)
        return service

    def meta(self, hostname: str) -> ServiceMeta | None:
        """The meta covering ``hostname`` (its own, or the pair's whose stage half it is)."""
        for meta in self.metas:
            if meta.hostname == hostname:
                return meta
        return next((m for m in self.metas if hostname in m.hostnames), None)


def current_session(store: StateStore) -> BootstrapSession | None:
    """This process's open bootstrap session, found through the registry."""
    for entry in store.registry().sessions:
        if entry.pid == store.pid and entry.workflow == "bootstrap":
            session = store.session(entry.session_id)
            if session is not None:
                return session
    return None


async def read_project(app: App, *, env: bool = True) -> LiveProject:
    """Read the live project and the state files concurrently.

    ``env=False`` skips the env-change check (no ``envPending`` on the services): for a read that
    only validates an action, whose answer renders a fresh read of the state it leaves.
    """
    store = app.state
    services: list[ServiceStack] | None = None
    state: tuple[tuple[ServiceMeta, ...], WorkSession | None, BootstrapSession | None] | None = None

    env_pending: dict[str, PendingEnv] = {}
    prefetch: EnvPrefetch | None = None

    async def read_services() -> None:
        nonlocal services
        if app.platform is not None:
            found = await project_services(app.platform)
            services = [
                s for s in found if not app.platform.runtime.is_self(service_id=s.id, hostname=s.name)
            ]

    async def read_env() -> None:
        # Beside the services search: the process history, the project's variables and the variables
        # of the runtimes the last status saw (usually all of them), so a status stays one round trip.
        nonlocal prefetch
        if app.platform is not None and env:
            prefetch = await prefetch_env(
                app.platform.client, app.platform.project.id, app.recent_runtime_ids
            )

    def read_files() -> tuple[tuple[ServiceMeta, ...], WorkSession | None, BootstrapSession | None]:
        return tuple(store.list_metas()), store.work_session(), current_session(store)

    async def read_state() -> None:
        nonlocal state
        state = await anyio.to_thread.run_sync(read_files)

    await gather(read_services, read_state, read_env)
    assert state is not None
    if app.platform is not None and services is not None and prefetch is not None:
        env_pending.update(await prefetch.pending(app.platform.client, services) or {})
        app.recent_runtime_ids = tuple(s.id for s in services if env_applies(s))
    metas, work, bootstrap = state
    platform = app.platform
    project = ProjectInfo(id=platform.project.id, name=platform.project.name) if platform else ProjectInfo()
    return LiveProject(
        environment=Environment.CONTAINER if app.in_container else Environment.LOCAL,
        project=project,
        services=tuple(LiveService.of(s) for s in services) if services is not None else None,
        metas=metas,
        work=work,
        bootstrap=bootstrap,
        iteration_cap=app.settings.max_iterations,
        raw_services=tuple(services or ()),
        env_pending=env_pending,
    )


# --- the pure part -------------------------------------------------------------------------------


def _status(raw: str) -> ServiceStatus | None:
    value = raw.upper().removeprefix("SERVICE_")
    return ServiceStatus(value) if value in _STATUSES else None


def _envelope_mode(meta: ServiceMeta, hostname: str) -> Mode:
    role = meta.role_of(hostname)
    if role == "stage":
        return Mode.STAGE
    if meta.mode in ("local-stage", "local-only"):
        return Mode(meta.mode)
    if role == "simple":
        return Mode.SIMPLE
    return Mode.STANDARD if meta.mode == "standard" else Mode.DEV


def _deploy_attempt(raw: object) -> AttemptInfo:
    from zcp.state.models import DeployAttempt

    assert isinstance(raw, DeployAttempt)
    if raw.succeeded_at:
        return AttemptInfo(
            result="ok", strategy=_strategy(raw.strategy), setup=raw.setup, starts_app=raw.starts_app
        )
    if raw.strategy == "git-push" and not raw.error:
        return AttemptInfo(result="pending", strategy="git-push", setup=raw.setup)
    return AttemptInfo(
        result="failed",
        failure_class=FailureClass(raw.failure_class) if raw.failure_class else FailureClass.OTHER,
        reason=(raw.error or None),
        strategy=_strategy(raw.strategy),
        setup=raw.setup,
    )


def _strategy(value: str | None) -> str | None:
    return value if value in ("zcli", "git-push", "record-deploy") else None


def _summary(work: WorkSession, hosts: set[str], cap: int) -> WorkSessionSummary:
    from zcp.ops.workflow.develop import deployed_since_verify
    from zcp.state.models import VerifyAttempt

    scope = [h for h in work.services if h in hosts]
    deploys = {h: tuple(_deploy_attempt(a) for a in (work.deploys or {}).get(h, [])) for h in scope}

    def verify(raw: VerifyAttempt) -> AttemptInfo:
        if raw.passed:
            return AttemptInfo(result="ok")
        return AttemptInfo(
            result="failed",
            failure_class=FailureClass(raw.failure_class) if raw.failure_class else FailureClass.VERIFY,
            reason=raw.summary or None,
        )

    verifies = {h: tuple(verify(a) for a in (work.verifies or {}).get(h, [])) for h in scope}
    redeployed = [h for h in scope if deployed_since_verify(work, h)]
    reason = work.close_reason if work.close_reason in ("auto-complete", "iteration-cap") else None
    return WorkSessionSummary.model_validate(
        {
            "intent": work.intent,
            "services": scope,
            "closeReason": reason if work.closed else None,
            "deploys": {h: a for h, a in deploys.items() if a},
            "verifies": {h: a for h, a in verifies.items() if a},
            "deployedSinceVerify": redeployed,
            "iterationCap": max(1, min(cap, 100)),
        }
    )


def _snapshot(live: LiveProject, hostname: str, type_version: str, status: str | None) -> ServiceSnapshot:
    meta = live.meta(hostname)
    data: dict[str, object] = {"hostname": hostname, "typeVersion": type_version}
    parsed = _status(status) if status else None
    if parsed is not None:
        data["status"] = parsed.value
    pending = live.env_pending.get(hostname)
    if pending is not None:  # only running runtimes have one (env_live.env_applies)
        data["envPending"] = EnvPending.model_validate(pending_fields(pending))
    probe = ServiceSnapshot.model_validate(data)
    if probe.is_managed or meta is None:
        return probe
    if meta.complete:
        work = live.work
        deployed = bool(meta.first_deployed_at)
        if not deployed and work is not None:
            deployed = any(a.succeeded_at for h in meta.hostnames for a in (work.deploys or {}).get(h, []))
        if not deployed and meta.adopted and parsed is ServiceStatus.ACTIVE:
            deployed = True
        data.update(
            bootstrapped=True,
            deployed=deployed,
            mode=_envelope_mode(meta, hostname).value,
            closeMode=(meta.close_deploy_mode or CloseMode.UNSET.value),
            gitPushState=(meta.git_push_state or GitPushState.UNCONFIGURED.value),
            buildIntegration=(meta.build_integration or BuildIntegration.NONE.value),
        )
        if meta.stage_hostname and hostname == meta.hostname:
            data["stageHostname"] = meta.stage_hostname
    elif meta.bootstrap_session and (
        live.bootstrap is None or live.bootstrap.session_id != meta.bootstrap_session
    ):
        data.update(resumable=True, resumeSession=meta.bootstrap_session)
    return ServiceSnapshot.model_validate(data)


def _bootstrap_services(live: LiveProject, session: BootstrapSession) -> list[ServiceSnapshot]:
    """During a bootstrap: the planned services (live status when they exist), or every service at discover."""
    state = session.bootstrap
    plan = state.plan if state else None
    if plan is None:
        return [_snapshot(live, s.hostname, s.type_version, s.status) for s in live.services or ()]
    out: dict[str, ServiceSnapshot] = {}
    for target in plan.targets:
        rt = target.runtime
        halves: list[tuple[str, str]] = [(rt.dev_hostname, rt.bootstrap_mode)]
        if rt.stage_hostname:
            halves.append((rt.stage_hostname, "stage"))
        for host, mode in halves:
            found = live.service(host)
            snap = _snapshot(
                live, host, found.type_version if found else rt.type, found.status if found else None
            )
            if not snap.bootstrapped:
                data = snap.model_dump(by_alias=True, exclude_none=True)
                data["mode"] = mode
                if mode == "standard":
                    data["stageHostname"] = rt.stage_hostname
                data.pop("resumable", None)
                data.pop("resumeSession", None)
                snap = ServiceSnapshot.model_validate(data)
            out[host] = snap
        for dep in target.dependencies:
            found = live.service(dep.hostname)
            out[dep.hostname] = _snapshot(
                live, dep.hostname, found.type_version if found else dep.type, found.status if found else None
            )
    return list(out.values())


def build_envelope(live: LiveProject) -> StateEnvelope:
    """The envelope for a live snapshot (pure and deterministic)."""
    work = live.work
    session = live.bootstrap
    if work is not None and not work.closed:
        phase = Phase.DEVELOP_ACTIVE
    elif work is not None and work.close_reason in ("auto-complete", "iteration-cap"):
        phase = Phase.DEVELOP_CLOSED_AUTO
    elif session is not None:
        phase = Phase.BOOTSTRAP_ACTIVE
    else:
        phase = Phase.IDLE
    if phase is Phase.BOOTSTRAP_ACTIVE and session is not None:
        services = _bootstrap_services(live, session)
    else:
        services = [_snapshot(live, s.hostname, s.type_version, s.status) for s in live.services or ()]
    summary = None
    if work is not None and phase in (Phase.DEVELOP_ACTIVE, Phase.DEVELOP_CLOSED_AUTO):
        summary = _summary(work, {s.hostname for s in services}, live.iteration_cap)
    bootstrap = None
    if phase is Phase.BOOTSTRAP_ACTIVE and session is not None and session.bootstrap is not None:
        state = session.bootstrap
        step = state.steps[state.current_step].name if 0 <= state.current_step < len(state.steps) else None
        route = "resume" if state.resumed else (state.route or "classic")
        bootstrap = BootstrapSummary(route=Route(route), step=Step(step) if step else None)
    return StateEnvelope(
        phase=phase,
        environment=live.environment,
        project=live.project,
        services=tuple(services),
        work_session=summary,
        bootstrap=bootstrap,
    )
