"""Load the corpus folder into an immutable, URI-addressed collection of documents."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from zcp.errors import CorpusError
from zcp.knowledge.documents import Document, Kind, Provenance, split_uri
from zcp.knowledge.fingerprint import fingerprint_files
from zcp.knowledge.parsing import parse_document
from zcp.knowledge.provenance import Manifest, read_manifest

__all__ = [
    "COMPANION_SUFFIX",
    "Corpus",
    "corpus_from_documents",
    "fingerprint_files",
    "iter_corpus_files",
    "load_corpus",
]

COMPANION_SUFFIX = ".import.yml"


@dataclass(frozen=True)
class Corpus:
    """Every document, sorted by URI, plus the problems found while loading."""

    documents: tuple[Document, ...]
    fingerprint: str
    problems: tuple[CorpusError, ...] = ()
    _by_uri: dict[str, Document] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_uri.update({d.uri: d for d in self.documents})

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents)

    def __len__(self) -> int:
        return len(self.documents)

    def get(self, uri: str) -> Document | None:
        """The document at a URI (any ``#anchor`` is ignored), or ``None``."""
        try:
            kind, name, _ = split_uri(uri)
        except ValueError:
            return None
        return self._by_uri.get(f"zerops://{kind.value}/{name}")

    def of_kind(self, kind: Kind) -> tuple[Document, ...]:
        """All documents of one kind, in URI order."""
        return tuple(d for d in self.documents if d.kind is kind)

    @property
    def uris(self) -> tuple[str, ...]:
        return tuple(self._by_uri)


def _read_text(path: Path, rel: str) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(
            f"{rel}:1: cannot read file: {exc.strerror or exc}",
            suggestion="Check the file's permissions.",
        ) from None
    try:
        # Keep \r\n as is (no newline translation) so sections stay byte-faithful.
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise CorpusError(f"{rel}:{line}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def iter_corpus_files(root: Path) -> list[tuple[Kind, str, Path]]:
    """``(kind, name, path)`` for every markdown file under a kind folder, sorted."""
    found: list[tuple[Kind, str, Path]] = []
    for kind in Kind:
        folder = root / kind.value
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.md")):
            if any(part.startswith(".") for part in path.relative_to(folder).parts):
                continue
            name = path.relative_to(folder).with_suffix("").as_posix()
            found.append((kind, name, path))
    return found


def load_corpus(root: Path, manifest_file: Path | None = None, *, strict: bool = False) -> Corpus:
    """Load every document under ``root``.

    With ``strict`` the first problem raises; otherwise broken files are left out and reported in
    :attr:`Corpus.problems` so one bad file never takes the whole knowledge base down.
    """
    if not root.is_dir():
        raise CorpusError(
            f"corpus folder {root} does not exist",
            suggestion="Set ZCP_CORPUS_DIR to a folder with atoms/, themes/, bases/, recipes/.",
        )
    manifest = read_manifest(manifest_file) if manifest_file is not None else Manifest()
    documents: list[Document] = []
    problems: list[CorpusError] = []
    for kind, name, path in iter_corpus_files(root):
        rel = path.relative_to(root).as_posix()
        try:
            text = _read_text(path, rel)
            companion = None
            if kind is Kind.RECIPE:
                companion_path = path.with_name(path.stem + COMPANION_SUFFIX)
                if companion_path.is_file():
                    companion = _read_text(companion_path, companion_path.relative_to(root).as_posix())
            provenance = Provenance(path=rel, upstream=manifest.upstream_for(rel))
            documents.append(
                parse_document(rel, kind, name, text, companion=companion, provenance=provenance)
            )
        except CorpusError as exc:
            if strict:
                raise
            problems.append(exc)
    documents.sort(key=lambda d: d.uri)
    return Corpus(
        documents=tuple(documents),
        fingerprint=fingerprint_files(root, manifest_file),
        problems=tuple(problems),
    )


def corpus_from_documents(documents: list[Document]) -> Corpus:
    """Build a corpus from parsed documents (tests and synthetic benchmarks)."""
    ordered = sorted(documents, key=lambda d: d.uri)
    digest = hashlib.sha256()
    for doc in ordered:
        digest.update(doc.uri.encode("utf-8") + b"\0" + doc.content_hash.encode("ascii"))
    return Corpus(documents=tuple(ordered), fingerprint=digest.hexdigest())
