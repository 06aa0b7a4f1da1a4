"""Pulling from GitHub in few requests: one archive per commit, ETags for re-pulls, the rate limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugins.github import FIXED_TIME, FakeGitHub, FakeRepo, SyncWorkspace
from tests.sync.test_docs_pull import ALL_PAGES, GUIDES, IndexCalls, statuses
from zcp.errors import InvalidParameter, SyncError
from zcp.secrets import register_secret
from zcp.state.fs import atomic_write_text
from zcp.sync.docs_pull import PullOptions, PullReport, Status, pull_docs
from zcp.sync.docs_source import LocalCheckout
from zcp.sync.github_archive import ListingCache
from zcp.sync.github_source import GitHubAccess, GitHubSource, Strategy


def archive_source(access: GitHubAccess, cache: Path, *, token: str | None = None) -> GitHubSource:
    return GitHubSource(
        "zeropsio/docs",
        "main",
        GitHubAccess(access.api_url, token, access.client),
        strategy=Strategy.ARCHIVE,
        listing_cache=ListingCache(cache, atomic_write_text),
    )


def pull(ws: SyncWorkspace, source: GitHubSource, **options: object) -> PullReport:
    try:
        return pull_docs(
            config=ws.config,
            source=source,
            paths=ws.paths,
            options=PullOptions(**options),  # type: ignore[arg-type]
            clock=lambda: FIXED_TIME,
            rebuild_index=IndexCalls(),
        )
    finally:
        source.close()


def api_requests(fake: FakeGitHub) -> list[str]:
    return [path.rsplit("/", 2)[-2] for _, path in fake.requests if path.startswith("/api/")]


def test_a_full_pull_costs_two_api_requests_and_one_archive(
    sync_workspace: SyncWorkspace, fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    report = pull(sync_workspace, archive_source(github_access, sync_workspace.root / "cache"))
    assert sorted(statuses(report)) == ALL_PAGES
    assert report.commit == docs_repo.refs["heads/main"]
    assert api_requests(fake_github) == ["commits", "tarball"]
    assert fake_github.count("GET", "/_codeload/") == 1
    # The same tree from a checkout converts to the same bytes.
    checkout = pull_docs(
        config=sync_workspace.config,
        source=LocalCheckout(sync_workspace.docs),
        paths=sync_workspace.paths,
        options=PullOptions(),
        clock=lambda: FIXED_TIME,
        rebuild_index=IndexCalls(),
    )
    assert set(statuses(checkout).values()) == {Status.UNCHANGED}


def test_a_first_pull_of_everything_fits_the_anonymous_rate_limit_with_room_to_spare(
    sync_workspace: SyncWorkspace, fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    fake_github.quota = 2
    report = pull(sync_workspace, archive_source(github_access, sync_workspace.root / "cache"))
    assert len(report.outcomes) == len(ALL_PAGES) and fake_github.quota == 0


def test_a_re_pull_of_an_unchanged_ref_is_one_free_conditional_request(
    sync_workspace: SyncWorkspace, fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    cache = sync_workspace.root / "cache"
    pull(sync_workspace, archive_source(github_access, cache))
    fake_github.requests.clear()
    fake_github.quota = 0  # any counted request would now be refused
    report = pull(sync_workspace, archive_source(github_access, cache))
    assert set(statuses(report).values()) == {Status.UNCHANGED}
    assert api_requests(fake_github) == ["commits"]
    assert fake_github.count("GET", "/_codeload/") == 0


def test_a_new_upstream_commit_brings_one_new_archive(
    sync_workspace: SyncWorkspace, fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    cache = sync_workspace.root / "cache"
    pull(sync_workspace, archive_source(github_access, cache))
    docs_repo.commit_files(
        {f"{GUIDES}/deploy-flow.mdx": "---\ntitle: Deploy flow\ndescription: D\n---\n\nShort.\n"}
    )
    fake_github.requests.clear()
    report = pull(sync_workspace, archive_source(github_access, cache))
    assert [o.corpus_path for o in report.changed] == ["guides/deploy-flow.md"]
    assert api_requests(fake_github) == ["commits", "tarball"]
    assert fake_github.count("GET", "/git/blobs/") == 0


def test_a_cached_listing_reads_the_few_files_it_needs_one_by_one(
    sync_workspace: SyncWorkspace, fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    cache = sync_workspace.root / "cache"
    pull(sync_workspace, archive_source(github_access, cache))
    sync_workspace.corpus_file("guides/deploy-flow.md").unlink()  # one page must be converted again
    fake_github.requests.clear()
    report = pull(sync_workspace, archive_source(github_access, cache))
    assert statuses(report)["guides/deploy-flow.md"] is Status.CREATED
    assert fake_github.count("GET", "/_codeload/") == 0
    assert fake_github.count("GET", "/git/blobs/") >= 1


def test_the_token_goes_to_the_api_but_not_to_the_archive_host(
    sync_workspace: SyncWorkspace, fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    token = "ghp_archive_token_1234567890"
    register_secret(token)
    fake_github.token = token
    pull(sync_workspace, archive_source(github_access, sync_workspace.root / "cache", token=token))
    assert fake_github.archive_headers and "authorization" not in fake_github.archive_headers[0]


@pytest.mark.parametrize("token", [None, "ghp_ratelimited_token_123456"])
def test_an_exhausted_rate_limit_says_when_to_retry_and_how_to_pass_a_token(
    sync_workspace: SyncWorkspace,
    fake_github: FakeGitHub,
    docs_repo: FakeRepo,
    github_access: GitHubAccess,
    token: str | None,
) -> None:
    fake_github.quota = 0
    before = sync_workspace.snapshot_state()
    with pytest.raises(SyncError) as caught:
        pull(sync_workspace, archive_source(github_access, sync_workspace.root / "cache", token=token))
    error = caught.value
    assert error.code == "SYNC_FAILED"
    details = error.details or {}
    assert details["status"] == 403
    assert details["retryAt"].endswith("Z")
    assert ("GH_TOKEN" in (error.suggestion or "")) is (token is None)
    assert "--from" in (error.suggestion or "")
    assert sync_workspace.snapshot_state() == before


def test_a_secondary_rate_limit_429_with_retry_after_names_the_retry_time(
    sync_workspace: SyncWorkspace, fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    fake_github.fail(
        "GET", "/tarball/", 429, "You have exceeded a secondary rate limit", headers={"Retry-After": "90"}
    )
    with pytest.raises(SyncError) as caught:
        pull(sync_workspace, archive_source(github_access, sync_workspace.root / "cache"))
    details = caught.value.details or {}
    assert details["status"] == 429 and "retryAt" in details


def test_a_dropped_archive_download_is_a_network_error_that_changes_nothing(
    sync_workspace: SyncWorkspace, fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    fake_github.drop("GET", "/_codeload/")
    before = sync_workspace.snapshot_state()
    with pytest.raises(SyncError) as caught:
        pull(sync_workspace, archive_source(github_access, sync_workspace.root / "cache"))
    assert caught.value.code == "SYNC_FAILED"
    assert sync_workspace.snapshot_state() == before


def test_a_single_page_pull_reads_files_instead_of_the_archive(
    sync_workspace: SyncWorkspace, fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    source = GitHubSource("zeropsio/docs", "main", github_access, strategy=Strategy.FILES)
    report = pull(sync_workspace, source, page="guides/backup-basics")
    assert [o.corpus_path for o in report.outcomes] == ["guides/backup-basics.md"]
    assert fake_github.count("GET", "/tarball/") == 0
    assert fake_github.count("GET", "/git/blobs/") >= 1
    assert list(sync_workspace.manifest().files) == ["guides/backup-basics.md"]


def test_a_single_page_pull_keeps_the_rest_of_the_manifest(
    sync_workspace: SyncWorkspace, fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    pull(sync_workspace, archive_source(github_access, sync_workspace.root / "cache"))
    docs_repo.commit_files(
        {f"{GUIDES}/deploy-flow.mdx": "---\ntitle: Deploy flow\ndescription: D\n---\n\nNew.\n"}
    )
    source = GitHubSource("zeropsio/docs", "main", github_access, strategy=Strategy.FILES)
    report = pull(sync_workspace, source, page="apps/docs/content/guides/deploy-flow.mdx")
    assert [(o.corpus_path, o.status) for o in report.outcomes] == [("guides/deploy-flow.md", Status.UPDATED)]
    assert sorted(sync_workspace.manifest().files) == ALL_PAGES


def test_an_unknown_page_names_the_closest_pages_and_the_groups(
    sync_workspace: SyncWorkspace, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    source = GitHubSource("zeropsio/docs", "main", github_access, strategy=Strategy.FILES)
    with pytest.raises(InvalidParameter) as caught:
        pull(sync_workspace, source, page="guides/backup-basic")
    assert caught.value.code == "INVALID_PARAMETER"
    assert "guides/backup-basics" in (caught.value.suggestion or "")
