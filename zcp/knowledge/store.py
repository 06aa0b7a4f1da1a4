"""The knowledge base as one object: corpus + index + the questions agents ask of them.

:class:`KnowledgeStore` is what tools and the CLI hold. Opening it loads the corpus and makes
sure the on-disk index matches it (building it if needed); after that every call is pure and
fast. ``KnowledgeStore.in_memory`` builds a RAM index instead (tests, previews).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from zcp.knowledge.briefing import Briefing, build_briefing
from zcp.knowledge.corpus import Corpus, load_corpus
from zcp.knowledge.documents import Kind, ThemeMeta
from zcp.knowledge.index import IndexStatus, KnowledgeIndex, build_memory_index, ensure_index
from zcp.knowledge.pages import PAGE_CHARS, Page, fetch, paginate
from zcp.knowledge.paths import KnowledgePaths
from zcp.knowledge.recipes import RecipeAnswer, render_recipe
from zcp.knowledge.search import DEFAULT_LIMIT, Searcher, SearchFilters, SearchResults

log = logging.getLogger(__name__)

INFRASTRUCTURE_URI = "zerops://themes"


@dataclass
class KnowledgeStore:
    """Corpus, index and searcher for one process."""

    corpus: Corpus
    index: KnowledgeIndex
    status: IndexStatus | None = None

    def __post_init__(self) -> None:
        self._searcher = Searcher(self.index, self.corpus)

    @classmethod
    def open(cls, paths: KnowledgePaths) -> KnowledgeStore:
        """Load the corpus from disk and open (or build) the matching index."""
        corpus = load_corpus(paths.corpus_dir, paths.manifest_file)
        for problem in corpus.problems:
            log.error("corpus problem, document left out: %s", problem)
        index, status = ensure_index(paths, corpus)
        if status.action != "fresh":
            log.info("knowledge index %s (%s): %d documents", status.action, status.reason, status.documents)
        return cls(corpus, index, status)

    @classmethod
    def in_memory(cls, corpus: Corpus) -> KnowledgeStore:
        """A store over an in-memory index (no files touched)."""
        return cls(corpus, build_memory_index(corpus))

    def search(
        self, query: str, *, limit: int = DEFAULT_LIMIT, filters: SearchFilters | None = None
    ) -> SearchResults:
        """Ranked search (see :mod:`zcp.knowledge.search`)."""
        return self._searcher.search(query, limit=limit, filters=filters)

    def fetch(self, uri: str, page: int = 1) -> Page:
        """A document or section by URI, one page at a time."""
        return fetch(self.corpus, uri, page)

    def recipe(self, name: str, mode: str | None = None) -> RecipeAnswer:
        """A recipe by (forgiving) name, with an optional mode note."""
        return render_recipe(self.corpus, name, mode)

    def briefing(self, runtime: str | None, services: Sequence[str], mode: str | None = None) -> Briefing:
        """A stack briefing for a runtime and managed services."""
        return build_briefing(self.corpus, runtime, services, mode)

    def infrastructure(self, page: int = 1) -> tuple[Page, tuple[str, ...]]:
        """The full platform reference: every theme with an ``infrastructure`` position, in order."""
        themes = [
            d
            for d in self.corpus.of_kind(Kind.THEME)
            if isinstance(d.meta, ThemeMeta) and d.meta.infrastructure is not None
        ]
        themes.sort(key=lambda d: (d.meta.infrastructure, d.name))  # type: ignore[union-attr]
        if not themes:
            themes = list(self.corpus.of_kind(Kind.THEME))
        texts = [f"{d.body.strip()}\n\n_Source: {d.uri}_\n\n---\n\n" for d in themes]
        anchor_doc = themes[0] if themes else self.corpus.documents[0]
        return paginate(INFRASTRUCTURE_URI, anchor_doc, texts, page, PAGE_CHARS * 2), tuple(
            d.uri for d in themes
        )

    def close(self) -> None:
        self._searcher.close()
        self.index.close()
