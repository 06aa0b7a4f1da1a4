"""Fixtures for workflow tests: the real atom corpus, the scenario fixtures, and atom/envelope builders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from zcp.knowledge.corpus import Corpus, load_corpus
from zcp.knowledge.documents import Document, Kind
from zcp.knowledge.parsing import parse_document
from zcp.workflow.atoms import AtomSet, compile_atoms
from zcp.workflow.envelope import StateEnvelope, envelope_from_mapping
from zcp.workflow.scenario_files import load_scenarios
from zcp.workflow.scenarios import Scenario

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO_ROOT / "corpus"
SCENARIO_DIR = REPO_ROOT / "tests" / "workflow" / "scenarios"
TEST_CORPUS_DIR = REPO_ROOT / "tests" / "workflow" / "atom_corpus"

AtomFactory = Callable[..., Document]
EnvelopeFactory = Callable[..., StateEnvelope]


def atom_document(atom_id: str, body: str = "Do the thing.", **frontmatter: Any) -> Document:
    """An atom document built in memory (``phases`` defaults to develop-active)."""
    meta: dict[str, Any] = {"id": atom_id, "title": f"Test atom {atom_id}", "phases": ["develop-active"]}
    meta.update(frontmatter)
    text = "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n" + body
    return parse_document(f"atoms/{atom_id}.md", Kind.ATOM, atom_id, text)


def envelope(**data: Any) -> StateEnvelope:
    """An envelope from keyword data in the YAML (camelCase) shape."""
    return envelope_from_mapping(data)


@pytest.fixture(scope="session")
def real_corpus() -> Corpus:
    """The checked-in corpus (loaded once per test session)."""
    return load_corpus(CORPUS_DIR)


@pytest.fixture(scope="session")
def real_atoms(real_corpus: Corpus) -> AtomSet:
    """The checked-in atoms, compiled strictly: a malformed atom fails here with its file and line."""
    return compile_atoms(real_corpus, strict=True)


@pytest.fixture(scope="session")
def scenarios() -> tuple[Scenario, ...]:
    """Every scenario fixture under tests/workflow/scenarios."""
    return load_scenarios(SCENARIO_DIR)


@pytest.fixture
def make_atom() -> AtomFactory:
    """Build an atom document in memory: ``make_atom("id", "body", modes=["dev"])``."""
    return atom_document


@pytest.fixture
def make_envelope() -> EnvelopeFactory:
    """Build an envelope from camelCase keyword data."""
    return envelope


@pytest.fixture
def test_atoms() -> AtomSet:
    """The three tiny test-only atoms in tests/workflow/atom_corpus/atoms/ (independent of the real corpus)."""
    return compile_atoms(load_corpus(TEST_CORPUS_DIR, strict=True), strict=True)
