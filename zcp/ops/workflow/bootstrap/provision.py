"""The provision step: create what the plan lacks, wait, check every planned service.

:func:`provision` writes the import YAML for the planned services that do not exist yet (on the
recipe route, the recipe's own YAML minus what exists), imports it and waits for the processes with
progress through a :class:`Waiter`. Then every planned service is checked — a new runtime must run,
an adopted one may also be stopped or never deployed, a stage half may still be empty — and each
managed dependency's env var names are read. The answer is a :class:`ProvisionReport`.

It is single-shot: with a failed check the session stays at provision (the env var names found so
far are kept) and can be completed again. With every check passed the provisional metas are written
and the session moves on to close — or finishes at once when every planned service already existed
(a pure adoption); inside a Zerops container the dev services are then mounted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, Protocol

import anyio.to_thread
import yaml

from zcp.calls import ToolCall
from zcp.errors import ZcpError
from zcp.ops.concurrency import gather
from zcp.ops.workflow.bootstrap.close import finish, meta_for_target
from zcp.ops.workflow.bootstrap.session import advance, plan_targets, require_session, step_guard
from zcp.state.models import BootstrapSession, RecipeMatch
from zcp.workflow.actions import STATUS_CALL
from zcp.workflow.bootstrap_plan import import_yaml_for, type_base

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.auth import PlatformConnection
    from zcp.ops.workflow.live import LiveProject
    from zcp.platform.models import Process, ServiceEnv
    from zcp.state.store import StateStore
    from zcp.workflow.bootstrap_plan import PlanDependencyIn

__all__ = ["Check", "ProvisionReport", "WaitedProcess", "Waiter", "provision"]

_UP = frozenset({"RUNNING", "ACTIVE"})
_STAGE_OK = frozenset({"NEW", "READY_TO_DEPLOY", "RUNNING", "ACTIVE"})
#: An existing runtime is adopted as it is: stopped or never deployed is a state, not a failure.
_EXISTING_OK = frozenset({"READY_TO_DEPLOY", "RUNNING", "ACTIVE", "STOPPED"})
_NO_ENV_PREFIXES = ("shared-storage", "sharedstorage", "object-storage", "objectstorage")


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
    from zcp.safe_yaml import load_yaml

    data = load_yaml(text, what=f"recipe {recipe.slug}'s import YAML") or {}
    services = [
        s for s in (data.get("services") if isinstance(data, dict) else None) or [] if isinstance(s, dict)
    ]
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


def _status_check(host: str, found: Any, ok: frozenset[str], want_type: str) -> Check:
    name = f"{host}_status"
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


def _publishes_env(dep: PlanDependencyIn, found: Any) -> bool:
    """Whether a dependency's env var names are worth recording (shared and storage services publish
    none worth it; a service that is not there has none)."""
    return not (
        dep.resolution == "SHARED" or type_base(dep.type).startswith(_NO_ENV_PREFIXES) or found is None
    )


async def _read_dependency_envs(
    platform: PlatformConnection, deps: list[tuple[PlanDependencyIn, Any]]
) -> dict[str, list[ServiceEnv] | ZcpError]:
    """The variables of every dependency that publishes some, read concurrently (an error is kept
    for its check)."""
    read: dict[str, list[ServiceEnv] | ZcpError] = {}

    async def one(dep: PlanDependencyIn, found: Any) -> None:
        try:
            read[dep.hostname] = await platform.client.get_service_env(found.id)
        except ZcpError as error:
            read[dep.hostname] = error

    await gather(*(partial(one, d, f) for d, f in deps if _publishes_env(d, f)), limit=8)
    return read


def _env_var_check(
    dep: PlanDependencyIn, found: Any, envs: list[ServiceEnv] | ZcpError | None, report: ProvisionReport
) -> None:
    """Record the env var names a managed dependency publishes."""
    if not _publishes_env(dep, found) or envs is None:
        return
    name = f"{dep.hostname}_env_vars"
    if isinstance(envs, ZcpError):
        report.checks.append(Check(name, "fail", f"reading env failed: {envs.code}"))
        return
    keys = sorted({e.key for e in envs})
    if keys:
        report.env_vars[dep.hostname] = keys
        report.checks.append(Check(name, "pass", f"{len(keys)} variables"))
    else:
        report.checks.append(Check(name, "fail", "no env vars published yet", STATUS_CALL))


async def provision(app: App, live: LiveProject, waiter: Waiter) -> ProvisionReport:
    """Create what the plan lacks, wait, check every planned service, record env var names."""
    from zcp.ops.targets import project_services

    session = require_session(live)
    step_guard(session, "provision")
    state = session.bootstrap
    assert state is not None
    assert state.plan is not None
    targets = plan_targets(session)
    platform = app.require_platform()
    report = ProvisionReport(passed=False)
    live_types = live.live_types
    if state.route == "recipe" and state.recipe_match is not None:
        exists = {d.hostname for t in targets for d in t.dependencies if d.resolution == "EXISTS"}
        text = _recipe_yaml(state.recipe_match, set(live_types), exists)
    else:
        text = import_yaml_for(targets, live_types)
    report.import_yaml = text
    if text is not None:
        await _import(app, text, waiter, report)
    services = {s.name: s for s in await project_services(platform)}
    dep_envs = await _read_dependency_envs(
        platform, [(dep, services.get(dep.hostname)) for target in targets for dep in target.dependencies]
    )
    for target in targets:
        rt = target.runtime
        ok = _EXISTING_OK if rt.isExisting else _UP
        report.checks.append(_status_check(rt.devHostname, services.get(rt.devHostname), ok, rt.type))
        if rt.stageHostname:
            stage = services.get(rt.stageHostname)
            report.checks.append(_status_check(rt.stageHostname, stage, _STAGE_OK, rt.type))
        for dep in target.dependencies:
            found = services.get(dep.hostname)
            report.checks.append(_status_check(dep.hostname, found, _UP, dep.type))
            _env_var_check(dep, found, dep_envs.get(dep.hostname), report)
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


def _provisioned(
    store: StateStore, session: BootstrapSession, report: ProvisionReport, live: LiveProject
) -> None:
    """Every check passed: move on to close with provisional metas (or finish a pure adoption)."""
    state = session.bootstrap
    assert state is not None
    assert state.plan is not None
    state.discovered_env_vars = report.env_vars or None
    now = store.now_text()
    passed = [c.name for c in report.checks if c.status == "pass"]
    advance(session, now, attestation=f"Provisioned and checked: {', '.join(passed)}")
    for target in plan_targets(session):
        store.write_meta(meta_for_target(store, session, target, live.environment.value, complete=False))
    if state.plan.all_existing:
        finish(store, session, live, skipped="every planned service already existed (pure adoption)")
        report.finished = True
    else:
        store.write_session(session)
