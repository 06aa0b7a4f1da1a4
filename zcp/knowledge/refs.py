"""Names every part of the knowledge package shares, kept free of heavy imports.

Document kinds, ``zerops://`` URIs and provenance are all a search hit needs, so this module is
what the search path imports; the frontmatter models (pydantic) live in :mod:`.documents`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

URI_SCHEME = "zerops://"


class Kind(StrEnum):
    """What a corpus document is for; also its top-level folder under ``corpus/``."""

    ATOM = "atoms"
    THEME = "themes"
    BASE = "bases"
    RECIPE = "recipes"
    GUIDE = "guides"
    DECISION = "decisions"

    @property
    def singular(self) -> str:
        return self.value[:-1]


#: Kinds whose files come from the docs sync rather than being written in this repository.
PULLED_KINDS = frozenset({Kind.GUIDE, Kind.DECISION})


@dataclass(frozen=True)
class Upstream:
    """Where a pulled document came from (see ``sync/manifest.json``)."""

    repo: str
    path: str
    commit: str
    synced_at: str


@dataclass(frozen=True)
class Provenance:
    """Where a document lives in the corpus and, for pulled docs, where it came from."""

    path: str
    upstream: Upstream | None = None


def split_uri(uri: str) -> tuple[Kind, str, str]:
    """Split ``zerops://kind/name#anchor`` into its parts; raises ``ValueError`` when malformed."""
    if not uri.startswith(URI_SCHEME):
        raise ValueError(f"not a zerops:// URI: {uri!r}")
    rest = uri[len(URI_SCHEME) :]
    path, _, anchor = rest.partition("#")
    kind_text, _, name = path.partition("/")
    try:
        kind = Kind(kind_text)
    except ValueError:
        raise ValueError(f"unknown document kind {kind_text!r} in {uri!r}") from None
    if not name:
        raise ValueError(f"no document name in {uri!r}")
    return kind, name.removesuffix(".md"), anchor
