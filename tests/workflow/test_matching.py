"""explain_exclusion: the first axis that keeps an atom out, in words a doc writer can act on."""

from __future__ import annotations

from tests.plugins.workflow import AtomFactory, EnvelopeFactory
from zcp.workflow.atoms import compile_atom
from zcp.workflow.matching import EnvelopeView, Exclusion, explain_exclusion

SERVICES = [
    {"hostname": "appstage", "typeVersion": "go@1", "bootstrapped": True, "mode": "stage"},
    {"hostname": "db", "typeVersion": "postgresql@16"},
]


def test_a_matching_atom_has_no_exclusion(make_atom: AtomFactory, make_envelope: EnvelopeFactory) -> None:
    atom = compile_atom(make_atom("ok", modes=["stage"]))
    assert (
        explain_exclusion(atom, EnvelopeView(make_envelope(phase="develop-active", services=SERVICES)))
        is None
    )


def test_envelope_axes_are_reported_before_service_axes(
    make_atom: AtomFactory, make_envelope: EnvelopeFactory
) -> None:
    atom = compile_atom(make_atom("local", environments=["local"], modes=["dev"]))
    exclusion = explain_exclusion(
        atom, EnvelopeView(make_envelope(phase="develop-active", services=SERVICES))
    )
    assert exclusion == Exclusion("environments", "environments: needs local; envelope has container")


def test_a_service_axis_no_candidate_satisfies_lists_what_candidates_have(
    make_atom: AtomFactory, make_envelope: EnvelopeFactory
) -> None:
    atom = compile_atom(make_atom("dev-only", modes=["dev", "simple"]))
    exclusion = explain_exclusion(
        atom, EnvelopeView(make_envelope(phase="develop-active", services=SERVICES))
    )
    assert exclusion == Exclusion(
        "modes", "modes: needs dev, simple; candidates have appstage=stage, db=unset"
    )


def test_axes_satisfied_only_by_different_services_are_explained_per_service(
    make_atom: AtomFactory, make_envelope: EnvelopeFactory
) -> None:
    atom = compile_atom(make_atom("split", modes=["stage"], runtimes=["managed"]))
    exclusion = explain_exclusion(
        atom, EnvelopeView(make_envelope(phase="develop-active", services=SERVICES))
    )
    assert exclusion is not None
    assert exclusion.axis == "runtimes"
    assert exclusion.detail == (
        "no single service satisfies every per-service axis: appstage fails runtimes; db fails modes"
    )


def test_a_service_atom_without_candidates_says_so(
    make_atom: AtomFactory, make_envelope: EnvelopeFactory
) -> None:
    atom = compile_atom(make_atom("needs-service", runtimes=["dynamic"]))
    exclusion = explain_exclusion(atom, EnvelopeView(make_envelope(phase="develop-active")))
    assert exclusion == Exclusion("runtimes", "no candidate services (this atom needs a matching service)")


def test_envelope_deploy_states_report_what_the_candidates_are_in(
    make_atom: AtomFactory, make_envelope: EnvelopeFactory
) -> None:
    atom = compile_atom(make_atom("loop", envelopeDeployStates=["deployed"]))
    exclusion = explain_exclusion(
        atom, EnvelopeView(make_envelope(phase="develop-active", services=SERVICES))
    )
    assert exclusion == Exclusion(
        "envelopeDeployStates", "envelopeDeployStates: needs deployed; envelope has never-deployed"
    )
