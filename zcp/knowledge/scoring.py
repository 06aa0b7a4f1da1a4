"""Per-stem BM25F scores read from the Whoosh index once and kept: what does not change between
queries is not computed again.

For a stem, Whoosh's postings in each text field are scored with its BM25F model (field-specific
length normalisation, the field boosts of :data:`~zcp.knowledge.index.FIELD_BOOSTS`) and summed
into one ``{entry number: score}`` table. An index snapshot never changes under a searcher, so a
table stays valid for the searcher's life; a query then costs a few dictionary merges instead of
walking Whoosh's union matchers over every alias of every word in every field.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from whoosh import scoring

from zcp.knowledge.index import FIELD_BOOSTS

#: Stems whose tables are kept (least recently used ones are dropped beyond this).
MAX_CACHED_STEMS = 8192
#: BM25F parameters: titles and headings are short, so their length matters little.
K1 = 1.2
B = 0.75
FIELD_B = {"title": 0.3, "heading": 0.3}
#: A field's postings longer than this are scored in bulk from a list of entry lengths (built once
#: per field) instead of one Whoosh scorer call each; shorter ones are not worth loading it for.
BULK_POSTINGS = 200
_EMPTY: dict[int, float] = {}


def new_weighting() -> scoring.BM25F:
    """The weighting every searcher uses (Whoosh's BM25F with the parameters above)."""
    return scoring.BM25F(B=B, K1=K1, **{f"{field}_B": value for field, value in FIELD_B.items()})


class StemScores:
    """``{entry: score}`` per stem for one Whoosh searcher, computed on first use and cached."""

    def __init__(self, searcher: Any, boosts: dict[str, float] | None = None) -> None:
        self._searcher = searcher
        self._reader = searcher.reader()
        self._boosts = dict(boosts or FIELD_BOOSTS)
        self._cache: OrderedDict[str, dict[int, float]] = OrderedDict()
        self._lengths: dict[str, list[int]] = {}

    def __call__(self, stem: str) -> dict[int, float]:
        """The summed, boosted BM25F score of ``stem`` in every entry that contains it."""
        table = self._cache.get(stem)
        if table is not None:
            self._cache.move_to_end(stem)
            return table
        table = self._compute(stem)
        self._cache[stem] = table
        if len(self._cache) > MAX_CACHED_STEMS:
            self._cache.popitem(last=False)
        return table

    def _compute(self, stem: str) -> dict[int, float]:
        table: dict[int, float] = {}
        get = table.get
        for field, boost in self._boosts.items():
            if (field, stem) not in self._reader:
                continue
            if self._reader.doc_frequency(field, stem) > BULK_POSTINGS:
                self._add_bulk(table, field, stem, boost)
                continue
            matcher = self._searcher.postings(field, stem)
            while matcher.is_active():
                entry = matcher.id()
                table[entry] = get(entry, 0.0) + boost * matcher.score()
                matcher.next()
        return table or _EMPTY

    def _add_bulk(self, table: dict[int, float], field: str, stem: str, boost: float) -> None:
        """Whoosh's BM25 formula (``whoosh.scoring.bm25``) inline, lengths from a list."""
        lengths = self._lengths.get(field)
        if lengths is None:
            reader = self._reader
            lengths = [reader.doc_field_length(n, field, 1) for n in range(reader.doc_count_all())]
            self._lengths[field] = lengths
        idf = self._searcher.idf(field, stem)
        avg = self._searcher.avg_field_length(field) or 1
        b = FIELD_B.get(field, B)
        base, per_length = K1 * (1 - b), K1 * b / avg
        numerator = idf * (K1 + 1) * boost
        get = table.get
        matcher = self._reader.postings(field, stem)
        while matcher.is_active():
            entry = matcher.id()
            weight = matcher.weight()
            score = numerator * weight / (weight + base + per_length * lengths[entry])
            table[entry] = get(entry, 0.0) + score
            matcher.next()

    def __len__(self) -> int:
        return len(self._cache)
