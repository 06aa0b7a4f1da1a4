"""Docs sync speed: a full pull of ~300 pages from a local checkout, and incremental re-pulls.

Uses a real checkout of zeropsio/docs when one is at ``.bench/zeropsio-docs`` (``git clone --depth 1
https://github.com/zeropsio/docs .bench/zeropsio-docs``), else a generated 300-page tree that uses the
same constructs. The corpus is a copy of this repository's hand-written corpus, so the index rebuild
is as large as a real one.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.bench import Report
from zcp.knowledge.index import ensure_index
from zcp.knowledge.paths import KnowledgePaths
from zcp.state.fs import atomic_write_text
from zcp.sync.doc_transform import MdxSettings, markdown_to_mdx, mdx_to_markdown, read_edited
from zcp.sync.docs_pull import PullOptions, PullReport, pull_docs
from zcp.sync.docs_source import LocalCheckout, SnapshotLoader
from zcp.sync.mdx_render import LinkMap
from zcp.sync.pull_plan import plan_universe
from zcp.sync.sync_config import load_sync_config

REPO = Path(__file__).resolve().parents[2]
REAL_DOCS = REPO / ".bench" / "zeropsio-docs"
RUNTIMES = [
    "nodejs",
    "php",
    "python",
    "go",
    "java",
    "dotnet",
    "rust",
    "bun",
    "deno",
    "elixir",
    "gleam",
    "nginx",
]
SERVICES = ["postgresql", "mariadb", "valkey", "keydb", "kafka", "nats", "typesense", "meilisearch"]
EXTRA_TOPICS = ["faq", "customize-runtime", "shared-storage", "filebrowser", "build-pipeline", "trigger"]
TOPICS = [
    "build-process",
    "deploy-process",
    "scaling",
    "logs",
    "env-variables",
    "controls",
    "upgrade",
    "create",
]


def _copy_real(target: Path) -> str:
    for part in ("apps/docs/content", "apps/docs/src/components/content"):
        shutil.copytree(REAL_DOCS / part, target / part)
    (target / "apps/docs/static").mkdir(parents=True)
    shutil.copy2(REAL_DOCS / "apps/docs/static/data.json", target / "apps/docs/static/data.json")
    return "zeropsio/docs checkout"


def _page(title: str, body: str) -> str:
    return f'---\ntitle: "{title}"\ndescription: "About {title.lower()} on Zerops."\n---\n\n{body}'


def _synthetic(target: Path) -> str:
    """300 pages: runtime how-tos through a shared partial, service pages with tables, guides."""
    content = target / "apps/docs/content"
    partial = target / "apps/docs/src/components/content/topic.mdx"
    partial.parent.mkdir(parents=True)
    partial.write_text(
        "import { Var } from '@site/src/components/content/var';\n\n"
        '## How <Var name="svc" /> handles it\n\n'
        + "".join(
            f'Paragraph {n} about <Var name="svc" /> with a [link](/features/scaling) and `code`.\n\n'
            for n in range(12)
        )
        + ":::tip\nKeep an eye on the logs.\n:::\n",
        encoding="utf-8",
    )
    (target / "apps/docs/static").mkdir(parents=True)
    (target / "apps/docs/static/data.json").write_text(
        '{"alpine": {"default": "Alpine Linux"}}', encoding="utf-8"
    )
    pages = 0
    for runtime in RUNTIMES:
        for topic in [*TOPICS, *EXTRA_TOPICS]:
            body = (
                "import { SetVar } from '@site/src/components/content/var';\n"
                "import Topic from '@site/src/components/content/topic.mdx';\n\n"
                f'<SetVar name="svc" value="{runtime}" />\n\n<Topic />\n'
            )
            path = content / runtime / "how-to" / f"{topic}.mdx"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_page(f"{runtime} {topic}", body), encoding="utf-8")
            pages += 1
    for service in SERVICES:
        for topic in ["overview", "connect", "scale", "backup", "manage", "create"]:
            rows = "".join(
                f"<tr><td><b>row {n}</b></td><td><code>{service}@{n}</code></td></tr>\n" for n in range(20)
            )
            body = f"Intro to {service}.\n\n<table>\n<tr><th>Name</th><th>Type</th></tr>\n{rows}</table>\n"
            path = content / service / f"{topic}.mdx"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_page(f"{service} {topic}", body), encoding="utf-8")
            pages += 1
    n = 0
    while pages < 300:
        body = "".join(
            f"## Part {k}\n\nText for part {k} of guide {n}.\n\n```yaml\nkey: {k}\n```\n\n" for k in range(8)
        )
        (content / "guides").mkdir(parents=True, exist_ok=True)
        (content / "guides" / f"guide-{n:03d}.mdx").write_text(_page(f"Guide {n}", body), encoding="utf-8")
        pages += 1
        n += 1
    return "synthetic tree"


def _workspace(root: Path) -> KnowledgePaths:
    corpus = root / "corpus"
    for folder in sorted((REPO / "corpus").iterdir()):
        if folder.is_dir() and folder.name not in ("guides", "decisions"):
            shutil.copytree(folder, corpus / folder.name)
    (corpus / "guides").mkdir(parents=True, exist_ok=True)
    (corpus / "decisions").mkdir(parents=True, exist_ok=True)
    (root / "sync").mkdir()
    return KnowledgePaths(corpus, root / "sync" / "manifest.json", root / "index", from_checkout=False)


def _timed_pull(paths: KnowledgePaths, docs: Path, *, index: bool) -> tuple[float, PullReport]:
    config = load_sync_config(REPO / "sync" / "config.yaml")

    def rebuild() -> str:
        ix, status = ensure_index(paths)
        ix.close()
        return status.action

    start = time.perf_counter()
    report = pull_docs(
        config=config,
        source=LocalCheckout(docs),
        paths=paths,
        options=PullOptions(),
        clock=lambda: datetime(2026, 1, 1, tzinfo=UTC),
        rebuild_index=rebuild if index else None,
    )
    return time.perf_counter() - start, report


def _touch_one_page(docs: Path, n: int) -> None:
    pages = sorted((docs / "apps/docs/content").rglob("*.mdx"))
    page = next(p for p in pages if "/guides/" in p.as_posix())
    page.write_text(page.read_text(encoding="utf-8") + f"\nEdited {n}.\n", encoding="utf-8")


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory(prefix="zcp-bench-sync-") as tmp:
        root = Path(tmp)
        docs = root / "docs"
        origin = _copy_real(docs) if (REAL_DOCS / "apps/docs/content").is_dir() else _synthetic(docs)

        # The sync alone (list, convert, validate, stage, swap, manifest), then again with the index.
        bare = _workspace(root / "bare")
        seconds, pulled = _timed_pull(bare, docs, index=False)
        report.note(f"source: {origin}; {len(pulled.outcomes)} pages pulled, {len(pulled.notices)} notices")
        report.figure("full pull, sync only (no index)", seconds, "s")

        paths = _workspace(root / "full")
        seconds, _ = _timed_pull(paths, docs, index=True)
        report.figure(
            f"full pull of {len(pulled.outcomes)} pages incl. index rebuild", seconds, "s", target=5.0
        )

        samples = []
        for n in range(3):
            _touch_one_page(docs, n)
            seconds, repull = _timed_pull(paths, docs, index=True)
            report.require(len(repull.changed) == 1, f"one changed page, got {len(repull.changed)}")
            samples.append(seconds)
        report.figure(
            "re-pull with one changed page incl. index (median of 3)", sorted(samples)[1], "s", target=1.0
        )

        seconds, idle = _timed_pull(bare, docs, index=False)
        report.figure("re-pull with one changed page, sync only", seconds, "s")
        report.require(len(idle.changed) == 1, "the bare workspace sees the same single change")
        seconds, idle = _timed_pull(bare, docs, index=False)
        report.figure("re-pull with no change, sync only", seconds, "s")
        report.require(not idle.changed, "an unchanged source changes nothing")

        _github_archive_pull(report, root, docs)

        start = time.perf_counter()
        failures = _round_trip_failures(docs)
        report.figure("pull -> push round trip of every page", time.perf_counter() - start, "s")
        report.require(not failures, f"pages whose MDX does not come back byte for byte: {failures[:5]}")


def _github_archive_pull(report: Report, root: Path, docs: Path) -> None:
    """The same tree from a (fake) GitHub: API requests and time of a first pull and a re-pull."""
    from tests.plugins.github import quiet_github, running_fake_github
    from zcp.sync.github_archive import ListingCache
    from zcp.sync.github_source import GitHubAccess, GitHubSource, Strategy

    files = {p.relative_to(docs).as_posix(): p.read_bytes() for p in sorted(docs.rglob("*")) if p.is_file()}
    config = quiet_github(load_sync_config(REPO / "sync" / "config.yaml"))
    with running_fake_github() as fake:
        fake.repo("zeropsio/docs", files)
        paths = _workspace(root / "github")
        access = GitHubAccess(fake.api_url, None, config.github)
        cache = ListingCache(root / "github-cache", atomic_write_text)

        def timed() -> tuple[float, int]:
            source = GitHubSource(
                "zeropsio/docs", "main", access, strategy=Strategy.ARCHIVE, listing_cache=cache
            )
            fake.requests.clear()
            start = time.perf_counter()
            pull_docs(
                config=config,
                source=source,
                paths=paths,
                options=PullOptions(),
                clock=lambda: datetime(2026, 1, 1, tzinfo=UTC),
            )
            source.close()
            return time.perf_counter() - start, sum(1 for _, p in fake.requests if p.startswith("/api/"))

        seconds, requests = timed()
        report.figure("GitHub first pull all: API requests (anonymous limit 60/h)", requests, "", target=5)
        report.figure("GitHub first pull all, sync only (loopback)", seconds, "s")
        seconds, requests = timed()
        report.figure(
            "GitHub re-pull, unchanged ref: API requests (304, not counted)", requests, "", target=1
        )
        report.figure("GitHub re-pull, unchanged ref, sync only", seconds, "s")


def _round_trip_failures(docs: Path) -> list[str]:
    """Pages whose converted markdown, merged back unedited, is not the original MDX."""
    config = load_sync_config(REPO / "sync" / "config.yaml")
    source = LocalCheckout(docs)
    snapshot = source.snapshot(sorted({s.path for s in config.sources}))
    universe = plan_universe(config, snapshot, tuple(config.sources))
    links = LinkMap(config.upstream.content_root, config.upstream.site_url, universe.link_targets())
    settings = MdxSettings(import_roots=config.mdx.import_roots)
    loader = SnapshotLoader(source, snapshot)
    failures = []
    for page in universe.pages:
        original = (docs / page.upstream_path).read_text(encoding="utf-8")
        pulled = mdx_to_markdown(
            original, path=page.upstream_path, tags=(), loader=loader, links=links, settings=settings
        )
        edited = read_edited(pulled.markdown, page.corpus_path)
        back = markdown_to_mdx(edited, original=original, pulled=pulled, link_back=lambda _: None)
        if back.mdx != original:
            failures.append(page.upstream_path)
    return failures
