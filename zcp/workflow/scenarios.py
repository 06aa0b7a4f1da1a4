"""Scenario fixtures: named envelopes used by the snapshot suite and ``zcp preview``.

A scenario is ``<name>.yaml`` holding one envelope; its leading ``#`` comment lines describe it.
This module is pure (text in, :class:`Scenario` out); reading the files is the shell's job
(:mod:`zcp.workflow.scenario_files`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from zcp.errors import InvalidParameter
from zcp.workflow.envelope import StateEnvelope, parse_envelope

__all__ = ["Scenario", "check_scenario_name", "parse_scenario"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Scenario:
    """One named envelope and what it is meant to show."""

    name: str
    description: str
    path: Path
    envelope: StateEnvelope


def _description(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(line for line in lines if line)


def check_scenario_name(path: Path) -> None:
    """Refuse a scenario file whose name cannot become a snapshot name."""
    if not _NAME.match(path.stem):
        raise InvalidParameter(
            f"{path}: scenario names use lowercase letters, digits and '-' (they become snapshot names)"
        )


def parse_scenario(path: Path, text: str, *, source: str | None = None) -> Scenario:
    """The scenario in ``text`` (read from ``path``); errors name the source, line and field."""
    envelope = parse_envelope(text, source=source or str(path))
    return Scenario(name=path.stem, description=_description(text), path=path, envelope=envelope)
