"""What the evaluator watches while a scenario runs, and the check of ``expect`` at the end.

:class:`Observations` collects what zcp showed (atoms, workflow statuses, tools called) and what the
state folder recorded (the develop session's close reason, seen after every turn — closing a
session deletes its file, so the reason is caught while it exists). :func:`check` compares them, the
final services, the ServiceMetas and the public subdomains with the scenario's expectations.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.agent import Answer
from eval.scenario import Expect
from eval.world import RUNNING_ALIASES, World

__all__ = ["Observations", "check", "read_metas"]


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_metas(state_dir: Path) -> dict[str, dict[str, Any]]:
    """Hostname → ServiceMeta file content (both halves of a pair map to the pair's meta)."""
    metas: dict[str, dict[str, Any]] = {}
    for path in sorted((state_dir / "services").glob("*.json")):
        meta = _read_json(path)
        if meta is None or not isinstance(meta.get("hostname"), str):
            continue
        metas[meta["hostname"]] = meta
        if isinstance(meta.get("stageHostname"), str):
            metas[meta["stageHostname"]] = meta
    return metas


@dataclass
class Observations:
    """Everything seen during one run."""

    state_dir: Path
    tools: Counter[str] = field(default_factory=Counter)
    atoms: set[str] = field(default_factory=set)
    statuses: list[str] = field(default_factory=list)
    close_reason: str | None = None
    _open_session: bool = False

    def answer(self, answer: Answer) -> None:
        self.tools[answer.call.tool] += 1
        data = answer.structured or {}
        if answer.call.tool == "zerops_workflow" and not answer.is_error:
            self.atoms.update(a for a in data.get("atoms") or [] if isinstance(a, str))
            if isinstance(data.get("status"), str):
                self.statuses.append(data["status"])

    def state(self, last: Answer | None) -> None:
        """Read the work session after a turn; a session gone after an explicit close closed ``explicit``."""
        sessions = [s for p in sorted((self.state_dir / "work").glob("*.json")) if (s := _read_json(p))]
        if sessions:
            reason = sessions[0].get("closeReason")
            if isinstance(reason, str) and reason:
                self.close_reason = reason
            self._open_session = not reason
            return
        if (
            self._open_session
            and last is not None
            and last.call.tool == "zerops_workflow"
            and last.call.args.get("action") == "close"
        ):
            self.close_reason = "explicit"
        self._open_session = False


def _status(value: str) -> str:
    value = value.upper().removeprefix("SERVICE_")
    return RUNNING_ALIASES.get(value, value)


async def check(expect: Expect, seen: Observations, world: World, work_dir: Path) -> list[str]:
    """Every expectation that does not hold, as a sentence (empty when all hold)."""
    problems: list[str] = []
    missing_tools = [t for t in expect.tools if not seen.tools[t]]
    if missing_tools:
        problems.append(f"never called {', '.join(missing_tools)}")
    if expect.services:
        services = await world.services()
        for host, status in expect.services.items():
            actual = services.get(host)
            if actual is None:
                problems.append(f"service {host} does not exist (services: {', '.join(services) or 'none'})")
            elif _status(actual) != _status(status):
                problems.append(f"service {host} is {actual}, expected {status}")
    metas = read_metas(seen.state_dir)
    for host in expect.metas:
        meta = metas.get(host)
        if meta is None:
            problems.append(f"no ServiceMeta for {host}")
        elif not meta.get("bootstrappedAt"):
            problems.append(f"the ServiceMeta of {host} is not complete (bootstrappedAt is empty)")
    for host, fields in expect.meta_fields.items():
        meta = metas.get(host) or {}
        for key, value in fields.items():
            if meta.get(key) != value:
                problems.append(f"ServiceMeta {host}.{key} is {meta.get(key)!r}, expected {value!r}")
    if expect.session is not None and seen.close_reason != expect.session:
        problems.append(
            f"the develop session closed with {seen.close_reason or 'nothing'}, expected {expect.session}"
        )
    for host, token in expect.serves.items():
        code, body = await world.fetch(host)
        if code != 200 or token not in body:
            problems.append(f"{host}'s subdomain answered {code or body} without {token!r}: {body[:120]!r}")
    missing_atoms = sorted(set(expect.atoms) - seen.atoms)
    if missing_atoms:
        problems.append(f"atoms never shown: {', '.join(missing_atoms)}")
    missing_statuses = [s for s in expect.statuses if s not in seen.statuses]
    if missing_statuses:
        problems.append(f"zerops_workflow never answered {', '.join(missing_statuses)}")
    for name, text in expect.files.items():
        path = work_dir / name
        if not path.is_file():
            problems.append(f"{name} was not written")
        elif text not in path.read_text(encoding="utf-8", errors="replace"):
            problems.append(f"{name} does not contain {text!r}")
    return problems
