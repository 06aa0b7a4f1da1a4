"""GitHub through PyGithub against the fake server: reads, one-PR writes, and every failure."""

from __future__ import annotations

import pytest

from tests.plugins.github import FakeGitHub, FakeRepo, git_blob_sha
from zcp.errors import SyncError
from zcp.secrets import register_secret
from zcp.sync.github_source import GitHubAccess, GitHubSource

GUIDES = "apps/docs/content/guides"


def source(access: GitHubAccess, ref: str = "main", token: str | None = None) -> GitHubSource:
    return GitHubSource("zeropsio/docs", ref, GitHubAccess(access.api_url, token, access.client))


def test_a_snapshot_costs_one_commit_and_one_tree_request(
    fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    snapshot = source(github_access).snapshot([GUIDES])
    assert snapshot.commit == docs_repo.refs["heads/main"]
    assert sorted(snapshot.pages) == [
        f"{GUIDES}/backup-basics.mdx",
        f"{GUIDES}/choose-cache-store.mdx",
        f"{GUIDES}/deploy-flow.mdx",
    ]
    assert snapshot.blob_sha("apps/docs/static/data.json") is not None
    assert [m for m, _ in fake_github.requests] == ["GET", "GET"]


def test_blobs_are_read_concurrently_and_decoded(
    fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    src = source(github_access)
    snapshot = src.snapshot([GUIDES])
    seen: list[str] = []
    files = src.read_many(sorted(snapshot.pages.items()), seen.append)
    assert sorted(seen) == sorted(snapshot.pages)
    assert all(git_blob_sha(data) == snapshot.pages[path] for path, data in files.items())
    assert fake_github.count("GET", "/git/blobs/") == 3


def test_a_ref_may_be_a_branch_or_a_commit(docs_repo: FakeRepo, github_access: GitHubAccess) -> None:
    first = docs_repo.refs["heads/main"]
    docs_repo.commit_files({f"{GUIDES}/new.mdx": "---\ntitle: N\ndescription: D\n---\nx\n"})
    assert f"{GUIDES}/new.mdx" not in source(github_access, first).snapshot([GUIDES]).pages
    assert f"{GUIDES}/new.mdx" in source(github_access, "main").snapshot([GUIDES]).pages


def test_publish_makes_one_tree_one_commit_one_branch_and_one_pull_request(
    fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    base = docs_repo.refs["heads/main"]
    fake_github.requests.clear()
    url = source(github_access).publish(
        base_branch="main",
        base_commit=base,
        branch="zcp/guides-1",
        message="chore(guides): update 2 guides",
        files={f"{GUIDES}/a.mdx": "A\n", f"{GUIDES}/backup-basics.mdx": "B\n"},
        title="T",
        body="Body",
    )
    assert url == "https://github.example/zeropsio/docs/pull/1"
    assert [(m, p.rsplit("/", 2)[-2:]) for m, p in fake_github.requests][1:] == [
        ("POST", ["git", "trees"]),
        ("POST", ["git", "commits"]),
        ("POST", ["git", "refs"]),
        ("POST", ["docs", "pulls"]),
    ]
    files = docs_repo.files_at("zcp/guides-1")
    assert files[f"{GUIDES}/a.mdx"] == b"A\n" and files[f"{GUIDES}/backup-basics.mdx"] == b"B\n"
    assert files[f"{GUIDES}/deploy-flow.mdx"] == docs_repo.files_at("main")[f"{GUIDES}/deploy-flow.mdx"]
    assert docs_repo.pulls[0]["head"] == {"ref": "zcp/guides-1"} and docs_repo.pulls[0]["body"] == "Body"


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (401, "rejected the token"),
        (403, "refused"),
        (404, "not found"),
        (422, "could not process"),
        (429, "rate limit"),
        (500, "answered 500"),
    ],
)
def test_each_http_failure_is_a_sync_error_saying_what_failed(
    fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess, status: int, words: str
) -> None:
    fake_github.fail("GET", "/commits/", status)
    with pytest.raises(SyncError) as caught:
        source(github_access).snapshot([GUIDES])
    assert words in caught.value.message
    assert caught.value.details == {"status": status, "repo": "zeropsio/docs"}
    assert caught.value.suggestion


def test_the_rate_limit_error_says_when_it_resets_and_suggests_a_token(
    fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    fake_github.rate_limit("GET", "/git/trees/")
    with pytest.raises(SyncError) as caught:
        source(github_access).snapshot([GUIDES])
    assert "rate limit reached while listing" in caught.value.message and "UTC" in caught.value.message
    assert caught.value.suggestion and "GH_TOKEN" in caught.value.suggestion


def test_a_dropped_connection_is_a_network_sync_error(
    fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    src = source(github_access)
    snapshot = src.snapshot([GUIDES])
    fake_github.drop("GET", "/git/blobs/", after=1)
    with pytest.raises(SyncError) as caught:
        src.read_many(sorted(snapshot.pages.items()))
    assert caught.value.message.startswith("network error while reading")


def test_the_token_is_sent_and_never_shown(
    fake_github: FakeGitHub, docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    token = "ghp_faketoken1234567890"
    register_secret(token)
    fake_github.token = token
    assert source(github_access, token=token).snapshot([GUIDES]).pages
    fake_github.token = "ghp_other-token-0000"
    with pytest.raises(SyncError) as caught:
        source(github_access, token=token).snapshot([GUIDES])
    assert token not in str(caught.value.to_wire()) and token not in repr(caught.value)


def test_an_unknown_repository_is_a_not_found_error(
    fake_github: FakeGitHub, github_access: GitHubAccess
) -> None:
    with pytest.raises(SyncError) as caught:
        source(github_access).snapshot([GUIDES])
    assert "404" in caught.value.message and "zeropsio/docs" in caught.value.message


def test_the_fake_serves_the_contents_api_for_files_and_folders(
    docs_repo: FakeRepo, github_access: GitHubAccess
) -> None:
    repo = source(github_access).repository
    listing = repo.get_contents(GUIDES, ref="main")
    assert [c.name for c in listing] == ["backup-basics.mdx", "choose-cache-store.mdx", "deploy-flow.mdx"]
    page = repo.get_contents(f"{GUIDES}/backup-basics.mdx", ref="main")
    assert page.decoded_content == docs_repo.files_at("main")[f"{GUIDES}/backup-basics.mdx"]
