"""Fetch documents and sections by URI, split into pages so long documents stay readable.

Pages are cut at section boundaries where possible (a section longer than a page is cut at line
boundaries), so every page starts at a sensible place. Unknown URIs raise
:class:`DocumentNotFound` naming the closest URIs that do exist.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from zcp.errors import DocumentNotFound, InvalidParameter
from zcp.knowledge.corpus import Corpus
from zcp.knowledge.documents import Document, Section, split_uri
from zcp.knowledge.parsing import split_lines

PAGE_CHARS = 12_000


@dataclass(frozen=True)
class Page:
    """One page of a document or section."""

    uri: str
    document: Document
    markdown: str
    page: int
    pages: int

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def closest_uris(corpus: Corpus, wanted: str, limit: int = 3) -> list[str]:
    """The URIs that look most like ``wanted`` (by full URI and by document name)."""
    uris = list(corpus.uris)
    by_uri = difflib.get_close_matches(wanted, uris, n=limit, cutoff=0.8)
    name = wanted.rsplit("/", 1)[-1].split("#", 1)[0]
    by_name = [d.uri for d in corpus if name and (d.name == name or d.name.startswith(name))]
    return list(dict.fromkeys([*by_name, *by_uri]))[:limit]


def section_with_children(doc: Document, anchor: str) -> list[Section]:
    """A section plus the deeper sections nested under it."""
    for i, section in enumerate(doc.sections):
        if section.anchor == anchor:
            block = [section]
            for later in doc.sections[i + 1 :]:
                if later.level <= section.level:
                    break
                block.append(later)
            return block
    return []


def resolve(corpus: Corpus, uri: str) -> tuple[Document, list[Section] | None]:
    """Look up a document (and optionally a section) by URI; raises with close matches."""
    try:
        _, _, anchor = split_uri(uri)
    except ValueError as exc:
        examples = ", ".join(corpus.uris[:3])
        raise InvalidParameter(
            f"uri {uri!r} is not a knowledge URI ({exc})",
            suggestion=f"URIs look like zerops://themes/<name> or zerops://recipes/<name>#<section>, e.g. {examples}.",
        ) from None
    doc = corpus.get(uri)
    if doc is None:
        close = closest_uris(corpus, uri.split("#", 1)[0])
        hint = (
            f"Did you mean {', '.join(close)}?"
            if close
            else "Search with zerops_knowledge query=... to find it."
        )
        raise DocumentNotFound(
            f"no document at {uri}",
            suggestion=hint,
            details={"closest": close} if close else None,
        )
    if not anchor:
        return doc, None
    block = section_with_children(doc, anchor)
    if not block:
        anchors = [s.anchor for s in doc.sections if s.anchor]
        close = difflib.get_close_matches(anchor, anchors, n=3, cutoff=0.4)
        hint = (
            f"Did you mean {', '.join(f'{doc.uri}#{a}' for a in close)}?"
            if close
            else f"Sections of {doc.uri}: {', '.join(anchors[:12])}."
        )
        raise DocumentNotFound(f"{doc.uri} has no section #{anchor}", suggestion=hint)
    return doc, block


def _chunks(sections: list[str], size: int) -> list[str]:
    pages: list[str] = []
    current = ""
    for text in sections:
        pieces = [text] if len(text) <= size else _split_long(text, size)
        for piece in pieces:
            if current and len(current) + len(piece) > size:
                pages.append(current)
                current = ""
            current += piece
    if current or not pages:
        pages.append(current)
    return pages


def _split_long(text: str, size: int) -> list[str]:
    out: list[str] = []
    current = ""
    for line in split_lines(text):
        if current and len(current) + len(line) > size:
            out.append(current)
            current = ""
        current += line
    if current:
        out.append(current)
    return out


def paginate(uri: str, doc: Document, texts: list[str], page: int, size: int = PAGE_CHARS) -> Page:
    """Cut texts into pages and return the requested one (1-based)."""
    pages = _chunks(texts, size)
    if page < 1 or page > len(pages):
        raise InvalidParameter(
            f"page {page} is out of range: {uri} has {len(pages)} page(s)",
            suggestion=f'Ask for page 1 to {len(pages)}, e.g. zerops_knowledge uri="{uri}" page=1.',
        )
    markdown = pages[page - 1].strip("\n") + "\n"
    return Page(uri=uri, document=doc, markdown=markdown, page=page, pages=len(pages))


def fetch(corpus: Corpus, uri: str, page: int = 1, size: int = PAGE_CHARS) -> Page:
    """The requested page of a document or section."""
    doc, block = resolve(corpus, uri)
    texts = ([s.text for s in doc.sections] or [doc.body]) if block is None else [s.text for s in block]
    return paginate(uri, doc, texts, page, size)
