"""Whether an atom applies to an envelope — and, for ``zcp preview --explain``, why not.

Semantics (docs/atoms.md): OR within an axis, AND across axes, an omitted axis matches all.
Envelope-wide axes are checked once; per-service axes must all hold for one and the same
candidate service. Candidates are every service, or the work-session scope while a develop session
is open or auto-closed. ``envelopeDeployStates`` holds when any bootstrapped candidate is in one
of the listed deploy states.
"""

from __future__ import annotations

from dataclasses import dataclass

from zcp.axes import AXES_BY_KEY
from zcp.workflow.atoms import Atom
from zcp.workflow.envelope import ServiceSnapshot, StateEnvelope

__all__ = ["EnvelopeView", "Exclusion", "envelope_excludes", "explain_exclusion", "matching_services"]

_SERVICE_KEYS = tuple(key for key, axis in AXES_BY_KEY.items() if axis.per_service)


@dataclass(frozen=True)
class Exclusion:
    """The first axis that keeps an atom out, with a sentence for humans."""

    axis: str
    detail: str


class EnvelopeView:
    """An envelope with every axis value looked up once, shared by all atoms of one synthesis."""

    __slots__ = ("candidates", "deploy_states", "envelope", "values")

    def __init__(self, envelope: StateEnvelope) -> None:
        self.envelope = envelope
        bootstrap = envelope.bootstrap
        self.values: dict[str, str | None] = {
            "phases": envelope.phase.value,
            "environments": envelope.environment.value,
            "routes": bootstrap.route.value if bootstrap else None,
            "steps": bootstrap.step.value if bootstrap and bootstrap.step else None,
            "idleScenarios": envelope.idle_scenario.value if envelope.idle_scenario else None,
            "exportStatuses": envelope.export_status.value if envelope.export_status else None,
        }
        self.candidates: tuple[tuple[ServiceSnapshot, dict[str, str | None]], ...] = tuple(
            (svc, {key: envelope.service_axis_value(svc, key) for key in _SERVICE_KEYS})
            for svc in envelope.candidates
        )
        self.deploy_states: frozenset[str] = frozenset(
            state for _, values in self.candidates if (state := values["deployStates"]) is not None
        )

    def envelope_value(self, key: str) -> str | None:
        return self.values.get(key)


def _envelope_axis_passes(key: str, allowed: frozenset[str], view: EnvelopeView) -> bool:
    if key == "envelopeDeployStates":
        return not allowed.isdisjoint(view.deploy_states)
    return view.values.get(key) in allowed


def envelope_excludes(atom: Atom, view: EnvelopeView) -> str | None:
    """The first envelope-wide axis the envelope fails, or ``None`` when all hold."""
    for key, allowed in atom.envelope_axes:
        if not _envelope_axis_passes(key, allowed, view):
            return key
    return None


def matching_services(atom: Atom, view: EnvelopeView) -> tuple[ServiceSnapshot, ...]:
    """The candidate services that satisfy every per-service axis of the atom, in envelope order."""
    checks = atom.service_axes
    return tuple(
        svc for svc, values in view.candidates if all(values[key] in allowed for key, allowed in checks)
    )


def _fmt(values: frozenset[str]) -> str:
    return ", ".join(sorted(values))


def explain_exclusion(atom: Atom, view: EnvelopeView) -> Exclusion | None:
    """``None`` when the atom matches; else the first axis (in :data:`zcp.axes.AXES` order) that excluded it."""
    key = envelope_excludes(atom, view)
    if key is not None:
        allowed = dict(atom.envelope_axes)[key]
        if key == "envelopeDeployStates":
            have = _fmt(view.deploy_states) or "no bootstrapped candidate service"
        else:
            have = view.values.get(key) or "unset"
        return Exclusion(key, f"{key}: needs {_fmt(allowed)}; envelope has {have}")
    if not atom.service_scoped or matching_services(atom, view):
        return None
    if not view.candidates:
        return Exclusion(
            atom.service_axes[0][0], "no candidate services (this atom needs a matching service)"
        )
    for key, allowed in atom.service_axes:
        if not any(values[key] in allowed for _, values in view.candidates):
            have = ", ".join(f"{svc.hostname}={values[key] or 'unset'}" for svc, values in view.candidates)
            return Exclusion(key, f"{key}: needs {_fmt(allowed)}; candidates have {have}")
    first_fail: list[str] = []
    for svc, values in view.candidates:
        failing = next(key for key, allowed in atom.service_axes if values[key] not in allowed)
        first_fail.append(f"{svc.hostname} fails {failing}")
    axis = next(key for key, allowed in atom.service_axes if view.candidates[0][1][key] not in allowed)
    return Exclusion(axis, "no single service satisfies every per-service axis: " + "; ".join(first_fail))
