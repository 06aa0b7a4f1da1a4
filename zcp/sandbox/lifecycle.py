"""Service operations: start/stop/restart/reload/delete, subdomains, shared storage, scaling.

Each validates first (raising :class:`ApiFailure` with the platform's code), then returns a process whose
side effects land on the clock: the service shows ``STOPPING`` while a stop runs and ``STOPPED`` once
it finished. Quirks the platform is known for are kept: enabling an already-enabled subdomain answers
200 with a process that ends ``FAILED``; enabling one before any HTTP port exists is a 400
``noSubdomainPorts``; the ``zeropsSubdomain`` variable appears a moment after the process finished.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, TypeGuard

from zcp.sandbox.failures import ApiFailure, field_meta, invalid_input
from zcp.sandbox.model import EnvVar, Grant, Process, Project, Service
from zcp.sandbox.sandbox import Sandbox

#: action → (status while running, status when finished)
_TRANSITIONS: Final = {
    "start": ("stack.start", "STARTING", "ACTIVE"),
    "stop": ("stack.stop", "STOPPING", "STOPPED"),
    "restart": ("stack.restart", "RESTARTING", "ACTIVE"),
    "reload": ("stack.reload", "RELOADING", "ACTIVE"),
}
_BUSY: Final = frozenset({"CREATING", "DELETING", "STARTING", "STOPPING", "RESTARTING", "RELOADING"})
SUBDOMAIN_ENV: Final = "zeropsSubdomain"
SUBDOMAIN_ENV_DELAY: Final = 1.0


def _owner(sandbox: Sandbox, service: Service) -> Project:
    return sandbox.state.projects[service.project_id]


def change_state(sandbox: Sandbox, grant: Grant, service_id: str, action: str) -> Process:
    """Start, stop, restart or reload a service."""
    sandbox.require_write(grant)
    service = sandbox.service(grant, service_id)
    name, during, after = _TRANSITIONS[action]
    if service.status == "READY_TO_DEPLOY":
        raise ApiFailure(400, "serviceStackIsReadyToDeploy", "The service has no deployed version yet.")
    if service.status == "DELETING":
        raise ApiFailure(400, "stackWillBeDeleted", "The service is being deleted.")
    if action == "reload" and not service.stack_type.is_runtime:
        raise ApiFailure(
            400, "serviceStackReloadNotAvailable", "Reload is only available for runtime services."
        )
    if action != "start" and service.status == "STOPPED" and action != "stop":
        raise ApiFailure(400, "activeServiceStackRequired", "The service is stopped; start it first.")
    previous = service.status

    def begin(at: datetime) -> None:
        service.status = during
        service.last_update = at

    def done(at: datetime) -> None:
        service.status = after
        service.last_update = at
        if after == "ACTIVE":
            sandbox.emit_log(service, f"Service {service.name} is running ({action}).", at=at)
        else:
            sandbox.emit_log(service, f"Service {service.name} stopped.", at=at, severity=5)

    def undo(at: datetime) -> None:
        service.status = previous
        service.last_update = at

    return sandbox.run_process(
        name,
        _owner(sandbox, service),
        [service],
        user_id=grant.user_id,
        on_start=begin,
        on_finish=done,
        on_cancel=undo,
    )


def delete_service(sandbox: Sandbox, grant: Grant, service_id: str) -> Process:
    sandbox.require_write(grant)
    service = sandbox.service(grant, service_id)
    if service.status == "DELETING":
        raise ApiFailure(400, "stackWillBeDeleted", "The service is already being deleted.")
    previous = service.status
    service.status = "DELETING"

    def done(at: datetime) -> None:
        service.deleted = True
        service.status = "DELETED"
        service.last_update = at
        for other in sandbox.state.services.values():
            other.mounts.discard(service.id)
        sandbox.service_deleted(service)

    def undo(at: datetime) -> None:
        service.status = previous

    return sandbox.run_process(
        "stack.delete",
        _owner(sandbox, service),
        [service],
        user_id=grant.user_id,
        on_finish=done,
        on_cancel=undo,
    )


# --- subdomains ------------------------------------------------------------------------------------


def subdomain_label(sandbox: Sandbox, service: Service) -> str | None:
    """``{hostname}-{prefix}[-{port}]``: the first label of the service's subdomain, for its first HTTP port."""
    host = _owner(sandbox, service).subdomain_host
    http_ports = [p for p in service.ports if p.http_routing]
    if not http_ports or "." not in host:
        return None
    prefix = host.split(".", 1)[0]
    port = http_ports[0].port
    suffix = "" if port == 80 else f"-{port}"
    return f"{service.name}-{prefix}{suffix}"


def subdomain_url(sandbox: Sandbox, service: Service) -> str | None:
    """``https://{hostname}-{prefix}[-{port}].{rest}`` as the platform builds it, or the loopback URL
    of the subdomain gateway while one runs (:mod:`zcp.sandbox.subdomains`)."""
    label = subdomain_label(sandbox, service)
    if label is None:
        return None
    if sandbox.subdomain_base:
        return f"{sandbox.subdomain_base}/{label}"
    rest = _owner(sandbox, service).subdomain_host.split(".", 1)[1]
    return f"https://{label}.{rest}"


def apply_subdomain(sandbox: Sandbox, service: Service, at: datetime) -> None:
    """Turn subdomain access on and publish ``zeropsSubdomain`` a moment later (as the platform does)."""
    service.subdomain_access = True
    service.subdomain_requested = False
    service.last_update = at

    def publish(when: datetime) -> None:
        url = subdomain_url(sandbox, service)
        if url and service.subdomain_access and service.env_var(SUBDOMAIN_ENV) is None:
            service.env.append(EnvVar(sandbox.ids.new(), SUBDOMAIN_ENV, url, "READ_ONLY", False, when, when))

    sandbox.events.at(at + sandbox.scaled(SUBDOMAIN_ENV_DELAY), publish)


def enable_subdomain(sandbox: Sandbox, grant: Grant, service_id: str) -> Process:
    sandbox.require_write(grant)
    service = sandbox.service(grant, service_id)
    project = _owner(sandbox, service)
    if service.subdomain_access:
        return sandbox.run_process(
            "stack.enableSubdomainAccess",
            project,
            [service],
            user_id=grant.user_id,
            fail_reason="noSubdomainPorts: subdomain access is already enabled",
        )
    if not any(p.http_routing for p in service.ports):
        raise ApiFailure(
            400, "noSubdomainPorts", "The service has no HTTP port to route a subdomain to (deploy it first)."
        )
    return sandbox.run_process(
        "stack.enableSubdomainAccess",
        project,
        [service],
        user_id=grant.user_id,
        on_finish=lambda at: apply_subdomain(sandbox, service, at),
    )


def disable_subdomain(sandbox: Sandbox, grant: Grant, service_id: str) -> Process:
    sandbox.require_write(grant)
    service = sandbox.service(grant, service_id)
    if not service.subdomain_access:
        raise ApiFailure(
            400, "serviceStackSubdomainAccessAlreadyDisabled", "Subdomain access is already disabled."
        )

    def done(at: datetime) -> None:
        service.subdomain_access = False
        service.last_update = at
        service.env = [v for v in service.env if v.key != SUBDOMAIN_ENV]

    return sandbox.run_process(
        "stack.disableSubdomainAccess",
        _owner(sandbox, service),
        [service],
        user_id=grant.user_id,
        on_finish=done,
    )


# --- shared storage --------------------------------------------------------------------------------


def shared_storage(sandbox: Sandbox, grant: Grant, service_id: str, body: Any, *, connect: bool) -> Process:
    sandbox.require_write(grant)
    service = sandbox.service(grant, service_id)
    storage_id = body.get("sharedStorageId") if isinstance(body, dict) else None
    if not isinstance(storage_id, str) or not storage_id:
        raise invalid_input({"sharedStorageId": "required"})
    storage = sandbox.state.services.get(storage_id)
    if storage is None or storage.deleted or not grant.sees_project(storage.client_id, storage.project_id):
        raise ApiFailure(404, "sharedStorageNotFound", "Shared storage not found.")
    if storage.id == service.id:
        raise ApiFailure(400, "identicalSharedStorageAndServiceStack", "A service cannot mount itself.")
    if storage.category != "SHARED_STORAGE":
        raise ApiFailure(400, "sharedStorageInvalidCategory", f"{storage.name} is not a shared storage.")
    if not service.stack_type.is_runtime:
        raise ApiFailure(
            400, "userServiceStackInvalidCategory", "Only runtime services can mount shared storage."
        )
    if storage.project_id != service.project_id:
        raise ApiFailure(400, "sharedStorageInvalidProject", "The storage belongs to another project.")
    if not connect and storage.id not in service.mounts:
        raise ApiFailure(
            400, "serviceStackConnectionNotFound", f"{service.name} does not mount {storage.name}."
        )

    def done(at: datetime) -> None:
        if connect:
            service.mounts.add(storage.id)
        else:
            service.mounts.discard(storage.id)
        service.last_update = at

    action = "stack.sharedStorageConnect" if connect else "stack.sharedStorageDisconnect"
    return sandbox.run_process(
        action, _owner(sandbox, service), [service, storage], user_id=grant.user_id, on_finish=done
    )


# --- autoscaling -----------------------------------------------------------------------------------

#: field → (minimum, maximum, integer?)
_RESOURCE_LIMITS: Final = {
    "cpuCoreCount": (1, 8, True),
    "memoryGBytes": (0.125, 48.0, False),
    "diskGBytes": (1.0, 250.0, False),
}
_FREE_LIMITS: Final = {
    "cpuCoreCount": (0.0, 8.0),
    "cpuCorePercent": (0.0, 100.0),
    "memoryGBytes": (0.0, 48.0),
    "memoryPercent": (0.0, 100.0),
}


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate_scaling(
    service: Service, scaling: Any, prefix: str = "customAutoscaling"
) -> dict[str, list[str]]:
    """Field → problems for a ``customAutoscaling`` object (empty when valid). Pure."""
    problems: dict[str, list[str]] = {}

    def problem(path: str, text: str) -> None:
        problems.setdefault(f"{prefix}.{path}", []).append(text)

    if scaling is None:
        return problems
    if not isinstance(scaling, dict):
        problem("", "must be an object")
        return problems
    vertical = scaling.get("verticalAutoscaling")
    horizontal = scaling.get("horizontalAutoscaling")
    if isinstance(vertical, dict):
        if vertical.get("cpuMode") not in (None, "SHARED", "DEDICATED"):
            problem(
                "verticalAutoscaling.cpuMode",
                f"Allowed values: [SHARED, DEDICATED], {vertical.get('cpuMode')} given.",
            )
        for bound in ("minResource", "maxResource"):
            resource = vertical.get(bound)
            if resource is None:
                continue
            if not isinstance(resource, dict):
                problem(f"verticalAutoscaling.{bound}", "must be an object")
                continue
            for key, (low, high, integer) in _RESOURCE_LIMITS.items():
                value = resource.get(key)
                if value is None:
                    continue
                if not _number(value) or (integer and float(value) != int(value)):
                    problem(
                        f"verticalAutoscaling.{bound}.{key}",
                        "must be a number" + (" (whole)" if integer else ""),
                    )
                elif not low <= value <= high:
                    problem(f"verticalAutoscaling.{bound}.{key}", f"must be between {low:g} and {high:g}")
        low_res, high_res = vertical.get("minResource") or {}, vertical.get("maxResource") or {}
        if isinstance(low_res, dict) and isinstance(high_res, dict):
            for key in _RESOURCE_LIMITS:
                low_v, high_v = low_res.get(key), high_res.get(key)
                if _number(low_v) and _number(high_v) and low_v > high_v:
                    problem(
                        f"verticalAutoscaling.minResource.{key}",
                        f"{low_v} is above maxResource.{key} {high_v}",
                    )
        free = vertical.get("minFreeResource")
        if isinstance(free, dict):
            for key, (low, high) in _FREE_LIMITS.items():
                value = free.get(key)
                if value is not None and (not _number(value) or not low <= value <= high):
                    problem(
                        f"verticalAutoscaling.minFreeResource.{key}", f"must be between {low:g} and {high:g}"
                    )
        start = vertical.get("startCpuCoreCount")
        if start is not None and (
            not isinstance(start, int) or isinstance(start, bool) or not 1 <= start <= 8
        ):
            problem("verticalAutoscaling.startCpuCoreCount", "must be a whole number between 1 and 8")
        if vertical.get("swapEnabled") not in (None, True, False):
            problem("verticalAutoscaling.swapEnabled", "must be a boolean")
    elif vertical is not None:
        problem("verticalAutoscaling", "must be an object")
    if isinstance(horizontal, dict):
        counts = {k: horizontal.get(k) for k in ("minContainerCount", "maxContainerCount")}
        for key, value in counts.items():
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10
            ):
                problem(f"horizontalAutoscaling.{key}", "must be a whole number between 1 and 10")
        low_c, high_c = counts["minContainerCount"], counts["maxContainerCount"]
        if isinstance(low_c, int) and isinstance(high_c, int) and low_c > high_c:
            problem("horizontalAutoscaling.minContainerCount", f"{low_c} is above maxContainerCount {high_c}")
    elif horizontal is not None:
        problem("horizontalAutoscaling", "must be an object")
    return problems


def merge_scaling(current: dict[str, Any] | None, change: dict[str, Any]) -> dict[str, Any]:
    """Overlay the non-null leaves of ``change`` on ``current`` (null means "keep")."""
    merged: dict[str, Any] = dict(current or {})
    for key, value in change.items():
        if value is None:
            continue
        if isinstance(value, dict):
            merged[key] = merge_scaling(merged.get(key) if isinstance(merged.get(key), dict) else None, value)
        else:
            merged[key] = value
    return merged


def set_autoscaling(sandbox: Sandbox, grant: Grant, service_id: str, body: Any) -> Process | None:
    """Validate and apply scaling; vertical changes run as a process, horizontal-only ones at once."""
    sandbox.require_write(grant)
    service = sandbox.service(grant, service_id)
    if not isinstance(body, dict):
        raise invalid_input({"body": "must be a JSON object"})
    mode = body.get("mode")
    if mode is not None and mode != service.mode:
        raise ApiFailure(
            400,
            "modeUpdateForbiddenForThisStackCategory",
            f"The mode of {service.name} cannot change from {service.mode}.",
        )
    scaling = body.get("customAutoscaling")
    if scaling is None:
        raise invalid_input({"customAutoscaling": "required"})
    if service.stack_type.is_storage and isinstance(scaling, dict) and scaling.get("verticalAutoscaling"):
        raise ApiFailure(
            400,
            "customVerticalAutoscalingForbiddenForThisStackCategory",
            f"{service.stack_type.name} services cannot be scaled vertically.",
        )
    if (
        not service.stack_type.is_runtime
        and isinstance(scaling, dict)
        and scaling.get("horizontalAutoscaling")
    ):
        raise ApiFailure(
            400,
            "customHorizontalAutoscalingForbiddenForThisStackCategory",
            "Only runtime services scale horizontally; managed services have fixed container counts.",
        )
    problems = validate_scaling(service, scaling)
    if problems:
        raise ApiFailure(
            400,
            "invalidCustomAutoscalingValue",
            "Invalid custom autoscaling value.",
            field_meta("invalidCustomAutoscalingValue", "Invalid custom autoscaling value.", problems),
        )
    merged = merge_scaling(service.autoscaling, scaling)
    merged_problems = validate_scaling(service, merged)
    if merged_problems:  # e.g. a new minimum above the stored maximum
        raise ApiFailure(
            400,
            "invalidCustomAutoscalingValue",
            "Invalid custom autoscaling value.",
            field_meta("invalidCustomAutoscalingValue", "Invalid custom autoscaling value.", merged_problems),
        )
    if not scaling.get("verticalAutoscaling"):
        service.autoscaling = merged
        service.last_update = sandbox.now()
        return None

    def done(at: datetime) -> None:
        service.autoscaling = merged
        service.last_update = at

    return sandbox.run_process(
        "stack.updateAutoscaling", _owner(sandbox, service), [service], user_id=grant.user_id, on_finish=done
    )
