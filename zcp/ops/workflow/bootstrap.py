"""Bootstrap sessions: the route menu, the three steps (discover → provision → close), resume, reset.

A bootstrap creates (or adopts) the project's infrastructure and records it in service metas; code
and deploys belong to develop. The session lives in ``sessions/{id}.json`` and is registered under
this process's pid, so the envelope shows ``bootstrap-active`` for this process only; another zcp
process may bootstrap other hostnames at the same time (a hostname is locked by the session that
plans it while that session's process lives).

* **discover** — ``complete step="discover" plan=[…]``: the plan is validated against the live
  catalogue and services (:func:`zcp.workflow.bootstrap_plan.validate_plan`) and stored.
* **provision** — ``complete step="provision"``: zcp writes the import YAML for what the plan still
  lacks (the recipe's YAML on the recipe route), imports it, waits with progress, checks that every
  planned service is up, and records the managed services' env var names. It is single-shot: a
  failed check answers with what failed and how to fix it; the session stays at provision and can
  be resumed. On success, provisional metas are written and, inside a Zerops container, the dev
  services are mounted.
* **close** — writes the complete metas and ends the session. A pure adoption skips it.

Differences from the original (``workflow-engine.md`` §12): zcp writes the import YAML instead of
asking the agent to; attestations are optional (zcp records what it checked); ``iterate`` sends the
session back to discover with its plan kept, until ``Settings.max_iterations``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

import anyio.to_thread
import yaml

from zcp.calls import ToolCall
from zcp.errors import (
    BootstrapNotActive,
    DocumentNotFound,
    InvalidParameter,
    IterationCapReached,
    SessionNotFound,
    WorkflowActive,
    ZcpError,
)
from zcp.state.models import (
    BootstrapSession,
    BootstrapState,
    MetaMode,
    PlanTarget,
    RecipeMatch,
    RegistryEntry,
    ServiceMeta,
    ServicePlan,
    StepState,
    format_time,
)
from zcp.workflow.actions import INTENT_FILL
from zcp.workflow.bootstrap_plan import (
    PlanTargetIn,
    ValidatedPlan,
    import_yaml_for,
    plan_attestation,
    planned_hostnames,
    type_base,
    validate_plan,
)
from zcp.workflow.routes import KnownService, RecipeCard, RouteOption, recipe_shape, route_options

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.ops.workflow.live import LiveProject
    from zcp.platform.models import Process
    from zcp.state.store import StateStore

__all__ = [
    "STEPS",
    "ProvisionReport",
    "Waiter",
    "complete_close",
    "complete_discover",
    "current_step",
    "iterate",
    "provision",
    "reset",
    "resume",
    "route_menu",
    "skip_step",
    "start_bootstrap",
]

STEPS: tuple[Literal["discover", "provision", "close"], ...] = ("discover", "provision", "close")
_UP = frozenset({"RUNNING", "ACTIVE"})
_STAGE_OK = frozenset({"NEW", "READY_TO_DEPLOY", "RUNNING", "ACTIVE"})
#: An existing runtime is adopted as it is: stopped or never deployed is a state, not a failure.
_EXISTING_OK = frozenset({"READY_TO_DEPLOY", "RUNNING", "ACTIVE", "STOPPED"})
_NO_ENV_PREFIXES = ("shared-storage", "sharedstorage", "object-storage", "objectstorage")
_STATUS = ToolCall.of("zerops_workflow", action="status")


class WaitedProcess(Protocol):
    @property
    def label(self) -> str: ...
    @property
    def process(self) -> Process: ...
    @property
    def still_running(self) -> bool: ...


class Waiter(Protocol):
    """Waits for platform processes with progress (the tool layer's waiter fits)."""

    async def wait_all(self, processes: Sequence[tuple[str, Process]]) -> Sequence[WaitedProcess]: ...

    async def notify(self, message: str) -> None: ...


# --- reading the session ----------------------------------------------------------------------------


def current_step(session: BootstrapSession) -> str | None:
    state = session.bootstrap
    if state is None or not state.active or not 0 <= state.current_step < len(state.steps):
        return None
    return state.steps[state.current_step].name


def _require(live: LiveProject) -> BootstrapSession:
    session = live.bootstrap
    if session is None or session.bootstrap is None:
        raise BootstrapNotActive(
            "no bootstrap session is open in this zcp process",
            suggestion=f'Start one: zerops_workflow action="start" workflow="bootstrap" intent="{INTENT_FILL}".',
            recovery=_STATUS,
        )
    return session


def _step_guard(session: BootstrapSession, step: str) -> None:
    at = current_step(session)
    if step not in STEPS:
        raise InvalidParameter(
            f"{step!r} is not a bootstrap step",
            suggestion="Bootstrap steps are discover, provision and close.",
        )
    if at != step:
        raise BootstrapNotActive(
            f"the bootstrap is at step {at}, not {step}",
            suggestion=f'Complete the current step: zerops_workflow action="complete" step="{at}".',
            recovery=_STATUS,
            details={"currentStep": at},
        )


def _advance(
    session: BootstrapSession, now: str, *, attestation: str | None, skipped: str | None = None
) -> None:
    state = session.bootstrap
    assert state is not None
    step = state.steps[state.current_step]
    step.status = "skipped" if skipped else "complete"
    step.attestation = attestation
    step.skip_reason = skipped
    step.completed_at = now
    state.current_step += 1
    if state.current_step < len(state.steps):
        state.steps[state.current_step].status = "in_progress"
    else:
        state.active = False
    session.updated_at = now


def _targets(session: BootstrapSession) -> list[PlanTargetIn]:
    state = session.bootstrap
    plan = state.plan if state else None
    return [PlanTargetIn.model_validate(t.to_file()) for t in (plan.targets if plan else [])]


# --- the route menu and starting -----------------------------------------------------------------


def recipe_cards(app: App) -> list[RecipeCard]:
    from zcp.knowledge.documents import Kind, RecipeMeta

    cards = []
    for doc in app.knowledge().corpus.of_kind(Kind.RECIPE):
        meta = doc.meta
        if not isinstance(meta, RecipeMeta):
            continue
        cards.append(
            RecipeCard(
                slug=doc.name,
                title=meta.title,
                description=meta.description,
                runtime=meta.runtime,
                tags=tuple(meta.tags),
                languages=tuple(meta.languages),
                frameworks=tuple(meta.frameworks),
                services=tuple(meta.services),
                import_yaml=doc.companion,
            )
        )
    return cards


def _known(live: LiveProject) -> list[KnownService]:
    known = []
    for service in live.services or ():
        meta = live.meta(service.hostname)
        state: Literal["complete", "incomplete", "none"] = (
            "none" if meta is None else "complete" if meta.complete else "incomplete"
        )
        known.append(
            KnownService(
                service.hostname, service.type_version, state, meta.bootstrap_session if meta else ""
            )
        )
    return known


async def route_menu(app: App, live: LiveProject, intent: str) -> list[RouteOption]:
    """The ranked ways to start this bootstrap (nothing is written)."""
    cards = await anyio.to_thread.run_sync(recipe_cards, app)
    return route_options(intent, _known(live), cards)


def _new_session(store: StateStore, live: LiveProject, intent: str, route: str) -> BootstrapSession:
    now = store.now_text()
    steps = [
        StepState(name=name, status="in_progress" if i == 0 else "pending") for i, name in enumerate(STEPS)
    ]
    return BootstrapSession(
        session_id=secrets.token_hex(8),
        pid=store.pid,
        project_id=live.project.id,
        intent=intent.strip(),
        created_at=now,
        updated_at=now,
        bootstrap=BootstrapState(steps=steps, route=None if route == "classic" else route),
    )


def _register(store: StateStore, session: BootstrapSession) -> None:
    with store.registry_update() as registry:
        dropped = store.prune(registry)
        registry.sessions = [e for e in registry.sessions if e.session_id != session.session_id]
        registry.sessions.append(
            RegistryEntry(
                session_id=session.session_id,
                pid=session.pid,
                workflow="bootstrap",
                project_id=session.project_id,
                intent=session.intent,
                created_at=session.created_at,
                updated_at=session.updated_at,
            )
        )
    for entry in dropped:
        if entry.workflow == "bootstrap":
            continue  # its file stays: the session is resumable
        if entry.workflow == "work":
            store.delete_work_session(entry.pid)


async def start_bootstrap(
    app: App, live: LiveProject, intent: str, route: str, recipe_slug: str | None
) -> tuple[BootstrapSession, list[str]]:
    """Open a bootstrap session on ``route`` (classic, adopt or recipe); returns it and the orphan metas
    that were cleaned up."""
    if live.bootstrap is not None:
        raise WorkflowActive(
            f"a bootstrap session ({live.bootstrap.session_id}) is already open in this process",
            suggestion='Continue it (zerops_workflow action="status"), or drop it with action="reset".',
            recovery=_STATUS,
        )
    if route == "recipe" and not recipe_slug:
        raise InvalidParameter(
            "route=recipe needs recipeSlug",
            suggestion="Take the recipeSlug from the route menu's recipe option.",
        )
    if route != "recipe" and recipe_slug:
        raise InvalidParameter(
            "recipeSlug is only for route=recipe", suggestion='Drop recipeSlug, or send route="recipe".'
        )
    match: RecipeMatch | None = None
    if recipe_slug:
        from zcp.knowledge.recipes import find_recipe

        doc = await anyio.to_thread.run_sync(lambda: find_recipe(app.knowledge().corpus, recipe_slug))
        if not doc.companion:
            raise DocumentNotFound(f"recipe {doc.name} has no import YAML", suggestion="Pick another recipe.")
        mode, _ = recipe_shape(doc.companion)
        match = RecipeMatch(
            slug=doc.name,
            title=doc.title,
            description=doc.description,
            import_yaml=doc.companion,
            mode=mode,
        )
    store = app.state

    def run() -> tuple[BootstrapSession, list[str]]:
        cleaned = store.prune_orphan_metas(live.live_hostnames) if live.services is not None else []
        session = _new_session(store, live, intent, route)
        assert session.bootstrap is not None
        session.bootstrap.recipe_match = match
        store.write_session(session)
        _register(store, session)
        return session, cleaned

    return await anyio.to_thread.run_sync(run)


async def resume(app: App, session_id: str) -> BootstrapSession:
    """Take over a bootstrap session whose zcp process is gone."""
    store = app.state

    def run() -> BootstrapSession:
        session = store.session(session_id)
        if session is None:
            raise SessionNotFound(
                f"no bootstrap session {session_id}",
                suggestion='See the open sessions with zerops_workflow action="list".',
            )
        if session.pid != store.pid and store.alive(session.pid):
            raise SessionNotFound(
                f"bootstrap session {session_id} belongs to zcp process {session.pid}, which is still running",
                suggestion="Continue it from that process, or stop that process first.",
            )
        session.pid = store.pid
        session.updated_at = store.now_text()
        if session.bootstrap is not None:
            session.bootstrap.resumed = True
        store.write_session(session)
        _register(store, session)
        return session

    return await anyio.to_thread.run_sync(run)


# --- discover -------------------------------------------------------------------------------------


async def _catalogue(app: App) -> frozenset[str] | None:
    platform = app.require_platform()
    try:
        types = await platform.client.list_service_stack_types()
    except ZcpError:
        return None
    from zcp.platform.status import is_system_category

    names = {
        v.name
        for t in types
        if not is_system_category(t.category)
        for v in t.service_stack_type_version_list
        if v.name and v.status.upper() in ("", "ACTIVE")
    }
    return frozenset(names) or None


def _locks(store: StateStore, own: str) -> dict[str, str]:
    held: dict[str, str] = {}
    for entry in store.registry().sessions:
        if entry.workflow != "bootstrap" or entry.session_id == own or not store.alive(entry.pid):
            continue
        try:
            other = store.session(entry.session_id)
        except ZcpError:
            continue
        if other is None:
            continue
        for host in planned_hostnames(_targets(other)):
            held[host] = f"bootstrap session {entry.session_id} (zcp process {entry.pid})"
    return held


async def complete_discover(app: App, live: LiveProject, plan: list[PlanTargetIn]) -> ValidatedPlan:
    """Validate and store the plan; the session moves on to provision."""
    session = _require(live)
    _step_guard(session, "discover")
    store = app.state
    catalogue = await _catalogue(app)
    live_types = {s.hostname: s.type_version for s in live.services or ()}
    locks = await anyio.to_thread.run_sync(_locks, store, session.session_id)
    validated = validate_plan(plan, catalogue=catalogue, live=live_types, locks=locks)
    state = session.bootstrap
    assert state is not None
    if state.route == "recipe" and state.recipe_match is not None:
        _check_recipe_plan(validated, state.recipe_match)
    now = store.now_text()
    state.plan = ServicePlan(
        targets=[PlanTarget.model_validate(t.model_dump(exclude_none=True)) for t in validated.targets],
        created_at=now,
    )
    _advance(session, now, attestation=plan_attestation(validated))
    await anyio.to_thread.run_sync(store.write_session, session)
    return validated


def _check_recipe_plan(plan: ValidatedPlan, recipe: RecipeMatch) -> None:
    mode, runtimes = recipe_shape(recipe.import_yaml)
    names = {h for h, _ in runtimes}
    problems = []
    for target in plan.targets:
        rt = target.runtime
        if mode and rt.bootstrapMode != mode:
            problems.append(
                f"{rt.devHostname}: the {recipe.slug} recipe is {mode} mode, not {rt.bootstrapMode}"
            )
        for host in (rt.devHostname, rt.stageHostname):
            if host and host not in names:
                problems.append(
                    f"{host}: the {recipe.slug} recipe names its runtimes {', '.join(sorted(names))}"
                )
    if problems:
        raise InvalidParameter(
            "the plan does not fit the recipe: " + "; ".join(problems),
            suggestion="Keep the recipe's hostnames and mode (its env references use them), or start over "
            'with route="classic".',
        )


# --- provision ------------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    status: Literal["pass", "fail", "skip"]
    detail: str | None = None
    recovery: ToolCall | None = None

    def wire(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "status": self.status}
        if self.detail:
            data["detail"] = self.detail
        if self.recovery is not None:
            data["recovery"] = self.recovery.wire()
        return data


@dataclass
class ProvisionReport:
    """What provision did and found."""

    passed: bool
    import_yaml: str | None = None
    imported: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    env_vars: dict[str, list[str]] = field(default_factory=dict)
    mounts: list[dict[str, Any]] = field(default_factory=list)
    finished: bool = False

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]


def _recipe_yaml(recipe: RecipeMatch, live: set[str], exists: set[str]) -> str | None:
    text = recipe.import_yaml or ""
    header = [
        line for line in text.splitlines() if line.startswith(("#yamlPreprocessor", "#zeropsPreprocessor"))
    ]
    data = yaml.safe_load(text) or {}
    services = [s for s in data.get("services") or [] if isinstance(s, dict)]
    kept = [s for s in services if s.get("hostname") not in live and s.get("hostname") not in exists]
    if not kept:
        return None
    body: str = yaml.safe_dump({"services": kept}, sort_keys=False, default_flow_style=False)
    return "\n".join([*header, body]) if header else body


async def _import(app: App, text: str, waiter: Waiter, report: ProvisionReport) -> None:
    from zcp.ops import importing

    platform = app.require_platform()
    document = importing.parse_document(text)
    importing.refuse_project_section(document)
    try:
        from zcp.schema import SchemaKind

        schema = await app.schemas().get(SchemaKind.IMPORT)
    except ZcpError:
        schema = None
    importing.check_schema(text, schema)
    await waiter.notify("importing the planned services")
    result = await platform.client.import_services(platform.project.id, text)
    pending: list[tuple[str, Process]] = []
    for imported in result.service_stacks:
        report.imported.append(imported.name)
        if imported.error is not None:
            report.checks.append(
                Check(f"{imported.name}_import", "fail", f"{imported.error.code}: {imported.error.message}")
            )
        pending += [(imported.name, p) for p in imported.processes]
    for waited in await waiter.wait_all(pending):
        if waited.still_running:
            report.checks.append(
                Check(
                    f"{waited.label}_created",
                    "fail",
                    "still being created when the wait ended",
                    ToolCall.of("zerops_process", processId=waited.process.id),
                )
            )
        elif waited.process.normalized_status != "FINISHED":
            report.checks.append(
                Check(
                    f"{waited.label}_created",
                    "fail",
                    f"creation ended {waited.process.normalized_status}",
                    ToolCall.of("zerops_events", serviceHostname=waited.label),
                )
            )


def _status_check(name: str, host: str, found: Any, ok: frozenset[str], want_type: str) -> Check:
    if found is None:
        return Check(name, "fail", f"{host} does not exist", ToolCall.of("zerops_discover"))
    status = found.status.upper().removeprefix("SERVICE_")
    if want_type and found.type_version and type_base(found.type_version) != type_base(want_type):
        return Check(name, "fail", f"{host} runs {found.type_version}, the plan says {want_type}")
    if status not in ok:
        return Check(
            name,
            "fail",
            f"{host} is {status} (expected {' or '.join(sorted(ok))})",
            ToolCall.of("zerops_events", serviceHostname=host),
        )
    return Check(name, "pass", f"{host} {status}")


async def provision(app: App, live: LiveProject, waiter: Waiter) -> ProvisionReport:
    """Create what the plan lacks, wait, check every planned service, record env var names."""
    from zcp.ops.targets import project_services

    session = _require(live)
    _step_guard(session, "provision")
    state = session.bootstrap
    assert state is not None
    assert state.plan is not None
    targets = _targets(session)
    platform = app.require_platform()
    report = ProvisionReport(passed=False)
    live_types = {s.hostname: s.type_version for s in live.services or ()}
    if state.route == "recipe" and state.recipe_match is not None:
        exists = {d.hostname for t in targets for d in t.dependencies if d.resolution == "EXISTS"}
        text = _recipe_yaml(state.recipe_match, set(live_types), exists)
    else:
        text = import_yaml_for(targets, live_types)
    report.import_yaml = text
    if text is not None:
        await _import(app, text, waiter, report)
    services = {s.name: s for s in await project_services(platform)}
    for target in targets:
        rt = target.runtime
        report.checks.append(
            _status_check(
                f"{rt.devHostname}_status",
                rt.devHostname,
                services.get(rt.devHostname),
                _EXISTING_OK if rt.isExisting else _UP,
                rt.type,
            )
        )
        if rt.stageHostname:
            report.checks.append(
                _status_check(
                    f"{rt.stageHostname}_status",
                    rt.stageHostname,
                    services.get(rt.stageHostname),
                    _STAGE_OK,
                    rt.type,
                )
            )
        for dep in target.dependencies:
            found = services.get(dep.hostname)
            check = _status_check(f"{dep.hostname}_status", dep.hostname, found, _UP, dep.type)
            report.checks.append(check)
            if (
                dep.resolution == "SHARED"
                or type_base(dep.type).startswith(_NO_ENV_PREFIXES)
                or found is None
            ):
                continue
            try:
                envs = await platform.client.get_service_env(found.id)
            except ZcpError as error:
                report.checks.append(
                    Check(f"{dep.hostname}_env_vars", "fail", f"reading env failed: {error.code}")
                )
                continue
            keys = sorted({e.key for e in envs})
            if keys:
                report.env_vars[dep.hostname] = keys
                report.checks.append(Check(f"{dep.hostname}_env_vars", "pass", f"{len(keys)} variables"))
            else:
                report.checks.append(
                    Check(f"{dep.hostname}_env_vars", "fail", "no env vars published yet", _STATUS)
                )
    report.passed = not report.failed
    store = app.state
    if report.passed:
        await anyio.to_thread.run_sync(_provisioned, store, session, report, live)
        if app.in_container:
            from zcp.ops.deploy.mounting import auto_mount

            report.mounts = await auto_mount(app, [t.runtime.devHostname for t in targets])
    else:
        state.discovered_env_vars = {**(state.discovered_env_vars or {}), **report.env_vars} or None
        session.updated_at = store.now_text()
        await anyio.to_thread.run_sync(store.write_session, session)
    return report


def _meta_mode(environment: str, bootstrap_mode: str) -> MetaMode:
    if environment == "local" and bootstrap_mode == "simple":
        return "local-stage"
    return "standard" if bootstrap_mode == "standard" else "dev" if bootstrap_mode == "dev" else "simple"


def _meta_for_target(
    store: StateStore, session: BootstrapSession, target: PlanTargetIn, environment: str, complete: bool
) -> ServiceMeta:
    rt = target.runtime
    existing = store.meta(rt.devHostname)
    mode = _meta_mode(environment, rt.bootstrapMode)
    if existing is not None and existing.complete:
        # Mode expansion or re-adoption: keep what was configured and deployed.
        existing.mode = mode
        existing.stage_hostname = rt.stageHostname
        return existing
    meta = ServiceMeta(
        hostname=rt.devHostname,
        mode=mode,
        stage_hostname=rt.stageHostname,
        close_deploy_mode="unset",
        git_push_state="unconfigured",
        build_integration="none",
        bootstrap_session="" if rt.isExisting else session.session_id,
    )
    if complete:
        meta.bootstrapped_at = format_time(store.clock.now())[:10]
    return meta


def _provisioned(
    store: StateStore, session: BootstrapSession, report: ProvisionReport, live: LiveProject
) -> None:
    state = session.bootstrap
    assert state is not None
    assert state.plan is not None
    state.discovered_env_vars = report.env_vars or None
    now = store.now_text()
    passed = [c.name for c in report.checks if c.status == "pass"]
    _advance(session, now, attestation=f"Provisioned and checked: {', '.join(passed)}")
    targets = _targets(session)
    for target in targets:
        store.write_meta(_meta_for_target(store, session, target, live.environment.value, complete=False))
    if state.plan.all_existing:
        _finish(store, session, live, skipped="every planned service already existed (pure adoption)")
        report.finished = True
    else:
        store.write_session(session)


def _finish(
    store: StateStore, session: BootstrapSession, live: LiveProject, *, skipped: str | None = None
) -> None:
    now = store.now_text()
    if current_step(session) == "close":
        _advance(session, now, attestation=None if skipped else "services recorded", skipped=skipped)
    for target in _targets(session):
        meta = _meta_for_target(store, session, target, live.environment.value, complete=True)
        if not meta.bootstrapped_at:
            meta.bootstrapped_at = format_time(store.clock.now())[:10]
        store.write_meta(meta)
    store.delete_session(session.session_id)
    store.unregister(session.session_id)


async def complete_close(app: App, live: LiveProject) -> BootstrapSession:
    """Write the complete metas and end the session."""
    session = _require(live)
    _step_guard(session, "close")
    await anyio.to_thread.run_sync(lambda: _finish(app.state, session, live))
    return session


async def skip_step(app: App, live: LiveProject, step: str, reason: str | None) -> BootstrapSession:
    """Skip ``close`` of a plan that creates nothing; discover and provision cannot be skipped."""
    session = _require(live)
    _step_guard(session, step)
    state = session.bootstrap
    assert state is not None
    if step != "close":
        raise InvalidParameter(
            f"the {step} step cannot be skipped",
            suggestion=f'Complete it: zerops_workflow action="complete" step="{step}".',
        )
    if state.plan is not None and state.plan.targets and not state.plan.all_existing:
        raise InvalidParameter(
            "close records the services this bootstrap created; it is skipped only when nothing was created",
            suggestion='Complete it: zerops_workflow action="complete" step="close".',
        )
    await anyio.to_thread.run_sync(
        lambda: _finish(app.state, session, live, skipped=reason or "skipped by user")
    )
    return session


async def iterate(app: App, live: LiveProject) -> BootstrapSession:
    """Send the session back to discover (its plan kept as context), up to the iteration cap.

    At the cap the bootstrap stops: :class:`IterationCapReached`, and this process's work session (if
    any) closes with reason ``iteration-cap``.
    """
    session = _require(live)
    store = app.state
    cap = app.settings.max_iterations
    if session.iteration + 1 >= cap:
        from zcp.ops.workflow.develop import close_for_iteration_cap

        await anyio.to_thread.run_sync(close_for_iteration_cap, store)
        raise IterationCapReached(
            f"the bootstrap was retried {session.iteration + 1} times (cap {cap})",
            suggestion="Stop retrying: tell the user what was tried and what failed, and ask how to proceed. "
            'zerops_workflow action="reset" drops the session.',
        )
    state = session.bootstrap
    assert state is not None
    session.iteration += 1
    for i, step in enumerate(state.steps):
        step.status = "in_progress" if i == 0 else "pending"
        step.completed_at = None
    state.current_step = 0
    state.active = True
    session.updated_at = store.now_text()
    await anyio.to_thread.run_sync(store.write_session, session)
    return session


@dataclass(frozen=True)
class ResetReport:
    session_id: str | None
    incomplete_metas: tuple[str, ...]
    orphan_metas: tuple[str, ...]
    quarantined: tuple[str, ...]
    work_session_closed: bool
    kept_metas: tuple[str, ...]


async def reset(app: App, live_hosts: set[str] | None) -> ResetReport:
    """Drop this process's bootstrap session and its provisional metas, close its work session, prune
    orphan metas and move unreadable state files aside (nothing is deleted that cannot be rebuilt)."""
    store = app.state

    def run() -> ResetReport:
        quarantined = tuple(str(store.quarantine(p)) for p in store.unreadable_files())
        session_id = None
        incomplete: list[str] = []
        for entry in store.registry().sessions:
            if entry.pid == store.pid and entry.workflow == "bootstrap":
                session_id = entry.session_id
        if session_id is not None:
            for meta in store.list_metas():
                if not meta.complete and meta.bootstrap_session == session_id:
                    store.delete_meta(meta.hostname)
                    incomplete.append(meta.hostname)
            store.delete_session(session_id)
            store.unregister(session_id)
        closed = store.work_session() is not None
        if closed:
            store.delete_work_session()
        store.unregister(f"work-{store.pid}")
        orphans = store.prune_orphan_metas(live_hosts) if live_hosts is not None else []
        kept = tuple(m.hostname for m in store.list_metas())
        return ResetReport(session_id, tuple(incomplete), tuple(orphans), quarantined, closed, kept)

    return await anyio.to_thread.run_sync(run)
