"""Synthesize: matching semantics, ordering, per-service and aggregate rendering, deduplication."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.workflow import AtomFactory, EnvelopeFactory
from zcp.errors import CorpusError
from zcp.knowledge.documents import Kind
from zcp.knowledge.parsing import parse_document
from zcp.workflow.atoms import AtomSet, compile_atoms
from zcp.workflow.envelope import StateEnvelope
from zcp.workflow.synthesis import synthesize

DEV: dict[str, Any] = {"hostname": "appdev", "typeVersion": "nodejs@22", "bootstrapped": True, "mode": "dev"}
PAIR: list[dict[str, Any]] = [
    {
        "hostname": "appdev",
        "typeVersion": "nodejs@22",
        "bootstrapped": True,
        "deployed": True,
        "mode": "standard",
        "stageHostname": "appstage",
        "closeMode": "auto",
    },
    {
        "hostname": "appstage",
        "typeVersion": "nodejs@22",
        "bootstrapped": True,
        "deployed": True,
        "mode": "stage",
        "closeMode": "auto",
    },
    {"hostname": "db", "typeVersion": "postgresql@16"},
]


def ids(env: StateEnvelope, atoms: AtomSet) -> list[str]:
    return [r.atom_id for r in synthesize(env, atoms)]


def test_atoms_render_by_priority_then_id(make_atom: AtomFactory, make_envelope: EnvelopeFactory) -> None:
    atoms = compile_atoms(
        [make_atom("b-late", priority=7), make_atom("z-first", priority=0), make_atom("a-late", priority=7)]
    )
    assert ids(make_envelope(phase="develop-active"), atoms) == ["z-first", "a-late", "b-late"]


def test_values_within_an_axis_are_alternatives(
    make_atom: AtomFactory, make_envelope: EnvelopeFactory
) -> None:
    atoms = compile_atoms(
        [
            make_atom("either", phases=["idle", "develop-active"]),
            make_atom("export", phases=["export-active"]),
        ]
    )
    assert ids(make_envelope(phase="idle"), atoms) == ["either"]


def test_every_declared_axis_must_hold(make_atom: AtomFactory, make_envelope: EnvelopeFactory) -> None:
    atoms = compile_atoms([make_atom("local-dev", environments=["local"], modes=["dev"])])
    assert ids(make_envelope(phase="develop-active", services=[DEV]), atoms) == []
    assert ids(make_envelope(phase="develop-active", environment="local", services=[DEV]), atoms) == [
        "local-dev"
    ]


def test_per_service_axes_must_hold_for_one_and_the_same_service(
    make_atom: AtomFactory, make_envelope: EnvelopeFactory
) -> None:
    atoms = compile_atoms([make_atom("stage-managed", modes=["stage"], runtimes=["managed"])])
    # appstage is a stage, db is managed — but no single service is both.
    assert ids(make_envelope(phase="develop-active", services=PAIR), atoms) == []


def test_a_develop_session_narrows_candidates_to_its_scope(
    make_atom: AtomFactory, make_envelope: EnvelopeFactory
) -> None:
    atoms = compile_atoms([make_atom("for-stage", "stage {hostname}", modes=["stage"])])
    scoped = make_envelope(phase="develop-active", services=PAIR, workSession={"services": ["appdev"]})
    unscoped = make_envelope(
        phase="develop-active", services=PAIR, workSession={"services": ["appdev", "appstage"]}
    )
    assert ids(scoped, atoms) == []
    assert [r.body for r in synthesize(unscoped, atoms)] == ["stage appstage"]


def test_idle_guidance_sees_every_service_despite_a_leftover_session(
    make_atom: AtomFactory, make_envelope: EnvelopeFactory
) -> None:
    atoms = compile_atoms([make_atom("idle-stage", phases=["idle"], modes=["stage"])])
    env = make_envelope(phase="idle", services=PAIR, workSession={"services": ["appdev"]})
    assert ids(env, atoms) == ["idle-stage"]


def test_envelope_deploy_states_look_at_bootstrapped_candidates(
    make_atom: AtomFactory, make_envelope: EnvelopeFactory
) -> None:
    atoms = compile_atoms(
        [
            make_atom("first", envelopeDeployStates=["never-deployed"]),
            make_atom("loop", envelopeDeployStates=["deployed"]),
        ]
    )
    worker = {"hostname": "worker", "typeVersion": "go@1", "bootstrapped": True, "mode": "simple"}
    env = make_envelope(
        phase="develop-active", services=[*PAIR, worker], workSession={"services": ["worker"]}
    )
    assert ids(env, atoms) == ["first"]
    everything = make_envelope(phase="develop-active", services=[*PAIR, worker])
    assert ids(everything, atoms) == ["first", "loop"]


def test_deploy_states_never_match_a_service_zcp_does_not_manage(
    make_atom: AtomFactory, make_envelope: EnvelopeFactory
) -> None:
    atoms = compile_atoms([make_atom("never", phases=["idle"], deployStates=["never-deployed"])])
    assert (
        ids(make_envelope(phase="idle", services=[{"hostname": "api", "typeVersion": "go@1"}]), atoms) == []
    )


def test_routes_and_steps_need_a_bootstrap_session(
    make_atom: AtomFactory, make_envelope: EnvelopeFactory
) -> None:
    atoms = compile_atoms(
        [make_atom("adopt-discover", phases=["bootstrap-active"], routes=["adopt"], steps=["discover"])]
    )
    assert ids(make_envelope(phase="bootstrap-active"), atoms) == []
    env = make_envelope(phase="bootstrap-active", bootstrap={"route": "adopt", "step": "discover"})
    assert ids(env, atoms) == ["adopt-discover"]


def test_a_per_service_atom_renders_once_per_matching_service(
    make_atom: AtomFactory, make_envelope: EnvelopeFactory
) -> None:
    atoms = compile_atoms(
        [make_atom("deploy", "deploy {hostname} to {stage-hostname}", runtimes=["dynamic"])]
    )
    renders = synthesize(make_envelope(phase="develop-active", services=PAIR), atoms)
    assert [(r.body, r.services) for r in renders] == [
        ("deploy appdev to appstage", ("appdev",)),
        # a stage half has no partner of its own: the project's primary stage fills in
        ("deploy appstage to appstage", ("appstage",)),
    ]


def test_identical_renders_collapse_into_one(make_atom: AtomFactory, make_envelope: EnvelopeFactory) -> None:
    atoms = compile_atoms([make_atom("generic", "same text for all", runtimes=["dynamic"])])
    renders = synthesize(make_envelope(phase="develop-active", services=PAIR), atoms)
    assert [(r.body, r.services) for r in renders] == [("same text for all", ("appdev", "appstage"))]


def test_test_corpus_aggregate_atom_repeats_its_block(
    test_atoms: AtomSet, make_envelope: EnvelopeFactory
) -> None:
    env = make_envelope(phase="develop-active", project={"name": "demo"}, services=PAIR)
    bodies = {r.atom_id: r.body for r in synthesize(env, test_atoms)}
    assert bodies["test-aggregate"] == (
        "First service: appdev. Verify each:\n"
        '- `zerops_verify serviceHostname="appdev"` (nodejs@22)\n'
        '- `zerops_verify serviceHostname="appstage"` (nodejs@22)\n'
        "Done."
    )
    assert bodies["test-intro"] == "Project demo: start with `appdev` (nodejs@22), stage `appstage`."


def test_missing_values_become_angle_bracket_fill_ins(
    test_atoms: AtomSet, make_envelope: EnvelopeFactory
) -> None:
    renders = synthesize(make_envelope(phase="develop-active"), test_atoms)
    assert [r.body for r in renders] == [
        "Project <project name>: start with `<hostname>` (<service type>), stage `<stage hostname>`."
    ]


def test_the_primary_runtime_prefers_dynamic_dev_halves(
    test_atoms: AtomSet, make_envelope: EnvelopeFactory
) -> None:
    services = [
        {"hostname": "astatic", "typeVersion": "static", "bootstrapped": True, "mode": "simple"},
        {"hostname": "bstage", "typeVersion": "go@1", "bootstrapped": True, "mode": "stage"},
        {"hostname": "cdev", "typeVersion": "go@1", "bootstrapped": True, "mode": "dev"},
    ]
    intro = synthesize(make_envelope(phase="develop-active", services=services), test_atoms)[0]
    assert intro.body.startswith("Project <project name>: start with `cdev` (go@1), stage `bstage`")


def test_env_references_survive_rendering(test_atoms: AtomSet, make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(phase="develop-active", services=[DEV])
    bodies = {r.atom_id: r.body for r in synthesize(env, test_atoms)}
    assert "${db_hostname}" in bodies["test-per-service"]


def test_a_malformed_atom_names_its_file_and_line() -> None:
    text = "---\nid: broken\ntitle: Broken\nphases: [develop-active]\n---\nline one\nline two {nope}\n"
    doc = parse_document("atoms/broken.md", Kind.ATOM, "broken", text)
    with pytest.raises(CorpusError) as caught:
        compile_atoms([doc], strict=True)
    assert str(caught.value).startswith("atoms/broken.md:7: unknown placeholder {nope}")


def test_a_malformed_atom_is_left_out_and_reported_when_not_strict(make_atom: AtomFactory) -> None:
    atoms = compile_atoms([make_atom("good"), make_atom("broken", "{nope}")])
    assert atoms.ids == ("good",)
    assert [str(p).split(":")[0] for p in atoms.problems] == ["atoms/broken.md"]


def test_duplicate_atom_ids_are_refused(make_atom: AtomFactory) -> None:
    with pytest.raises(CorpusError, match="duplicate atom id 'twin'"):
        compile_atoms([make_atom("twin"), make_atom("twin")], strict=True)
