"""``zcp sync pull``: bring docs pages into the corpus with provenance, all or nothing.

The pull lists the upstream snapshot, skips pages whose inputs did not change, downloads and
converts the rest, and validates every converted file against the corpus models. Only then are
the kind folders staged and swapped in, the manifest replaced and the index rebuilt; if any of
that fails the previous folders and manifest are put back, and the index (rebuilt atomically by
:func:`zcp.knowledge.index.ensure_index`) was never switched. Local edits are never overwritten
without ``force``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from zcp.errors import CorpusError, StateLocked, SyncError, ZcpError
from zcp.knowledge.documents import Kind
from zcp.knowledge.parsing import parse_frontmatter, split_frontmatter
from zcp.knowledge.paths import KnowledgePaths
from zcp.knowledge.provenance import Manifest, ManifestEntry, read_manifest
from zcp.state.fs import FileLock, atomic_write_text
from zcp.sync.corpus_swap import Staging
from zcp.sync.doc_transform import Converted, MdxSettings, PageError, mdx_to_markdown
from zcp.sync.docs_source import DocsSource, Snapshot, SnapshotLoader
from zcp.sync.mdx_render import LinkMap
from zcp.sync.pull_plan import (
    PlannedPage,
    Universe,
    inputs_hash,
    is_current,
    plan_universe,
    select_page,
    settings_digest,
)
from zcp.sync.sync_config import SyncConfig


class Status(StrEnum):
    """What a pull did to one corpus file."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REMOVED = "removed"
    KEPT = "kept"  # a local edit was left alone


@dataclass(frozen=True)
class FileOutcome:
    corpus_path: str
    upstream_path: str
    status: Status
    note: str = ""


@dataclass(frozen=True)
class PullOptions:
    group: str = "all"
    dry_run: bool = False
    force: bool = False
    #: Pull only this page (a corpus name such as ``guides/backup``, or an upstream path).
    page: str | None = None


@dataclass(frozen=True)
class PullReport:
    """Everything a pull did (or, with ``dry_run``, would do)."""

    source: str
    commit: str
    outcomes: tuple[FileOutcome, ...]
    notices: tuple[str, ...] = ()
    dry_run: bool = False
    index: str = ""

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def changed(self) -> tuple[FileOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status is not Status.UNCHANGED)


class PullProgress(Protocol):
    """Progress callbacks (the CLI draws a bar; tests and the server pass nothing)."""

    def phase(self, label: str, total: int | None = None) -> None: ...

    def advance(self, amount: int = 1) -> None: ...


class _Silent:
    def phase(self, label: str, total: int | None = None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass


def file_hash(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def _local_hash(path: Path) -> str | None:
    try:
        return file_hash(path.read_bytes())
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SyncError(f"cannot read {path}: {exc.strerror}") from None


def _timestamp(clock: Callable[[], datetime]) -> str:
    return clock().strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _Work:
    """Mutable state of one pull while it is being planned."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    writes: dict[str, str | None] = field(default_factory=dict)
    entries: dict[str, ManifestEntry] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def pull_docs(
    *,
    config: SyncConfig,
    source: DocsSource,
    paths: KnowledgePaths,
    options: PullOptions,
    clock: Callable[[], datetime],
    progress: PullProgress | None = None,
    rebuild_index: Callable[[], str] | None = None,
) -> PullReport:
    """Pull the selected source group into the corpus (see the module docstring)."""
    progress = progress or _Silent()
    if options.dry_run:
        return _pull(config, source, paths, options, clock, progress, rebuild_index)
    with pull_lock(paths.corpus_dir):
        return _pull(config, source, paths, options, clock, progress, rebuild_index)


@contextmanager
def pull_lock(corpus_dir: Path) -> Iterator[None]:
    """One pull at a time per corpus (an OS lock on the corpus folder itself)."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(corpus_dir, timeout=0, what=f"the corpus in {corpus_dir}")
    try:
        lock.acquire()
    except StateLocked:
        raise SyncError(
            f"another `zcp sync pull` is writing {corpus_dir}",
            suggestion="Wait for it to finish, then run the command again.",
        ) from None
    try:
        yield
    finally:
        lock.release()


def _pull(
    config: SyncConfig,
    source: DocsSource,
    paths: KnowledgePaths,
    options: PullOptions,
    clock: Callable[[], datetime],
    progress: PullProgress,
    rebuild_index: Callable[[], str] | None,
) -> PullReport:
    selected = config.select(options.group) if options.page is None else tuple(config.sources)
    progress.phase(f"listing {source.label}")
    snapshot = source.snapshot(sorted({s.path for s in config.sources}))
    universe = plan_universe(config, snapshot, selected)
    if not universe.pages:
        # Not one page of any source: a wrong --from folder or ref, not an upstream deletion.
        folders = ", ".join(sorted({s.path for s in config.sources}))
        raise SyncError(
            f"{source.label} has no pages for any sync source (looked in {folders})",
            suggestion="Check the source folders in sync/config.yaml and the --from/--ref you gave; "
            "nothing was changed.",
        )
    if options.page is not None:
        universe = replace(universe, selected=(select_page(universe, options.page, config.groups),))
    manifest = read_manifest(paths.manifest_file)
    work = _plan(config, source, snapshot, universe, manifest, paths.corpus_dir, options, clock, progress)
    if options.page is not None:
        pulled = universe.selected[0].corpus_path
        kept_entries = {k: v for k, v in manifest.files.items() if k != pulled}
    else:
        scope = pull_scope(config, options, manifest)
        kept_entries = {k: v for k, v in manifest.files.items() if v.source not in scope}
    files = {**kept_entries, **work.entries}
    new_manifest = Manifest(
        version=1, repo=config.upstream.repo, ref=snapshot.ref, files=dict(sorted(files.items()))
    )
    outcomes = tuple(sorted(work.outcomes, key=lambda o: o.corpus_path))
    report = PullReport(
        source=source.label,
        commit=snapshot.commit,
        outcomes=outcomes,
        notices=tuple(work.notices),
        dry_run=options.dry_run,
    )
    if options.dry_run:
        return report
    index = _commit(paths, work.writes, new_manifest, progress, rebuild_index)
    return PullReport(report.source, report.commit, report.outcomes, report.notices, False, index)


def _plan(
    config: SyncConfig,
    source: DocsSource,
    snapshot: Snapshot,
    universe: Universe,
    manifest: Manifest,
    corpus_dir: Path,
    options: PullOptions,
    clock: Callable[[], datetime],
    progress: PullProgress,
) -> _Work:
    work = _Work()
    settings = settings_digest(config, universe)
    now = _timestamp(clock)
    local: dict[str, str | None] = {}
    to_convert: list[PlannedPage] = []
    for page in universe.selected:
        local[page.corpus_path] = _local_hash(corpus_dir / page.corpus_path)
        entry = manifest.files.get(page.corpus_path)
        if is_current(page, entry, snapshot, settings, local[page.corpus_path]) and entry is not None:
            work.entries[page.corpus_path] = entry
            work.outcomes.append(FileOutcome(page.corpus_path, page.upstream_path, Status.UNCHANGED))
        else:
            to_convert.append(page)
    for path in universe.skipped:
        work.notices.append(f"{path}: its name cannot be a corpus document name; skipped")

    progress.phase("downloading", len(to_convert))
    cache: dict[str, bytes] = {}
    fetched = source.read_many(
        [(p.upstream_path, p.blob_sha) for p in to_convert], lambda _: progress.advance()
    )
    for page in to_convert:
        cache[page.blob_sha] = fetched[page.upstream_path]
    loader = SnapshotLoader(source, snapshot, cache)
    links = LinkMap(config.upstream.content_root, config.upstream.site_url, universe.link_targets())
    mdx = MdxSettings(
        import_roots=config.mdx.import_roots,
        drop=frozenset(config.mdx.drop_components),
        unwrap=frozenset(config.mdx.unwrap_components),
        max_depth=config.mdx.max_partial_depth,
    )

    progress.phase("converting", len(to_convert))
    for page in to_convert:
        converted = convert_page(page, cache[page.blob_sha], loader=loader, links=links, settings=mdx)
        work.notices.extend(str(n) for n in converted.notices)
        deps = {path: snapshot.blob_sha(path) for path in converted.dependencies}
        entry = ManifestEntry(
            upstream_path=page.upstream_path,
            blob_sha=page.blob_sha,
            commit=snapshot.commit,
            content_hash=file_hash(converted.markdown),
            pulled_at=now,
            source=page.source.name,
            inputs=inputs_hash(page, deps, settings),
            dependencies=sorted(converted.dependencies),
        )
        _decide(page, converted.markdown, entry, manifest.files.get(page.corpus_path), local, options, work)
        progress.advance()

    if options.page is not None:
        return work  # a single-page pull removes nothing
    wanted = {p.corpus_path for p in universe.selected}
    names = pull_scope(config, options, manifest)
    for corpus_path, entry in sorted(manifest.files.items()):
        if corpus_path in wanted or entry.source not in names:
            continue
        current = _local_hash(corpus_dir / corpus_path)
        if current is not None and current != entry.content_hash and not options.force:
            work.entries[corpus_path] = entry
            work.outcomes.append(
                FileOutcome(
                    corpus_path, entry.upstream_path, Status.KEPT, "removed upstream, but edited locally"
                )
            )
            continue
        work.writes[corpus_path] = None
        work.outcomes.append(FileOutcome(corpus_path, entry.upstream_path, Status.REMOVED))
    return work


def pull_scope(config: SyncConfig, options: PullOptions, manifest: Manifest) -> frozenset[str | None]:
    """Sources whose manifest entries this pull owns (and may remove).

    ``all`` also owns entries of sources no longer in the configuration, so renaming or dropping a
    source cleans up after it.
    """
    names: set[str | None] = {s.name for s in config.select(options.group)}
    if options.group == "all":
        known = {s.name for s in config.sources}
        names |= {e.source for e in manifest.files.values() if e.source not in known}
    return frozenset(names)


def convert_page(
    page: PlannedPage, data: bytes, *, loader: SnapshotLoader, links: LinkMap, settings: MdxSettings
) -> Converted:
    """Convert one downloaded page and check the result is a valid corpus document."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SyncError(
            f"{page.upstream_path} is not UTF-8 text (byte {exc.start})",
            suggestion="Fix the page upstream; nothing was changed locally.",
        ) from None
    tags = tuple(dict.fromkeys([*page.source.tags, *_folder_tag(page)]))
    try:
        converted = mdx_to_markdown(
            text.replace("\r\n", "\n"),
            path=page.upstream_path,
            tags=tags,
            loader=loader,
            links=links,
            settings=settings,
        )
    except PageError as exc:
        raise SyncError(
            f"malformed MDX in {exc.path}:{exc.line}: {exc.message}",
            suggestion="Fix the page upstream (or exclude it in sync/config.yaml); nothing was changed locally.",
            details={"file": exc.path, "line": exc.line},
        ) from None
    kind = Kind(page.corpus_path.split("/", 1)[0])
    try:
        # The frontmatter check of the corpus loader (sections are the index's business).
        yaml_text, _, _ = split_frontmatter(converted.markdown)
        parse_frontmatter(page.corpus_path, kind, yaml_text)
    except CorpusError as exc:
        raise SyncError(
            f"{page.upstream_path} converts to an invalid corpus file: {exc.message}",
            suggestion="Report this as a zcp bug, or exclude the page in sync/config.yaml.",
        ) from None
    return converted


def _folder_tag(page: PlannedPage) -> list[str]:
    if not page.source.tag_top_folder:
        return []
    rel = page.upstream_path[len(page.source.path.rstrip("/")) + 1 :]
    top = rel.split("/", 1)[0].lower()
    return [top] if "/" in rel and top else []


def _decide(
    page: PlannedPage,
    markdown: str,
    entry: ManifestEntry,
    previous: ManifestEntry | None,
    local: dict[str, str | None],
    options: PullOptions,
    work: _Work,
) -> None:
    current = local[page.corpus_path]
    if (
        previous is not None
        and previous.content_hash == entry.content_hash
        and previous.blob_sha == entry.blob_sha
    ):
        entry = entry.model_copy(update={"pulled_at": previous.pulled_at, "commit": previous.commit})
    if current == entry.content_hash:
        work.entries[page.corpus_path] = entry
        work.outcomes.append(FileOutcome(page.corpus_path, page.upstream_path, Status.UNCHANGED))
        return
    edited = current is not None and (previous is None or current != previous.content_hash)
    if edited and not options.force:
        if previous is not None:
            work.entries[page.corpus_path] = previous
        note = "edited locally; not overwritten" if previous is not None else "a local file not from a pull"
        work.outcomes.append(FileOutcome(page.corpus_path, page.upstream_path, Status.KEPT, note))
        return
    work.entries[page.corpus_path] = entry
    work.writes[page.corpus_path] = markdown
    status = Status.CREATED if current is None else Status.UPDATED
    work.outcomes.append(FileOutcome(page.corpus_path, page.upstream_path, status))


def _commit(
    paths: KnowledgePaths,
    writes: dict[str, str | None],
    manifest: Manifest,
    progress: PullProgress,
    rebuild_index: Callable[[], str] | None,
) -> str:
    """Stage, swap, write the manifest, rebuild the index — or put everything back."""
    progress.phase("writing", len(writes))
    old_manifest = paths.manifest_file.read_bytes() if paths.manifest_file.is_file() else None
    new_manifest = manifest.to_json()
    manifest_changed = old_manifest is None or old_manifest.decode("utf-8", "replace") != new_manifest
    staging = Staging(paths.corpus_dir, writes) if writes else None
    try:
        if staging is not None:
            staging.swap()
        if manifest_changed:
            atomic_write_text(paths.manifest_file, new_manifest)
        progress.phase("indexing")
        return rebuild_index() if rebuild_index is not None else ""
    except BaseException as exc:
        if staging is not None:
            staging.rollback()
        if manifest_changed:
            if old_manifest is None:
                paths.manifest_file.unlink(missing_ok=True)
            else:
                atomic_write_text(paths.manifest_file, old_manifest.decode("utf-8"))
        if isinstance(exc, ZcpError) and not isinstance(exc, SyncError):
            raise SyncError(
                f"the pull was rolled back: {exc.message}",
                suggestion=exc.suggestion or "The previous corpus, manifest and index are untouched.",
            ) from exc
        raise
    finally:
        if staging is not None:
            staging.cleanup()
