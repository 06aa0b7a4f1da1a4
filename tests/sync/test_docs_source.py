"""Reading the docs from a local checkout."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.plugins.github import FIXTURE_DOCS, git_blob_sha
from zcp.errors import SyncError
from zcp.sync.docs_source import LocalCheckout, SnapshotLoader


def test_a_local_snapshot_lists_pages_with_the_blob_shas_git_would_give(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE_DOCS, tmp_path / "docs")
    snapshot = LocalCheckout(tmp_path / "docs").snapshot(["apps/docs/content/guides"])
    page = "apps/docs/content/guides/backup-basics.mdx"
    assert sorted(snapshot.pages) == [
        "apps/docs/content/guides/backup-basics.mdx",
        "apps/docs/content/guides/choose-cache-store.mdx",
        "apps/docs/content/guides/deploy-flow.mdx",
    ]
    assert snapshot.pages[page] == git_blob_sha((tmp_path / "docs" / page).read_bytes())
    assert snapshot.blob_sha("apps/docs/static/data.json") is not None
    assert snapshot.blob_sha("apps/docs/static/missing.json") is None


def test_a_plain_folder_has_no_commit_even_inside_another_repository() -> None:
    # The fixture tree lives inside the zcp checkout; its commit must not be zcp's HEAD.
    assert LocalCheckout(FIXTURE_DOCS).snapshot(["apps/docs/content"]).commit == "local"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_git_checkout_reports_its_head_commit(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(FIXTURE_DOCS, docs)

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(docs), "-c", "user.name=t", "-c", "user.email=t@e", *args],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "docs")
    assert LocalCheckout(docs).snapshot(["apps/docs/content"]).commit == git("rev-parse", "HEAD")


def test_a_missing_folder_is_a_sync_error(tmp_path: Path) -> None:
    with pytest.raises(SyncError) as caught:
        LocalCheckout(tmp_path / "nope")
    assert "--from" in caught.value.message


def test_the_loader_rejects_files_that_are_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "p.mdx").write_bytes(b"\xff\xfe")
    source = LocalCheckout(tmp_path)
    loader = SnapshotLoader(source, source.snapshot(["."]))
    with pytest.raises(SyncError) as caught:
        loader.read_text("p.mdx")
    assert "not UTF-8" in caught.value.message
