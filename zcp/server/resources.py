"""Knowledge documents as MCP resources: what ``resources/list`` shows, pages of it, and reads.

``resources/list`` lists what a person would open — themes, guides, recipes and bases — in pages
of :data:`PAGE_SIZE` with opaque cursors. Atoms (the workflow's building blocks) and decisions
stay out of the list but are read like any other document by their URI. A ``#section`` suffix
reads one section (with its sub-sections).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mcp.types import Annotations, Resource, ResourceTemplate

if TYPE_CHECKING:
    from zcp.knowledge.documents import Document
    from zcp.knowledge.store import KnowledgeStore

__all__ = [
    "LISTED_KINDS",
    "PAGE_SIZE",
    "RESOURCE_TEMPLATE",
    "InvalidCursor",
    "ResourcePage",
    "listed_documents",
    "read_document",
    "resource_page",
    "resource_template",
]

RESOURCE_TEMPLATE = "zerops://{kind}/{name}"
#: Kinds listed by ``resources/list`` (folder names of :class:`~zcp.knowledge.documents.Kind`), in order.
LISTED_KINDS: tuple[str, ...] = ("themes", "guides", "recipes", "bases")
PAGE_SIZE = 50
_CURSOR_PREFIX = "zcp-resources:"


class InvalidCursor(ValueError):
    """A ``resources/list`` cursor this server did not hand out."""


@dataclass(frozen=True)
class ResourcePage:
    resources: list[Resource]
    next_cursor: str | None


def resource_template() -> ResourceTemplate:
    """The one resource template: any knowledge document (or ``#section``) by URI."""
    return ResourceTemplate(
        uri_template=RESOURCE_TEMPLATE,
        name="zerops-knowledge",
        title="Zerops knowledge document",
        description=(
            "A knowledge document by its zerops:// URI: kind is themes, guides, recipes, bases, atoms or "
            "decisions; append #section for one section (e.g. zerops://themes/services#valkey)."
        ),
        mime_type="text/markdown",
    )


def listed_documents(store: KnowledgeStore) -> list[Document]:
    """The documents ``resources/list`` shows, in a stable order (kind, then name)."""
    from zcp.knowledge.documents import Kind

    documents: list[Document] = []
    for kind in LISTED_KINDS:
        documents.extend(sorted(store.corpus.of_kind(Kind(kind)), key=lambda d: d.name))
    return documents


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{offset}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidCursor(cursor) from None
    if not text.startswith(_CURSOR_PREFIX) or not text[len(_CURSOR_PREFIX) :].isdigit():
        raise InvalidCursor(cursor)
    return int(text[len(_CURSOR_PREFIX) :])


def _as_resource(doc: Document) -> Resource:
    return Resource(
        uri=doc.uri,
        name=doc.uri.removeprefix("zerops://"),
        title=doc.title,
        description=doc.description,
        mime_type="text/markdown",
        annotations=Annotations(audience=["user", "assistant"]),
    )


def resource_page(store: KnowledgeStore, cursor: str | None, page_size: int = PAGE_SIZE) -> ResourcePage:
    """One page of the listing; raises :class:`InvalidCursor` for a cursor not from this server."""
    documents = listed_documents(store)
    offset = 0 if cursor is None else _decode_cursor(cursor)
    if offset > len(documents):
        raise InvalidCursor(cursor or "")
    chunk = documents[offset : offset + page_size]
    following = offset + page_size
    return ResourcePage(
        resources=[_as_resource(doc) for doc in chunk],
        next_cursor=_encode_cursor(following) if following < len(documents) else None,
    )


def read_document(store: KnowledgeStore, uri: str) -> str:
    """The whole markdown of a document or ``#section`` (every page joined).

    Raises the knowledge store's :class:`~zcp.errors.ZcpError` (unknown URI with close matches,
    malformed URI).
    """
    first = store.fetch(uri, 1)
    parts = [first.markdown]
    parts.extend(store.fetch(first.uri, n).markdown for n in range(2, first.pages + 1))
    return "".join(parts)
