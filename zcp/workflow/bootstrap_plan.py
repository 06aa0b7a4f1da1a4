"""The bootstrap service plan: validation against the live project, and the import YAML it implies.

Pure: every input (the service catalogue, the live services, hostnames other sessions hold) is
passed in. :func:`validate_plan` collects **every** problem before answering, so one call tells the
agent all it has to fix; :func:`import_yaml_for` writes the services the plan still has to create,
with the per-role properties the platform facts call for:

============ ===================================================================================
role         import properties
============ ===================================================================================
dev          ``startWithoutCode: true``, ``maxContainers: 1``, ``enableSubdomainAccess: true``; a
             compiled runtime (Go, Rust, Java, .NET…) also ``verticalAutoscaling.minRam: 1``
stage        ``enableSubdomainAccess: true`` (it waits in READY_TO_DEPLOY for its first deploy)
simple       ``startWithoutCode: true``, ``enableSubdomainAccess: true``
managed      the 2026 type form for PostgreSQL, MariaDB, ClickHouse and Valkey (``postgresql:single@16``,
             ``:ha@16`` when HA is asked), ``mode`` (``NON_HA`` unless asked) for the others but object
             storage; ``priority: 10`` so it exists before the runtimes
============ ===================================================================================

Deviations from the original (``workflow-engine.md`` §12): the collision and ``CREATE``/``EXISTS``
checks run against the live services (the original passed none, so they never ran); hostnames
follow the platform's 25-character rule; a mode expansion (an existing dev half gaining a new stage)
is recognised instead of failing the collision rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from zcp.axes import RuntimeClass, runtime_class_for
from zcp.errors import InvalidParameter, WorkflowActive
from zcp.hostnames import HOSTNAME_RULE, is_valid_hostname
from zcp.schema.managed_types import MODE_OF_VARIANT, VARIANT_OF_MODE, VARIANTS, parse_type

__all__ = [
    "COMPILED_PREFIXES",
    "PlanDependencyIn",
    "PlanRuntimeIn",
    "PlanTargetIn",
    "ValidatedPlan",
    "import_yaml_for",
    "plan_attestation",
    "planned_hostnames",
    "type_base",
    "validate_plan",
]

#: Runtimes that compile at build time and need memory to do it on a dev service.
COMPILED_PREFIXES = ("go", "golang", "rust", "java", "dotnet", "gleam", "elixir")
#: Managed types without an HA/NON_HA mode.
_MODELESS_PREFIXES = ("object-storage", "objectstorage")

Resolution = Literal["CREATE", "EXISTS", "SHARED"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanRuntimeIn(_Strict):
    """The runtime of one plan entry."""

    devHostname: str = Field(description="hostname of the dev (or only) service")
    type: str = Field(description="type@version, e.g. nodejs@22")
    isExisting: bool = Field(default=False, description="true: adopt a service that already exists")
    bootstrapMode: Literal["standard", "dev", "simple"]
    stageHostname: str | None = Field(default=None, description="required for standard")


class PlanDependencyIn(_Strict):
    """A managed service the runtime uses."""

    hostname: str
    type: str
    mode: Literal["HA", "NON_HA"] | None = None
    resolution: Resolution


class PlanTargetIn(_Strict):
    """One plan entry: a runtime and its managed dependencies."""

    runtime: PlanRuntimeIn
    dependencies: list[PlanDependencyIn] = Field(default_factory=list)


@dataclass(frozen=True)
class ValidatedPlan:
    """A plan that passed every check, with managed modes filled in."""

    targets: tuple[PlanTargetIn, ...]
    #: Managed dependencies whose mode was not given and defaulted to NON_HA.
    defaulted: tuple[str, ...] = ()

    @property
    def all_existing(self) -> bool:
        return bool(self.targets) and all(
            t.runtime.isExisting and all(d.resolution == "EXISTS" for d in t.dependencies)
            for t in self.targets
        )


def type_base(type_version: str) -> str:
    """``postgresql@16`` → ``postgresql``; ``postgresql:ha@16`` → ``postgresql``."""
    return type_version.split("@", 1)[0].split(":", 1)[0].strip().lower()


def _canonical_type(type_version: str) -> str:
    """The catalogue spelling of a type: the 2026 ``name:single@N`` / ``name:ha@N`` form maps to ``name@N``."""
    name, _, version = type_version.partition("@")
    return f"{name.split(':', 1)[0]}@{version}" if version else name.split(":", 1)[0]


def _is_managed(type_version: str) -> bool:
    return runtime_class_for(type_version) is RuntimeClass.MANAGED


def _carries_mode(type_version: str) -> bool:
    """Whether the type names its HA mode itself (the 2026 ``postgresql:ha@16`` form)."""
    return ":" in type_version.split("@", 1)[0]


def _check_type(where: str, type_version: str, catalogue: frozenset[str] | None, problems: list[str]) -> None:
    if not type_version.strip():
        problems.append(f"{where}: type is required (type@version, e.g. nodejs@22)")
        return
    # A deployment variant only where the platform takes one: the import refuses ``nats:ha@2.12``.
    parsed = parse_type(type_version)
    if parsed.variant is not None and parsed.variant not in VARIANTS:
        problems.append(f"{where}: unknown deployment variant {parsed.variant!r} (use :single or :ha)")
    elif parsed.variant is not None and not parsed.takes_variant:
        instead = (
            f"{parsed.legacy} with mode {MODE_OF_VARIANT[parsed.variant]}"
            if _is_managed(type_version)
            else parsed.legacy
        )
        problems.append(
            f"{where}: {parsed.technology} takes no :{parsed.variant} in its type (use {instead})"
        )
    if catalogue is not None and _canonical_type(type_version) not in catalogue:
        base = type_base(type_version)
        same = sorted(t for t in catalogue if t.startswith(base + "@"))
        hint = f" (available: {', '.join(same)})" if same else ""
        problems.append(f"{where}: {type_version!r} is not a service type this platform offers{hint}")


def _check_host(where: str, host: str, problems: list[str]) -> bool:
    if not is_valid_hostname(host):
        problems.append(f"{where}: {host!r} is not a valid hostname ({HOSTNAME_RULE})")
        return False
    return True


def validate_plan(
    targets: Sequence[PlanTargetIn],
    *,
    catalogue: frozenset[str] | None,
    live: Mapping[str, str] | None,
    locks: Mapping[str, str] | None = None,
) -> ValidatedPlan:
    """Check a discover plan; raises :class:`InvalidParameter` listing every problem.

    ``catalogue`` holds the platform's ``type@version`` names (``None``: unknown, not checked);
    ``live`` maps the project's hostnames to their types (``None``: unknown); ``locks`` maps
    hostnames to a description of the other live session that holds them (→ ``WORKFLOW_ACTIVE``).
    """
    problems: list[str] = []
    defaulted: list[str] = []
    claimed: dict[str, str] = {}  # hostname -> which entry creates or adopts it
    created_deps: set[str] = set()
    shared: list[tuple[str, str]] = []
    fixed: list[PlanTargetIn] = []

    def claim(host: str, what: str) -> None:
        if host in claimed:
            problems.append(f"{what}: hostname {host!r} is already used by {claimed[host]}")
        else:
            claimed[host] = what

    for index, target in enumerate(targets):
        rt = target.runtime
        where = f"plan[{index}].runtime"
        dev_ok = _check_host(f"{where}.devHostname", rt.devHostname, problems)
        _check_type(f"{where}.type", rt.type, catalogue, problems)
        if _is_managed(rt.type):
            problems.append(f"{where}.type: {rt.type} is a managed service; list it under dependencies")
        if dev_ok:
            claim(rt.devHostname, f"{where}.devHostname")
        if rt.bootstrapMode == "standard":
            if not rt.stageHostname:
                problems.append(
                    f"{where}.stageHostname: standard mode needs the stage hostname "
                    f"(e.g. {rt.devHostname.removesuffix('dev') or 'app'}stage)"
                )
            elif rt.stageHostname == rt.devHostname:
                problems.append(f"{where}.stageHostname: must differ from devHostname")
            elif _check_host(f"{where}.stageHostname", rt.stageHostname, problems):
                claim(rt.stageHostname, f"{where}.stageHostname")
        elif rt.stageHostname:
            problems.append(f"{where}.stageHostname: only standard mode has a stage half")
        if live is not None and dev_ok:
            exists = rt.devHostname in live
            if exists and not rt.isExisting:
                problems.append(
                    f"{where}.devHostname: {rt.devHostname} already exists; set isExisting: true to adopt it, "
                    "or choose another hostname"
                )
            elif not exists and rt.isExisting:
                problems.append(
                    f"{where}.devHostname: {rt.devHostname} does not exist, so isExisting must be false"
                )
            elif exists and _canonical_type(live[rt.devHostname]) != _canonical_type(rt.type):
                problems.append(f"{where}.type: {rt.devHostname} runs {live[rt.devHostname]}, not {rt.type}")
            stage = rt.stageHostname
            if stage and stage in live and not rt.isExisting:
                problems.append(
                    f"{where}.stageHostname: {stage} already exists; adopt the pair with isExisting: true"
                )
        deps: list[PlanDependencyIn] = []
        for j, dep in enumerate(target.dependencies):
            dwhere = f"plan[{index}].dependencies[{j}]"
            ok = _check_host(f"{dwhere}.hostname", dep.hostname, problems)
            _check_type(f"{dwhere}.type", dep.type, catalogue, problems)
            managed = _is_managed(dep.type)
            if dep.type.strip() and not managed:
                problems.append(f"{dwhere}.type: {dep.type} is a runtime; plan it as its own entry")
            mode = dep.mode
            needs_mode = not _carries_mode(dep.type) and not type_base(dep.type).startswith(
                _MODELESS_PREFIXES
            )
            if managed and mode is None and dep.resolution == "CREATE" and needs_mode:
                mode = "NON_HA"
                defaulted.append(dep.hostname)
            if ok:
                if dep.resolution == "SHARED":
                    shared.append((dep.hostname, dwhere))
                else:
                    claim(dep.hostname, dwhere)
                if dep.resolution == "CREATE":
                    created_deps.add(dep.hostname)
                if live is not None and dep.resolution == "CREATE" and dep.hostname in live:
                    problems.append(
                        f"{dwhere}: {dep.hostname} already exists; use resolution EXISTS to use it"
                    )
                if live is not None and dep.resolution == "EXISTS" and dep.hostname not in live:
                    problems.append(f"{dwhere}: {dep.hostname} does not exist; use resolution CREATE")
            deps.append(dep.model_copy(update={"mode": mode}))
        fixed.append(target.model_copy(update={"dependencies": deps}))
    for host, where in shared:
        if host not in created_deps:
            problems.append(f"{where}: SHARED needs another plan entry that CREATEs {host}")
    if problems:
        count = f"{len(problems)} problems" if len(problems) > 1 else "1 problem"
        raise InvalidParameter(
            f"the service plan has {count}: " + "; ".join(problems),
            suggestion="Fix each named field and submit the whole plan again with "
            'zerops_workflow action="complete" step="discover" plan=[…].',
            details={"problems": problems},
        )
    for host in claimed:
        holder = (locks or {}).get(host)
        if holder:
            raise WorkflowActive(
                f"{host} is being bootstrapped by {holder}",
                suggestion="Plan other hostnames, or wait until that session finishes.",
                details={"hostname": host},
            )
    return ValidatedPlan(targets=tuple(fixed), defaulted=tuple(defaulted))


def planned_hostnames(targets: Sequence[PlanTargetIn]) -> list[str]:
    """Every hostname a plan creates or adopts (runtimes, stages, dependencies), deduplicated, sorted."""
    hosts: set[str] = set()
    for target in targets:
        hosts.add(target.runtime.devHostname)
        if target.runtime.stageHostname:
            hosts.add(target.runtime.stageHostname)
        hosts.update(d.hostname for d in target.dependencies)
    return sorted(hosts)


def plan_attestation(plan: ValidatedPlan) -> str:
    """A one-line record of the plan (kept in the session's discover step)."""
    parts = []
    for target in plan.targets:
        rt = target.runtime
        stage = f" + {rt.stageHostname}" if rt.stageHostname else ""
        existing = ", existing" if rt.isExisting else ""
        parts.append(f"{rt.devHostname}{stage} ({rt.type}, {rt.bootstrapMode}{existing})")
        for dep in target.dependencies:
            mode = f", {dep.mode}" if dep.mode else ""
            flag = " [defaulted]" if dep.hostname in plan.defaulted else ""
            parts.append(f"{dep.hostname} ({dep.type}{mode}, {dep.resolution}){flag}")
    return "Planned: " + ("; ".join(parts) if parts else "no runtime (managed services only)")


def _runtime_entry(
    hostname: str, type_version: str, role: Literal["dev", "stage", "simple"]
) -> dict[str, object]:
    entry: dict[str, object] = {"hostname": hostname, "type": type_version}
    if role in ("dev", "simple"):
        entry["startWithoutCode"] = True
    if role == "dev":
        entry["maxContainers"] = 1
    entry["enableSubdomainAccess"] = True
    if role == "dev" and type_base(type_version).startswith(COMPILED_PREFIXES):
        entry["verticalAutoscaling"] = {"minRam": 1}
    return entry


def import_yaml_for(targets: Sequence[PlanTargetIn], live: Mapping[str, str]) -> str | None:
    """The import YAML creating what the plan has and the project lacks (``None``: nothing to create).

    Managed services come first (``priority: 10``), then runtimes in plan order.
    """
    managed: list[dict[str, object]] = []
    runtimes: list[dict[str, object]] = []
    seen: set[str] = set(live)
    for target in targets:
        for dep in target.dependencies:
            if dep.resolution != "CREATE" or dep.hostname in seen:
                continue
            seen.add(dep.hostname)
            kind = parse_type(dep.type)
            entry: dict[str, object] = {"hostname": dep.hostname, "type": dep.type}
            if kind.takes_variant and kind.variant is None:
                # The 2026 form: the deployment choice is part of the type (``mode`` is deprecated there).
                entry["type"] = kind.with_variant(VARIANT_OF_MODE[dep.mode or "NON_HA"])
            elif dep.mode and not _carries_mode(dep.type):
                entry["mode"] = dep.mode
            if type_base(dep.type).startswith(_MODELESS_PREFIXES):
                entry["objectStorageSize"] = 2
            entry["priority"] = 10
            managed.append(entry)
        rt = target.runtime
        dev_role: Literal["dev", "simple"] = "simple" if rt.bootstrapMode == "simple" else "dev"
        if rt.devHostname not in seen:
            seen.add(rt.devHostname)
            runtimes.append(_runtime_entry(rt.devHostname, rt.type, dev_role))
        if rt.stageHostname and rt.stageHostname not in seen:
            seen.add(rt.stageHostname)
            runtimes.append(_runtime_entry(rt.stageHostname, rt.type, "stage"))
    services = managed + runtimes
    if not services:
        return None
    text: str = yaml.safe_dump({"services": services}, sort_keys=False, default_flow_style=False)
    return text
