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
_EMPTY: dict[int, float] = {}


def new_weighting() -> scoring.BM25F:
    """The weighting every searcher uses (titles and headings are short: little length penalty).

    Each posting is scored once per searcher (tables are cached), so Whoosh's own per-posting
    length lookups are cheap enough; preloading every entry's lengths would cost more up front.
    """
    return scoring.BM25F(B=0.75, K1=1.2, title_B=0.3, heading_B=0.3)


class StemScores:
    """``{entry: score}`` per stem for one Whoosh searcher, computed on first use and cached."""

    def __init__(self, searcher: Any, boosts: dict[str, float] | None = None) -> None:
        self._searcher = searcher
        self._reader = searcher.reader()
        self._boosts = dict(boosts or FIELD_BOOSTS)
        self._cache: OrderedDict[str, dict[int, float]] = OrderedDict()

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
            matcher = self._searcher.postings(field, stem)
            while matcher.is_active():
                entry = matcher.id()
                table[entry] = get(entry, 0.0) + boost * matcher.score()
                matcher.next()
        return table or _EMPTY

    def __len__(self) -> int:
        return len(self._cache)
