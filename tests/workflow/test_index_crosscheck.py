"""The Whoosh index and the in-memory synthesizer agree on which atoms match every scenario."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.plugins.workflow import AtomFactory, EnvelopeFactory
from tests.workflow.index_query import atom_ids_from_index
from zcp.knowledge.corpus import Corpus, corpus_from_documents
from zcp.knowledge.index import build_memory_index
from zcp.workflow.atoms import AtomSet, compile_atoms
from zcp.workflow.scenarios import Scenario
from zcp.workflow.synthesis import synthesize


@pytest.fixture(scope="module")
def searcher(real_corpus: Corpus) -> Iterator[Any]:
    index = build_memory_index(real_corpus)
    try:
        yield index.searcher()
    finally:
        index.close()


def test_index_filtering_matches_synthesis_for_every_scenario(
    searcher: Any, real_atoms: AtomSet, scenarios: tuple[Scenario, ...]
) -> None:
    mismatches = {}
    for scenario in scenarios:
        in_memory = {r.atom_id for r in synthesize(scenario.envelope, real_atoms)}
        from_index = atom_ids_from_index(searcher, scenario.envelope)
        if in_memory != from_index:
            mismatches[scenario.name] = (sorted(in_memory - from_index), sorted(from_index - in_memory))
    assert mismatches == {}


def test_per_service_axes_must_hold_for_one_service_in_the_index_too(
    make_atom: AtomFactory, make_envelope: EnvelopeFactory
) -> None:
    docs = [
        make_atom("stage-managed", modes=["stage"], runtimes=["managed"]),
        make_atom("stage-dynamic", modes=["stage"], runtimes=["dynamic"]),
        make_atom("anything"),
    ]
    env = make_envelope(
        phase="develop-active",
        services=[
            {"hostname": "appstage", "typeVersion": "go@1", "bootstrapped": True, "mode": "stage"},
            {"hostname": "db", "typeVersion": "postgresql@16"},
        ],
    )
    index = build_memory_index(corpus_from_documents(docs))
    try:
        found = atom_ids_from_index(index.searcher(), env)
    finally:
        index.close()
    assert found == {"stage-dynamic", "anything"}
    assert found == {r.atom_id for r in synthesize(env, compile_atoms(docs))}
