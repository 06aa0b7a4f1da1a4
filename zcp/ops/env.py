"""Environment variables of a service or of the project: parse, expand, store, delete, restart.

``KEY=value`` input is checked whole before anything is sent (key syntax, duplicates, platform-generated
keys, values a service env file cannot carry), then ``<@...>`` expressions in values are expanded with
:mod:`zcp.preprocess` — all in one batch, so ``setVar``/``getVar`` work across variables — and stored:

* service variables in one env-file write (the platform upserts the keys it names, one process);
* project variables one by one; the platform has no update, so a key that exists is deleted first.

A service only sees changed variables after a restart. :func:`change_env` is the whole set/delete
flow: store the change, wait for it, then restart what it affects (:func:`restart_targets`: the service
itself, or for project variables every running runtime — never zcp's own service) and wait for those
restarts, all within one budget; with ``skip_restart`` (or when the change is still being applied)
the restart calls become next actions instead. Values are never logged.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from zcp.calls import ToolCall
from zcp.errors import InvalidEnvFormat, InvalidParameter, ZcpError
from zcp.ops.waiting import Outcome, ProcessWaiter, Waited, outcome_of, poll_call
from zcp.platform import status as st
from zcp.secrets import LINE_BREAK

if TYPE_CHECKING:
    from zcp.auth import PlatformConnection
    from zcp.platform.models import Process, ProjectEnv, ServiceEnv, ServiceStack
    from zcp.runtime import RuntimeInfo

KEY_PATTERN: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_KEY_LENGTH: Final = 255
#: Variable types the platform generates (service: READ_ONLY, INTERNAL; project: SYSTEM); they cannot
#: be set or deleted, and their changes need no restart by the user.
GENERATED_TYPES: Final = frozenset({"READ_ONLY", "INTERNAL", "SYSTEM"})
REFERENCE: Final = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


@dataclass(frozen=True)
class Assignment:
    key: str
    value: str


def _check_key(key: str, where: str) -> None:
    if not key:
        raise InvalidEnvFormat(
            f"{where}: the key is empty",
            suggestion='Write each variable as KEY=value, e.g. "NODE_ENV=production".',
        )
    if len(key) > MAX_KEY_LENGTH or not KEY_PATTERN.fullmatch(key):
        raise InvalidEnvFormat(
            f"{where}: {key[:60]!r} is not a valid variable name",
            suggestion="Keys start with a letter or _, then letters, digits and _ only (e.g. DATABASE_URL).",
            details={"key": key[:60]},
        )


def parse_assignments(items: Sequence[str]) -> list[Assignment]:
    """``["KEY=value", ...]`` → assignments (split at the first ``=``); every problem is INVALID_ENV_FORMAT."""
    if not items:
        raise InvalidParameter(
            "set needs variables: a list of KEY=value strings",
            suggestion='e.g. variables=["NODE_ENV=production", "DB_URL=${db_connectionString}"].',
        )
    seen: set[str] = set()
    out: list[Assignment] = []
    for index, item in enumerate(items):
        key, sep, value = item.partition("=")
        key = key.strip()
        where = f"variables[{index}]"
        if not sep:
            raise InvalidEnvFormat(
                f"{where}: {key[:60]!r} has no '=': each variable is KEY=value",
                suggestion=f'Write it as "{key[:60] or "KEY"}=value" (an empty value is "KEY=").',
            )
        _check_key(key, where)
        check_project_value(key, value)
        if key in seen:
            raise InvalidEnvFormat(f"{where}: {key} is given twice", suggestion="Give each key once.")
        seen.add(key)
        out.append(Assignment(key, value))
    return out


def parse_keys(items: Sequence[str]) -> list[str]:
    """The keys to delete (``KEY``, or ``KEY=…`` with the value ignored), each once."""
    if not items:
        raise InvalidParameter(
            "delete needs variables: the keys to delete", suggestion='e.g. variables=["OLD_FLAG"].'
        )
    keys: list[str] = []
    for index, item in enumerate(items):
        key = item.partition("=")[0].strip()
        _check_key(key, f"variables[{index}]")
        if key not in keys:
            keys.append(key)
    return keys


def expand_values(assignments: Sequence[Assignment], *, rng: random.Random | None = None) -> list[Assignment]:
    """Expand ``<@...>`` expressions in every value, in one batch (INVALID_PARAMETER names the key)."""
    from zcp.preprocess import expand_batch, needs_expansion

    if not any(needs_expansion(a.value) for a in assignments):
        return list(assignments)
    expanded = expand_batch({a.key: a.value for a in assignments}, rng=rng or random.SystemRandom())
    return [Assignment(a.key, expanded[a.key]) for a in assignments]


def is_reference(value: str) -> bool:
    """True when the value refers to another variable (``${db_hostname}``)."""
    return bool(REFERENCE.search(value))


def check_project_value(key: str, value: str) -> None:
    """INVALID_ENV_FORMAT for a value no variable can hold: one with a NUL character.

    A project variable is stored as it is (one call per variable), so it may span lines; a service
    variable goes through an env file and may not (:func:`env_file`).
    """
    if "\x00" in value:
        raise InvalidEnvFormat(
            f"{key}: a variable cannot hold a NUL character",
            suggestion="Remove it; encode binary values (e.g. base64) and decode them in the app.",
            details={"key": key},
        )


def env_file(assignments: Sequence[Assignment]) -> str:
    """The ``KEY=value`` text of a service env-file write; values that parsing would alter are quoted.

    The env file is line-based, so a value with any line break (every character in
    :data:`zcp.secrets.LINE_BREAK`, the Unicode separators included) or a NUL would be stored as
    several variables: it is refused, naming the key.
    """
    lines = []
    for item in assignments:
        value = item.value
        check_project_value(item.key, value)
        if LINE_BREAK.search(value):
            raise InvalidEnvFormat(
                f"{item.key}: a service variable cannot hold a line break",
                suggestion="Store multi-line values (keys, certificates) as a project variable "
                "(project=true), or encode them (e.g. base64) and decode in the app.",
                details={"key": item.key},
            )
        quoted = value != value.strip() or (len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"")
        lines.append(f'{item.key}="{value}"' if quoted else f"{item.key}={value}")
    return "".join(line + "\n" for line in lines)


# --- service scope ------------------------------------------------------------------------------


def refuse_generated(keys: Sequence[str], current: Sequence[ServiceEnv], service: ServiceStack) -> None:
    """INVALID_ENV_FORMAT when a key belongs to a variable the platform generates."""
    generated = sorted({v.key for v in current if v.key in keys and v.type.upper() in GENERATED_TYPES})
    if generated:
        raise InvalidEnvFormat(
            f"{', '.join(generated)} on {service.name} {'is' if len(generated) == 1 else 'are'} generated by the "
            "platform and cannot be changed",
            suggestion="Use another key name; reference generated values instead, e.g. ${"
            + service.name
            + "_hostname}.",
            details={"generated": generated},
        )


async def set_service_vars(
    platform: PlatformConnection, service: ServiceStack, assignments: Sequence[Assignment]
) -> tuple[Process, set[str]]:
    """Store the variables in one env-file write; returns the process and the keys that existed."""
    current = await platform.client.get_service_env(service.id)
    refuse_generated([a.key for a in assignments], current, service)
    text = env_file(assignments)
    existing = {v.key for v in current}
    process = await platform.client.set_service_env_file(service.id, text)
    return process, {a.key for a in assignments} & existing


async def delete_service_vars(
    platform: PlatformConnection, service: ServiceStack, keys: Sequence[str]
) -> list[tuple[str, Process]]:
    """Delete each key (one platform call per key); unknown keys are refused before any call."""
    current = await platform.client.get_service_env(service.id)
    refuse_generated(keys, current, service)
    by_key = {v.key: v for v in current}
    _refuse_unknown(keys, sorted(by_key), f"service {service.name}")
    return [(key, await platform.client.delete_user_data(by_key[key].id)) for key in keys]


# --- project scope ------------------------------------------------------------------------------


async def set_project_vars(
    platform: PlatformConnection, assignments: Sequence[Assignment]
) -> tuple[list[tuple[str, Process]], set[str]]:
    """Create each variable; an existing key is deleted first (the platform has no update)."""
    project_id = platform.project.id
    by_key = {v.key: v for v in await platform.client.get_project_env(project_id)}
    processes: list[tuple[str, Process]] = []
    for item in assignments:
        if item.key in by_key:
            processes.append((item.key, await platform.client.delete_project_env(by_key[item.key].id)))
        processes.append(
            (item.key, await platform.client.create_project_env(project_id, item.key, item.value))
        )
    return processes, {a.key for a in assignments} & set(by_key)


async def delete_project_vars(platform: PlatformConnection, keys: Sequence[str]) -> list[tuple[str, Process]]:
    by_key = {v.key: v for v in await platform.client.get_project_env(platform.project.id)}
    _refuse_unknown(keys, sorted(by_key), "the project")
    return [(key, await platform.client.delete_project_env(by_key[key].id)) for key in keys]


async def project_vars(platform: PlatformConnection) -> list[ProjectEnv]:
    return await platform.client.get_project_env(platform.project.id)


def _refuse_unknown(keys: Sequence[str], existing: list[str], where: str) -> None:
    import difflib

    unknown = [k for k in keys if k not in existing]
    if not unknown:
        return
    hints = []
    for key in unknown:
        close = difflib.get_close_matches(key, existing, n=1, cutoff=0.6)
        if close:
            hints.append(f"{key} → {close[0]}?")
    raise InvalidParameter(
        f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not set on {where}; nothing was deleted",
        suggestion=(" ".join(hints) + " " if hints else "")
        + f"Variables on {where}: {', '.join(existing) or '(none)'}.",
        details={"unknown": unknown, "available": existing},
    )


# --- restarts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestartPlan:
    """Which services to restart after a change, and why others were left alone."""

    targets: tuple[ServiceStack, ...]
    notes: tuple[str, ...]


#: A service in one of these states is booting: a (re)start that began before the change may boot
#: with the old value, so it is restarted again after the change.
COMING_UP: Final = frozenset(
    {"STARTING", "RESTARTING", "RELOADING", "SERVICE_STARTING", "SERVICE_RESTARTING", "SERVICE_RELOADING"}
)


def restart_targets(
    services: Sequence[ServiceStack], runtime: RuntimeInfo, *, service: ServiceStack | None
) -> RestartPlan:
    """For a service change: that service. For a project change: every running runtime. Pure.

    A running service is restarted. One that is starting, restarting or reloading is restarted too:
    the boot under way began before the change and may not see it. Services that are stopped (or not
    deployed) pick the change up when they start; zcp's own service is never restarted by zcp.
    """
    candidates = (
        [service]
        if service is not None
        else [s for s in services if s.category.upper() == st.CATEGORY_RUNTIME]
    )
    targets: list[ServiceStack] = []
    notes: list[str] = []
    for candidate in candidates:
        if runtime.is_self(service_id=candidate.id, hostname=candidate.name):
            notes.append(
                f"{candidate.name} is zcp's own service and was not restarted; restart it outside zcp"
            )
        elif candidate.status.upper() in COMING_UP:
            notes.append(
                f"{candidate.name} was {candidate.status} when the change was made; it is restarted again "
                "so that it boots with the new value"
            )
            targets.append(candidate)
        elif candidate.status.upper() not in st.SERVICE_HEALTHY:
            notes.append(
                f"{candidate.name} is {candidate.status}, not running: it picks the change up when it starts"
            )
        else:
            targets.append(candidate)
    return RestartPlan(tuple(targets), tuple(notes))


def restart_call(host: str) -> ToolCall:
    return ToolCall.of("zerops_manage", action="restart", serviceHostname=host)


async def restart_all(
    platform: PlatformConnection, waiter: ProcessWaiter, targets: Sequence[ServiceStack]
) -> tuple[list[Waited], list[str]]:
    """Restart each target and wait; a refusal becomes a warning, not a failed call."""
    from zcp.ops.manage import run_action

    started = []
    warnings = []
    for target in targets:
        try:
            started.append((target.name, await run_action(platform, "restart", target)))
        except ZcpError as error:
            warnings.append(
                f"restart of {target.name} failed: {error.code} {error}; the change is not live there until "
                "it restarts"
            )
    return await waiter.wait_all(started), warnings


# --- the set / delete flow -------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangedVariable:
    """A variable that was set or deleted; ``value`` is the stored value (shown only when asked)."""

    key: str
    value: str | None = None
    is_reference: bool = False
    replaced: bool = False


@dataclass(frozen=True)
class EnvChange:
    """How a set or delete ended, with the restarts it caused."""

    variables: tuple[ChangedVariable, ...]
    changes: tuple[Waited, ...]
    restarts: tuple[Waited, ...]
    outcome: Outcome
    warnings: tuple[str, ...]
    next_actions: tuple[ToolCall, ...]


async def change_env(
    platform: PlatformConnection,
    services: Sequence[ServiceStack],
    service: ServiceStack | None,
    action: Literal["set", "delete"],
    items: Sequence[str],
    *,
    skip_restart: bool,
    waiter: ProcessWaiter,
) -> EnvChange:
    """Set or delete variables of ``service`` (or of the project when ``None``), then restart what sees them."""
    if action == "set":
        assignments = expand_values(parse_assignments(items))
        if service is not None:
            process, replaced = await set_service_vars(platform, service, assignments)
            pending = [(service.name, process)]
        else:
            pending, replaced = await set_project_vars(platform, assignments)
        variables = tuple(
            ChangedVariable(a.key, a.value, is_reference(a.value), a.key in replaced) for a in assignments
        )
    else:
        keys = parse_keys(items)
        if service is not None:
            pending = await delete_service_vars(platform, service, keys)
        else:
            pending = await delete_project_vars(platform, keys)
        variables = tuple(ChangedVariable(key) for key in keys)
    changes = await waiter.wait_all(pending)
    outcome = outcome_of(changes)
    warnings = [w.problem for w in changes if w.problem]
    plan = restart_targets(services, platform.runtime, service=service)
    warnings += plan.notes
    restart_calls = [restart_call(t.name) for t in plan.targets]
    restarts: list[Waited] = []
    next_actions: list[ToolCall] = []
    if outcome == "running":
        next_actions = [poll_call(w.process.id) for w in changes if w.still_running]
        if not skip_restart and plan.targets:
            warnings.append("the change is still being applied, so nothing was restarted yet")
            next_actions += restart_calls
    elif outcome == "failed":
        host = service.name if service is not None else None
        next_actions = [
            ToolCall.of("zerops_events", serviceHostname=host) if host else ToolCall.of("zerops_events")
        ]
    elif skip_restart:
        next_actions = restart_calls
    else:
        restarts, restart_warnings = await restart_all(platform, waiter, plan.targets)
        warnings += restart_warnings
        if outcome_of(restarts) == "running":
            outcome = "running"
        next_actions = [poll_call(r.process.id) for r in restarts if r.still_running]
        next_actions += [
            ToolCall.of("zerops_verify", serviceHostname=r.label) for r in restarts if r.succeeded
        ]
    if skip_restart and plan.targets:
        warnings.append(
            "not restarted: "
            + ", ".join(t.name for t in plan.targets)
            + " (they see the change after a restart)"
        )
    return EnvChange(
        variables=variables,
        changes=tuple(changes),
        restarts=tuple(restarts),
        outcome=outcome,
        warnings=tuple(warnings),
        next_actions=tuple(next_actions),
    )
