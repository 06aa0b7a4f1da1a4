"""Ranked search over the index: query plan, scoring, one hit per document, snippets.

How a query is answered:

1. :func:`~.query.plan_query` turns the text into words, each with its alias spellings as index
   stems, and notes the runtimes and services the query names.
2. Every stem's BM25F scores come from :class:`~.scoring.StemScores` (computed once per index
   snapshot). A word scores an entry by its best spelling; an entry's score is the sum over the
   words, scaled by the share of the query's words it contains, so an entry answering the whole
   question beats one that repeats a single word.
3. Entries are grouped per document (its best entry counts; the hit points at its best section).
   Pages that belong to one runtime or service (:mod:`~.families`) follow the query: the named
   stack's page is preferred and other stacks' pages sink; of a family of near-identical copies
   only one stays — the named stack's, or the best one, slightly demoted, since a page written for
   every runtime answers a general question less well than a general page.
4. Hits are built for the final page only, from stored fields (no parsed corpus needed), with a
   snippet around the query's words.

A query that finds nothing returns spelling suggestions from the corpus vocabulary instead.
"""

from __future__ import annotations

import difflib
import heapq
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from whoosh.query import And, Or, Query, Term

from zcp.axes import ANY_VALUE, AXES_BY_KEY
from zcp.knowledge.families import StackPage, known_stacks, stack_pages
from zcp.knowledge.index import KnowledgeIndex, provenance_from_record
from zcp.knowledge.query import QUERY_STOPWORDS, QueryPlan, QueryWord, plan_query, query_words
from zcp.knowledge.refs import Kind, Provenance, split_uri
from zcp.knowledge.scoring import StemScores, new_weighting
from zcp.knowledge.snippets import make_snippet, plain_text

if TYPE_CHECKING:
    from zcp.knowledge.corpus import Corpus

__all__ = [
    "DEFAULT_KINDS",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "QUERY_STOPWORDS",
    "SearchFilters",
    "SearchHit",
    "SearchResults",
    "Searcher",
    "filters_from",
    "plan_query",
    "query_words",
]

DEFAULT_LIMIT = 5
MAX_LIMIT = 50
#: Kinds a plain query searches; atoms (workflow guidance with placeholders) only on request.
DEFAULT_KINDS = (Kind.THEME, Kind.BASE, Kind.RECIPE, Kind.GUIDE, Kind.DECISION)

#: An entry's score is multiplied by (share of query words it contains) ** this.
COVERAGE_EXPONENT = 1.5
#: A page of a stack the query names.
NAMED_STACK_BOOST = 1.2
#: A page of another stack, when the query names one.
OTHER_STACK_FACTOR = 0.35
#: The member kept of a family of per-stack copies, when the query names no stack.
UNNAMED_FAMILY_FACTOR = 0.6

_WORD_CACHE_SIZE = 2048
_VOCAB_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{3,30}")


@dataclass(frozen=True)
class SearchFilters:
    """Narrow a search: document kinds, guidance axes, and service stacks (e.g. ``postgresql``)."""

    kinds: tuple[Kind, ...] = ()
    axes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    stacks: tuple[str, ...] = ()

    def to_query(self) -> Query | None:
        parts: list[Query] = []
        kinds = self.kinds or (DEFAULT_KINDS if not self.axes else ())
        if kinds:
            parts.append(Or([Term("kind", k.value) for k in kinds]))
        for key, values in sorted(self.axes.items()):
            if key not in AXES_BY_KEY:
                raise ValueError(f"unknown axis {key!r}")
            if values:
                parts.append(Or([Term(key, v) for v in (*values, ANY_VALUE)]))
        if self.stacks:
            parts.append(Or([Term("stacks", s.lower()) for s in self.stacks]))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(parts)


@dataclass(frozen=True)
class SearchHit:
    """One document in the results, pointing at its best section."""

    uri: str
    doc_uri: str
    kind: Kind
    title: str
    section: str | None
    score: float
    snippet: str
    provenance: Provenance


@dataclass(frozen=True)
class SearchResults:
    """Ranked hits plus what the agent needs when there are none."""

    query: str
    hits: tuple[SearchHit, ...]
    total: int
    expanded_terms: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Ranked:
    """A document's place in the results: its score and the entry the hit points at."""

    uri: str
    score: float
    entry: int

    @property
    def order(self) -> tuple[float, str]:
        """Higher score first, then URI (ties are deterministic)."""
        return (-self.score, self.uri)


class _Entries:
    """What each index entry belongs to, read once from the index columns."""

    def __init__(self, reader: Any) -> None:
        count = reader.doc_count_all()
        doc_column = reader.column_reader("doc_uri")
        entry_column = reader.column_reader("entry")
        deletions = reader.has_deletions()  # an incremental update leaves deleted entries behind
        doc_ids: dict[str, int] = {}
        self.doc_of: list[int] = []
        self.is_section: list[bool] = []
        for n in range(count):
            uri = doc_column[n]
            if deletions and reader.is_deleted(n):
                uri = ""
            self.doc_of.append(doc_ids.setdefault(uri, len(doc_ids)))
            self.is_section.append(entry_column[n] == "section")
        self.doc_uris: list[str] = list(doc_ids)
        self.doc_kind: list[Kind | None] = [_kind_of(u) for u in self.doc_uris]
        pages = stack_pages(u for u in self.doc_uris if u)
        self.stack_page: list[StackPage | None] = [pages.get(u) for u in self.doc_uris]
        self.stacks = known_stacks(pages.values())


class Searcher:
    """Runs queries against one index snapshot; cheap to keep for the process lifetime.

    ``corpus`` (or a function returning it) is only needed for spelling suggestions when a query
    finds nothing, so a searcher answers its first query without the corpus being parsed.
    """

    def __init__(self, index: KnowledgeIndex, corpus: Corpus | Callable[[], Corpus]) -> None:
        self._index = index
        self._corpus_source = corpus
        self._filter_cache: dict[str, frozenset[int]] = {}
        self._lock = threading.Lock()
        # One long-lived Whoosh searcher per index snapshot; queries are serialised by a lock
        # (Whoosh searchers are not thread-safe, and a query takes a millisecond or two).
        self._searcher = index.index.searcher(weighting=new_weighting())
        self._scores = StemScores(self._searcher)
        self._word_cache: dict[str, dict[int, float]] = {}
        self._entries = _Entries(self._searcher.reader())
        self._vocabulary_cache: tuple[frozenset[str], list[str]] | None = None

    @property
    def known_stacks(self) -> frozenset[str]:
        """Runtime and service names that have their own pages in the index."""
        return self._entries.stacks

    def plan(self, text: str) -> QueryPlan:
        """The query plan for ``text`` against this index (see :mod:`~zcp.knowledge.query`)."""
        return plan_query(text, self._entries.stacks)

    def search(
        self, text: str, *, limit: int = DEFAULT_LIMIT, filters: SearchFilters | None = None
    ) -> SearchResults:
        """Ranked, grouped results for free text; suggestions when nothing matches."""
        limit = max(1, min(limit, MAX_LIMIT))
        filters = filters or SearchFilters()
        plan = self.plan(text)
        if not plan.words:
            return SearchResults(query=text, hits=(), total=0, suggestions=self._fallback_suggestions())
        with self._lock:
            ranked = self._rank(plan, filters)
            hits = tuple(self._make_hit(item, plan) for item in heapq.nsmallest(limit, ranked, key=_order))
        suggestions = self._suggest(text, filters) if not hits else ()
        return SearchResults(
            query=text, hits=hits, total=len(ranked), expanded_terms=plan.variants, suggestions=suggestions
        )

    def close(self) -> None:
        """Release the index searcher."""
        with self._lock:
            self._searcher.close()

    # --- scoring ---------------------------------------------------------------------------

    def _word_scores(self, word: QueryWord) -> dict[int, float]:
        """Each entry's score for one word: its best-scoring spelling (cached per word)."""
        cached = self._word_cache.get(word.word)
        if cached is not None:
            return cached
        best: dict[int, float] | None = None
        for variant in word.variants:
            scores = self._variant_scores(variant.stems)
            if variant.weight != 1.0:
                scores = {e: s * variant.weight for e, s in scores.items()}
            if best is None:
                best = scores
                continue
            if best is scores or not scores:
                continue
            best = dict(best)
            for entry, score in scores.items():
                if score > best.get(entry, 0.0):
                    best[entry] = score
        result = best or {}
        if len(self._word_cache) >= _WORD_CACHE_SIZE:
            self._word_cache.pop(next(iter(self._word_cache)))
        self._word_cache[word.word] = result
        return result

    def _variant_scores(self, stems: tuple[str, ...]) -> dict[int, float]:
        tables = [self._scores(s) for s in stems]
        if len(tables) == 1:
            return tables[0]
        # A phrase: entries holding every stem, scored by their sum.
        tables.sort(key=len)
        common = set(tables[0]).intersection(*tables[1:])
        return {e: sum(t[e] for t in tables) for e in common}

    def _rank(self, plan: QueryPlan, filters: SearchFilters) -> list[_Ranked]:
        allowed = self._filter_set(filters)
        totals: dict[int, float] = {}
        counts: dict[int, int] = {}
        for word in plan.words:
            for entry, score in self._word_scores(word).items():
                if entry in totals:
                    totals[entry] += score
                    counts[entry] += 1
                else:
                    totals[entry] = score
                    counts[entry] = 1
        n = len(plan.words)
        coverage = [(c / n) ** COVERAGE_EXPONENT for c in range(n + 1)]
        entries = self._entries
        doc_of, is_section = entries.doc_of, entries.is_section
        best: dict[int, float] = {}
        best_entry: dict[int, int] = {}
        best_section: dict[int, tuple[float, int]] = {}
        for entry, total in totals.items():
            if allowed is not None and entry not in allowed:
                continue
            score = total * coverage[counts[entry]]
            doc = doc_of[entry]
            if score > best.get(doc, 0.0):
                best[doc] = score
                best_entry[doc] = entry
            if is_section[entry] and score > best_section.get(doc, (0.0, 0))[0]:
                best_section[doc] = (score, entry)
        ranked: list[_Ranked] = []
        kept_family: dict[str, _Ranked] = {}
        for doc, score in best.items():
            entry = best_section[doc][1] if doc in best_section else best_entry[doc]
            page = entries.stack_page[doc]
            if page is not None:
                score *= _stack_factor(page, plan.stacks)
            item = _Ranked(entries.doc_uris[doc], score, entry)
            if page is not None and page.family is not None:
                current = kept_family.get(page.family)
                if current is None or item.order < current.order:
                    kept_family[page.family] = item
                continue
            ranked.append(item)
        ranked.extend(kept_family.values())
        return ranked

    def _filter_set(self, filters: SearchFilters) -> frozenset[int] | None:
        """The entry numbers a filter allows, computed once per distinct filter."""
        query = filters.to_query()
        if query is None:
            return None
        key = repr(query)
        cached = self._filter_cache.get(key)
        if cached is None:
            if not filters.axes and not filters.stacks:
                # Kinds alone (the default filter) come from the URIs; no index query needed.
                kinds = frozenset(filters.kinds or DEFAULT_KINDS)
                entries = self._entries
                cached = frozenset(
                    n for n, doc in enumerate(entries.doc_of) if entries.doc_kind[doc] in kinds
                )
            else:
                cached = frozenset(self._searcher.docs_for_query(query))
            if len(self._filter_cache) > 256:
                self._filter_cache.clear()
            self._filter_cache[key] = cached
        return cached

    # --- hits ------------------------------------------------------------------------------

    def _make_hit(self, item: _Ranked, plan: QueryPlan) -> SearchHit:
        stored = self._searcher.stored_fields(item.entry)
        body = stored.get("body") or ""
        snippet = make_snippet(body, plan.stems) or plain_text(body)
        return SearchHit(
            uri=stored["uri"],
            doc_uri=stored["doc_uri"],
            kind=Kind(stored["kind"]),
            title=stored["title"],
            section=stored.get("heading") or None,
            score=round(float(item.score), 4),
            snippet=snippet,
            provenance=provenance_from_record(stored.get("provenance")),
        )

    # --- when nothing matches --------------------------------------------------------------

    def _corpus(self) -> Corpus:
        source = self._corpus_source
        return source() if callable(source) else source

    def _vocabulary(self) -> tuple[frozenset[str], list[str]]:
        if self._vocabulary_cache is None:
            words: set[str] = set()
            for doc in self._corpus():
                words.update(w.lower() for w in _VOCAB_WORD.findall(doc.title + " " + doc.body))
            self._vocabulary_cache = (frozenset(words), sorted(words))
        return self._vocabulary_cache

    def _suggest(self, text: str, filters: SearchFilters) -> tuple[str, ...]:
        vocabulary, ordered = self._vocabulary()
        corrected: list[str] = []
        changed = False
        for word in query_words(text):
            if len(word) < 4 or word in QUERY_STOPWORDS or word in vocabulary:
                corrected.append(word)
                continue
            close = difflib.get_close_matches(word, ordered, n=1, cutoff=0.75)
            corrected.append(close[0] if close else word)
            changed = changed or bool(close)
        suggestions: list[str] = []
        if changed:
            suggestions.append(" ".join(corrected))
        if filters.kinds or filters.axes or filters.stacks:
            suggestions.append("drop the filters")
        suggestions.extend(self._fallback_suggestions())
        return tuple(dict.fromkeys(suggestions))

    def _fallback_suggestions(self) -> tuple[str, ...]:
        themes = [d.title for d in self._corpus().of_kind(Kind.THEME)][:4]
        return tuple(themes) or ("zerops.yaml", "environment variables")


def _kind_of(uri: str) -> Kind | None:
    try:
        return split_uri(uri)[0]
    except ValueError:
        return None


def _stack_factor(page: StackPage, named: frozenset[str]) -> float:
    if not named:
        return UNNAMED_FAMILY_FACTOR if page.family is not None else 1.0
    return NAMED_STACK_BOOST if page.stack in named else OTHER_STACK_FACTOR


def _order(item: _Ranked) -> tuple[float, str]:
    return item.order


def filters_from(
    kinds: Sequence[str] | None = None,
    axes: Mapping[str, Sequence[str]] | None = None,
    stacks: Sequence[str] | None = None,
) -> SearchFilters:
    """Build filters from plain strings, validating kinds and axis values against the vocabulary."""
    kind_values = tuple(Kind(k) for k in (kinds or ()))
    axis_values: dict[str, tuple[str, ...]] = {}
    for key, values in (axes or {}).items():
        axis = AXES_BY_KEY.get(key)
        if axis is None:
            raise ValueError(f"unknown axis {key!r}; valid axes: {', '.join(sorted(AXES_BY_KEY))}")
        for value in values:
            if value not in axis.allowed:
                raise ValueError(f"unknown {key} value {value!r}; valid: {', '.join(axis.allowed)}")
        axis_values[key] = tuple(values)
    return SearchFilters(kinds=kind_values, axes=axis_values, stacks=tuple(stacks or ()))
