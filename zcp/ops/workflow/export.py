"""Export: turn one managed runtime into a publish-ready bundle (an import YAML that re-creates the project
from its git repository, and the zerops.yaml it builds with), narrowing over several stateless calls.

Each call answers with the first thing still missing, in this order:

=========================== ============================================================================
status                      when
=========================== ============================================================================
``scope-prompt``            no ``targetService``: pick one of the listed runtimes
``variant-prompt``          a dev/stage pair and no ``variant``: export the dev or the stage half
``scaffold-required``       the service's source has no zerops.yaml
``git-push-setup-required`` the source has no git remote (or git push is not configured; with a preview)
``classify-prompt``         project env vars without a bucket in ``envClassifications``
``validation-failed``       the bundle does not pass the import / zerops.yaml schemas
``publish-ready``           the bundle, and how to publish it
=========================== ============================================================================

Env buckets: ``infrastructure`` (derived from a managed service: left out, the import re-creates it),
``auto-secret`` (regenerated with ``<@generateRandomString(<32>)>``), ``external-secret`` (a
``<fill in …>`` placeholder), ``plain-config`` (copied). Values are never echoed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import anyio.to_thread
import yaml

from zcp.axes import ExportStatus, RuntimeClass, runtime_class_for
from zcp.errors import InvalidParameter, ServiceNotFound, ZcpError
from zcp.ops.workflow.sources import MAX_SOURCE_BYTES, source_tree
from zcp.safe_yaml import YamlRefused, load_yaml_async

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.ops.workflow.live import LiveProject
    from zcp.state.models import ServiceMeta

__all__ = ["BUCKETS", "ExportAnswer", "run_export"]

BUCKETS = ("infrastructure", "auto-secret", "external-secret", "plain-config")
IMPORT_FILE = "zerops-project-import.yaml"
_REFERENCE = re.compile(r"\$\{([a-z0-9]+)_[A-Za-z0-9_]+\}")


@dataclass
class ExportAnswer:
    """One export call's answer."""

    status: ExportStatus
    target: str | None = None
    variant: Literal["dev", "stage"] | None = None
    data: dict[str, Any] = field(default_factory=dict)


def _runtimes(live: LiveProject) -> list[str]:
    return sorted(
        s.hostname
        for s in live.services or ()
        if runtime_class_for(s.type_version) not in (RuntimeClass.MANAGED, RuntimeClass.UNKNOWN)
        and (m := live.meta(s.hostname)) is not None
        and m.complete
        and m.stage_hostname != s.hostname
    )


def _target(
    live: LiveProject, host: str, variant: str | None
) -> tuple[str, ServiceMeta, Literal["dev", "stage"] | None]:
    service = live.service(host)
    if service is None:
        raise ServiceNotFound(
            f"no service {host!r} in this project",
            suggestion=f"Export one of: {', '.join(_runtimes(live)) or '(no managed runtime)'}.",
        )
    if runtime_class_for(service.type_version) is RuntimeClass.MANAGED:
        raise InvalidParameter(
            f"{host} is a managed service; an export starts from a runtime",
            suggestion=f"Export one of: {', '.join(_runtimes(live))}; its managed services come along.",
        )
    meta = live.meta(host)
    if meta is None or not meta.complete:
        raise ServiceNotFound(
            f"{host} is not managed by zcp",
            suggestion='Adopt it first: zerops_workflow action="start" workflow="bootstrap" route="adopt".',
        )
    if meta.mode not in ("standard", "local-stage") or not meta.stage_hostname:
        return host, meta, None
    if variant is None:
        return host, meta, None
    if variant not in ("dev", "stage"):
        raise InvalidParameter(
            f"variant {variant!r} is not dev or stage", suggestion='Send variant="stage" or "dev".'
        )
    chosen = meta.stage_hostname if variant == "stage" else meta.hostname
    if host not in (meta.hostname, chosen):
        raise InvalidParameter(
            f"{host} is the stage half; variant=dev exports {meta.hostname}",
            suggestion=f'Send targetService="{meta.hostname}" variant="dev", or variant="stage".',
        )
    return chosen, meta, variant  # type: ignore[return-value]


def _setup_name(
    document: Any, host: str, variant: str | None, mode: str | None
) -> tuple[str | None, list[str]]:
    entries = document.get("zerops") if isinstance(document, dict) else None
    setups = [
        str(e.get("setup"))
        for e in (entries if isinstance(entries, list) else [])
        if isinstance(e, dict) and e.get("setup")
    ]
    for wanted in (host, "prod" if variant == "stage" or mode == "simple" else "dev", "prod"):
        if wanted in setups:
            return wanted, setups
    return (setups[0] if len(setups) == 1 else None), setups


def _bundle(
    live: LiveProject,
    target: str,
    type_version: str,
    setup: str,
    repo_url: str,
    zerops_yaml: str,
    envs: dict[str, str],
    buckets: dict[str, str],
) -> tuple[str, list[str]]:
    referenced = sorted(set(_REFERENCE.findall(zerops_yaml)) - {target})
    warnings: list[str] = []
    services: list[dict[str, Any]] = []
    for host in referenced:
        svc = live.service(host)
        if svc is None:
            warnings.append(f"zerops.yaml references {host}, which does not exist in the project")
            continue
        if runtime_class_for(svc.type_version) is RuntimeClass.MANAGED:
            services.append({"hostname": host, "type": svc.type_version, "mode": "NON_HA", "priority": 10})
    services.append(
        {
            "hostname": target,
            "type": type_version,
            "buildFromGit": repo_url,
            "zeropsSetup": setup,
            "enableSubdomainAccess": True,
        }
    )
    project_env: dict[str, str] = {}
    for key in sorted(envs):
        bucket = buckets[key]
        if bucket == "plain-config":
            project_env[key] = envs[key]
        elif bucket == "auto-secret":
            project_env[key] = "<@generateRandomString(<32>)>"
        elif bucket == "external-secret":
            project_env[key] = f"<fill in {key}>"
            warnings.append(f"{key} is a placeholder: whoever imports the bundle fills it in")
    document: dict[str, Any] = {"project": {"name": live.project.name or "project"}}
    if project_env:
        document["project"]["envVariables"] = project_env
    document["services"] = services
    header = "#yamlPreprocessor=on\n" if any(v.startswith("<@") for v in project_env.values()) else ""
    text = header + yaml.safe_dump(document, sort_keys=False, default_flow_style=False, allow_unicode=True)
    return text, warnings


async def _validate(app: App, import_yaml: str, zerops_yaml: str, setup: str) -> list[dict[str, str]]:
    from zcp.schema import LoadedSchema, SchemaKind, validate_import_yaml, validate_zerops_yaml

    errors: list[dict[str, str]] = []
    import_schema: LoadedSchema | None = None
    zerops_schema: LoadedSchema | None = None
    try:
        import_schema = await app.schemas().get(SchemaKind.IMPORT)
        zerops_schema = await app.schemas().get(SchemaKind.ZEROPS)
    except ZcpError:
        pass
    reports = await anyio.to_thread.run_sync(
        lambda: (
            (validate_import_yaml(import_yaml, schema=import_schema), IMPORT_FILE),
            (validate_zerops_yaml(zerops_yaml, schema=zerops_schema, required_setup=setup), "zerops.yaml"),
        )
    )
    for report, file in reports:
        errors += [{"file": file, "path": p.path, "message": p.message} for p in report.problems]
    return errors


async def run_export(
    app: App,
    live: LiveProject,
    target_service: str | None,
    variant: str | None,
    classifications: dict[str, str] | None,
) -> ExportAnswer:
    """One step of the export conversation (see the module docstring)."""
    if target_service is None:
        return ExportAnswer(ExportStatus.SCOPE_PROMPT, data={"runtimes": _runtimes(live)})
    host, meta, chosen = _target(live, target_service, variant)
    if meta.stage_hostname and meta.mode in ("standard", "local-stage") and chosen is None:
        return ExportAnswer(
            ExportStatus.VARIANT_PROMPT,
            target=meta.hostname,
            data={"options": ["dev", "stage"], "sourceMode": meta.mode, "stage": meta.stage_hostname},
        )
    settings = app.settings
    # The stage half has no tree of its own: its code comes from the dev half's source.
    tree = source_tree(settings.work_dir, settings.mount_root, meta.hostname, in_container=app.in_container)
    found = await anyio.to_thread.run_sync(tree.zerops_yaml)
    if found is None:
        return ExportAnswer(
            ExportStatus.SCAFFOLD_REQUIRED, target=host, variant=chosen, data={"lookedIn": str(tree.root)}
        )
    zerops_file, zerops_yaml = found
    remote = await anyio.to_thread.run_sync(tree.git_remote) or meta.remote_url
    if not remote:
        return ExportAnswer(
            ExportStatus.GIT_PUSH_SETUP_REQUIRED,
            target=host,
            variant=chosen,
            data={"reason": f"the source in {tree.root} has no git remote"},
        )
    try:
        document = await load_yaml_async(zerops_yaml, what=zerops_file, max_chars=MAX_SOURCE_BYTES)
    except YamlRefused as refused:
        raise InvalidParameter(
            f"{refused.message}, so {host} cannot be exported",
            suggestion=f'Fix {zerops_file} in {tree.root} (zerops_knowledge query="zerops.yaml" shows its '
            "shape), then export again.",
        ) from None
    setup, setups = _setup_name(document, host, chosen, meta.mode)
    if setup is None:
        raise InvalidParameter(
            f"{zerops_file} has no setup for {host} (setups: {', '.join(setups) or 'none'})",
            suggestion=f"Add a `setup: {host}` (or prod/dev) entry, then export again.",
        )
    platform = app.require_platform()
    envs = {e.key: e.content for e in await platform.client.get_project_env(platform.project.id)}
    buckets = dict(classifications or {})
    bad = sorted(k for k, v in buckets.items() if v not in BUCKETS)
    if bad:
        raise InvalidParameter(
            f"unknown bucket for {', '.join(bad)}", suggestion=f"Each value is one of {', '.join(BUCKETS)}."
        )
    missing = sorted(k for k in envs if k not in buckets)
    service = live.service(host)
    type_version = service.type_version if service else ""
    if missing:
        table = [{"key": k, "classified": buckets.get(k)} for k in sorted(envs)]
        return ExportAnswer(
            ExportStatus.CLASSIFY_PROMPT,
            target=host,
            variant=chosen,
            data={"unclassified": missing, "envClassificationTable": table, "setupName": setup},
        )
    import_yaml, warnings = _bundle(live, host, type_version, setup, remote, zerops_yaml, envs, buckets)
    errors = await _validate(app, import_yaml, zerops_yaml, setup)
    preview = {"importYaml": import_yaml, "zeropsYaml": zerops_yaml, "setupName": setup, "repoUrl": remote}
    if errors:
        return ExportAnswer(
            ExportStatus.VALIDATION_FAILED,
            target=host,
            variant=chosen,
            data={"errors": errors, "preview": preview},
        )
    if meta.git_push_state != "configured":
        return ExportAnswer(
            ExportStatus.GIT_PUSH_SETUP_REQUIRED,
            target=host,
            variant=chosen,
            data={"reason": "git push is not configured for this service", "preview": preview},
        )
    bundle = {**preview, "warnings": warnings, "importFile": IMPORT_FILE, "zeropsFile": zerops_file}
    return ExportAnswer(ExportStatus.PUBLISH_READY, target=host, variant=chosen, data={"bundle": bundle})
