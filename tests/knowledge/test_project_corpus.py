"""The project's own corpus passes every lint, and the retrieval set points at real documents."""

from __future__ import annotations

from pathlib import Path

import yaml

from zcp.knowledge.corpus import Corpus
from zcp.knowledge.lint import lint_corpus

REPO = Path(__file__).resolve().parents[2]


def test_the_project_corpus_has_no_lint_problems(real_corpus: Corpus) -> None:
    assert [str(p) for p in lint_corpus(real_corpus, REPO / "corpus")] == []


def test_every_labelled_retrieval_question_points_at_existing_documents(real_corpus: Corpus) -> None:
    path = REPO / "tests" / "knowledge" / "retrieval_set.yaml"
    questions = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert len(questions) >= 60
    missing = sorted({uri for q in questions for uri in q["relevant"] if real_corpus.get(uri) is None})
    assert missing == []
