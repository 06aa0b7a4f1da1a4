"""Import YAML into a project: validate everything first, then create services that come up on the clock.

:func:`plan_import` reads the YAML and checks every service against the catalogue and the project
(hostnames, types, modes, container counts, scaling, secrets, mounts), collecting every problem by
field. Any problem means one 4xx answer and no change at all. A clean plan is applied by
:func:`apply_import`: services appear as ``CREATING``, each with a ``stack.import`` process, and when it
finishes managed services are ``ACTIVE`` with generated credentials, runtimes ``ACTIVE`` if they start
without code (plus the build-less ``NONE`` app version) or ``READY_TO_DEPLOY`` until the first deploy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, TypeGuard

import yaml

from zcp.hostnames import HOSTNAME_PATTERN, HOSTNAME_RULE
from zcp.sandbox.catalogue import StackType, StackVersion, find_version
from zcp.sandbox.envs import KEY_PATTERN, generated_env, parse_env_file
from zcp.sandbox.failures import ApiFailure
from zcp.sandbox.model import EnvVar, Grant, Process, Project, Service, ServicePort
from zcp.sandbox.sandbox import Sandbox
from zcp.schema.managed_types import MODE_OF_VARIANT, check_entry, deployment, parse_type

HOSTNAME: Final = re.compile(HOSTNAME_PATTERN)
KNOWN_KEYS: Final = frozenset(
    {
        "hostname",
        "type",
        "mode",
        "priority",
        "enableSubdomainAccess",
        "startWithoutCode",
        "override",
        "minContainers",
        "maxContainers",
        "envSecrets",
        "dotEnvSecrets",
        "envVariables",
        "buildFromGit",
        "zeropsSetup",
        "zeropsYaml",
        "nginxConfig",
        "objectStorageSize",
        "objectStoragePolicy",
        "objectStorageRawPolicy",
        "mount",
        "verticalAutoscaling",
        "profile",
        "profileOverrides",
    }
)
OBJECT_STORAGE_POLICIES: Final = frozenset(
    {"custom", "private", "public-read", "public-objects-read", "public-write", "public-read-write"}
)
#: import key → (customAutoscaling path, minimum, maximum, whole number?)
_VERTICAL: Final = {
    "minCpu": (("minResource", "cpuCoreCount"), 1, 8, True),
    "maxCpu": (("maxResource", "cpuCoreCount"), 1, 8, True),
    "minRam": (("minResource", "memoryGBytes"), 0.125, 48, False),
    "maxRam": (("maxResource", "memoryGBytes"), 0.125, 48, False),
    "minDisk": (("minResource", "diskGBytes"), 1, 250, False),
    "maxDisk": (("maxResource", "diskGBytes"), 1, 250, False),
    "startCpuCoreCount": (("startCpuCoreCount",), 1, 8, True),
    "minFreeRamGB": (("minFreeResource", "memoryGBytes"), 0, 48, False),
    "minFreeRamPercent": (("minFreeResource", "memoryPercent"), 0, 100, False),
    "minFreeCpuCores": (("minFreeResource", "cpuCoreCount"), 0, 8, False),
    "minFreeCpuPercent": (("minFreeResource", "cpuCorePercent"), 0, 100, False),
}
_MESSAGES: Final = {
    "projectImportInvalidYaml": "The import YAML cannot be parsed.",
    "projectImportInvalidConfigStructure": "The import YAML does not have the expected structure.",
    "projectImportProjectIncluded": "A project section cannot be imported into an existing project.",
    "projectImportMissingParameter": "A required parameter is missing.",
    "projectImportInvalidParameter": "Invalid parameter provided.",
    "serviceStackTypeNotFound": "Service stack type not found.",
    "serviceStackNameInvalid": "Invalid service stack name.",
    "serviceStackNameUnavailable": "Service stack name is already taken.",
}


@dataclass
class PlannedService:
    hostname: str
    stack_type: StackType
    version: StackVersion
    mode: str
    priority: int = 0
    subdomain: bool = False
    start_without_code: bool = False
    replaces: Service | None = None
    secrets: dict[str, str] = field(default_factory=dict)
    mounts: list[str] = field(default_factory=list)  # storage hostnames
    autoscaling: dict[str, Any] | None = None
    object_storage_size: int | None = None
    object_storage_policy: str | None = None
    zerops_setup: str | None = None
    build_from_git: str | None = None


class _Problems:
    """Field problems grouped by API code, in the order they were found."""

    def __init__(self) -> None:
        self.by_code: dict[str, dict[str, list[str]]] = {}

    def add(self, code: str, field_name: str, message: str) -> None:
        self.by_code.setdefault(code, {}).setdefault(field_name, []).append(message)

    def raise_if_any(self) -> None:
        if not self.by_code:
            return
        first = next(iter(self.by_code))
        meta = []
        for code, fields in self.by_code.items():
            metadata: Mapping[str, list[str]] = (
                {"parameter": sorted(fields)} if code == "projectImportMissingParameter" else fields
            )
            meta.append(
                {"code": code, "error": _MESSAGES.get(code, "Invalid import."), "metadata": dict(metadata)}
            )
        raise ApiFailure(400, first, _MESSAGES.get(first, "Invalid import."), meta)


def _structure_error(code: str, reason: str) -> ApiFailure:
    return ApiFailure(
        400,
        code,
        _MESSAGES[code],
        [{"code": code, "error": _MESSAGES[code], "metadata": {"reason": [reason]}}],
    )


def _whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def plan_import(sandbox: Sandbox, project: Project, text: Any) -> list[PlannedService]:
    """Validate import YAML against the project; returns the plan or raises one ApiFailure. Changes nothing."""
    if not isinstance(text, str) or not text.strip():
        raise ApiFailure(
            400, "invalidUserInput", "Invalid user input.", [{"parameter": "yaml", "message": "required"}]
        )
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise _structure_error("projectImportInvalidYaml", " ".join(str(error).split())) from None
    if not isinstance(document, dict):
        raise _structure_error(
            "projectImportInvalidConfigStructure", "the document must be a mapping with services"
        )
    if "project" in document:
        raise _structure_error("projectImportProjectIncluded", "remove the project section")
    services = document.get("services")
    if not isinstance(services, list) or not services:
        raise _structure_error("projectImportInvalidConfigStructure", "services must be a non-empty list")

    problems = _Problems()
    existing = {s.name: s for s in sandbox.project_services(project.id)}
    seen: set[str] = set()
    plan: list[PlannedService] = []
    for index, entry in enumerate(services):
        if not isinstance(entry, dict):
            problems.add("projectImportInvalidConfigStructure", f"services[{index}]", "must be a mapping")
            continue
        planned = _plan_service(index, entry, existing, seen, problems)
        if planned is not None:
            plan.append(planned)
    storages = {p.hostname for p in plan if p.stack_type.category == "SHARED_STORAGE"}
    storages |= {name for name, s in existing.items() if s.category == "SHARED_STORAGE"}
    for planned in plan:
        for mount in planned.mounts:
            if mount not in storages:
                problems.add(
                    "projectImportInvalidParameter",
                    f"{planned.hostname}.mount",
                    f"{mount} is not a shared storage",
                )
    problems.raise_if_any()
    return plan


def _plan_service(
    index: int, entry: dict[str, Any], existing: dict[str, Service], seen: set[str], problems: _Problems
) -> PlannedService | None:
    hostname = entry.get("hostname")
    if not isinstance(hostname, str) or not hostname:
        problems.add("projectImportMissingParameter", f"services[{index}].hostname", "required")
        return None
    host = hostname
    if not HOSTNAME.match(hostname):
        problems.add(
            "serviceStackNameInvalid",
            f"{host}.hostname",
            HOSTNAME_RULE,
        )
    if hostname in seen:
        problems.add("projectImportInvalidParameter", f"{host}.hostname", "duplicate hostname in this import")
    seen.add(hostname)
    override = entry.get("override") is True
    taken = existing.get(hostname)
    if taken is not None and not override:
        problems.add(
            "serviceStackNameUnavailable", f"{host}.hostname", f"{hostname} already exists in the project"
        )
    for key in sorted(set(entry) - KNOWN_KEYS):
        problems.add("projectImportInvalidParameter", f"{host}.{key}", "unknown field")
    for key in ("enableSubdomainAccess", "startWithoutCode", "override"):
        if key in entry and not isinstance(entry[key], bool):
            problems.add("projectImportInvalidParameter", f"{host}.{key}", "must be true or false")
    if "priority" in entry and not _whole(entry["priority"]):
        problems.add("projectImportInvalidParameter", f"{host}.priority", "must be a whole number")

    type_name = entry.get("type")
    if not isinstance(type_name, str) or not type_name:
        problems.add("projectImportMissingParameter", f"{host}.type", "required")
        return None
    found = find_version(type_name)
    if found is None:
        problems.add("serviceStackTypeNotFound", "serviceStackTypeVersion", type_name)
        return None
    stack_type, version = found

    mode = entry.get("mode")
    # A :single/:ha variant in the type decides the deployment; mode is then deprecated and ignored.
    variant = parse_type(type_name).variant
    if stack_type.category == "OBJECT_STORAGE" and mode is not None:
        problems.add("projectImportInvalidParameter", f"{host}.mode", "mode not supported")
    elif mode is not None and mode not in ("HA", "NON_HA"):
        problems.add(
            "projectImportInvalidParameter", f"{host}.mode", f"Allowed values: [HA, NON_HA], {mode} given."
        )
    elif mode is None and variant is None and stack_type.is_managed and not stack_type.takes_variant:
        problems.add("projectImportMissingParameter", f"{host}.mode", "required for managed services")
    if stack_type.is_managed:
        mode = MODE_OF_VARIANT[deployment(type_name, mode)]
    for finding in check_entry(entry):
        if finding.blocking and finding.key in ("profile", "profileOverrides"):
            problems.add("projectImportInvalidParameter", f"{host}.{finding.key}", finding.message)

    for key in ("minContainers", "maxContainers"):
        value = entry.get(key)
        if value is None:
            continue
        if not stack_type.is_runtime:
            problems.add(
                "projectImportInvalidParameter", f"{host}.{key}", "only runtime services scale horizontally"
            )
        elif not _whole(value) or not 1 <= value <= 10:
            problems.add(
                "projectImportInvalidParameter", f"{host}.{key}", "must be a whole number between 1 and 10"
            )
    low, high = entry.get("minContainers"), entry.get("maxContainers")
    if _whole(low) and _whole(high) and low > high:
        problems.add(
            "projectImportInvalidParameter", f"{host}.minContainers", f"{low} is above maxContainers {high}"
        )

    secrets: dict[str, str] = {}
    env_secrets = entry.get("envSecrets")
    if env_secrets is not None:
        if not isinstance(env_secrets, dict):
            problems.add(
                "projectImportInvalidParameter", f"{host}.envSecrets", "must be a mapping of KEY: value"
            )
        else:
            for key, value in env_secrets.items():
                if not isinstance(key, str) or not KEY_PATTERN.match(key):
                    problems.add(
                        "projectImportInvalidParameter", f"{host}.envSecrets", f"invalid key {key!r}"
                    )
                elif isinstance(value, dict | list):
                    problems.add(
                        "projectImportInvalidParameter", f"{host}.envSecrets.{key}", "must be a scalar"
                    )
                else:
                    secrets[key] = "" if value is None else str(value)
    dot_env = entry.get("dotEnvSecrets")
    if dot_env is not None:
        if not isinstance(dot_env, str):
            problems.add("projectImportInvalidParameter", f"{host}.dotEnvSecrets", "must be .env text")
        else:
            values, env_problems = parse_env_file(dot_env)
            for where, texts in env_problems.items():
                for text in texts:
                    problems.add("projectImportInvalidParameter", f"{host}.dotEnvSecrets", f"{where}: {text}")
            secrets.update(values)

    mounts = entry.get("mount") or []
    if not isinstance(mounts, list) or not all(isinstance(m, str) for m in mounts):
        problems.add("projectImportInvalidParameter", f"{host}.mount", "must be a list of storage hostnames")
        mounts = []
    elif mounts and not stack_type.is_runtime:
        problems.add(
            "projectImportInvalidParameter", f"{host}.mount", "only runtime services mount shared storage"
        )

    size = entry.get("objectStorageSize")
    policy = entry.get("objectStoragePolicy")
    if stack_type.category == "OBJECT_STORAGE":
        if size is not None and (not _whole(size) or not 1 <= size <= 100):
            problems.add(
                "projectImportInvalidParameter",
                f"{host}.objectStorageSize",
                "must be a whole number of GB, 1 to 100",
            )
        if policy is not None and policy not in OBJECT_STORAGE_POLICIES:
            problems.add(
                "projectImportInvalidParameter",
                f"{host}.objectStoragePolicy",
                f"Allowed values: {sorted(OBJECT_STORAGE_POLICIES)}",
            )
    elif size is not None or policy is not None:
        problems.add("projectImportInvalidParameter", f"{host}.objectStorageSize", "only for object storage")

    autoscaling = _plan_scaling(host, entry, stack_type, problems)
    return PlannedService(
        hostname=hostname,
        stack_type=stack_type,
        version=version,
        mode=mode if mode in ("HA", "NON_HA") else "NON_HA",
        priority=priority if _whole(priority := entry.get("priority")) else 0,
        subdomain=entry.get("enableSubdomainAccess") is True,
        start_without_code=entry.get("startWithoutCode") is True,
        replaces=taken if override else None,
        secrets=secrets,
        mounts=list(mounts),
        autoscaling=autoscaling,
        object_storage_size=size if _whole(size) else None,
        object_storage_policy=policy if isinstance(policy, str) else None,
        zerops_setup=entry.get("zeropsSetup") if isinstance(entry.get("zeropsSetup"), str) else None,
        build_from_git=entry.get("buildFromGit") if isinstance(entry.get("buildFromGit"), str) else None,
    )


def _plan_scaling(
    host: str, entry: dict[str, Any], stack_type: StackType, problems: _Problems
) -> dict[str, Any] | None:
    vertical = entry.get("verticalAutoscaling")
    horizontal = {
        "minContainerCount": entry.get("minContainers"),
        "maxContainerCount": entry.get("maxContainers"),
    }
    result: dict[str, Any] = {}
    if any(v is not None for v in horizontal.values()) and stack_type.is_runtime:
        result["horizontalAutoscaling"] = horizontal
    if vertical is None:
        return result or None
    where = f"{host}.verticalAutoscaling"
    if stack_type.is_storage:
        problems.add("projectImportInvalidParameter", where, "not supported for storage services")
        return None
    if not isinstance(vertical, dict):
        problems.add("projectImportInvalidParameter", where, "must be a mapping")
        return None
    shaped: dict[str, Any] = {}
    for key, value in vertical.items():
        if key == "cpuMode":
            if value not in ("SHARED", "DEDICATED"):
                problems.add(
                    "projectImportInvalidParameter",
                    f"{where}.cpuMode",
                    f"Allowed values: [SHARED, DEDICATED], {value} given.",
                )
            shaped["cpuMode"] = value
        elif key == "swapEnabled":
            if not isinstance(value, bool):
                problems.add("projectImportInvalidParameter", f"{where}.swapEnabled", "must be true or false")
            shaped["swapEnabled"] = value
        elif key in _VERTICAL:
            path, low, high, whole = _VERTICAL[key]
            if not _number(value) or (whole and not _whole(value)) or not low <= value <= high:
                problems.add(
                    "projectImportInvalidParameter", f"{where}.{key}", f"must be between {low:g} and {high:g}"
                )
                continue
            target = shaped
            for part in path[:-1]:
                target = target.setdefault(part, {})
            target[path[-1]] = value
        else:
            problems.add("projectImportInvalidParameter", f"{where}.{key}", "unknown field")
    low_res, high_res = shaped.get("minResource", {}), shaped.get("maxResource", {})
    for key in ("cpuCoreCount", "memoryGBytes", "diskGBytes"):
        if key in low_res and key in high_res and low_res[key] > high_res[key]:
            problems.add("projectImportInvalidParameter", f"{where}", f"minimum {key} is above the maximum")
    result["verticalAutoscaling"] = shaped
    return result


def apply_import(
    sandbox: Sandbox, grant: Grant, project: Project, plan: list[PlannedService]
) -> list[tuple[Service | None, str, Process | None, tuple[str, str] | None]]:
    """Create the planned services; returns (service, hostname, process, per-service error) per entry."""
    now = sandbox.now()
    results: list[tuple[Service | None, str, Process | None, tuple[str, str] | None]] = []
    ordered = sorted(enumerate(plan), key=lambda item: (-item[1].priority, item[0]))
    created: dict[str, Service] = {}
    for rank, (_, planned) in enumerate(ordered):
        failure = sandbox.state.import_failures.get(planned.hostname)
        if failure is not None:
            results.append((None, planned.hostname, None, failure))
            continue
        service = planned.replaces or _new_service(sandbox, project, planned, now)
        if planned.replaces is None:
            sandbox.state.services[service.id] = service
            sandbox.service_created(service)
        created[planned.hostname] = service
        for key, value in planned.secrets.items():
            var = service.env_var(key)
            if var is None:
                service.env.append(EnvVar(sandbox.ids.new(), key, value, "SECRET", False, now, now))
            else:
                var.content, var.last_update = value, now
        if planned.autoscaling:
            service.autoscaling = planned.autoscaling
        process = sandbox.run_process(
            "stack.import",
            project,
            [service],
            user_id=grant.user_id,
            on_finish=_finisher(sandbox, service, planned, created, fresh=planned.replaces is None),
            run_seconds=6.0 + 2.0 * rank,
        )
        results.append((service, planned.hostname, process, None))
    return results


def _new_service(sandbox: Sandbox, project: Project, planned: PlannedService, now: datetime) -> Service:
    return Service(
        id=sandbox.ids.new(),
        client_id=project.client_id,
        project_id=project.id,
        name=planned.hostname,
        stack_type=planned.stack_type,
        version=planned.version,
        created=now,
        last_update=now,
        status="CREATING",
        mode=planned.mode,
        priority=planned.priority,
        start_without_code=planned.start_without_code,
        object_storage_size=planned.object_storage_size,
        object_storage_policy=planned.object_storage_policy,
        zerops_setup=planned.zerops_setup,
        build_from_git=planned.build_from_git,
    )


def _finisher(
    sandbox: Sandbox, service: Service, planned: PlannedService, created: dict[str, Service], *, fresh: bool
) -> Callable[[datetime], None]:
    from zcp.sandbox.builds import placeholder_version
    from zcp.sandbox.lifecycle import apply_subdomain

    def done(at: datetime) -> None:
        service.last_update = at
        if fresh:
            implicit_ports = (
                service.stack_type.is_managed
                or not service.stack_type.is_runtime
                or service.version.base
                in (
                    "php-apache",
                    "php-nginx",
                    "static",
                    "nginx",
                )
            )
            if implicit_ports:
                service.ports = [ServicePort.from_catalogue(p) for p in service.stack_type.ports]
                if service.stack_type.is_managed:
                    for port in service.ports:
                        port.http_routing = False
            service.env = generated_env(sandbox, service, at) + service.env
        if service.stack_type.is_runtime and not service.start_without_code and fresh:
            service.status = "READY_TO_DEPLOY"
        else:
            service.status = "ACTIVE"
            if service.stack_type.is_runtime and fresh:
                placeholder_version(sandbox, service, at)
        for mount in planned.mounts:
            storage = created.get(mount) or next(
                (s for s in sandbox.project_services(service.project_id) if s.name == mount), None
            )
            if storage is not None:
                service.mounts.add(storage.id)
        if planned.subdomain:
            if any(p.http_routing for p in service.ports) and service.status == "ACTIVE":
                apply_subdomain(sandbox, service, at)
            else:
                service.subdomain_requested = True
        sandbox.emit_log(service, f"Service {service.name} created ({service.version.name}).", at=at)

    return done
