"""`zcp sync push guides`: only real edits, one PR, and never over someone else's change."""

from __future__ import annotations

import pytest

from tests.plugins.github import FIXED_TIME, FakeGitHub, FakeRepo, SyncWorkspace
from zcp.errors import ConfigError, InvalidParameter, SyncError, UpstreamMoved
from zcp.sync.docs_pull import PullOptions, pull_docs
from zcp.sync.docs_push import PushOptions, PushReport, push_guides
from zcp.sync.github_source import GitHubAccess, GitHubSource

GUIDES = "apps/docs/content/guides"


@pytest.fixture
def pulled(
    sync_workspace: SyncWorkspace, docs_repo: FakeRepo, github_access: GitHubAccess, fake_github: FakeGitHub
) -> SyncWorkspace:
    pull_docs(
        config=sync_workspace.config,
        source=GitHubSource("zeropsio/docs", "main", github_access),
        paths=sync_workspace.paths,
        options=PullOptions(),
        clock=lambda: FIXED_TIME,
    )
    fake_github.requests.clear()
    return sync_workspace


def push(
    ws: SyncWorkspace, access: GitHubAccess, *names: str, dry_run: bool = False, group: str = "guides"
) -> PushReport:
    return push_guides(
        config=ws.config,
        publisher=GitHubSource("zeropsio/docs", "main", access),
        paths=ws.paths,
        options=PushOptions(group=group, names=names, dry_run=dry_run),
    )


def edit(ws: SyncWorkspace, rel: str, old: str, new: str) -> None:
    path = ws.corpus_file(rel)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_pull_then_push_without_edits_has_nothing_to_push_and_sends_no_request(
    pulled: SyncWorkspace, github_access: GitHubAccess, fake_github: FakeGitHub
) -> None:
    report = push(pulled, github_access)
    assert report.changes == () and report.unchanged == 3
    assert fake_github.requests == []


def test_edited_guides_go_into_one_branch_one_commit_and_one_pull_request(
    pulled: SyncWorkspace, github_access: GitHubAccess, fake_github: FakeGitHub, docs_repo: FakeRepo
) -> None:
    edit(pulled, "guides/deploy-flow.md", "then the new containers start", "then new containers start")
    edit(
        pulled,
        "decisions/choose-cache-store.md",
        "KeyDB stays for existing ones.",
        "KeyDB stays for older ones.",
    )
    report = push(pulled, github_access)
    assert [c.upstream_path for c in report.changes] == [
        f"{GUIDES}/choose-cache-store.mdx",
        f"{GUIDES}/deploy-flow.mdx",
    ]
    assert report.unchanged == 1
    assert report.url == "https://github.example/zeropsio/docs/pull/1"
    assert report.branch.startswith("zcp/guides-")
    assert fake_github.count("POST", "/git/commits") == 1 and fake_github.count("POST", "/git/refs") == 1
    (pull_request,) = docs_repo.pulls
    assert pull_request["title"] == "chore(guides): update 2 guides"
    assert (
        f"`{GUIDES}/deploy-flow.mdx` (updated; from `corpus/guides/deploy-flow.md`)" in pull_request["body"]
    )
    assert f"`{GUIDES}/choose-cache-store.mdx`" in pull_request["body"]
    branch = docs_repo.files_at(report.branch)
    main = docs_repo.files_at("main")
    expected = main[f"{GUIDES}/deploy-flow.mdx"].replace(
        b"then the new containers start", b"then new containers start"
    )
    assert branch[f"{GUIDES}/deploy-flow.mdx"] == expected
    assert branch[f"{GUIDES}/backup-basics.mdx"] == main[f"{GUIDES}/backup-basics.mdx"]
    # The MDX keeps its original frontmatter, import, comment and admonition around the edit.
    assert expected.startswith(b'---\ntitle: Deploy flow\ndescription: "Guide: Deploy flow"\n---')
    assert b"{/* Reviewed by the docs team" in expected and b":::note\n" in expected


def test_a_dry_run_prints_a_unified_diff_and_sends_nothing_that_writes(
    pulled: SyncWorkspace, github_access: GitHubAccess, fake_github: FakeGitHub, docs_repo: FakeRepo
) -> None:
    edit(pulled, "guides/backup-basics.md", "keeps it for a week", "keeps it for seven days")
    report = push(pulled, github_access, dry_run=True)
    (change,) = report.changes
    assert change.diff().splitlines()[:2] == [
        f"--- a/{GUIDES}/backup-basics.mdx",
        f"+++ b/{GUIDES}/backup-basics.mdx",
    ]
    assert (
        "-Zerops takes a **daily snapshot** of every managed database and keeps it for a week."
        in change.diff()
    )
    assert (
        "+Zerops takes a **daily snapshot** of every managed database and keeps it for seven days."
        in change.diff()
    )
    assert not any(method != "GET" for method, _ in fake_github.requests)
    assert docs_repo.pulls == [] and report.url == ""


def test_names_limit_the_push_to_those_guides(
    pulled: SyncWorkspace, github_access: GitHubAccess, docs_repo: FakeRepo
) -> None:
    edit(pulled, "guides/deploy-flow.md", "then the new containers start", "then new containers start")
    edit(pulled, "guides/backup-basics.md", "keeps it for a week", "keeps it for seven days")
    report = push(pulled, github_access, "backup-basics", dry_run=True)
    assert [c.corpus_path for c in report.changes] == ["guides/backup-basics.md"]


def test_an_unknown_name_is_an_invalid_parameter(pulled: SyncWorkspace, github_access: GitHubAccess) -> None:
    with pytest.raises(InvalidParameter) as caught:
        push(pulled, github_access, "no-such-guide")
    assert "no-such-guide" in caught.value.message
    assert caught.value.suggestion and "backup-basics" in caught.value.suggestion


def test_upstream_changes_since_the_pull_refuse_the_push_with_instructions(
    pulled: SyncWorkspace, github_access: GitHubAccess, fake_github: FakeGitHub, docs_repo: FakeRepo
) -> None:
    edit(pulled, "guides/backup-basics.md", "keeps it for a week", "keeps it for seven days")
    docs_repo.commit_files(
        {f"{GUIDES}/backup-basics.mdx": "---\ntitle: Backup basics\ndescription: D\n---\n\nSomeone else.\n"}
    )
    with pytest.raises(UpstreamMoved) as caught:
        push(pulled, github_access)
    assert caught.value.code == "UPSTREAM_MOVED"
    assert "guides/backup-basics.md" in caught.value.message
    assert caught.value.suggestion and "zcp sync pull guides --force" in caught.value.suggestion
    assert not any(method == "POST" for method, _ in fake_github.requests)


def test_a_new_guide_is_pushed_as_a_new_file_unless_upstream_created_it_meanwhile(
    pulled: SyncWorkspace, github_access: GitHubAccess, docs_repo: FakeRepo
) -> None:
    pulled.corpus_file("guides/new-topic.md").write_text(
        '---\ntitle: "New topic"\ndescription: "A fresh guide."\n---\n\n# New topic\n\nUse {braces} carefully.\n',
        encoding="utf-8",
    )
    report = push(pulled, github_access, "new-topic", dry_run=True)
    (change,) = report.changes
    assert change.before is None and change.upstream_path == f"{GUIDES}/new-topic.mdx"
    assert (
        change.after
        == '---\ntitle: "New topic"\ndescription: "A fresh guide."\n---\n\nUse \\{braces\\} carefully.\n'
    )
    docs_repo.commit_files({f"{GUIDES}/new-topic.mdx": "---\ntitle: X\ndescription: Y\n---\nz\n"})
    with pytest.raises(UpstreamMoved):
        push(pulled, github_access, "new-topic")


def test_pages_of_sources_without_push_are_never_collected(
    pulled: SyncWorkspace, github_access: GitHubAccess
) -> None:
    edit(pulled, "guides/runtimes/nodejs/overview.md", "managed runtime", "runtime")
    assert push(pulled, github_access, dry_run=True).changes == ()
    with pytest.raises(ConfigError):
        push(pulled, github_access, group="runtimes")


def test_edits_that_convert_back_to_the_same_mdx_push_nothing(
    pulled: SyncWorkspace, github_access: GitHubAccess, docs_repo: FakeRepo
) -> None:
    edit(pulled, "guides/backup-basics.md", "## Retention\n", "## Retention\n\n\n")
    report = push(pulled, github_access)
    assert report.changes == () and docs_repo.pulls == []


def test_pushing_the_same_edits_twice_is_refused_by_the_existing_branch(
    pulled: SyncWorkspace, github_access: GitHubAccess
) -> None:
    edit(pulled, "guides/backup-basics.md", "keeps it for a week", "keeps it for seven days")
    first = push(pulled, github_access)
    with pytest.raises(SyncError) as caught:
        push(pulled, github_access)
    assert "422" in caught.value.message and first.branch in caught.value.message


def test_a_deleted_pulled_guide_is_reported_not_pushed(
    pulled: SyncWorkspace, github_access: GitHubAccess
) -> None:
    pulled.corpus_file("guides/deploy-flow.md").unlink()
    report = push(pulled, github_access)
    assert report.missing == ("guides/deploy-flow.md",) and report.changes == ()


def test_a_guide_with_broken_frontmatter_is_a_clear_error(
    pulled: SyncWorkspace, github_access: GitHubAccess
) -> None:
    pulled.corpus_file("guides/deploy-flow.md").write_text(
        "---\ntitle: only\n---\n\n# only\n", encoding="utf-8"
    )
    with pytest.raises(SyncError) as caught:
        push(pulled, github_access)
    assert "corpus/guides/deploy-flow.md:1" in caught.value.message


def test_a_push_failure_on_github_is_a_sync_error(
    pulled: SyncWorkspace, github_access: GitHubAccess, fake_github: FakeGitHub, docs_repo: FakeRepo
) -> None:
    edit(pulled, "guides/backup-basics.md", "keeps it for a week", "keeps it for seven days")
    fake_github.fail("POST", "/pulls", 403, "Resource not accessible by integration")
    with pytest.raises(SyncError) as caught:
        push(pulled, github_access)
    assert "opening the pull request" in caught.value.message and "403" in caught.value.message
