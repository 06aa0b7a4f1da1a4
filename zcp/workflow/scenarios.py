"""Scenario fixtures: named envelopes in YAML files, used by the snapshot suite and ``zcp preview``.

A scenario is ``<name>.yaml`` holding one envelope; its leading ``#`` comment lines describe it.
In a checkout they live in ``tests/workflow/scenarios/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from zcp.errors import InvalidParameter
from zcp.workflow.envelope import StateEnvelope, parse_envelope

__all__ = ["Scenario", "default_scenarios_dir", "load_scenario_file", "load_scenarios"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Scenario:
    """One named envelope and what it is meant to show."""

    name: str
    description: str
    path: Path
    envelope: StateEnvelope


def default_scenarios_dir() -> Path | None:
    """``tests/workflow/scenarios`` of the source checkout, or ``None`` for an installed zcp."""
    folder = Path(__file__).resolve().parents[2] / "tests" / "workflow" / "scenarios"
    return folder if folder.is_dir() else None


def _description(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(line for line in lines if line)


def load_scenario_file(path: Path, *, source: str | None = None) -> Scenario:
    """Load one scenario (or any envelope file); errors name the file, line and field."""
    name = path.stem
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidParameter(
            f"cannot read envelope file {path}: {exc.strerror or exc}",
            suggestion="Pass an existing YAML file, or a scenario name (`zcp preview --list`).",
        ) from None
    envelope = parse_envelope(text, source=source or str(path))
    return Scenario(name=name, description=_description(text), path=path, envelope=envelope)


def load_scenarios(folder: Path) -> tuple[Scenario, ...]:
    """Every ``*.yaml`` scenario in ``folder``, sorted by name."""
    scenarios = []
    for path in sorted(folder.glob("*.yaml"), key=lambda p: p.stem):
        if not _NAME.match(path.stem):
            raise InvalidParameter(
                f"{path}: scenario names use lowercase letters, digits and '-' (they become snapshot names)"
            )
        scenarios.append(load_scenario_file(path, source=path.name))
    return tuple(scenarios)
