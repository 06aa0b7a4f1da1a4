"""The checks of ``zcp doctor``, each answering one question with ok, warn or problem and a fix.

- ``ok`` — in order.
- ``warn`` — zcp works, but something is missing or old (exit status stays 0).
- ``problem`` — something a user needs to fix before zcp can do its job (exit status 1).
- ``skip`` — the check does not apply here (for example SSH on a developer machine).

Secrets never appear in a line: a token is named by where it came from, never shown.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from zcp.config import Settings
from zcp.doctor.ssh import SshProbe, TcpSshProbe
from zcp.errors import ZcpError

if TYPE_CHECKING:
    import httpx

__all__ = ["Check", "DoctorEnv", "Status", "run_checks"]

Status = Literal["ok", "warn", "problem", "skip"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


@dataclass
class DoctorEnv:
    """What the checks read from the outside world (tests substitute each part)."""

    settings: Settings
    which: Callable[[str], str | None] = shutil.which
    ssh: SshProbe | None = None
    #: HTTP transport for the API client (tests point it anywhere; ``None`` is the real network).
    transport: httpx.AsyncBaseTransport | None = None
    #: Seconds each API request may take here (a doctor should answer quickly).
    api_timeout: float = 10.0


def _credentials(env: DoctorEnv) -> tuple[Check, Any]:
    from zcp.auth import resolve_credentials

    try:
        found = resolve_credentials(env.settings)
    except ZcpError as error:
        return Check("credentials", "problem", str(error), error.suggestion or ""), None
    if found is None:
        return (
            Check(
                "credentials",
                "problem",
                "no Zerops token: ZCP_API_KEY is unset and zcli has no stored login (zcp runs knowledge-only)",
                "set ZCP_API_KEY (in an MCP host: the `env` of zcp's entry in .mcp.json) or run `zcli login`",
            ),
            None,
        )
    where = "ZCP_API_KEY" if found.source == "env" else f"zcli's login ({found.source_path})"
    return Check("credentials", "ok", f"a token from {where}, for {found.api_host}"), found


async def _platform_checks(env: DoctorEnv, credentials: Any) -> list[Check]:
    from zcp.auth import connect
    from zcp.ops.targets import project_services
    from zcp.platform.retry import RetryPolicy

    settings = env.settings.with_overrides(api_timeout=min(env.settings.api_timeout, env.api_timeout))
    checks: list[Check] = []
    try:
        async with connect(settings, retry=RetryPolicy.none(), transport=env.transport) as platform:
            assert platform is not None  # credentials were found above
            services = await project_services(platform)
            project = platform.project
            checks.append(
                Check(
                    "api",
                    "ok",
                    f"{credentials.api_host} answers; project `{project.name}` ({project.id}) with "
                    f"{len(services)} service(s)",
                )
            )
            checks.append(await _ssh_check(env, platform, services))
    except ZcpError as error:
        checks.append(Check("api", "problem", str(error), error.suggestion or ""))
        checks.append(Check("ssh", "skip", "needs the API to list the services"))
    return checks


async def _ssh_check(env: DoctorEnv, platform: Any, services: Sequence[Any]) -> Check:
    if not env.settings.in_container:
        return Check("ssh", "skip", "zcp runs on a developer machine: deploys do not go through SSH")
    from zcp.platform.status import CATEGORY_RUNTIME

    targets = [
        s.hostname
        for s in services
        if s.category.upper() == CATEGORY_RUNTIME
        and not platform.runtime.is_self(service_id=s.id, hostname=s.name)
    ]
    if not targets:
        return Check("ssh", "ok", "no runtime service to reach yet")
    probe = env.ssh or TcpSshProbe()
    results = [await probe.probe(host) for host in targets]
    failed = [r for r in results if not r.reachable]
    how = "TCP connect to port 22 (the full SSH check arrives with zcp's SSH layer)"
    if not failed:
        return Check("ssh", "ok", f"{len(results)} runtime service(s) answer: {', '.join(targets)} ({how})")
    listed = "; ".join(f"{r.hostname}: {r.detail}" for r in failed)
    return Check(
        "ssh",
        "problem",
        f"{len(failed)} of {len(results)} runtime service(s) do not answer ({listed}) [{how}]",
        "a stopped or never-deployed service has no SSH: start it (zerops_manage action=start) or deploy it; "
        "otherwise check that zcp runs in the same project",
    )


def _environment(settings: Settings) -> Check:
    if settings.in_container:
        return Check(
            "environment",
            "ok",
            f"inside a Zerops container: service `{settings.self_hostname}` of project "
            f"{settings.container_project_id or '?'}",
        )
    return Check("environment", "ok", "a developer machine (no Zerops serviceId in the environment)")


def _nearest_existing(path: Path) -> Path:
    current = path
    while not current.exists() and current != current.parent:
        current = current.parent
    return current


def _state_folder(settings: Settings) -> Check:
    folder = settings.state_dir
    fix = f"set ZCP_STATE_DIR to a folder you can write, or fix the permissions of {folder}"
    if folder.exists():
        if not folder.is_dir():
            return Check("state", "problem", f"{folder} exists but is not a folder", fix)
        probe = folder / f".doctor-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            probe.write_text("ok", encoding="utf-8")
            probe.unlink()
        except OSError as error:
            return Check("state", "problem", f"{folder} is not writable ({error.strerror or error})", fix)
        return Check("state", "ok", f"{folder} is writable")
    parent = _nearest_existing(folder)
    if parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
        return Check("state", "ok", f"{folder} does not exist yet; zcp can create it (under {parent})")
    return Check("state", "problem", f"{folder} does not exist and {parent} is not writable", fix)


def _tools(env: DoctorEnv) -> list[Check]:
    checks = []
    git = env.which("git")
    checks.append(
        Check("git", "ok", f"git at {git}")
        if git
        else Check("git", "problem", "git is not on PATH; deploys commit and push with it", "install git")
    )
    zcli = env.which("zcli")
    checks.append(
        Check("zcli", "ok", f"zcli at {zcli}")
        if zcli
        else Check(
            "zcli",
            "warn",
            "zcli is not on PATH (zcp works without it)",
            "install zcli for `zcli login` and `zcli vpn up` (managed services from this machine)",
        )
    )
    return checks


def _index(settings: Settings) -> Check:
    from zcp.knowledge.corpus import fingerprint_files
    from zcp.knowledge.index import open_index
    from zcp.knowledge.paths import resolve_paths

    paths = resolve_paths(settings)
    if not paths.corpus_dir.is_dir():
        return Check(
            "index",
            "problem",
            f"the corpus folder {paths.corpus_dir} does not exist",
            "unset ZCP_CORPUS_DIR or point it at a corpus",
        )
    index = open_index(paths.index_dir)
    if index is None:
        return Check(
            "index",
            "warn",
            f"no search index in {paths.index_dir} yet (the first knowledge call builds it)",
            "run `zcp index build` now",
        )
    try:
        fresh = index.fingerprint == fingerprint_files(paths.corpus_dir, paths.manifest_file)
        entries = index.entry_count
    finally:
        index.close()
    if fresh:
        return Check("index", "ok", f"{paths.index_dir} matches the corpus ({entries} entries)")
    return Check(
        "index",
        "warn",
        f"{paths.index_dir} is older than the corpus (the next knowledge call updates it)",
        "run `zcp index build`",
    )


def _schemas(settings: Settings) -> Check:
    from zcp.schema.live import LiveSchemas
    from zcp.schema.sources import SchemaKind, SchemaSources

    live = LiveSchemas(SchemaSources.from_settings(settings))
    origins = {kind.label: live.peek(kind) for kind in SchemaKind}
    if all(loaded.origin == "cache" for loaded in origins.values()):
        ages = ", ".join(
            f"{label} from {loaded.fetched_at:%Y-%m-%d %H:%M} UTC"
            for label, loaded in origins.items()
            if loaded.fetched_at
        )
        return Check("schemas", "ok", f"cached live schemas ({ages})")
    described = ", ".join(
        f"{label}: {'expired cache' if loaded.origin == 'stale' else 'none cached, the bundled copy is used'}"
        for label, loaded in origins.items()
        if loaded.origin != "cache"
    )
    return Check("schemas", "warn", described, "run `zcp schema refresh` (needs the API host)")


async def run_checks(env: DoctorEnv) -> list[Check]:
    """Every check, in the order a user reads them."""
    checks: list[Check] = []
    credentials_check, credentials = _credentials(env)
    checks.append(credentials_check)
    if credentials is None:
        checks.append(Check("api", "skip", "needs credentials"))
        checks.append(Check("ssh", "skip", "needs credentials"))
    else:
        checks.extend(await _platform_checks(env, credentials))
    checks.append(_environment(env.settings))
    checks.append(_state_folder(env.settings))
    checks.extend(_tools(env))
    checks.append(_index(env.settings))
    checks.append(_schemas(env.settings))
    order = ["credentials", "api", "environment", "state", "git", "zcli", "ssh", "index", "schemas"]
    return sorted(checks, key=lambda c: order.index(c.name) if c.name in order else len(order))
