"""Export a project or a service back to import YAML that the importer accepts again."""

from __future__ import annotations

from typing import Any

import yaml

from zcp.sandbox.model import Project, Service
from zcp.sandbox.sandbox import Sandbox

_IMPORT_SCALING = {
    ("minResource", "cpuCoreCount"): "minCpu",
    ("maxResource", "cpuCoreCount"): "maxCpu",
    ("minResource", "memoryGBytes"): "minRam",
    ("maxResource", "memoryGBytes"): "maxRam",
    ("minResource", "diskGBytes"): "minDisk",
    ("maxResource", "diskGBytes"): "maxDisk",
    ("minFreeResource", "memoryGBytes"): "minFreeRamGB",
    ("minFreeResource", "memoryPercent"): "minFreeRamPercent",
    ("minFreeResource", "cpuCoreCount"): "minFreeCpuCores",
    ("minFreeResource", "cpuCorePercent"): "minFreeCpuPercent",
}


def service_entry(service: Service) -> dict[str, Any]:
    """One ``services[]`` entry describing ``service`` (user secrets included, generated values not)."""
    entry: dict[str, Any] = {"hostname": service.name, "type": service.version.name}
    if service.stack_type.category != "OBJECT_STORAGE":
        entry["mode"] = service.mode
    if service.priority:
        entry["priority"] = service.priority
    if service.subdomain_access or service.subdomain_requested:
        entry["enableSubdomainAccess"] = True
    if service.start_without_code:
        entry["startWithoutCode"] = True
    scaling = service.autoscaling or {}
    horizontal = scaling.get("horizontalAutoscaling") or {}
    if horizontal.get("minContainerCount") is not None:
        entry["minContainers"] = horizontal["minContainerCount"]
    if horizontal.get("maxContainerCount") is not None:
        entry["maxContainers"] = horizontal["maxContainerCount"]
    vertical = scaling.get("verticalAutoscaling") or {}
    exported: dict[str, Any] = {}
    if vertical.get("cpuMode"):
        exported["cpuMode"] = vertical["cpuMode"]
    for (group, key), name in _IMPORT_SCALING.items():
        value = (vertical.get(group) or {}).get(key)
        if value is not None:
            exported[name] = value
    if vertical.get("startCpuCoreCount") is not None:
        exported["startCpuCoreCount"] = vertical["startCpuCoreCount"]
    if vertical.get("swapEnabled") is not None:
        exported["swapEnabled"] = vertical["swapEnabled"]
    if exported:
        entry["verticalAutoscaling"] = exported
    if service.object_storage_size is not None:
        entry["objectStorageSize"] = service.object_storage_size
    if service.object_storage_policy:
        entry["objectStoragePolicy"] = service.object_storage_policy
    if service.build_from_git:
        entry["buildFromGit"] = service.build_from_git
    if service.zerops_setup:
        entry["zeropsSetup"] = service.zerops_setup
    secrets = {var.key: var.content for var in service.env if var.type == "SECRET"}
    if secrets:
        entry["envSecrets"] = dict(sorted(secrets.items()))
    return entry


def _mounts(sandbox: Sandbox, service: Service, entry: dict[str, Any]) -> dict[str, Any]:
    names = sorted(sandbox.state.services[i].name for i in service.mounts if i in sandbox.state.services)
    if names:
        entry["mount"] = names
    return entry


def _dump(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False)


def export_project(sandbox: Sandbox, project: Project) -> str:
    services = [
        _mounts(sandbox, s, service_entry(s))
        for s in sorted(sandbox.project_services(project.id), key=lambda s: (-s.priority, s.name))
        if not s.stack_type.is_system
    ]
    head: dict[str, Any] = {
        "name": project.name,
        "corePackage": "SERIOUS" if project.mode == "SERIOUS" else "LIGHT",
    }
    if project.env:
        head["envVariables"] = {var.key: var.content for var in project.env}
    return _dump({"project": head, "services": services})


def export_service(sandbox: Sandbox, service: Service) -> str:
    return _dump({"services": [_mounts(sandbox, service, service_entry(service))]})
