"""Atoms ready for synthesis: frontmatter axes as sets, bodies parsed into templates, sorted once.

:func:`compile_atoms` turns the atom documents of a loaded corpus into an :class:`AtomSet`. Every
problem names the atom's file and line (``atoms/x.md:12: unknown placeholder {port}``); by default
a broken atom is left out and reported in :attr:`AtomSet.problems`, so one bad file never takes all
guidance down, while ``strict=True`` (tests, lint) raises the first problem.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from zcp.axes import AXES
from zcp.errors import CorpusError
from zcp.knowledge.corpus import Corpus
from zcp.knowledge.documents import AtomMeta, Document, Kind
from zcp.knowledge.parsing import parse_document
from zcp.workflow.placeholders import Template, TemplateError, parse_template

log = logging.getLogger(__name__)

__all__ = ["Atom", "AtomSet", "compile_atom", "compile_atoms", "load_atoms"]

AxisCheck = tuple[str, frozenset[str]]


@dataclass(frozen=True)
class Atom:
    """One compiled atom. Only declared axes are listed; an omitted axis matches everything."""

    id: str
    priority: int
    path: str  # corpus-relative, e.g. atoms/develop-intro.md
    body_line: int
    meta: AtomMeta
    envelope_axes: tuple[AxisCheck, ...]
    service_axes: tuple[AxisCheck, ...]
    template: Template

    @property
    def aggregate(self) -> bool:
        return self.meta.multiService == "aggregate"

    @property
    def service_scoped(self) -> bool:
        """Whether the atom has per-service axes (then it needs a matching service)."""
        return bool(self.service_axes)

    @property
    def sort_key(self) -> tuple[int, str]:
        return (self.priority, self.id)


@dataclass(frozen=True)
class AtomSet:
    """Compiled atoms in render order ``(priority, id)``, plus what could not be compiled."""

    atoms: tuple[Atom, ...]
    fingerprint: str = ""
    problems: tuple[CorpusError, ...] = ()
    _by_id: dict[str, Atom] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({a.id: a for a in self.atoms})

    def __repr__(self) -> str:
        return f"AtomSet({len(self.atoms)} atoms, {len(self.problems)} problems)"

    def __iter__(self) -> Iterator[Atom]:
        return iter(self.atoms)

    def __len__(self) -> int:
        return len(self.atoms)

    def get(self, atom_id: str) -> Atom | None:
        return self._by_id.get(atom_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_id))


def compile_atom(doc: Document) -> Atom:
    """Compile one atom document; raises :class:`CorpusError` naming ``file:line``."""
    meta = doc.meta
    path = doc.provenance.path
    if not isinstance(meta, AtomMeta):
        raise CorpusError(f"{path}:1: not an atom (kind {doc.kind.value})")
    try:
        template = parse_template(doc.body, allow_block=meta.multiService == "aggregate")
    except TemplateError as exc:
        raise CorpusError(
            f"{path}:{doc.body_line + exc.line - 1}: {exc.message}",
            suggestion="See docs/atoms.md for placeholders and the for-each-service block.",
        ) from None
    envelope_axes: list[AxisCheck] = []
    service_axes: list[AxisCheck] = []
    for axis in AXES:
        values = meta.axis_values(axis.key)
        if values:
            (service_axes if axis.per_service else envelope_axes).append((axis.key, frozenset(values)))
    return Atom(
        id=meta.id,
        priority=meta.priority,
        path=path,
        body_line=doc.body_line,
        meta=meta,
        envelope_axes=tuple(envelope_axes),
        service_axes=tuple(service_axes),
        template=template,
    )


def compile_atoms(documents: Corpus | Iterable[Document], *, strict: bool = False) -> AtomSet:
    """Compile every atom document (other kinds are ignored)."""
    fingerprint = documents.fingerprint if isinstance(documents, Corpus) else ""
    atoms: list[Atom] = []
    problems: list[CorpusError] = []
    seen: dict[str, str] = {}
    for doc in documents:
        if doc.kind is not Kind.ATOM:
            continue
        try:
            atom = compile_atom(doc)
            if atom.id in seen:
                raise CorpusError(
                    f"{atom.path}:2: id: duplicate atom id {atom.id!r} (also in {seen[atom.id]})"
                )
        except CorpusError as exc:
            if strict:
                raise
            log.warning("skipping atom: %s", exc)
            problems.append(exc)
            continue
        seen[atom.id] = atom.path
        atoms.append(atom)
    atoms.sort(key=lambda a: a.sort_key)
    return AtomSet(atoms=tuple(atoms), fingerprint=fingerprint, problems=tuple(problems))


def _read_atom_documents(corpus_dir: Path) -> tuple[list[Document], list[CorpusError]]:
    folder = corpus_dir / Kind.ATOM.value
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"corpus folder {corpus_dir} does not exist",
            suggestion="Set ZCP_CORPUS_DIR (or pass --corpus) to a folder with atoms/ in it.",
        )
    documents: list[Document] = []
    problems: list[CorpusError] = []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        rel = f"{Kind.ATOM.value}/{path.name}"
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                text = handle.read()
            documents.append(parse_document(rel, Kind.ATOM, path.stem, text))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(CorpusError(f"{rel}:1: cannot read atom: {exc}"))
        except CorpusError as exc:
            problems.append(exc)
    return documents, problems


def load_atoms(corpus_dir: Path, *, strict: bool = False) -> AtomSet:
    """Read and compile ``<corpus_dir>/atoms/*.md`` only (much faster than loading the whole corpus).

    Files that do not parse are reported in :attr:`AtomSet.problems` (or raised with ``strict``).
    """
    documents, problems = _read_atom_documents(corpus_dir)
    if strict and problems:
        raise problems[0]
    compiled = compile_atoms(documents, strict=strict)
    return AtomSet(atoms=compiled.atoms, problems=tuple(problems) + compiled.problems)
