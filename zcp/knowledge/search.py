"""Ranked search over the index: alias expansion, filters, grouping per document, snippets.

A query is split into words; every word is expanded through the Zerops alias table and the
variants are OR-ed. Entries are scored with BM25F (title and heading boosted), then grouped so a
document appears once, pointing at its best-matching section. A query that finds nothing returns
spelling suggestions from the index vocabulary instead of an empty page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from whoosh import highlight, scoring
from whoosh.analysis import STOP_WORDS
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.query import And, Or, Query, Term

from zcp.axes import ANY_VALUE, AXES_BY_KEY
from zcp.knowledge.aliases import expand
from zcp.knowledge.corpus import Corpus
from zcp.knowledge.documents import Kind, Provenance
from zcp.knowledge.index import FIELD_BOOSTS, KnowledgeIndex

DEFAULT_LIMIT = 5
MAX_LIMIT = 50
_CANDIDATES_PER_HIT = 25
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#@._/-]*")
_SNIPPET_CHARS = 240
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


def _quoted(term: str) -> str:
    return '"' + term.replace('"', " ").replace("\\", " ") + '"'


def build_query(text: str, schema: object) -> tuple[Query | None, tuple[str, ...]]:
    """Parse free text into a Whoosh query with alias expansion; returns the query and variants used."""
    words = query_words(text)
    groups: list[str] = []
    variants_used: list[str] = []
    for word in dict.fromkeys(words):
        variants = expand(word)
        variants_used.extend(v for v in variants if v not in variants_used)
        groups.append("(" + " OR ".join(_quoted(v) for v in variants) + ")")
    if not groups:
        return None, ()
    parser = MultifieldParser(
        list(FIELD_BOOSTS), schema=schema, fieldboosts=FIELD_BOOSTS, group=OrGroup.factory(0.9)
    )
    return parser.parse(" ".join(groups)), tuple(variants_used)


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


class Searcher:
    """Runs queries against one index and corpus; cheap to keep for the process lifetime."""

    def __init__(self, index: KnowledgeIndex, corpus: Corpus) -> None:
        self._index = index
        self._corpus = corpus
        self._weighting = scoring.BM25F(B=0.75, K1=1.2, title_B=0.3, heading_B=0.3)

    def search(
        self, text: str, *, limit: int = DEFAULT_LIMIT, filters: SearchFilters | None = None
    ) -> SearchResults:
        """Ranked, grouped results for free text; suggestions when nothing matches."""
        limit = max(1, min(limit, MAX_LIMIT))
        filters = filters or SearchFilters()
        query, variants = build_query(text, self._index.index.schema)
        if query is None:
            return SearchResults(query=text, hits=(), total=0, suggestions=self._fallback_suggestions())
        searcher = self._index.index.searcher(weighting=self._weighting)
        try:
            results = searcher.search(query, filter=filters.to_query(), limit=limit * _CANDIDATES_PER_HIT)
            results.fragmenter = highlight.ContextFragmenter(maxchars=_SNIPPET_CHARS, surround=70)
            results.formatter = _BoldFormatter()
            results.order = highlight.SCORE
            best: dict[str, object] = {}
            best_section: dict[str, object] = {}
            order: list[str] = []
            for hit in results:
                doc_uri = hit["doc_uri"]
                if doc_uri not in best:
                    best[doc_uri] = hit
                    order.append(doc_uri)
                if hit["entry"] == "section" and doc_uri not in best_section:
                    best_section[doc_uri] = hit
            hits = tuple(self._make_hit(best[u], best_section.get(u)) for u in order[:limit])
            total = len(order)
            suggestions: tuple[str, ...] = ()
            if not hits:
                suggestions = self._suggest(searcher, text, filters)
        finally:
            searcher.close()
        return SearchResults(
            query=text, hits=hits, total=total, expanded_terms=variants, suggestions=suggestions
        )

    def _make_hit(self, top: object, section_hit: object | None) -> SearchHit:
        point = section_hit if section_hit is not None else top
        doc_uri = top["doc_uri"]  # type: ignore[index]
        doc = self._corpus.get(doc_uri)
        snippet = _clean_snippet(point.highlights("body", top=2))  # type: ignore[attr-defined]
        if not snippet:
            snippet = _plain_snippet(point["body"])  # type: ignore[index]
        heading = point["heading"] or None  # type: ignore[index]
        return SearchHit(
            uri=point["uri"],  # type: ignore[index]
            doc_uri=doc_uri,
            kind=Kind(top["kind"]),  # type: ignore[index]
            title=top["title"],  # type: ignore[index]
            section=heading,
            score=round(float(top.score), 4),  # type: ignore[attr-defined]
            snippet=snippet,
            provenance=doc.provenance if doc is not None else Provenance(path=""),
        )

    def _suggest(self, searcher: object, text: str, filters: SearchFilters) -> tuple[str, ...]:
        corrector = searcher.corrector("body")  # type: ignore[attr-defined]
        words = query_words(text)
        corrected: list[str] = []
        changed = False
        for word in words:
            if len(word) < 4 or word in _STOPWORDS:
                corrected.append(word)
                continue
            options = corrector.suggest(word, limit=1, maxdist=2)
            if options and options[0] != word:
                corrected.append(options[0])
                changed = True
            else:
                corrected.append(word)
        suggestions: list[str] = []
        if changed:
            suggestions.append(" ".join(corrected))
        if filters.kinds or filters.axes or filters.stacks:
            suggestions.append("drop the filters")
        suggestions.extend(self._fallback_suggestions())
        return tuple(dict.fromkeys(suggestions))

    def _fallback_suggestions(self) -> tuple[str, ...]:
        return ("zerops.yaml", "import yaml", "environment variables", "postgresql")


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
