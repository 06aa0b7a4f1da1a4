"""Families of near-identical pages: one per runtime or service for the same topic.

The docs carry the same how-to page for every runtime (``guides/runtimes/nodejs/how-to/scaling``,
``…/python/how-to/scaling``, …) and for several services. Left alone, one topic fills a whole
result page with copies. A *family* is a set of guide documents whose names differ only in
their second path part (the stack) — ``<group>/<stack>/<rest>`` — shared by at least
:data:`MIN_MEMBERS` stacks. Search keeps one member per family: the page of the runtime or
service the query names, otherwise the best-scoring one.

Pure functions over document URIs; nothing here reads files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from zcp.knowledge.refs import URI_SCHEME, Kind

#: Fewer copies than this are ordinary documents, not a family.
MIN_MEMBERS = 3
#: Folders below ``guides/`` whose second part names a stack (runtime or managed service).
STACK_GROUPS = ("runtimes", "services")


@dataclass(frozen=True)
class StackPage:
    """A guide that belongs to one stack, and the family of its copies (``None`` if it has none)."""

    stack: str
    family: str | None


def _split(uri: str) -> tuple[str, str, str] | None:
    prefix = f"{URI_SCHEME}{Kind.GUIDE.value}/"
    if not uri.startswith(prefix):
        return None
    parts = uri[len(prefix) :].split("/")
    if len(parts) < 3 or parts[0] not in STACK_GROUPS:
        return None
    return parts[0], parts[1], "/".join(parts[2:])


def stack_pages(doc_uris: Iterable[str]) -> dict[str, StackPage]:
    """Every stack guide among ``doc_uris``, with its family key (``group/*/rest``) when it has one."""
    split = {uri: parts for uri in doc_uris if (parts := _split(uri)) is not None}
    stacks_per_key: dict[str, set[str]] = defaultdict(set)
    for group, stack, rest in split.values():
        stacks_per_key[f"{group}/*/{rest}"].add(stack)
    pages: dict[str, StackPage] = {}
    for uri, (group, stack, rest) in split.items():
        key = f"{group}/*/{rest}"
        pages[uri] = StackPage(stack=stack, family=key if len(stacks_per_key[key]) >= MIN_MEMBERS else None)
    return pages


def known_stacks(pages: Iterable[StackPage]) -> frozenset[str]:
    """The stack names the pages belong to (``nodejs``, ``postgresql``, …)."""
    return frozenset(page.stack for page in pages)
