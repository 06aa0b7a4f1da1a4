"""Ranked search over the index: alias expansion, filters, grouping per document, snippets.

A query is split into words; every word is expanded through the Zerops alias table and the
variants are OR-ed. Entries are scored with BM25F (title and heading boosted), then grouped so a
document appears once, pointing at its best-matching section. A query that finds nothing returns
spelling suggestions from the index vocabulary instead of an empty page.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from whoosh import collectors, highlight, scoring
from whoosh.analysis import STOP_WORDS
from whoosh.query import And, Or, Query, Term

from zcp.axes import ANY_VALUE, AXES_BY_KEY
from zcp.knowledge.aliases import expand
from zcp.knowledge.corpus import Corpus
from zcp.knowledge.documents import Kind, Provenance
from zcp.knowledge.index import FIELD_BOOSTS, KnowledgeIndex

DEFAULT_LIMIT = 5
MAX_LIMIT = 50
_CANDIDATES_PER_HIT = 25
_VOCAB_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{3,30}")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#@._/-]*")
_SNIPPET_CHARS = 240
_HIGHLIGHT_CHARS = 6000  # snippets come from the start of long sections
_STOPWORDS = frozenset(STOP_WORDS)
#: Kinds a plain query searches; atoms (workflow guidance with placeholders) only on request.
DEFAULT_KINDS = (Kind.THEME, Kind.BASE, Kind.RECIPE, Kind.GUIDE, Kind.DECISION)


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


def query_words(text: str) -> list[str]:
    """Lowercased words of a free-text query (punctuation and query syntax dropped)."""
    return [w.strip("._/-").lower() for w in _WORD.findall(text) if w.strip("._/-")]


#: Question words that carry no meaning for search (on top of the analyzer's stop words).
QUERY_STOPWORDS = frozenset(
    {
        *("how", "do", "does", "did", "i", "im", "i'm", "my", "me", "mine", "what", "whats", "why"),
        *("where", "which", "who", "whom", "should", "would", "could", "can", "cant", "there", "way"),
        *("want", "wants", "need", "needs", "please", "some", "any", "its", "it's", "so", "just"),
        *("only", "also", "get", "got", "am", "was", "were", "been", "being"),
    }
)


def _analyzed(analyzer: Any, text: str) -> list[str]:
    return [token.text for token in analyzer(text)]


def _variant_queries(analyzer: Any, variant: str) -> list[Query]:
    """One spelling of a word in every field: a term, or an AND of terms for a phrase."""
    tokens = _analyzed(analyzer, variant)
    if len(tokens) == 1:
        return [Term(name, tokens[0], boost=boost) for name, boost in FIELD_BOOSTS.items()]
    if not tokens:
        return []
    return [And([Term(name, t) for t in tokens], boost=boost) for name, boost in FIELD_BOOSTS.items()]


def build_query(text: str, schema: Any) -> tuple[Query | None, tuple[str, ...]]:
    """Free text → a Whoosh query: every alias variant of every word, in every field, OR-ed.

    Built directly (no query parser), so user text can never be read as query syntax, and flat,
    so one preloaded matcher scores it. BM25F sums the matching parts, so entries matching more
    of the query's words (in boosted fields) rank higher. Returns the query and the variants.
    """
    analyzer = schema["body"].analyzer
    parts: dict[str, Query] = {}
    variants_used: list[str] = []
    for word in dict.fromkeys(w for w in query_words(text) if w not in QUERY_STOPWORDS):
        found = False
        for variant in expand(word):
            for query in _variant_queries(analyzer, variant):
                parts.setdefault(repr(query), query)
                found = True
            if found and variant not in variants_used:
                variants_used.append(variant)
    if not parts:
        return None, ()
    queries = list(parts.values())
    return (queries[0] if len(queries) == 1 else _preloaded_or(queries)), tuple(variants_used)


def _preloaded_or(queries: list[Query]) -> Or:
    """An OR whose matches are preloaded into an array.

    On an index of a few thousand entries this is several times faster than Whoosh's default
    tree of union matchers. Entries matching more query words still rank higher, because BM25
    sums the scores of every word that matches.
    """
    query = Or(queries)
    query.matcher_type = Or.ARRAY_MATCHER
    return query


class _BoldFormatter(highlight.Formatter):  # type: ignore[misc]
    """Marks matched terms as **bold** markdown."""

    between = " … "

    def format_token(self, text: str, token: object, replace: bool = False) -> str:
        return "**" + str(highlight.get_text(text, token, replace)) + "**"


def _plain_snippet(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    joined = " ".join(lines)
    if len(joined) <= _SNIPPET_CHARS:
        return joined
    cut = joined[:_SNIPPET_CHARS].rsplit(" ", 1)[0]
    return cut + " …"


def _clean_snippet(snippet: str) -> str:
    # Backticks would turn the **highlights** inside code spans into literal asterisks.
    return re.sub(r"\s+", " ", snippet.replace("`", "")).strip()


class _PreloadedLengthsBM25F(scoring.BM25F):  # type: ignore[misc]
    """BM25F that reads each entry's field length from a list built once per segment.

    Whoosh looks the length up in a column file for every posting it scores; on a long-lived
    searcher over a few thousand entries a plain list is several times cheaper.
    """

    def __init__(self, **kwargs: float) -> None:
        super().__init__(**kwargs)
        self._lengths: dict[tuple[int, str], tuple[Any, list[int]]] = {}

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: int = 1) -> Any:
        scorer = super().scorer(searcher, fieldname, text, qf)
        if isinstance(scorer, scoring.BM25FScorer):
            reader = searcher.reader()
            key = (id(reader), fieldname)
            cached = self._lengths.get(key)
            if cached is None:
                lengths = [reader.doc_field_length(n, fieldname, 1) for n in range(reader.doc_count_all())]
                cached = (reader, lengths)  # keeping the reader pins its id for the cache key
                self._lengths[key] = cached
            scorer.dfl = cached[1].__getitem__
        return scorer


class Searcher:
    """Runs queries against one index and corpus; cheap to keep for the process lifetime."""

    def __init__(self, index: KnowledgeIndex, corpus: Corpus) -> None:
        self._index = index
        self._corpus = corpus
        self._filter_cache: dict[str, Any] = {}
        self._lock = threading.Lock()
        weighting = _PreloadedLengthsBM25F(B=0.75, K1=1.2, title_B=0.3, heading_B=0.3)
        # One long-lived searcher per index snapshot; queries are serialised by a lock (Whoosh
        # searchers are not thread-safe, and a query takes milliseconds).
        self._searcher = index.index.searcher(weighting=weighting)

    def search(
        self, text: str, *, limit: int = DEFAULT_LIMIT, filters: SearchFilters | None = None
    ) -> SearchResults:
        """Ranked, grouped results for free text; suggestions when nothing matches."""
        limit = max(1, min(limit, MAX_LIMIT))
        filters = filters or SearchFilters()
        query, variants = build_query(text, self._index.index.schema)
        if query is None:
            return SearchResults(query=text, hits=(), total=0, suggestions=self._fallback_suggestions())
        with self._lock:
            return self._search_locked(text, query, variants, limit, filters)

    def _search_locked(
        self, text: str, query: Query, variants: tuple[str, ...], limit: int, filters: SearchFilters
    ) -> SearchResults:
        searcher = self._searcher
        # Whoosh's block-quality skipping and matcher replacement cost more than they save on
        # an index this size, so collect plainly.
        collector: Any = collectors.TopCollector(limit * _CANDIDATES_PER_HIT, usequality=False, replace=0)
        allowed = self._filter_set(searcher, filters)
        if allowed is not None:
            collector = collectors.FilterCollector(collector, allow=allowed)
        searcher.search_with_collector(query, collector)
        results = collector.results()
        # Group by document using columns (no stored-field loads): the first entry of a document
        # is its best; remember its best section entry too.
        doc_column = searcher.reader().column_reader("doc_uri")
        entry_column = searcher.reader().column_reader("entry")
        best: dict[str, tuple[float, int]] = {}
        best_section: dict[str, int] = {}
        order: list[str] = []
        for score, docnum in results.top_n:
            doc_uri = doc_column[docnum]
            if doc_uri not in best:
                best[doc_uri] = (score, docnum)
                order.append(doc_uri)
            if entry_column[docnum] == "section" and doc_uri not in best_section:
                best_section[doc_uri] = docnum
        hits = tuple(
            self._make_hit(searcher, query, best[u][0], best[u][1], best_section.get(u))
            for u in order[:limit]
        )
        suggestions = self._suggest(text, filters) if not hits else ()
        return SearchResults(
            query=text, hits=hits, total=len(order), expanded_terms=variants, suggestions=suggestions
        )

    def close(self) -> None:
        """Release the index searcher."""
        with self._lock:
            self._searcher.close()

    def _filter_set(self, searcher: Any, filters: SearchFilters) -> Any:
        """The set of entry numbers a filter allows, computed once per distinct filter."""
        query = filters.to_query()
        if query is None:
            return None
        key = repr(query)
        cached = self._filter_cache.get(key)
        if cached is None:
            cached = searcher.docs_for_query(query)
            if not isinstance(cached, set):
                cached = set(cached)
            if len(self._filter_cache) > 256:
                self._filter_cache.clear()
            self._filter_cache[key] = cached
        return cached

    def _make_hit(
        self, searcher: Any, query: Query, score: float, top: int, section: int | None
    ) -> SearchHit:
        point = searcher.stored_fields(section if section is not None else top)
        doc_uri = point["doc_uri"]
        doc = self._corpus.get(doc_uri)
        snippet = _clean_snippet(self._highlight(query, point["body"]))
        if not snippet:
            snippet = _plain_snippet(point["body"])
        return SearchHit(
            uri=point["uri"],
            doc_uri=doc_uri,
            kind=Kind(point["kind"]),
            title=point["title"],
            section=point["heading"] or None,
            score=round(float(score), 4),
            snippet=snippet,
            provenance=doc.provenance if doc is not None else Provenance(path=""),
        )

    def _highlight(self, query: Query, text: str) -> str:
        terms = {value for field, value in query.iter_all_terms() if field in ("body", "heading", "title")}
        if not terms:
            return ""
        fragmenter = highlight.ContextFragmenter(maxchars=_SNIPPET_CHARS, surround=70)
        analyzer = self._index.index.schema["body"].analyzer
        return str(
            highlight.highlight(
                text[:_HIGHLIGHT_CHARS],
                frozenset(terms),
                analyzer,
                fragmenter,
                _BoldFormatter(),
                top=2,
                scorer=highlight.BasicFragmentScorer(),
                order=highlight.SCORE,
            )
        )

    def _suggest(self, text: str, filters: SearchFilters) -> tuple[str, ...]:
        corrected: list[str] = []
        changed = False
        for word in query_words(text):
            if len(word) < 4 or word in _STOPWORDS or word in self._vocabulary:
                corrected.append(word)
                continue
            close = difflib.get_close_matches(word, self._vocabulary_list, n=1, cutoff=0.75)
            corrected.append(close[0] if close else word)
            changed = changed or bool(close)
        suggestions: list[str] = []
        if changed:
            suggestions.append(" ".join(corrected))
        if filters.kinds or filters.axes or filters.stacks:
            suggestions.append("drop the filters")
        suggestions.extend(self._fallback_suggestions())
        return tuple(dict.fromkeys(suggestions))

    @cached_property
    def _vocabulary(self) -> frozenset[str]:
        words: set[str] = set()
        for doc in self._corpus:
            words.update(w.lower() for w in _VOCAB_WORD.findall(doc.title + " " + doc.body))
        return frozenset(words)

    @cached_property
    def _vocabulary_list(self) -> list[str]:
        return sorted(self._vocabulary)

    def _fallback_suggestions(self) -> tuple[str, ...]:
        themes = [d.title for d in self._corpus.of_kind(Kind.THEME)][:4]
        return tuple(themes) or ("zerops.yaml", "environment variables")


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
