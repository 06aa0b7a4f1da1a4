"""Synthesize: pick the atoms an envelope matches and render their bodies, deterministically.

Atoms come in ``(priority, id)`` order. A per-service atom renders once for every matching service
(in hostname order) and identical renders collapse to one; an aggregate atom renders once and
repeats its for-each-service block per matching service; a service-agnostic atom renders once.
Nothing here reads a clock, a random source or an unordered collection, so equal envelopes give
equal output in every process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zcp.axes import Mode, RuntimeClass
from zcp.workflow.atoms import Atom, AtomSet
from zcp.workflow.envelope import ServiceSnapshot, StateEnvelope
from zcp.workflow.matching import EnvelopeView, envelope_excludes, matching_services
from zcp.workflow.placeholders import MISSING

__all__ = [
    "GUIDE_SEPARATOR",
    "MatchedRender",
    "global_values",
    "join_guidance",
    "primary_runtime",
    "service_values",
    "synthesize",
]

#: How bootstrap, export and walkthrough responses join atom bodies.
GUIDE_SEPARATOR = "\n\n---\n\n"

_RUNTIME_PREFERENCE = {
    RuntimeClass.DYNAMIC: 0,
    RuntimeClass.IMPLICIT_WEBSERVER: 1,
    RuntimeClass.STATIC: 2,
}


@dataclass(frozen=True)
class MatchedRender:
    """One rendered atom: its id, the final body, and the services it was rendered for."""

    atom_id: str
    body: str
    services: tuple[str, ...] = ()


def primary_runtime(envelope: StateEnvelope) -> ServiceSnapshot | None:
    """The runtime a service-agnostic atom talks about.

    Among the candidates (the work-session scope in develop), else among all services: dynamic
    before implicit-webserver before static, a dev half before a stage half, then by hostname.
    """
    for pool in (envelope.candidates, envelope.services):
        runtimes = [s for s in pool if s.runtime in _RUNTIME_PREFERENCE]
        if runtimes:
            return min(
                runtimes,
                key=lambda s: (_RUNTIME_PREFERENCE[s.runtime], s.mode is Mode.STAGE, s.hostname),
            )
    return None


def _primary_stage(envelope: StateEnvelope, primary: ServiceSnapshot | None) -> str | None:
    if primary is not None and primary.stage_hostname:
        return primary.stage_hostname
    for pool in (envelope.candidates, envelope.services):
        for svc in pool:
            if svc.stage_hostname:
                return svc.stage_hostname
        for svc in pool:
            if svc.mode is Mode.STAGE:
                return svc.hostname
    return None


def global_values(envelope: StateEnvelope) -> dict[str, str]:
    """Placeholder values for service-agnostic atoms (and outside an aggregate block)."""
    primary = primary_runtime(envelope)
    stage = _primary_stage(envelope, primary)
    return {
        "hostname": primary.hostname if primary else MISSING["hostname"],
        "stage-hostname": stage or MISSING["stage-hostname"],
        "project-name": envelope.project.name or MISSING["project-name"],
        "service-type": (
            primary.type_version if primary and primary.type_version else MISSING["service-type"]
        ),
    }


def service_values(svc: ServiceSnapshot, globals_: dict[str, str]) -> dict[str, str]:
    """Placeholder values for one service (its stage partner, else the project's primary stage)."""
    return {
        "hostname": svc.hostname,
        "stage-hostname": svc.stage_hostname or globals_["stage-hostname"],
        "project-name": globals_["project-name"],
        "service-type": svc.type_version or MISSING["service-type"],
    }


def _render_atom(
    atom: Atom, services: Sequence[ServiceSnapshot], globals_: dict[str, str]
) -> list[MatchedRender]:
    if not atom.service_scoped and not atom.aggregate:
        return [MatchedRender(atom.id, atom.template.render(globals_))]
    if atom.aggregate:
        per_service = [service_values(s, globals_) for s in services]
        outer = per_service[0] if atom.service_scoped and per_service else globals_
        body = atom.template.render(outer, per_service)
        return [MatchedRender(atom.id, body, tuple(s.hostname for s in services))]
    renders: list[MatchedRender] = []
    seen: dict[str, int] = {}
    for svc in services:
        body = atom.template.render(service_values(svc, globals_))
        if body in seen:
            # Same text for another service: keep one render, remember every service it covers.
            index = seen[body]
            previous = renders[index]
            renders[index] = MatchedRender(atom.id, body, (*previous.services, svc.hostname))
            continue
        seen[body] = len(renders)
        renders.append(MatchedRender(atom.id, body, (svc.hostname,)))
    return renders


def synthesize(envelope: StateEnvelope, atoms: AtomSet) -> tuple[MatchedRender, ...]:
    """Every matching atom rendered for this envelope, in render order."""
    view = EnvelopeView(envelope)
    globals_ = global_values(envelope)
    renders: list[MatchedRender] = []
    for atom in atoms.atoms:
        if envelope_excludes(atom, view) is not None:
            continue
        if atom.service_scoped:
            services = matching_services(atom, view)
            if not services:
                continue
        else:
            services = envelope.candidates if atom.aggregate else ()
        renders.extend(_render_atom(atom, services, globals_))
    return tuple(renders)


def join_guidance(renders: Sequence[MatchedRender], separator: str = GUIDE_SEPARATOR) -> str:
    """Bodies joined for a guide-style response (bootstrap steps, export, walkthroughs)."""
    return separator.join(r.body for r in renders if r.body)
