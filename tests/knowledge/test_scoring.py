"""Stem score tables: the bulk path computes exactly Whoosh's BM25F scores."""

from __future__ import annotations

import pytest

from zcp.knowledge import scoring
from zcp.knowledge.scoring import StemScores, new_weighting
from zcp.knowledge.store import KnowledgeStore


@pytest.mark.parametrize("stem", ["port", "servic", "valkei", "postgresql", "absentword"])
def test_bulk_scoring_matches_whoosh_s_scorer(
    fixture_store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch, stem: str
) -> None:
    searcher = fixture_store.index.index.searcher(weighting=new_weighting())
    try:
        monkeypatch.setattr(scoring, "BULK_POSTINGS", 10**9)
        by_whoosh = StemScores(searcher)(stem)
        monkeypatch.setattr(scoring, "BULK_POSTINGS", 0)
        in_bulk = StemScores(searcher)(stem)
    finally:
        searcher.close()
    assert set(in_bulk) == set(by_whoosh)
    assert all(in_bulk[e] == pytest.approx(by_whoosh[e], rel=1e-12) for e in by_whoosh)


def test_tables_are_cached_per_stem(fixture_store: KnowledgeStore) -> None:
    searcher = fixture_store.index.index.searcher(weighting=new_weighting())
    try:
        scores = StemScores(searcher)
        assert scores("port") is scores("port") and len(scores) == 1
    finally:
        searcher.close()
