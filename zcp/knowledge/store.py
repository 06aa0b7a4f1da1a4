"""The knowledge base as one object: corpus + index + the questions agents ask of them.

:class:`KnowledgeStore` is what tools and the CLI hold. Opening it loads the corpus and makes
sure the on-disk index matches it (building it if needed); after that every call is pure and
fast. ``KnowledgeStore.in_memory`` builds a RAM index instead (tests, previews).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from zcp.knowledge.fingerprint import cached_fingerprint
from zcp.knowledge.index import (
    IndexStatus,
    KnowledgeIndex,
    build_memory_index,
    ensure_index,
    open_index,
)
from zcp.knowledge.paths import KnowledgePaths
from zcp.knowledge.refs import Kind
from zcp.knowledge.search import DEFAULT_LIMIT, Searcher, SearchFilters, SearchResults
from zcp.state.fs import atomic_write_text

if TYPE_CHECKING:
    # Corpus parsing (pydantic models, markdown-it) loads on first use, not with the store.
    from zcp.knowledge.briefing import Briefing
    from zcp.knowledge.corpus import Corpus
    from zcp.knowledge.pages import Page
    from zcp.knowledge.recipes import RecipeAnswer

log = logging.getLogger(__name__)

INFRASTRUCTURE_URI = "zerops://themes"
#: Beside the index generations: the corpus fingerprint keyed by file sizes and mtimes.
FINGERPRINT_CACHE = "fingerprint-cache.json"


class KnowledgeStore:
    """Corpus, index and searcher for one process."""

    def __init__(
        self,
        corpus: Corpus | None,
        index: KnowledgeIndex,
        status: IndexStatus | None = None,
        *,
        paths: KnowledgePaths | None = None,
    ) -> None:
        if corpus is None and paths is None:
            raise ValueError("a store needs a corpus or the paths to load one from")
        self.index = index
        self.status = status
        self._corpus = corpus
        self._paths = paths
        self._corpus_lock = threading.Lock()
        self._searcher = Searcher(self.index, self._loaded_corpus)

    @property
    def corpus(self) -> Corpus:
        """Every document (parsed from disk on first use when the store was opened lazily)."""
        return self._loaded_corpus()

    def _loaded_corpus(self) -> Corpus:
        if self._corpus is None:
            with self._corpus_lock:
                if self._corpus is None:
                    assert self._paths is not None
                    self._corpus = _load_logged(self._paths)
        return self._corpus

    @classmethod
    def open(cls, paths: KnowledgePaths) -> KnowledgeStore:
        """Open the index for the corpus on disk, building it first if it is missing or stale."""
        # The atomic file write lives in the index module (one implementation for index files).
        fingerprint = cached_fingerprint(
            paths.corpus_dir, paths.manifest_file, paths.index_dir / FINGERPRINT_CACHE, atomic_write_text
        )
        current = open_index(paths.index_dir)
        if current is not None and current.fingerprint == fingerprint:
            name = current.location.name if current.location else ""
            documents = len(current.doc_hashes)
            return cls(None, current, IndexStatus("fresh", name, documents, current.entry_count), paths=paths)
        if current is not None:
            current.close()
        corpus = _load_logged(paths)
        index, status = ensure_index(paths, corpus)
        if status.action != "fresh":
            log.info("knowledge index %s (%s): %d documents", status.action, status.reason, status.documents)
        return cls(corpus, index, status, paths=paths)

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
        from zcp.knowledge.pages import fetch

        return fetch(self.corpus, uri, page)

    def recipe(self, name: str, mode: str | None = None) -> RecipeAnswer:
        """A recipe by (forgiving) name, with an optional mode note."""
        from zcp.knowledge.recipes import render_recipe

        return render_recipe(self.corpus, name, mode)

    def briefing(self, runtime: str | None, services: Sequence[str], mode: str | None = None) -> Briefing:
        """A stack briefing for a runtime and managed services."""
        from zcp.knowledge.briefing import build_briefing

        return build_briefing(self.corpus, runtime, services, mode)

    def infrastructure(self, page: int = 1) -> tuple[Page, tuple[str, ...]]:
        """The full platform reference: every theme with an ``infrastructure`` position, in order."""
        from zcp.knowledge.documents import ThemeMeta
        from zcp.knowledge.pages import PAGE_CHARS, paginate

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


def _load_logged(paths: KnowledgePaths) -> Corpus:
    from zcp.knowledge.corpus import load_corpus

    corpus = load_corpus(paths.corpus_dir, paths.manifest_file)
    for problem in corpus.problems:
        log.error("corpus problem, document left out: %s", problem)
    return corpus
