"""The environment a service's processes see, as the platform assembles it.

Runtime (an app's ``run.start``, ``initCommands``, an SSH session): project variables, then the
service's secrets, then ``run.envVariables`` of the deployed setup, then the generated variables
(``hostname``, ``serviceId``, credentials…) — later ones win, the platform's order. ``${key}``
references resolve against the service's own variables and ``${host_key}`` against another service
of the project; an unresolved reference stays as written, as on the platform. Build: project
variables, ``build.envVariables``, the generated identity variables, and every runtime variable again
as ``RUNTIME_<key>``. Call these with the sandbox lock held. Pure apart from reading the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zcp.ops.dotenv import resolve_references
from zcp.sandbox.model import AppVersion, Service
from zcp.sandbox.sandbox import Sandbox

_IDENTITY = ("hostname", "serviceId", "projectId")


def setup_section(zerops_yaml: str | None, setup: str | None) -> dict[str, Any]:
    """The mapping of one setup in a zerops.yaml (empty when absent or unreadable)."""
    import yaml

    if not zerops_yaml or not setup:
        return {}
    try:
        document = yaml.safe_load(zerops_yaml)
    except yaml.YAMLError:
        return {}
    entries = document.get("zerops") if isinstance(document, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("setup") == setup:
            return entry
    return {}


def section_variables(section: Mapping[str, Any], phase: str) -> dict[str, str]:
    """``<phase>.envVariables`` of a setup as strings."""
    block = section.get(phase)
    variables = block.get("envVariables") if isinstance(block, dict) else None
    if not isinstance(variables, dict):
        return {}
    return {
        str(k): "" if v is None else ("true" if v is True else "false" if v is False else str(v))
        for k, v in variables.items()
    }


def deployed_version(sandbox: Sandbox, service: Service) -> AppVersion | None:
    """The service's ACTIVE app version that came with a zerops.yaml, if any."""
    versions = [
        v
        for v in sandbox.state.app_versions.values()
        if v.service_id == service.id and v.status == "ACTIVE" and v.zerops_yaml
    ]
    return max(versions, key=lambda v: v.sequence, default=None)


def _lookup(sandbox: Sandbox, service: Service, own: Mapping[str, str]) -> Any:
    others = {s.name: s for s in sandbox.project_services(service.project_id)}

    def lookup(name: str) -> tuple[str, str | None] | None:
        if name in own:
            return own[name], None
        host, _, key = name.partition("_")
        other = others.get(host)
        if key and other is not None:
            var = other.env_var(key)
            if var is not None:
                return var.content, host
        return None

    return lookup


def runtime_env(
    sandbox: Sandbox, service: Service, run_vars: Mapping[str, str] | None = None
) -> dict[str, str]:
    """What the service's runtime processes see (``run_vars`` = the deployed setup's run.envVariables)."""
    project = sandbox.state.projects[service.project_id]
    merged: dict[str, str] = {v.key: v.content for v in project.env}
    merged.update({v.key: v.content for v in service.env if v.user_editable})
    merged.update(run_vars or {})
    merged.update({v.key: v.content for v in service.env if not v.user_editable})
    # A variable that references itself (X: ${X}) stays literal: look names up in the unresolved set.
    return resolve_references(merged, _lookup(sandbox, service, merged)).values


def session_env(sandbox: Sandbox, service: Service) -> dict[str, str]:
    """The environment of an SSH session: the runtime env of what is deployed now."""
    version = deployed_version(sandbox, service)
    run_vars = section_variables(setup_section(version.zerops_yaml, version.setup), "run") if version else {}
    return runtime_env(sandbox, service, run_vars)


def build_env(sandbox: Sandbox, service: Service, section: Mapping[str, Any]) -> dict[str, str]:
    """What build commands see for ``section`` (one setup of the zerops.yaml being built)."""
    project = sandbox.state.projects[service.project_id]
    runtime = runtime_env(sandbox, service, section_variables(section, "run"))
    merged: dict[str, str] = {v.key: v.content for v in project.env}
    merged.update({f"RUNTIME_{k}": v for k, v in runtime.items()})
    merged.update(section_variables(section, "build"))
    merged.update({k: runtime[k] for k in _IDENTITY if k in runtime})
    return resolve_references(merged, _lookup(sandbox, service, merged)).values
