"""Where the corpus, the provenance manifest and the index live.

From a checkout the corpus is ``<repo>/corpus`` and the index ``<repo>/index``; from an installed
wheel the corpus ships as ``zcp/_corpus`` and the index goes to the user cache directory. Both are
overridable (``ZCP_CORPUS_DIR``, ``ZCP_INDEX_DIR``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zcp.config import Settings

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class KnowledgePaths:
    """Resolved locations for one process."""

    corpus_dir: Path
    manifest_file: Path
    index_dir: Path
    from_checkout: bool


def checkout_root() -> Path | None:
    """The repository root when zcp runs from a source checkout, else ``None``."""
    root = _PACKAGE_DIR.parent
    if (root / "pyproject.toml").is_file() and (root / "corpus").is_dir():
        return root
    return None


def resolve_paths(settings: Settings) -> KnowledgePaths:
    """Resolve corpus, manifest and index locations from settings and the install layout."""
    root = checkout_root()
    if root is not None:
        corpus = root / "corpus"
        manifest = root / "sync" / "manifest.json"
        index = root / "index"
    else:
        corpus = _PACKAGE_DIR / "_corpus"
        manifest = _PACKAGE_DIR / "_sync" / "manifest.json"
        index = settings.user_cache_dir / "index"
    if settings.corpus_dir is not None:
        corpus = settings.corpus_dir
        # A custom corpus keeps its manifest beside it when there is one.
        sibling = corpus.parent / "sync" / "manifest.json"
        manifest = sibling if sibling.is_file() else manifest
    if settings.index_dir is not None:
        index = settings.index_dir
    return KnowledgePaths(
        corpus_dir=corpus, manifest_file=manifest, index_dir=index, from_checkout=root is not None
    )
