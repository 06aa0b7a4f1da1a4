"""`zcp sync pull` end to end: provenance, incremental updates, local edits, and failures that change nothing."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.plugins.github import FIXED_TIME, FakeGitHub, FakeRepo, SyncWorkspace
from zcp.errors import ConfigError, IndexUnavailable, SyncError
from zcp.knowledge.corpus import load_corpus
from zcp.knowledge.index import ensure_index
from zcp.sync.docs_pull import PullOptions, PullReport, Status, pull_docs, pull_lock
from zcp.sync.docs_source import DocsSource, LocalCheckout
from zcp.sync.github_source import GitHubAccess, GitHubSource

GUIDES = "apps/docs/content/guides"
ALL_PAGES = [
    "decisions/choose-cache-store.md",
    "guides/backup-basics.md",
    "guides/deploy-flow.md",
    "guides/features/env-variables.md",
    "guides/references/networking/vpn.md",
    "guides/runtimes/nodejs/how-to/build-process.md",
    "guides/runtimes/nodejs/overview.md",
    "guides/services/postgresql/overview.md",
    "guides/zerops-yaml/specification.md",
]


class IndexCalls:
    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self) -> str:
        self.calls += 1
        if self.fail:
            raise IndexUnavailable(
                "cannot write the search index", suggestion="Point ZCP_INDEX_DIR elsewhere."
            )
        return "index updated"


def pull(
    ws: SyncWorkspace, source: DocsSource | None = None, index: IndexCalls | None = None, **options: object
) -> PullReport:
    return pull_docs(
        config=ws.config,
        source=source or LocalCheckout(ws.docs),
        paths=ws.paths,
        options=PullOptions(**options),  # type: ignore[arg-type]
        clock=lambda: FIXED_TIME,
        rebuild_index=index or IndexCalls(),
    )


def statuses(report: PullReport) -> dict[str, Status]:
    return {o.corpus_path: o.status for o in report.outcomes}


def test_a_first_pull_creates_every_page_with_provenance_and_rebuilds_the_index(
    sync_workspace: SyncWorkspace,
) -> None:
    index = IndexCalls()
    report = pull(sync_workspace, index=index)
    assert statuses(report) == dict.fromkeys(ALL_PAGES, Status.CREATED)
    assert index.calls == 1 and report.index == "index updated"
    entry = sync_workspace.manifest().files["guides/backup-basics.md"]
    data = sync_workspace.corpus_file("guides/backup-basics.md").read_bytes()
    assert entry.upstream_path == f"{GUIDES}/backup-basics.mdx"
    assert entry.content_hash == hashlib.sha256(data).hexdigest()
    assert (entry.commit, entry.pulled_at, entry.source) == ("local", "2026-05-04T12:00:00Z", "guides")
    corpus = load_corpus(sync_workspace.paths.corpus_dir, sync_workspace.paths.manifest_file, strict=True)
    doc = corpus.get("zerops://guides/backup-basics")
    assert doc is not None and doc.provenance.upstream is not None
    assert doc.provenance.upstream.path == f"{GUIDES}/backup-basics.mdx"
    assert doc.provenance.upstream.synced_at == "2026-05-04T12:00:00Z"
    assert corpus.get("zerops://themes/platform") is not None


def test_pulled_pages_are_indexed_and_searchable_by_the_knowledge_index(
    sync_workspace: SyncWorkspace,
) -> None:
    def rebuild() -> str:
        index, status = ensure_index(sync_workspace.paths)
        index.close()
        return status.action

    report = pull_docs(
        config=sync_workspace.config,
        source=LocalCheckout(sync_workspace.docs),
        paths=sync_workspace.paths,
        options=PullOptions(),
        clock=lambda: FIXED_TIME,
        rebuild_index=rebuild,
    )
    assert report.index == "built"
    index, status = ensure_index(sync_workspace.paths)
    index.close()
    assert status.action == "fresh" and status.documents == len(ALL_PAGES) + 1


def test_pulling_again_without_upstream_changes_rewrites_nothing(sync_workspace: SyncWorkspace) -> None:
    pull(sync_workspace)
    before = sync_workspace.snapshot_state()
    report = pull(sync_workspace)
    assert set(statuses(report).values()) == {Status.UNCHANGED}
    assert sync_workspace.snapshot_state() == before


def test_the_output_is_deterministic(
    sync_workspace: SyncWorkspace, tmp_path_factory: pytest.TempPathFactory
) -> None:
    pull(sync_workspace)
    first = sync_workspace.snapshot_state()
    for path in sync_workspace.paths.corpus_dir.rglob("*.md"):
        if "themes" not in path.parts:
            path.unlink()
    sync_workspace.paths.manifest_file.write_text("{}\n", encoding="utf-8")
    pull(sync_workspace)
    assert sync_workspace.snapshot_state() == first


def test_an_upstream_edit_updates_only_that_page_and_keeps_the_others_provenance(
    sync_workspace: SyncWorkspace,
) -> None:
    pull(sync_workspace)
    old = sync_workspace.manifest()
    page = sync_workspace.docs / GUIDES / "deploy-flow.mdx"
    page.write_text(
        page.read_text(encoding="utf-8").replace("new containers start", "fresh containers start"),
        encoding="utf-8",
    )
    later = FIXED_TIME.replace(day=5)
    report = pull_docs(
        config=sync_workspace.config,
        source=LocalCheckout(sync_workspace.docs),
        paths=sync_workspace.paths,
        options=PullOptions(),
        clock=lambda: later,
        rebuild_index=IndexCalls(),
    )
    assert [o.corpus_path for o in report.changed] == ["guides/deploy-flow.md"]
    assert report.changed[0].status is Status.UPDATED
    assert "fresh containers start" in sync_workspace.corpus_file("guides/deploy-flow.md").read_text(
        encoding="utf-8"
    )
    new = sync_workspace.manifest()
    assert new.files["guides/deploy-flow.md"].pulled_at == "2026-05-05T12:00:00Z"
    assert new.files["guides/backup-basics.md"] == old.files["guides/backup-basics.md"]


def test_a_changed_partial_updates_the_pages_that_include_it(sync_workspace: SyncWorkspace) -> None:
    pull(sync_workspace)
    partial = sync_workspace.docs / "apps/docs/src/components/content/build-process.mdx"
    partial.write_text(
        partial.read_text(encoding="utf-8").replace("Reasons to customise", "Why customise"), encoding="utf-8"
    )
    report = pull(sync_workspace)
    assert [o.corpus_path for o in report.changed] == ["guides/runtimes/nodejs/how-to/build-process.md"]


def test_a_page_deleted_upstream_is_removed_from_corpus_and_manifest(sync_workspace: SyncWorkspace) -> None:
    pull(sync_workspace)
    (sync_workspace.docs / GUIDES / "deploy-flow.mdx").unlink()
    report = pull(sync_workspace)
    assert statuses(report)["guides/deploy-flow.md"] is Status.REMOVED
    assert not sync_workspace.corpus_file("guides/deploy-flow.md").exists()
    assert "guides/deploy-flow.md" not in sync_workspace.manifest().files


def test_pulling_one_group_leaves_the_other_groups_pages_alone(sync_workspace: SyncWorkspace) -> None:
    pull(sync_workspace)
    (sync_workspace.docs / "apps/docs/content/postgresql/overview.mdx").unlink()
    report = pull(sync_workspace, group="guides")
    assert set(statuses(report)) == {
        "decisions/choose-cache-store.md",
        "guides/backup-basics.md",
        "guides/deploy-flow.md",
    }
    assert sync_workspace.corpus_file("guides/services/postgresql/overview.md").exists()
    assert "guides/services/postgresql/overview.md" in sync_workspace.manifest().files
    assert (
        statuses(pull(sync_workspace, group="services"))["guides/services/postgresql/overview.md"]
        is Status.REMOVED
    )


def test_a_local_edit_is_kept_unless_forced(sync_workspace: SyncWorkspace) -> None:
    pull(sync_workspace)
    local = sync_workspace.corpus_file("guides/deploy-flow.md")
    local.write_text(local.read_text(encoding="utf-8") + "\nMy note.\n", encoding="utf-8")
    page = sync_workspace.docs / GUIDES / "deploy-flow.mdx"
    page.write_text(page.read_text(encoding="utf-8") + "\nUpstream addition.\n", encoding="utf-8")
    before_entry = sync_workspace.manifest().files["guides/deploy-flow.md"]
    report = pull(sync_workspace)
    outcome = next(o for o in report.outcomes if o.corpus_path == "guides/deploy-flow.md")
    assert (outcome.status, outcome.note) == (Status.KEPT, "edited locally; not overwritten")
    assert "My note." in local.read_text(encoding="utf-8")
    assert sync_workspace.manifest().files["guides/deploy-flow.md"] == before_entry
    report = pull(sync_workspace, force=True)
    assert statuses(report)["guides/deploy-flow.md"] is Status.UPDATED
    assert "My note." not in local.read_text(encoding="utf-8")
    assert "Upstream addition." in local.read_text(encoding="utf-8")


def test_a_local_edit_that_upstream_has_since_made_too_is_simply_in_sync(
    sync_workspace: SyncWorkspace,
) -> None:
    pull(sync_workspace)
    page = sync_workspace.docs / GUIDES / "deploy-flow.mdx"
    page.write_text(
        page.read_text(encoding="utf-8").replace("new containers start", "fresh containers start"),
        encoding="utf-8",
    )
    local = sync_workspace.corpus_file("guides/deploy-flow.md")
    local.write_text(
        local.read_text(encoding="utf-8").replace("new containers start", "fresh containers start"),
        encoding="utf-8",
    )
    report = pull(sync_workspace)
    assert statuses(report)["guides/deploy-flow.md"] is Status.UNCHANGED
    assert (
        sync_workspace.manifest().files["guides/deploy-flow.md"].content_hash
        == hashlib.sha256(local.read_bytes()).hexdigest()
    )


def test_a_local_file_that_was_never_pulled_is_not_overwritten(sync_workspace: SyncWorkspace) -> None:
    mine = sync_workspace.corpus_file("guides/backup-basics.md")
    mine.write_text('---\ntitle: "Mine"\ndescription: "Mine."\n---\n\n# Mine\n\nx\n', encoding="utf-8")
    report = pull(sync_workspace, group="guides")
    assert (
        next(o for o in report.outcomes if o.corpus_path == "guides/backup-basics.md").status is Status.KEPT
    )
    assert "guides/backup-basics.md" not in sync_workspace.manifest().files


def test_a_dry_run_reports_and_touches_nothing(sync_workspace: SyncWorkspace) -> None:
    before = sync_workspace.snapshot_state()
    index = IndexCalls()
    report = pull(sync_workspace, index=index, dry_run=True)
    assert report.dry_run and statuses(report) == dict.fromkeys(ALL_PAGES, Status.CREATED)
    assert sync_workspace.snapshot_state() == before and index.calls == 0


def test_unknown_constructs_are_reported_as_notices_with_file_and_line(sync_workspace: SyncWorkspace) -> None:
    report = pull(sync_workspace)
    assert report.notices == (
        "apps/docs/content/references/networking/vpn.mdx:73: unknown component <Sparkle>: kept its content, dropped the tag",
    )


# --- failures leave the previous corpus, manifest and index untouched ---------------------------


@pytest.fixture
def pulled(sync_workspace: SyncWorkspace) -> SyncWorkspace:
    pull(sync_workspace)
    (sync_workspace.paths.index_dir / "marker").parent.mkdir(parents=True, exist_ok=True)
    (sync_workspace.paths.index_dir / "marker").write_text("index v1", encoding="utf-8")
    return sync_workspace


def change_upstream(ws: SyncWorkspace) -> None:
    page = ws.docs / GUIDES / "backup-basics.mdx"
    page.write_text(page.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        (
            "deploy-flow.mdx",
            "---\ntitle: T\ndescription: Guide: x\n---\nx\n",
            "deploy-flow.mdx:3: frontmatter is not valid YAML",
        ),
        (
            "deploy-flow.mdx",
            "---\ntitle: T\ndescription: D\n---\n\n<Tabs>\nnever closed\n",
            "deploy-flow.mdx:6: <Tabs> is never closed",
        ),
        ("deploy-flow.mdx", "---\ndescription: D\n---\nno title\n", "no title"),
        ("deploy-flow.mdx", b"\xff\xfe", "not UTF-8"),
    ],
)
def test_a_malformed_page_fails_the_pull_and_changes_nothing(
    pulled: SyncWorkspace, name: str, text: str | bytes, words: str
) -> None:
    change_upstream(pulled)
    target = pulled.docs / GUIDES / name
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    before = pulled.snapshot_state()
    index = IndexCalls()
    with pytest.raises(SyncError) as caught:
        pull(pulled, index=index)
    assert words in caught.value.message
    assert caught.value.suggestion and "nothing was changed" in caught.value.suggestion
    assert pulled.snapshot_state() == before and index.calls == 0


def test_a_source_without_pages_refuses_instead_of_emptying_the_corpus(
    pulled: SyncWorkspace, tmp_path_factory: pytest.TempPathFactory
) -> None:
    before = pulled.snapshot_state()
    with pytest.raises(SyncError) as caught:
        pull(pulled, source=LocalCheckout(tmp_path_factory.mktemp("empty")))
    assert "has no pages for any sync source" in caught.value.message
    assert pulled.snapshot_state() == before


def test_a_failed_index_rebuild_rolls_the_corpus_and_manifest_back(pulled: SyncWorkspace) -> None:
    change_upstream(pulled)
    (pulled.docs / GUIDES / "deploy-flow.mdx").unlink()
    before = pulled.snapshot_state()
    with pytest.raises(SyncError) as caught:
        pull(pulled, index=IndexCalls(fail=True))
    assert caught.value.message == "the pull was rolled back: cannot write the search index"
    assert pulled.snapshot_state() == before
    assert sorted(p.name for p in pulled.root.iterdir()) == ["corpus", "docs", "index", "sync"]


def test_a_configuration_with_overlapping_sources_fails_before_touching_anything(
    pulled: SyncWorkspace,
) -> None:
    sources = [*pulled.config.sources, pulled.config.sources[0].model_copy(update={"name": "again"})]
    broken = pulled.config.model_copy(update={"sources": sources})
    before = pulled.snapshot_state()
    with pytest.raises(ConfigError):
        pull_docs(
            config=broken,
            source=LocalCheckout(pulled.docs),
            paths=pulled.paths,
            options=PullOptions(),
            clock=lambda: FIXED_TIME,
            rebuild_index=IndexCalls(),
        )
    assert pulled.snapshot_state() == before


# --- from GitHub --------------------------------------------------------------------------------


def github(access: GitHubAccess) -> GitHubSource:
    return GitHubSource("zeropsio/docs", "main", access)


def test_a_github_pull_records_the_upstream_commit_and_later_fetches_only_changed_blobs(
    sync_workspace: SyncWorkspace, fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    report = pull(sync_workspace, source=github(github_access))
    assert report.commit == docs_repo.refs["heads/main"] and report.source == "zeropsio/docs@main"
    assert {e.commit for e in sync_workspace.manifest().files.values()} == {report.commit}
    # A local checkout of the same tree converts to the same bytes.
    assert set(statuses(pull(sync_workspace, group="guides")).values()) == {Status.UNCHANGED}
    docs_repo.commit_files(
        {f"{GUIDES}/deploy-flow.mdx": "---\ntitle: Deploy flow\ndescription: D\n---\n\nShort now.\n"}
    )
    fake_github.requests.clear()
    report = pull(sync_workspace, source=github(github_access))
    assert [o.corpus_path for o in report.changed] == ["guides/deploy-flow.md"]
    assert fake_github.count("GET", "/git/blobs/") == 1


@pytest.mark.parametrize("fault", ["drop", 401, 403, 404, 422, 429, "rate limit"])
def test_a_github_failure_half_way_through_leaves_everything_as_it_was(
    pulled: SyncWorkspace,
    fake_github: FakeGitHub,
    docs_repo: FakeRepo,
    github_access: GitHubAccess,
    fault: object,
) -> None:
    changed = {
        f"{GUIDES}/{n}": f"---\ntitle: {n}\ndescription: D\n---\n\nNew {n}.\n"
        for n in ("a.mdx", "b.mdx", "c.mdx")
    }
    docs_repo.commit_files(changed)
    before = pulled.snapshot_state()
    if fault == "drop":
        fake_github.drop("GET", "/git/blobs/", after=1)
    elif fault == "rate limit":
        fake_github.rate_limit("GET", "/git/blobs/", after=1)
    else:
        assert isinstance(fault, int)
        fake_github.fail("GET", "/git/blobs/", fault, after=1)
    index = IndexCalls()
    with pytest.raises(SyncError) as caught:
        pull(pulled, source=github(github_access), index=index)
    assert caught.value.suggestion
    assert pulled.snapshot_state() == before and index.calls == 0


def test_the_manifest_is_canonical_json(sync_workspace: SyncWorkspace) -> None:
    pull(sync_workspace)
    text = sync_workspace.paths.manifest_file.read_text(encoding="utf-8")
    data = json.loads(text)
    assert list(data["files"]) == sorted(data["files"]) and text.endswith("}\n")
    assert set(data["files"]["guides/runtimes/nodejs/how-to/build-process.md"]["dependencies"]) == {
        "apps/docs/src/components/content/build-process.mdx",
        "apps/docs/static/data.json",
    }


class RecordingProgress:
    def __init__(self) -> None:
        self.events: list[tuple[str, int | None]] = []

    def phase(self, label: str, total: int | None = None) -> None:
        self.events.append((label, total))

    def advance(self, amount: int = 1) -> None:
        self.events.append(("+", amount))


def test_progress_reports_each_phase_and_one_step_per_page(sync_workspace: SyncWorkspace) -> None:
    progress = RecordingProgress()
    pull_docs(
        config=sync_workspace.config,
        source=LocalCheckout(sync_workspace.docs),
        paths=sync_workspace.paths,
        options=PullOptions(group="guides"),
        clock=lambda: FIXED_TIME,
        progress=progress,
        rebuild_index=IndexCalls(),
    )
    phases = [(label.split()[0], total) for label, total in progress.events if label != "+"]
    assert phases == [
        ("listing", None),
        ("downloading", 3),
        ("converting", 3),
        ("writing", 3),
        ("indexing", None),
    ]
    assert sum(1 for label, _ in progress.events if label == "+") == 6


def test_a_second_pull_while_one_is_writing_is_refused(sync_workspace: SyncWorkspace) -> None:
    with pull_lock(sync_workspace.paths.corpus_dir), pytest.raises(SyncError) as caught:
        pull(sync_workspace)
    assert "another `zcp sync pull`" in caught.value.message
    assert statuses(pull(sync_workspace)) == dict.fromkeys(ALL_PAGES, Status.CREATED)


def test_pages_of_a_source_dropped_from_the_configuration_are_removed_by_a_pull_of_all(
    sync_workspace: SyncWorkspace,
) -> None:
    pull(sync_workspace)
    sync_workspace.config = sync_workspace.config.model_copy(
        update={"sources": [s for s in sync_workspace.config.sources if s.name != "features"]}
    )
    assert "guides/features/env-variables.md" not in statuses(pull(sync_workspace, group="guides"))
    assert sync_workspace.corpus_file("guides/features/env-variables.md").exists()
    assert statuses(pull(sync_workspace))["guides/features/env-variables.md"] is Status.REMOVED
    assert not sync_workspace.corpus_file("guides/features/env-variables.md").exists()
