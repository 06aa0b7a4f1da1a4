"""``zcp sync pull`` and ``zcp sync push``: the docs sync from a terminal.

Results go to stdout (one line per changed file, then a summary); warnings and the progress bar
go to stderr, the bar only when stderr is a terminal. Heavy imports (PyGithub, rich, the
transform) happen inside the handlers so ``zcp serve`` never pays for them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zcp.config import Settings
    from zcp.knowledge.paths import KnowledgePaths
    from zcp.sync.docs_pull import PullReport
    from zcp.sync.docs_push import PushReport
    from zcp.sync.sync_config import SyncConfig

EXIT_OK = 0


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``zcp sync`` and its actions to the ``zcp`` parser."""
    sync = subparsers.add_parser(
        "sync",
        help="pull zeropsio/docs into the corpus, push guide edits back as a pull request",
        description="Keep the knowledge corpus in step with the Zerops documentation (see docs/sync.md).",
    )
    actions = sync.add_subparsers(dest="sync_command", metavar="ACTION", required=True)

    pull = actions.add_parser(
        "pull",
        help="pull docs pages into corpus/guides and corpus/decisions, then rebuild the index",
        description="Pull a source group (or all) from GitHub or a local checkout into the corpus.",
    )
    pull.add_argument(
        "group",
        nargs="?",
        default="all",
        metavar="GROUP|PAGE",
        help="a source group of sync/config.yaml, all (default), or one page (guides/backup)",
    )
    pull.add_argument(
        "--from", dest="from_dir", type=Path, metavar="DIR", help="read a local checkout of the docs"
    )
    pull.add_argument("--ref", help="branch, tag or commit to pull from GitHub (default: upstream.ref)")
    pull.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    pull.add_argument("--force", action="store_true", help="also overwrite guides edited locally")
    pull.add_argument(
        "--config", type=Path, metavar="FILE", help="sync configuration (default: sync/config.yaml)"
    )
    pull.set_defaults(handler=_pull)

    push = actions.add_parser(
        "push",
        help="open one pull request with the guides edited since the last pull",
        description="Push edited guides to the docs repository as one branch, one commit and one PR.",
    )
    push.add_argument("group", help="the group to push (guides)")
    push.add_argument("names", nargs="*", help="only these guides (e.g. backup choose-database)")
    push.add_argument("--dry-run", action="store_true", help="print the diff of each file; touch nothing")
    push.add_argument(
        "--config", type=Path, metavar="FILE", help="sync configuration (default: sync/config.yaml)"
    )
    push.set_defaults(handler=_push)


def _context(args: argparse.Namespace) -> tuple[Settings, KnowledgePaths, SyncConfig]:
    from zcp.config import load_settings
    from zcp.knowledge.paths import resolve_paths
    from zcp.sync.sync_config import load_sync_config

    settings = load_settings()
    paths = resolve_paths(settings)
    return settings, paths, load_sync_config(args.config or default_config_file(paths))


def default_config_file(paths: KnowledgePaths) -> Path:
    """``config.yaml`` beside the manifest, else the checkout's or the installed package's."""
    from zcp.knowledge.paths import checkout_root
    from zcp.sync.sync_config import DEFAULT_CONFIG_NAME

    root = checkout_root()
    candidates = [
        paths.manifest_file.parent / DEFAULT_CONFIG_NAME,
        *([root / "sync" / DEFAULT_CONFIG_NAME] if root is not None else []),
        Path(__file__).resolve().parent.parent / "_sync" / DEFAULT_CONFIG_NAME,
    ]
    return next((c for c in candidates if c.is_file()), candidates[0])


def _pull(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from zcp.errors import InvalidParameter
    from zcp.state.fs import atomic_write_text
    from zcp.sync.docs_pull import PullOptions, pull_docs
    from zcp.sync.docs_source import DocsSource, LocalCheckout
    from zcp.sync.github_archive import ListingCache
    from zcp.sync.github_source import GitHubAccess, GitHubSource, Strategy

    settings, paths, config = _context(args)
    page = None if args.group == "all" or args.group in config.groups else args.group
    source: DocsSource
    if args.from_dir is not None:
        if args.ref:
            raise InvalidParameter(
                "--ref cannot be combined with --from",
                suggestion="Check out the ref in the local folder, or drop --from to pull it from GitHub.",
            )
        source = LocalCheckout(args.from_dir)
    else:
        # A group is one archive download; a single page is a few file requests.
        access = GitHubAccess(settings.github_api_url, settings.github_token, config.github)
        source = GitHubSource(
            config.upstream.repo,
            args.ref or config.upstream.ref,
            access,
            strategy=Strategy.FILES if page is not None else Strategy.ARCHIVE,
            listing_cache=ListingCache(settings.user_cache_dir / "sync", atomic_write_text),
        )
    try:
        with _progress() as progress:
            report = pull_docs(
                config=config,
                source=source,
                paths=paths,
                options=PullOptions(
                    group="all" if page is not None else args.group,
                    dry_run=args.dry_run,
                    force=args.force,
                    page=page,
                ),
                clock=lambda: datetime.now(UTC),
                progress=progress,
                rebuild_index=lambda: _rebuild_index(paths),
            )
    finally:
        source.close()
    print_pull_report(report)
    return EXIT_OK


def _rebuild_index(paths: KnowledgePaths) -> str:
    from zcp.knowledge.index import ensure_index

    index, status = ensure_index(paths)
    index.close()
    if status.action == "fresh":
        return "index already up to date"
    return f"index {status.action}: {status.documents} documents ({status.changed} changed, {status.removed} removed)"


def print_pull_report(report: PullReport) -> None:
    """One line per file that changed (or would), the notices, then the counts."""
    from zcp.sync.docs_pull import Status

    verb = "would be " if report.dry_run else ""
    for outcome in report.changed:
        note = f"  ({outcome.note})" if outcome.note else ""
        print(f"  {verb}{outcome.status.value:<9} {outcome.corpus_path}{note}")
    for notice in report.notices:
        print(f"warning: {notice}", file=sys.stderr)
    counts = ", ".join(
        f"{report.count(status)} {status.value}"
        for status in (Status.CREATED, Status.UPDATED, Status.UNCHANGED, Status.REMOVED, Status.KEPT)
        if status is not Status.KEPT or report.count(status)
    )
    at = f" at {report.commit[:12]}" if report.commit and report.commit != "local" else ""
    prefix = "[dry-run] " if report.dry_run else ""
    print(f"{prefix}Pulled {len(report.outcomes)} pages from {report.source}{at}: {counts}")
    if report.index:
        print(report.index)
    if report.count(Status.KEPT):
        print("Local edits were kept; push them with `zcp sync push guides` or overwrite them with --force.")


def _push(args: argparse.Namespace) -> int:
    from zcp.sync.docs_push import PushOptions, push_guides
    from zcp.sync.github_source import GitHubAccess, GitHubSource

    settings, paths, config = _context(args)
    access = GitHubAccess(settings.github_api_url, settings.github_token, config.github)
    publisher = GitHubSource(config.upstream.repo, config.upstream.ref, access)
    report = push_guides(
        config=config,
        publisher=publisher,
        paths=paths,
        options=PushOptions(group=args.group, names=tuple(args.names), dry_run=args.dry_run),
    )
    print_push_report(report)
    return EXIT_OK


def print_push_report(report: PushReport) -> None:
    """The diffs (dry run) or the pull request, then what was left out."""
    for path in report.missing:
        print(
            f"warning: corpus/{path} was pulled but is missing locally; deletions are not pushed",
            file=sys.stderr,
        )
    if not report.changes:
        print(f"Nothing to push: {report.unchanged} guides are identical to their last pull.")
        return
    for change in report.changes:
        for replaced in change.replaced:
            print(
                f"warning: {change.upstream_path} {replaced}: edited lines held MDX-only constructs, "
                "now plain markdown",
                file=sys.stderr,
            )
    if report.dry_run:
        for change in report.changes:
            sys.stdout.write(change.diff())
        print(f"[dry-run] {len(report.changes)} guides would be pushed; nothing was sent.")
        return
    for change in report.changes:
        print(f"  {'new' if change.before is None else 'updated':<8} {change.upstream_path}")
    print(f"Opened {report.url} (branch {report.branch}) with {len(report.changes)} guides.")


class _RichProgress:
    """A rich progress bar on stderr."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task: Any = None

    def phase(self, label: str, total: int | None = None) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(label, total=total)

    def advance(self, amount: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, amount)


class _progress:
    """The bar when stderr is a terminal, else nothing."""

    def __init__(self) -> None:
        self.bar = _RichProgress() if sys.stderr.isatty() else None

    def __enter__(self) -> _RichProgress | None:
        if self.bar is not None:
            self.bar.progress.start()
        return self.bar

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.progress.stop()
