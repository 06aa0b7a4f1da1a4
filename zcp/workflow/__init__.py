"""Workflow guidance: the pure pipeline from a project's state to what the agent reads.

``StateEnvelope`` (typed project state) → :func:`build_plan` (next actions) and :func:`synthesize`
(matching atoms, rendered) → :func:`render_status` (the markdown status block).
:func:`status_report` runs all of it. Nothing here does I/O except :func:`load_atoms`.

Names are imported lazily, so ``zcp.workflow.cli`` (loaded for every ``zcp`` command) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zcp.workflow.atoms import Atom, AtomSet, compile_atoms, load_atoms
    from zcp.workflow.envelope import (
        AttemptInfo,
        BootstrapSummary,
        ProjectInfo,
        ServiceSnapshot,
        StateEnvelope,
        WorkSessionSummary,
        envelope_from_mapping,
        parse_envelope,
    )
    from zcp.workflow.pipeline import StatusReport, status_report
    from zcp.workflow.plan import NextAction, Plan, build_plan
    from zcp.workflow.render import render_status
    from zcp.workflow.synthesis import GUIDE_SEPARATOR, MatchedRender, join_guidance, synthesize

_EXPORTS: dict[str, str] = {
    "Atom": "atoms",
    "AtomSet": "atoms",
    "compile_atoms": "atoms",
    "load_atoms": "atoms",
    "AttemptInfo": "envelope",
    "BootstrapSummary": "envelope",
    "ProjectInfo": "envelope",
    "ServiceSnapshot": "envelope",
    "StateEnvelope": "envelope",
    "WorkSessionSummary": "envelope",
    "envelope_from_mapping": "envelope",
    "parse_envelope": "envelope",
    "StatusReport": "pipeline",
    "status_report": "pipeline",
    "NextAction": "plan",
    "Plan": "plan",
    "build_plan": "plan",
    "render_status": "render",
    "GUIDE_SEPARATOR": "synthesis",
    "MatchedRender": "synthesis",
    "join_guidance": "synthesis",
    "synthesize": "synthesis",
}

__all__ = [
    "GUIDE_SEPARATOR",
    "Atom",
    "AtomSet",
    "AttemptInfo",
    "BootstrapSummary",
    "MatchedRender",
    "NextAction",
    "Plan",
    "ProjectInfo",
    "ServiceSnapshot",
    "StateEnvelope",
    "StatusReport",
    "WorkSessionSummary",
    "build_plan",
    "compile_atoms",
    "envelope_from_mapping",
    "join_guidance",
    "load_atoms",
    "parse_envelope",
    "render_status",
    "status_report",
    "synthesize",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zcp.workflow' has no attribute {name!r}")
    return getattr(importlib.import_module(f"zcp.workflow.{module}"), name)
