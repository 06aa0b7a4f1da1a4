"""Pure planning for a pull: which upstream page lands where, and which pages can be skipped.

The *universe* maps every page of every configured source to its corpus path, whatever group is
being pulled, so link rewriting (``/nodejs/overview`` → ``zerops://guides/runtimes/nodejs/overview``)
does not depend on what was asked for. A page is *current* when its blob, the blobs of the files
it imported last time and the transform settings all hash to what the manifest recorded: then it
is neither downloaded nor converted again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from zcp.errors import ConfigError, InvalidParameter
from zcp.knowledge.provenance import ManifestEntry
from zcp.sync.doc_transform import TRANSFORM_VERSION
from zcp.sync.docs_source import Snapshot
from zcp.sync.sync_config import Source, SyncConfig

_NAME_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class PlannedPage:
    """One upstream page and where it goes."""

    upstream_path: str
    blob_sha: str
    source: Source
    corpus_path: str  # relative to the corpus folder: guides/runtimes/nodejs/overview.md

    @property
    def uri(self) -> str:
        return corpus_uri(self.corpus_path)


@dataclass(frozen=True)
class Universe:
    """Every configured page at one commit, and the pages of the groups being pulled."""

    pages: tuple[PlannedPage, ...]  # all sources, sorted by corpus path
    selected: tuple[PlannedPage, ...]
    skipped: tuple[str, ...]  # upstream paths whose names cannot be corpus names

    def link_targets(self) -> dict[str, str]:
        """Repository path -> ``zerops://`` URI for link rewriting."""
        return {p.upstream_path: p.uri for p in self.pages}

    def digest(self) -> str:
        """Changes whenever a page appears, disappears or moves (links may change with it)."""
        digest = hashlib.sha256()
        for page in self.pages:
            digest.update(f"{page.upstream_path}\0{page.corpus_path}\n".encode())
        return digest.hexdigest()


def select_page(universe: Universe, name: str, groups: tuple[str, ...] = ()) -> PlannedPage:
    """The one page a single-page pull names: a corpus name or URI, or an upstream path.

    ``guides/backup``, ``zerops://guides/backup``, ``guides/backup.md`` and
    ``apps/docs/content/guides/backup.mdx`` all name the same page.
    """
    wanted = name.strip().removeprefix("zerops://").removeprefix("corpus/")
    for page in universe.pages:
        if wanted in (page.corpus_path, page.corpus_path.removesuffix(".md"), page.upstream_path):
            return page
    import difflib

    names = [p.corpus_path.removesuffix(".md") for p in universe.pages]
    close = difflib.get_close_matches(wanted.removesuffix(".md"), names, n=3, cutoff=0.6)
    raise InvalidParameter(
        f"no docs page or source group named {name!r}",
        suggestion=("Did you mean " + ", ".join(close) + "? " if close else "")
        + f"Use one of: {', '.join(('all', *groups))}, or a page such as guides/backup.",
    )


def corpus_uri(corpus_path: str) -> str:
    """``guides/runtimes/nodejs/overview.md`` → ``zerops://guides/runtimes/nodejs/overview``."""
    return "zerops://" + corpus_path.removesuffix(".md")


def plan_universe(config: SyncConfig, snapshot: Snapshot, selected: tuple[Source, ...]) -> Universe:
    """Assign every snapshot page to its source; collisions are configuration errors."""
    chosen = {s.name for s in selected}
    pages: list[PlannedPage] = []
    skipped: list[str] = []
    by_corpus: dict[str, str] = {}
    for path, sha in sorted(snapshot.pages.items()):
        source = config.source_for(path)
        if source is None:
            continue
        corpus_path = source.corpus_path(path)
        if not all(_NAME_PART.match(part) for part in corpus_path.removesuffix(".md").split("/")):
            skipped.append(path)
            continue
        if corpus_path in by_corpus:
            raise ConfigError(
                f"{by_corpus[corpus_path]} and {path} would both become corpus/{corpus_path}",
                suggestion="Give one of their sources a different folder, or exclude one of them.",
            )
        by_corpus[corpus_path] = path
        pages.append(PlannedPage(path, sha, source, corpus_path))
    pages.sort(key=lambda p: p.corpus_path)
    return Universe(
        pages=tuple(pages),
        selected=tuple(p for p in pages if p.source.name in chosen),
        skipped=tuple(skipped),
    )


def settings_digest(config: SyncConfig, universe: Universe) -> str:
    """Hash of everything besides the page's own files that shapes its markdown."""
    relevant = {
        "transform": TRANSFORM_VERSION,
        "upstream": config.upstream.model_dump(exclude={"ref"}),
        "mdx": config.mdx.model_dump(),
        "sources": [s.model_dump(exclude={"push", "group"}) for s in config.sources],
        "universe": universe.digest(),
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()


def inputs_hash(page: PlannedPage, dependencies: Mapping[str, str | None], settings: str) -> str:
    """Hash of a page's blob, its dependencies' blobs and the settings digest."""
    digest = hashlib.sha256()
    digest.update(f"{settings}\0{page.upstream_path}\0{page.blob_sha}\0".encode())
    for path in sorted(dependencies):
        digest.update(f"{path}\0{dependencies[path] or '-'}\n".encode())
    return digest.hexdigest()


def is_current(
    page: PlannedPage,
    entry: ManifestEntry | None,
    snapshot: Snapshot,
    settings: str,
    local_hash: str | None,
) -> bool:
    """True when the corpus file written last time is still exactly what this pull would write."""
    if entry is None or entry.inputs is None or local_hash != entry.content_hash:
        return False
    if entry.blob_sha != page.blob_sha or entry.upstream_path != page.upstream_path:
        return False
    deps = {path: snapshot.blob_sha(path) for path in entry.dependencies}
    return inputs_hash(page, deps, settings) == entry.inputs
