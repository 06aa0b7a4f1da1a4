"""A local ``.env`` for running a service's code outside Zerops, resolved from the live project.

The variables come from the ``run.envVariables`` of one ``zerops.yaml`` setup plus the project's
variables (every service inherits those). ``${host_key}`` references are resolved against the live
services (``${db_connectionString}`` → the database's connection string), ``${KEY}`` against the
service's own variables, then the project's. What cannot be resolved stays as written and is
reported. Managed services' hostnames only resolve inside the project network, so the result says
when ``zcli vpn up`` is needed. The zerops.yaml is read, and ``.env`` written next to it, only inside
the working directory (:mod:`zcp.ops.inputs`). The file is written atomically, values in double quotes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import anyio.to_thread

from zcp.calls import ToolCall
from zcp.errors import InvalidParameter, InvalidZeropsYaml, NotFoundError
from zcp.ops.env import REFERENCE
from zcp.ops.inputs import FileTooLarge, confined_path, read_text_file_async
from zcp.platform import status as st
from zcp.safe_yaml import YamlRefused, load_yaml
from zcp.state.fs import atomic_write_text

if TYPE_CHECKING:
    from zcp.auth import PlatformConnection
    from zcp.platform.models import ServiceStack

ZEROPS_YAML_NAMES: Final = ("zerops.yaml", "zerops.yml")
MAX_YAML_BYTES: Final = 1_000_000
_MAX_DEPTH: Final = 5


def locate_zerops_yaml(path: str | None, work_dir: Path) -> Path:
    """The zerops.yaml to read: ``path`` (a file or folder), or ``zerops.yaml``/``zerops.yml`` in the
    working directory — always resolved inside ``work_dir`` (:func:`zcp.ops.inputs.confined_path`)."""
    base = confined_path(".", work_dir, what="the working directory")
    if path:
        candidate = confined_path(path, work_dir, what="path")
        if candidate.is_dir():
            base = candidate
        elif candidate.exists():
            return candidate
        else:
            raise NotFoundError(
                f"no file at {candidate}", suggestion="Give the path of the project's zerops.yaml."
            )
    for name in ZEROPS_YAML_NAMES:
        if os.path.lexists(base / name):
            return confined_path(str(base / name), work_dir, what=name)
    raise NotFoundError(
        f"no zerops.yaml or zerops.yml in {base}",
        suggestion="Run zcp in the project folder, or pass path= to the zerops.yaml.",
    )


def setup_variables(text: str, setup: str) -> dict[str, str]:
    """``run.envVariables`` of ``setup`` as strings. Pure; INVALID_ZEROPS_YML / INVALID_PARAMETER on problems.

    A file that does not load is refused by line number only: it is not echoed.
    """
    try:
        document = load_yaml(text, what="zerops.yaml", max_chars=MAX_YAML_BYTES)
    except YamlRefused as refused:
        where = f" (line {refused.line})" if refused.line else ""
        raise InvalidZeropsYaml(
            f"zerops.yaml did not load: {refused.reason}{where}",
            suggestion='Fix the file; zerops_knowledge query="zerops.yaml" shows its shape.',
        ) from None
    entries = document.get("zerops") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise InvalidZeropsYaml(
            "zerops.yaml has no `zerops:` list of setups",
            suggestion='See zerops_knowledge query="zerops.yaml".',
        )
    names = [e.get("setup") for e in entries if isinstance(e, dict)]
    for entry in entries:
        if isinstance(entry, dict) and entry.get("setup") == setup:
            run = entry.get("run")
            variables: Any = (run.get("envVariables") if isinstance(run, dict) else None) or {}
            if not isinstance(variables, dict):
                raise InvalidZeropsYaml(f"setup {setup}: run.envVariables is not a mapping")
            return {str(k): "" if v is None else _scalar(v) for k, v in variables.items()}
    raise InvalidParameter(
        f"zerops.yaml has no setup {setup!r}",
        suggestion=f"Setups in the file: {', '.join(str(n) for n in names if n) or '(none)'}; pass setup=.",
        details={"available": [str(n) for n in names if n]},
    )


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Resolution:
    values: dict[str, str]
    unresolved: tuple[str, ...]
    referenced: tuple[str, ...]  # hostnames whose variables were used


def resolve_references(
    values: Mapping[str, str], lookup: Callable[[str], tuple[str, str | None] | None]
) -> Resolution:
    """Replace ``${name}`` in every value using ``lookup(name) -> (value, hostname or None)``. Pure.

    Replacements may contain references themselves (resolved up to a few levels deep); names that
    ``lookup`` does not know stay as written.
    """
    unresolved: set[str] = set()
    referenced: set[str] = set()

    def replace(text: str, depth: int) -> str:
        def one(match: Any) -> str:
            name = match.group(1)
            found = lookup(name)
            if found is None:
                unresolved.add(name)
                return str(match.group(0))
            value, host = found
            if host:
                referenced.add(host)
            return replace(value, depth + 1) if depth < _MAX_DEPTH else value

        return REFERENCE.sub(one, text)

    resolved = {key: replace(value, 0) for key, value in values.items()}
    return Resolution(resolved, tuple(sorted(unresolved)), tuple(sorted(referenced)))


def render_dotenv(values: Mapping[str, str]) -> str:
    """``KEY="value"`` lines (backslash, quote and line breaks escaped), as dotenv readers expect. Pure."""
    lines = []
    for key, value in values.items():
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        lines.append(f'{key}="{escaped}"')
    return "".join(line + "\n" for line in lines)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically with owner-only permissions (it holds credentials)."""
    atomic_write_text(path, text, mode=0o600)


def ignored_by_git(env_path: Path) -> bool:
    """True when a ``.gitignore`` next to the file lists ``.env`` (a rough check, no git needed)."""
    gitignore = env_path.parent / ".gitignore"
    try:
        lines = gitignore.read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    return any(line.strip() in (".env", "/.env", ".env*", "*.env") for line in lines)


@dataclass(frozen=True)
class Dotenv:
    path: Path
    values: dict[str, str]
    unresolved: tuple[str, ...]
    referenced: tuple[str, ...]
    managed_hosts: tuple[str, ...]
    existed: bool


async def build_dotenv(
    platform: PlatformConnection,
    service: ServiceStack,
    services: list[ServiceStack],
    zerops_yaml: Path,
    setup: str,
) -> Dotenv:
    """Read the setup's variables and resolve them against the live project (nothing is written)."""
    try:
        text = await read_text_file_async(zerops_yaml, max_bytes=MAX_YAML_BYTES, what="the zerops.yaml")
    except FileTooLarge:
        raise InvalidZeropsYaml(f"{zerops_yaml.name} is larger than {MAX_YAML_BYTES} bytes") from None
    own = await anyio.to_thread.run_sync(setup_variables, text, setup)
    client = platform.client
    project_vars = {v.key: v.content for v in await client.get_project_env(platform.project.id)}
    by_host = {s.name: s for s in services}
    env_cache: dict[str, dict[str, str]] = {}

    async def env_of(host: str) -> dict[str, str]:
        if host not in env_cache:
            env_cache[host] = {v.key: v.content for v in await client.get_service_env(by_host[host].id)}
        return env_cache[host]

    # Load what the references need first, so the pure resolver can run synchronously.
    wanted = {
        m.group(1) for text in [*own.values(), *project_vars.values()] for m in REFERENCE.finditer(text)
    }
    await env_of(service.name)
    for name in wanted:
        host = name.split("_", 1)[0]
        if "_" in name and host in by_host:
            await env_of(host)
    # one more round for references inside the values just loaded
    for values in list(env_cache.values()):
        for text in values.values():
            for match in REFERENCE.finditer(text):
                host = match.group(1).split("_", 1)[0]
                if "_" in match.group(1) and host in by_host:
                    await env_of(host)

    def lookup(name: str) -> tuple[str, str | None] | None:
        host, _, key = name.partition("_")
        if key and host in env_cache and key in env_cache[host]:
            return env_cache[host][key], host
        if name in env_cache[service.name]:
            return env_cache[service.name][name], None
        if name in project_vars:
            return project_vars[name], None
        return None

    merged = {**own, **{k: v for k, v in project_vars.items() if k not in own}}
    resolution = resolve_references(merged, lookup)
    managed = tuple(
        h for h in resolution.referenced if h != service.name and st.is_managed_category(by_host[h].category)
    )
    path = zerops_yaml.parent / ".env"
    return Dotenv(
        path, resolution.values, resolution.unresolved, resolution.referenced, managed, path.exists()
    )


@dataclass(frozen=True)
class DotenvWritten:
    """A ``.env`` that was written, what could not be resolved, and what the caller should know."""

    dotenv: Dotenv
    warnings: tuple[str, ...]
    next_actions: tuple[ToolCall, ...]


async def generate_dotenv(
    platform: PlatformConnection,
    service: ServiceStack,
    services: list[ServiceStack],
    *,
    setup: str | None,
    path: str | None,
    work_dir: Path,
) -> DotenvWritten:
    """Find the zerops.yaml, resolve the setup's variables and write ``.env`` next to it."""
    zerops_yaml = locate_zerops_yaml(path, work_dir)
    built = await build_dotenv(platform, service, services, zerops_yaml, setup or service.name)
    write_atomically(built.path, render_dotenv(built.values))
    warnings = []
    if built.existed:
        warnings.append(f"replaced the existing {built.path}")
    if not ignored_by_git(built.path):
        warnings.append(f"{built.path.name} holds credentials: add it to .gitignore")
    if built.managed_hosts:
        warnings.append(
            f"{', '.join(built.managed_hosts)} resolve only inside the project network: run "
            f"`zcli vpn up {platform.project.id}` before starting the app locally"
        )
    next_actions = (
        (ToolCall.of("zerops_env", action="get", serviceHostname=service.name),) if built.unresolved else ()
    )
    return DotenvWritten(built, tuple(warnings), next_actions)
