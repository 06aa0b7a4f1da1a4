"""``zcp sync push guides``: send edited guides upstream as one pull request.

A guide is *changed* when its bytes differ from what the last pull wrote (the manifest's
content hash); nothing else is considered, and with nothing changed no request is made at all.
Changed guides are checked against upstream: if the file's blob is no longer the one the pull
read (or a new guide's path now exists), the push is refused with :class:`UpstreamMoved` — it
would overwrite someone else's edit. Otherwise each guide is merged back into its original MDX
(:func:`zcp.sync.doc_transform.markdown_to_mdx`) and all of them go into one branch, one commit
and one pull request whose body lists every file.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from zcp.errors import ConfigError, InvalidParameter, SyncError, UpstreamMoved
from zcp.knowledge.paths import KnowledgePaths
from zcp.knowledge.provenance import ManifestEntry, read_manifest
from zcp.sync.doc_transform import (
    EditedGuide,
    MdxSettings,
    PageError,
    markdown_to_mdx,
    mdx_to_markdown,
    read_edited,
)
from zcp.sync.docs_pull import file_hash
from zcp.sync.docs_source import DocsSource, Snapshot, SnapshotLoader
from zcp.sync.mdx_render import LinkMap
from zcp.sync.pull_plan import plan_universe
from zcp.sync.sync_config import Source, SyncConfig


class Publisher(DocsSource, Protocol):
    """What a push needs from GitHub (implemented by :class:`zcp.sync.github_source.GitHubSource`)."""

    def default_branch(self) -> str: ...

    def snapshot_at(self, ref: str, folders: Iterable[str]) -> Snapshot: ...

    def publish(
        self,
        *,
        base_branch: str,
        base_commit: str,
        branch: str,
        message: str,
        files: dict[str, str],
        title: str,
        body: str,
    ) -> str: ...


@dataclass(frozen=True)
class PushOptions:
    group: str = "guides"
    names: tuple[str, ...] = ()
    dry_run: bool = False


@dataclass(frozen=True)
class GuideChange:
    """One guide to push: its upstream MDX before and after."""

    corpus_path: str
    upstream_path: str
    before: str | None  # None: the guide is new upstream
    after: str
    replaced: tuple[str, ...] = ()

    def diff(self) -> str:
        """Unified diff of the upstream file, as ``git diff`` would show it."""
        lines = difflib.unified_diff(
            (self.before or "").splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            fromfile="/dev/null" if self.before is None else f"a/{self.upstream_path}",
            tofile=f"b/{self.upstream_path}",
        )
        return "".join(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
        )


@dataclass(frozen=True)
class PushReport:
    changes: tuple[GuideChange, ...]
    unchanged: int
    missing: tuple[str, ...] = ()  # pulled guides deleted locally (deletions are not pushed)
    branch: str = ""
    url: str = ""
    dry_run: bool = False


@dataclass(frozen=True)
class _Candidate:
    corpus_path: str
    upstream_path: str
    source: Source
    entry: ManifestEntry | None
    text: str


def _push_sources(config: SyncConfig, group: str) -> tuple[Source, ...]:
    sources = tuple(s for s in config.select(group) if s.push)
    if not sources:
        raise ConfigError(
            f"sync group {group!r} has no source with 'push: true'",
            suggestion="Only guide sources can be pushed; mark them 'push: true' in sync/config.yaml.",
        )
    return sources


def _upstream_path(source: Source, corpus_path: str) -> str | None:
    prefix = "/".join([source.kind, *([source.folder] if source.folder else [])]) + "/"
    if not corpus_path.startswith(prefix):
        return None
    path = source.path.rstrip("/") + "/" + corpus_path[len(prefix) :].removesuffix(".md") + ".mdx"
    return path if source.matches(path) else None


def collect_candidates(
    config: SyncConfig, paths: KnowledgePaths, options: PushOptions
) -> tuple[list[_Candidate], int, list[str]]:
    """``(changed guides, unchanged count, pulled-but-missing corpus paths)``; no network."""
    sources = _push_sources(config, options.group)
    manifest = read_manifest(paths.manifest_file)
    if manifest.files and manifest.repo != config.upstream.repo:
        raise SyncError(
            f"the corpus was pulled from {manifest.repo}, but sync/config.yaml names {config.upstream.repo}",
            suggestion="Pull from the configured repository first.",
        )
    names = {s.name for s in sources}
    found: dict[str, tuple[str, Source]] = {}
    for source in sources:
        root = paths.corpus_dir / source.kind
        for file in sorted(root.rglob("*.md")) if root.is_dir() else []:
            rel = file.relative_to(paths.corpus_dir).as_posix()
            upstream = _upstream_path(source, rel)
            entry = manifest.files.get(rel)
            if upstream is None or (entry is not None and entry.source not in (None, source.name)):
                continue
            found[rel] = (upstream, source)
    wanted = _select(found, options.names)
    changed: list[_Candidate] = []
    unchanged = 0
    for rel in sorted(wanted):
        upstream, source = found[rel]
        data = (paths.corpus_dir / rel).read_bytes()
        entry = manifest.files.get(rel)
        if entry is not None and file_hash(data) == entry.content_hash:
            unchanged += 1
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise SyncError(f"corpus/{rel} is not UTF-8 text") from None
        changed.append(_Candidate(rel, entry.upstream_path if entry else upstream, source, entry, text))
    missing = sorted(
        rel
        for rel, entry in manifest.files.items()
        if entry.source in names and not (paths.corpus_dir / rel).is_file() and _named(rel, options.names)
    )
    return changed, unchanged, missing


def _named(rel: str, names: tuple[str, ...]) -> bool:
    if not names:
        return True
    stem = rel.split("/", 1)[1].removesuffix(".md")
    return any(n in (stem, rel, rel.removesuffix(".md"), Path(stem).name) for n in names)


def _select(found: dict[str, tuple[str, Source]], names: tuple[str, ...]) -> list[str]:
    if not names:
        return sorted(found)
    chosen = [rel for rel in found if _named(rel, names)]
    unknown = [n for n in names if not any(_named(rel, (n,)) for rel in found)]
    if unknown:
        known = ", ".join(sorted(rel.split("/", 1)[1].removesuffix(".md") for rel in found)[:20])
        raise InvalidParameter(
            f"no pushable guide named {', '.join(unknown)}",
            suggestion=f"Name guides as they appear under corpus/guides or corpus/decisions: {known}",
        )
    return sorted(chosen)


def push_guides(
    *, config: SyncConfig, publisher: Publisher, paths: KnowledgePaths, options: PushOptions
) -> PushReport:
    """Compute the changed guides and, unless ``dry_run``, open one pull request for them."""
    candidates, unchanged, missing = collect_candidates(config, paths, options)
    if not candidates:
        return PushReport((), unchanged, tuple(missing), dry_run=options.dry_run)
    base = config.push.base or publisher.default_branch()
    snapshot = publisher.snapshot_at(base, sorted({s.path for s in config.sources}))
    moved = [
        c.corpus_path
        for c in candidates
        if (c.entry.blob_sha if c.entry else None) != snapshot.blob_sha(c.upstream_path)
    ]
    if moved:
        raise UpstreamMoved(
            f"upstream changed since the last pull: {', '.join(moved)} (on {publisher.label.split('@')[0]}@{base})",
            suggestion="Copy your edited files aside, run `zcp sync pull "
            f"{options.group} --force` to take upstream's version, re-apply your edits, then push again.",
            details={"files": moved, "base": base},
        )
    changes = _reverse_all(config, publisher, snapshot, candidates)
    unchanged += len(candidates) - len(changes)
    if options.dry_run or not changes:
        return PushReport(tuple(changes), unchanged, tuple(missing), dry_run=options.dry_run)
    files = {c.upstream_path: c.after for c in changes}
    digest = hashlib.sha256()
    for path, text in sorted(files.items()):
        digest.update(path.encode() + b"\0" + text.encode() + b"\0")
    branch = f"{config.push.branch_prefix}/guides-{digest.hexdigest()[:10]}"
    count = f"{len(changes)} guide{'s' if len(changes) != 1 else ''}"
    title = f"{config.push.commit_prefix}: update {count}"
    url = publisher.publish(
        base_branch=base,
        base_commit=snapshot.commit,
        branch=branch,
        message=title,
        files=files,
        title=title,
        body=pull_request_body(changes),
    )
    return PushReport(tuple(changes), unchanged, tuple(missing), branch=branch, url=url)


def pull_request_body(changes: list[GuideChange]) -> str:
    """The PR description: one line per changed file, plus any MDX the edits replaced."""
    lines = [
        "Guide edits made in the zcp knowledge corpus (`zcp sync push guides`).",
        "",
        "Changed files:",
        "",
    ]
    for change in changes:
        kind = "new" if change.before is None else "updated"
        lines.append(f"- `{change.upstream_path}` ({kind}; from `corpus/{change.corpus_path}`)")
    replaced = [(c, r) for c in changes for r in c.replaced]
    if replaced:
        lines += ["", "Edited lines that held MDX-only constructs (please review):", ""]
        lines += [f"- `{c.upstream_path}` {r}" for c, r in replaced]
    return "\n".join(lines) + "\n"


def _reverse_all(
    config: SyncConfig, publisher: Publisher, snapshot: Snapshot, candidates: list[_Candidate]
) -> list[GuideChange]:
    universe = plan_universe(config, snapshot, tuple(config.sources))
    links = LinkMap(config.upstream.content_root, config.upstream.site_url, universe.link_targets())
    back = {uri: links.url_path(path) for path, uri in universe.link_targets().items()}
    settings = MdxSettings(
        import_roots=config.mdx.import_roots,
        drop=frozenset(config.mdx.drop_components),
        unwrap=frozenset(config.mdx.unwrap_components),
        max_depth=config.mdx.max_partial_depth,
    )
    loader = SnapshotLoader(publisher, snapshot)
    originals = publisher.read_many([(c.upstream_path, c.entry.blob_sha) for c in candidates if c.entry])
    changes: list[GuideChange] = []
    for candidate in candidates:
        edited = _edited(candidate)
        original = originals[candidate.upstream_path].decode("utf-8") if candidate.entry else None
        pulled = None
        if original is not None:
            try:
                pulled = mdx_to_markdown(
                    original,
                    path=candidate.upstream_path,
                    tags=tuple(candidate.source.tags),
                    loader=loader,
                    links=links,
                    settings=settings,
                )
            except PageError as exc:
                raise SyncError(
                    f"cannot read the upstream version of {exc.path}:{exc.line}: {exc.message}"
                ) from None
        result = markdown_to_mdx(edited, original=original, pulled=pulled, link_back=back.get)
        if result.mdx == original:
            continue
        changes.append(
            GuideChange(candidate.corpus_path, candidate.upstream_path, original, result.mdx, result.replaced)
        )
    return changes


def _edited(candidate: _Candidate) -> EditedGuide:
    try:
        return read_edited(candidate.text, f"corpus/{candidate.corpus_path}")
    except PageError as exc:
        raise SyncError(
            f"{exc.path}:{exc.line}: {exc.message}",
            suggestion="Fix the guide's frontmatter (`zcp corpus lint` shows every problem).",
        ) from None
