"""The Whoosh index over documents and their sections: schema, build, and safe on-disk lifecycle.

Every document contributes one doc-level entry (``entry="doc"``: what the document is about —
title, description, preamble and section headings) and one entry per section
(``entry="section"``: the section's text), so text is analysed once. Axis keywords (see :mod:`zcp.axes`) are indexed per atom with
:data:`~zcp.axes.ANY_VALUE` standing for an axis the atom leaves empty, so "empty matches all"
becomes a plain term query.

On disk the index lives in generations::

    index/CURRENT          {"generation": "gen-…"}   (replaced atomically)
    index/gen-…/           a complete Whoosh index plus manifest.json
    index/.lock            held by whoever rebuilds

A rebuild (full, or incremental from the current generation) happens in a temporary folder that
becomes a new generation only once it has been committed and re-opened successfully; then
``CURRENT`` is swapped. Readers never lock and never see a half-written index; concurrent
rebuilders serialise on ``.lock`` and the second one finds the work already done. A generation
that cannot be opened is treated as missing and rebuilt, never served.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import secrets
import shutil
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, STORED, Schema
from whoosh.filedb.filestore import RamStorage

from zcp.axes import ANY_VALUE, AXES, runtime_class_for
from zcp.errors import IndexUnavailable, StateLocked
from zcp.knowledge.analysis import StemmedText
from zcp.knowledge.paths import KnowledgePaths
from zcp.knowledge.refs import Kind, Provenance, Upstream
from zcp.schema.managed_types import technology
from zcp.state.fs import FileLock, atomic_write_text

if TYPE_CHECKING:
    from zcp.knowledge.corpus import Corpus
    from zcp.knowledge.documents import Document, Section

log = logging.getLogger(__name__)

#: Bump when the schema or the way entries are built changes: old generations are rebuilt.
SCHEMA_VERSION = 7

CURRENT_FILE = "CURRENT"
MANIFEST_FILE = "manifest.json"
LOCK_FILE = ".lock"
_KEEP_OLD_GENERATIONS = 2
_INCREMENTAL_LIMIT = 0.3  # above this share of changed documents a full rebuild is cheaper

#: Field boosts for BM25F: where a word appears says a lot about what the entry is about.
FIELD_BOOSTS: dict[str, float] = {"title": 3.0, "heading": 2.5, "tags": 2.0, "body": 1.0}


def build_schema() -> Schema:
    """The Whoosh schema (stemmed text, see :mod:`~zcp.knowledge.analysis`; keywords for axes)."""
    fields: dict[str, Any] = {
        "entry_id": ID(stored=True, unique=True),
        "entry": ID(stored=True, sortable=True),
        "uri": ID(stored=True),
        "doc_uri": ID(stored=True, sortable=True),
        "kind": KEYWORD(stored=True, commas=True),
        "title": StemmedText(stored=True),
        "heading": StemmedText(stored=True),
        "body": StemmedText(stored=True),
        "tags": StemmedText(),
        "stacks": KEYWORD(commas=True, lowercase=True),
        "content_hash": STORED(),
        # Where the document lives and came from, so a search hit needs no parsed corpus.
        "provenance": STORED(),
    }
    for axis in AXES:
        fields[axis.key] = KEYWORD(commas=True)
    return Schema(**fields)


def _axis_terms(doc: Document) -> dict[str, str]:
    from zcp.knowledge.documents import AtomMeta, BaseMeta, RecipeMeta

    meta = doc.meta
    terms: dict[str, str] = {}
    if isinstance(meta, AtomMeta):
        for axis in AXES:
            values = meta.axis_values(axis.key)
            terms[axis.key] = ",".join(values) if values else ANY_VALUE
    elif isinstance(meta, RecipeMeta):
        terms["runtimes"] = runtime_class_for(meta.runtime).value
    elif isinstance(meta, BaseMeta) and meta.stacks:
        terms["runtimes"] = ",".join(sorted({runtime_class_for(s).value for s in meta.stacks}))
    return terms


def _doc_stacks(doc: Document) -> set[str]:
    from zcp.knowledge.documents import BaseMeta, RecipeMeta

    meta = doc.meta
    if isinstance(meta, RecipeMeta):
        return {meta.runtime_base, *(technology(s) for s in meta.services)}
    if isinstance(meta, BaseMeta):
        return set(meta.stacks) | {doc.name}
    return set()


def _section_stacks(doc: Document, section: Section) -> set[str]:
    # The managed-services theme has one H2 card per service type, anchored by its name.
    if doc.kind is Kind.THEME and doc.name == "services" and section.level == 2:
        return {section.anchor}
    return set()


def _without_heading_line(text: str) -> str:
    """Section text minus its ATX heading line (the heading is indexed in its own field)."""
    first, sep, rest = text.partition("\n")
    return rest if first.lstrip().startswith("#") and sep else text


def provenance_record(provenance: Provenance) -> tuple[str, ...]:
    """A provenance as stored in the index: ``(path,)`` or ``(path, repo, path, commit, synced_at)``."""
    up = provenance.upstream
    if up is None:
        return (provenance.path,)
    return (provenance.path, up.repo, up.path, up.commit, up.synced_at)


def provenance_from_record(record: Any) -> Provenance:
    """The inverse of :func:`provenance_record` (tolerates a missing record)."""
    if not record:
        return Provenance(path="")
    path, *rest = (str(part) for part in record)
    if len(rest) != 4:
        return Provenance(path=path)
    return Provenance(path=path, upstream=Upstream(*rest))


def entries_for(doc: Document) -> list[dict[str, Any]]:
    """The index entries (doc-level first, then sections) for one document."""
    axes = _axis_terms(doc)
    stacks = _doc_stacks(doc)
    common: dict[str, Any] = {
        "doc_uri": doc.uri,
        "kind": doc.kind.value,
        "title": doc.title,
        "tags": " ".join(doc.tags),
        "provenance": provenance_record(doc.provenance),
        **axes,
    }
    # The doc-level entry says what the document is about (description, preamble and section
    # headings); the text itself is indexed once, in the section entries.
    preamble = next((s.text for s in doc.sections if not s.anchor), "")
    about = "\n".join([doc.description, preamble, *(s.heading for s in doc.sections if s.heading)])
    entries = [
        {
            **common,
            "entry_id": doc.uri,
            "entry": "doc",
            "uri": doc.uri,
            "heading": "",
            "body": about,
            "stacks": ",".join(sorted(stacks)),
            "content_hash": doc.content_hash,
        }
    ]
    for section in doc.sections:
        if not section.anchor:
            continue  # the preamble is covered by the doc-level entry
        entries.append(
            {
                **common,
                "entry_id": doc.section_uri(section),
                "entry": "section",
                "uri": doc.section_uri(section),
                "heading": section.heading,
                "body": _without_heading_line(section.text),
                "stacks": ",".join(sorted(stacks | _section_stacks(doc, section))),
            }
        )
    return entries


@dataclass
class KnowledgeIndex:
    """An open Whoosh index plus what it was built from."""

    index: Any  # whoosh.index.Index
    fingerprint: str
    doc_hashes: dict[str, str]
    location: Path | None = None
    _searcher: Any = None

    def searcher(self) -> Any:
        """A shared, long-lived Whoosh searcher (readers keep their snapshot)."""
        if self._searcher is None:
            self._searcher = self.index.searcher()
        return self._searcher

    @property
    def entry_count(self) -> int:
        return int(self.index.doc_count())

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self.index.close()


def _write_entries(ix: Any, documents: Iterator[Document] | tuple[Document, ...]) -> None:
    writer = ix.writer(limitmb=128)
    try:
        for doc in documents:
            for entry in entries_for(doc):
                writer.add_document(**entry)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


class _PrivateRamStorage(RamStorage):  # type: ignore[misc]
    """RAM storage whose scratch files get a unique folder.

    Whoosh's RamStorage writes column scratch files to ``<tmp>/MAIN.tmp`` — the same folder for
    every process — and deletes it when done, so two concurrent in-memory builds would destroy
    each other's files. A per-build prefix keeps them apart.
    """

    def __init__(self) -> None:
        super().__init__()
        self._scratch = f"zcp-{os.getpid()}-{secrets.token_hex(6)}"

    def temp_storage(self, name: str | None = None) -> Any:
        return super().temp_storage(f"{self._scratch}-{name or secrets.token_hex(4)}")


def build_memory_index(corpus: Corpus) -> KnowledgeIndex:
    """An in-memory index of a corpus (tests, previews, benchmarks)."""
    ix = _PrivateRamStorage().create_index(build_schema())
    _write_entries(ix, corpus.documents)
    return KnowledgeIndex(ix, corpus.fingerprint, {d.uri: d.content_hash for d in corpus})


# --- on-disk lifecycle -------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationManifest:
    """What a generation folder holds; written beside the Whoosh files."""

    schema_version: int
    fingerprint: str
    doc_hashes: dict[str, str]
    built_at: float
    documents: int
    entries: int

    def to_json(self) -> str:
        return json.dumps(
            {
                "schemaVersion": self.schema_version,
                "fingerprint": self.fingerprint,
                "docHashes": dict(sorted(self.doc_hashes.items())),
                "builtAt": self.built_at,
                "documents": self.documents,
                "entries": self.entries,
            },
            indent=1,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> GenerationManifest:
        data = json.loads(text)
        return cls(
            schema_version=int(data["schemaVersion"]),
            fingerprint=str(data["fingerprint"]),
            doc_hashes={str(k): str(v) for k, v in data["docHashes"].items()},
            built_at=float(data["builtAt"]),
            documents=int(data["documents"]),
            entries=int(data["entries"]),
        )


@dataclass(frozen=True)
class IndexStatus:
    """What :func:`ensure_index` did, for CLI output and benchmarks."""

    action: str  # "fresh", "built", "updated"
    generation: str
    documents: int
    entries: int
    changed: int = 0
    removed: int = 0
    reason: str = ""


def _current_generation(root: Path) -> str | None:
    try:
        data = json.loads((root / CURRENT_FILE).read_text(encoding="utf-8"))
        name = data.get("generation")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(name, str) or not name.startswith("gen-") or "/" in name:
        return None
    return name


def _open_generation(folder: Path) -> tuple[Any, GenerationManifest]:
    """Open a generation and check it is complete; raises on anything wrong."""
    manifest = GenerationManifest.from_json((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    if manifest.schema_version != SCHEMA_VERSION:
        raise ValueError(f"schema version {manifest.schema_version} != {SCHEMA_VERSION}")
    ix = whoosh_index.open_dir(str(folder))
    try:
        count = ix.doc_count()
        if count != manifest.entries:
            raise ValueError(f"index holds {count} entries, manifest says {manifest.entries}")
        with ix.searcher() as searcher:  # touches every segment file
            searcher.doc_count_all()
    except BaseException:
        ix.close()
        raise
    return ix, manifest


@contextlib.contextmanager
def _rebuild_lock(root: Path, timeout: float) -> Iterator[None]:
    lock = FileLock(root / LOCK_FILE, timeout=timeout, poll=0.02, what=f"the index in {root}")
    try:
        lock.acquire()
    except StateLocked:
        raise IndexUnavailable(
            f"another process has been rebuilding the index in {root} for over {timeout:.0f}s",
            suggestion="Wait for it to finish, or remove the stale lock holder.",
        ) from None
    try:
        yield
    finally:
        lock.release()


def _cleanup(root: Path, keep: str) -> None:
    """Remove temp folders and all but the newest few old generations."""
    for tmp in root.glob(".tmp-*"):
        shutil.rmtree(tmp, ignore_errors=True)
    gens = [p for p in root.glob("gen-*") if p.is_dir() and p.name != keep]
    gens.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in gens[_KEEP_OLD_GENERATIONS:]:
        shutil.rmtree(old, ignore_errors=True)


def _build_generation(
    root: Path, corpus: Corpus, base: tuple[Path, GenerationManifest] | None
) -> tuple[str, GenerationManifest, int, int]:
    """Build a new generation folder (incrementally from ``base`` when given)."""
    tmp = root / f".tmp-{os.getpid()}-{secrets.token_hex(4)}"
    new_hashes = {d.uri: d.content_hash for d in corpus}
    changed = removed = 0
    try:
        if base is not None:
            base_dir, base_manifest = base
            shutil.copytree(base_dir, tmp)
            (tmp / MANIFEST_FILE).unlink()
            ix = whoosh_index.open_dir(str(tmp))
            old = base_manifest.doc_hashes
            stale = [uri for uri, h in old.items() if new_hashes.get(uri) != h]
            fresh = [d for d in corpus if old.get(d.uri) != d.content_hash]
            removed = sum(1 for uri in old if uri not in new_hashes)
            changed = len(fresh)
            writer = ix.writer(limitmb=128)
            try:
                for uri in stale:
                    writer.delete_by_term("doc_uri", uri)
                for doc in fresh:
                    for entry in entries_for(doc):
                        writer.add_document(**entry)
            except BaseException:
                writer.cancel()
                raise
            writer.commit(optimize=False)
        else:
            tmp.mkdir(parents=True)
            ix = whoosh_index.create_in(str(tmp), build_schema())
            _write_entries(ix, corpus.documents)
            changed = len(corpus)
        entries = int(ix.doc_count())
        ix.close()
        manifest = GenerationManifest(
            schema_version=SCHEMA_VERSION,
            fingerprint=corpus.fingerprint,
            doc_hashes=new_hashes,
            built_at=time.time(),
            documents=len(corpus),
            entries=entries,
        )
        atomic_write_text(tmp / MANIFEST_FILE, manifest.to_json())
        check, _ = _open_generation(tmp)  # never publish what cannot be opened
        check.close()
        name = f"gen-{corpus.fingerprint[:12]}-{secrets.token_hex(3)}"
        os.replace(tmp, root / name)
        return name, manifest, changed, removed
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def open_index(root: Path) -> KnowledgeIndex | None:
    """Open the current generation, or ``None`` if there is none or it is unusable."""
    name = _current_generation(root)
    if name is None:
        return None
    folder = root / name
    # Whoosh leaves segment files open when opening a damaged generation fails; they are closed
    # when the failure is dropped, so silence the ResourceWarnings that this emits.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            ix, manifest = _open_generation(folder)
        except Exception as exc:
            log.warning("index generation %s is unusable (%s); it will be rebuilt", folder, str(exc))
            ix = None
        if ix is None:
            gc.collect()
            return None
    return KnowledgeIndex(ix, manifest.fingerprint, manifest.doc_hashes, location=folder)


def ensure_index(
    paths: KnowledgePaths,
    corpus: Corpus | None = None,
    *,
    force: bool = False,
    lock_timeout: float = 120.0,
) -> tuple[KnowledgeIndex, IndexStatus]:
    """Open the on-disk index, (re)building it first when missing, stale or corrupt.

    The rebuild is incremental (only changed documents are re-indexed) when a valid generation
    exists and few documents changed; otherwise it is a full build. Either way it is atomic.
    """
    if corpus is None:
        from zcp.knowledge.corpus import load_corpus

        corpus = load_corpus(paths.corpus_dir, paths.manifest_file)
    root = paths.index_dir
    if not force:
        current = open_index(root)
        if current is not None and current.fingerprint == corpus.fingerprint:
            status = IndexStatus(
                "fresh", current.location.name if current.location else "", len(corpus), current.entry_count
            )
            return current, status
        if current is not None:
            current.close()
    try:
        with _rebuild_lock(root, lock_timeout):
            # Someone else may have rebuilt while we waited for the lock.
            current = None if force else open_index(root)
            if current is not None and current.fingerprint == corpus.fingerprint:
                status = IndexStatus(
                    "fresh",
                    current.location.name if current.location else "",
                    len(corpus),
                    current.entry_count,
                )
                return current, status
            base: tuple[Path, GenerationManifest] | None = None
            reason = "forced" if force else ("missing or unusable" if current is None else "corpus changed")
            if current is not None and current.location is not None:
                old_hashes = current.doc_hashes
                changed_share = sum(1 for d in corpus if old_hashes.get(d.uri) != d.content_hash) / max(
                    len(corpus), 1
                )
                if changed_share <= _INCREMENTAL_LIMIT:
                    manifest = GenerationManifest.from_json(
                        (current.location / MANIFEST_FILE).read_text(encoding="utf-8")
                    )
                    base = (current.location, manifest)
                current.close()
            name, manifest, changed, removed = _build_generation(root, corpus, base)
            atomic_write_text(root / CURRENT_FILE, json.dumps({"generation": name}) + "\n")
            _cleanup(root, keep=name)
    except OSError as exc:
        raise IndexUnavailable(
            f"cannot write the search index in {root}: {exc.strerror or exc}",
            suggestion="Point ZCP_INDEX_DIR at a writable folder.",
        ) from None
    opened = open_index(root)
    if opened is None:
        raise IndexUnavailable(
            f"the index built in {root} could not be opened", suggestion="Run `zcp index build`."
        )
    action = "updated" if base is not None else "built"
    return opened, IndexStatus(action, name, manifest.documents, manifest.entries, changed, removed, reason)
