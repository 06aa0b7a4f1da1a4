"""The whole pure pipeline in one call: envelope → plan + synthesized atoms → status text."""

from __future__ import annotations

from dataclasses import dataclass

from zcp.workflow.atoms import AtomSet
from zcp.workflow.envelope import StateEnvelope
from zcp.workflow.plan import Plan, build_plan
from zcp.workflow.render import render_status
from zcp.workflow.synthesis import MatchedRender, join_guidance, synthesize

__all__ = ["StatusReport", "status_report"]


@dataclass(frozen=True)
class StatusReport:
    """Everything the pipeline produced for one envelope."""

    envelope: StateEnvelope
    plan: Plan
    renders: tuple[MatchedRender, ...]
    text: str

    @property
    def atom_ids(self) -> tuple[str, ...]:
        """Matched atom ids in render order, each once."""
        return tuple(dict.fromkeys(r.atom_id for r in self.renders))

    @property
    def guide(self) -> str:
        """The bodies alone, joined for guide-style responses (bootstrap steps, export, walkthroughs)."""
        return join_guidance(self.renders)


def status_report(envelope: StateEnvelope, atoms: AtomSet) -> StatusReport:
    """Run plan, synthesis and rendering for an envelope (pure and deterministic)."""
    plan = build_plan(envelope)
    renders = synthesize(envelope, atoms)
    text = render_status(envelope, plan, [r.body for r in renders])
    return StatusReport(envelope=envelope, plan=plan, renders=renders, text=text)
