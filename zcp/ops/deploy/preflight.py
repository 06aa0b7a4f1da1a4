"""Checks a deploy passes before anything moves.

The zerops.yaml on the source (read by the caller: through the mount, over SSH, or from the local
working directory) must exist, contain the setup the deploy builds, validate against the live
zerops.yaml schema, and every ``${host_key}`` reference in the setup's environment must name a
service of the project (and, for a managed service, a variable it has). Each is a
:class:`PreflightCheck`; any ``fail`` stops the deploy with PREFLIGHT_FAILED carrying all of them.

Setup choice (:func:`resolve_setup`): an explicit ``setup`` must exist; otherwise the setup named like
the target hostname (zcli's own rule), then by the target's role in its meta — ``dev`` for a dev
half, ``stage`` or ``prod`` for a stage half, ``prod`` for a simple service — then the only setup in
the file. The chosen setup is passed to the push, so the platform builds exactly what was checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

import anyio.to_thread

from zcp.errors import PreflightFailed, ZcpError
from zcp.hostnames import is_valid_hostname
from zcp.ops.env import REFERENCE
from zcp.ops.workflow.sources import MAX_SOURCE_BYTES
from zcp.platform import status as st
from zcp.safe_yaml import YamlRefused, load_yaml_async

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.platform.models import ServiceStack

__all__ = [
    "Preflight",
    "PreflightCheck",
    "SourceYaml",
    "resolve_setup",
    "run_preflight",
    "setup_entry",
    "setup_names",
]

CheckStatus = Literal["pass", "fail", "skip"]
Role = Literal["dev", "stage", "simple"]
#: Setup names tried by role when no setup is named like the target.
ROLE_SETUPS: Final[dict[str, tuple[str, ...]]] = {
    "dev": ("dev",),
    "stage": ("stage", "prod"),
    "simple": ("prod",),
}


@dataclass(frozen=True)
class PreflightCheck:
    """One check: ``name`` (``zerops_yaml_exists``, ``<host>_setup``, ``<host>_schema``, ``<host>_env_refs``)."""

    name: str
    status: CheckStatus
    detail: str | None = None
    #: What to do when this check fails, when its kind's usual suggestion does not fit (not on the wire).
    suggestion: str | None = None

    def wire(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": "preflight", "name": self.name, "status": self.status}
        if self.detail:
            data["detail"] = self.detail
        return data


@dataclass(frozen=True)
class SourceYaml:
    """The zerops.yaml found on the source: its file name, text and where it was read."""

    name: str
    text: str
    where: str  # "mount", "ssh" or "local"


@dataclass
class Preflight:
    """What preflight found: the setup the deploy builds and every check."""

    setup: str | None
    source: SourceYaml | None
    checks: list[PreflightCheck] = field(default_factory=list)
    #: The zerops.yaml as data, once it loaded (:func:`zcp.safe_yaml.load_yaml`).
    document: Any = None

    @property
    def failed(self) -> list[PreflightCheck]:
        return [c for c in self.checks if c.status == "fail"]

    def raise_for_failures(self, target: str, where: str) -> None:
        """PREFLIGHT_FAILED naming the first failed check, when one failed."""
        failed = self.failed
        if not failed:
            return
        first = failed[0]
        raise PreflightFailed(
            f"deploy to {target} stopped before anything moved: {first.name} failed"
            + (f" ({first.detail})" if first.detail else ""),
            suggestion=(
                first.suggestion
                or _SUGGESTIONS.get(first.name.rsplit("_", 1)[-1], "Fix what the failed check says.")
            )
            .replace("{where}", where)
            .replace("{target}", target),
            checks=[c.wire() for c in self.checks],
        )


_SUGGESTIONS: Final = {
    "exists": 'Write zerops.yaml at the root of {where} (zerops_knowledge query="zerops.yaml"), then deploy.',
    "setup": "Add the setup to zerops.yaml or pass setup= one of the setups the check lists.",
    "schema": "Fix the zerops.yaml fields the check names, then deploy again.",
    "refs": "Reference only services that exist (zerops_discover shows their hostnames and variables).",
}


def setup_names(document: Any) -> list[str] | None:
    """The setups of a loaded zerops.yaml in file order; ``None`` when it has no ``zerops:`` list."""
    entries = document.get("zerops") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        return None
    return [str(e["setup"]) for e in entries if isinstance(e, dict) and e.get("setup")]


def resolve_setup(
    names: Sequence[str], *, requested: str | None, target: str, role: Role | None
) -> tuple[str | None, str]:
    """``(setup, how it was chosen)``; ``(None, why not)`` when no rule picks one. Pure."""
    if requested:
        if requested in names:
            return requested, "as requested"
        return None, f"no setup {requested!r}; the file has {', '.join(names) or 'none'}"
    if target in names:
        return target, f"named like {target}"
    for candidate in ROLE_SETUPS.get(role or "", ()):
        if candidate in names:
            return candidate, f"the {role} role's setup"
    if len(names) == 1:
        return names[0], "the only setup"
    return None, (
        f"{len(names)} setups ({', '.join(names)}) and none is named {target!r} or fits its role; pass setup="
        if names
        else "the file has no setups"
    )


def setup_entry(document: Any, setup: str) -> Mapping[str, Any]:
    """The ``setup`` entry of a loaded zerops.yaml (``{}`` when the file or the setup is not there)."""
    entries = document.get("zerops") if isinstance(document, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("setup") == setup:
            return entry
    return {}


def _variables(entry: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for phase in ("build", "run"):
        block = entry.get(phase)
        values = block.get("envVariables") if isinstance(block, dict) else None
        if isinstance(values, dict):
            found.update({str(k): "" if v is None else str(v) for k, v in values.items()})
    return found


async def _reference_check(
    app: App, target: str, entry: Mapping[str, Any], services: Sequence[ServiceStack]
) -> PreflightCheck:
    """Every ``${host_key}`` in the setup's env names a service (and a managed service's variable)."""
    own = _variables(entry)
    platform = app.require_platform()
    try:
        project_keys = {e.key for e in await platform.client.get_project_env(platform.project.id)}
    except ZcpError:
        project_keys = set()
    by_host = {s.name: s for s in services}
    references: dict[str, set[str]] = {}
    for value in own.values():
        for name in REFERENCE.findall(value):
            host, _, key = name.partition("_")
            if not key or name in own or name in project_keys or not is_valid_hostname(host):
                continue  # the service's own or a project variable
            references.setdefault(host, set()).add(key)
    if not references:
        return PreflightCheck(f"{target}_env_refs", "pass", "no references to other services")
    problems: list[str] = []
    unchecked: list[str] = []
    for host in sorted(references):
        service = by_host.get(host)
        if service is None:
            problems.append(f"${{{host}_…}}: no service {host!r} in the project")
            continue
        if service.category not in st.MANAGED_CATEGORIES:
            unchecked += [f"{host}_{k}" for k in sorted(references[host])]
            continue  # a runtime's variables may come from its own zerops.yaml: not knowable here
        try:
            keys = {e.key for e in await platform.client.get_service_env(service.id)}
        except ZcpError:
            unchecked += [f"{host}_{k}" for k in sorted(references[host])]
            continue
        missing = sorted(references[host] - keys)
        if missing:
            problems.append(
                f"{host} has no {', '.join(missing)} (it has: {', '.join(sorted(keys)) or 'none'})"
            )
    if problems:
        return PreflightCheck(f"{target}_env_refs", "fail", "; ".join(problems))
    detail = f"{sum(len(v) for v in references.values())} reference(s) resolve"
    if unchecked:
        detail += f"; not checked (runtime variables): {', '.join(unchecked)}"
    return PreflightCheck(f"{target}_env_refs", "pass", detail)


async def run_preflight(
    app: App,
    *,
    target: str,
    source_yaml: SourceYaml | None,
    requested_setup: str | None,
    role: Role | None,
    services: Sequence[ServiceStack],
    where: str,
) -> Preflight:
    """Run every check (see the module docstring); raises PREFLIGHT_FAILED when one fails."""
    from zcp.schema import SchemaKind, validate_zerops_yaml

    report = Preflight(setup=None, source=source_yaml)
    if source_yaml is None:
        report.checks.append(PreflightCheck("zerops_yaml_exists", "fail", f"no zerops.yaml in {where}"))
        report.raise_for_failures(target, where)
        return report
    report.checks.append(
        PreflightCheck("zerops_yaml_exists", "pass", f"{source_yaml.name} ({source_yaml.where})")
    )
    try:
        report.document = await load_yaml_async(
            source_yaml.text, what=source_yaml.name, max_chars=MAX_SOURCE_BYTES
        )
    except YamlRefused as refused:
        where_in = f" (line {refused.line})" if refused.line else ""
        report.checks.append(
            PreflightCheck(
                f"{target}_setup",
                "fail",
                f"{source_yaml.name} did not load: {refused.reason}{where_in}",
                suggestion=f"Fix {source_yaml.name} in {{where}}: plain mappings and lists nested a few levels "
                '(zerops_knowledge query="zerops.yaml" shows the shape), then deploy again.',
            )
        )
        report.raise_for_failures(target, where)
        return report
    names = setup_names(report.document)
    if names is None:
        report.checks.append(
            PreflightCheck(
                f"{target}_setup", "fail", "zerops.yaml is not YAML with a `zerops:` list of setups"
            )
        )
        report.raise_for_failures(target, where)
        return report
    setup, how = resolve_setup(names, requested=requested_setup, target=target, role=role)
    if setup is None:
        report.checks.append(PreflightCheck(f"{target}_setup", "fail", how))
        report.raise_for_failures(target, where)
        return report
    report.setup = setup
    report.checks.append(PreflightCheck(f"{target}_setup", "pass", f"{setup} ({how})"))
    try:
        schema = await app.schemas().get(SchemaKind.ZEROPS)
    except ZcpError:
        schema = None
    validation = await anyio.to_thread.run_sync(
        lambda: validate_zerops_yaml(source_yaml.text, schema=schema, required_setup=setup)
    )
    if validation.valid:
        report.checks.append(
            PreflightCheck(f"{target}_schema", "pass", f"valid ({validation.schema_origin} schema)")
        )
    else:
        shown = "; ".join(p.render() for p in validation.problems[:3])
        more = f" (+{len(validation.problems) - 3} more)" if len(validation.problems) > 3 else ""
        report.checks.append(PreflightCheck(f"{target}_schema", "fail", shown + more))
    entry = setup_entry(report.document, setup)
    report.checks.append(await _reference_check(app, target, entry, services))
    report.raise_for_failures(target, where)
    return report
