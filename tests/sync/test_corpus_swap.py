"""Staging beside the corpus, swapping in, and putting the old folders back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zcp.errors import SyncError
from zcp.state.fs import atomic_write_text
from zcp.sync.corpus_swap import Staging


def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "guides" / "deep").mkdir(parents=True)
    (root / "guides" / "a.md").write_text("old a\n", encoding="utf-8")
    (root / "guides" / "deep" / "b.md").write_text("old b\n", encoding="utf-8")
    (root / "guides" / ".gitkeep").write_text("", encoding="utf-8")
    (root / "themes").mkdir()
    (root / "themes" / "t.md").write_text("theme\n", encoding="utf-8")
    return root


def tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_staged_changes_appear_only_after_the_swap_and_untouched_folders_stay(tmp_path: Path) -> None:
    root = corpus(tmp_path)
    before = tree(root)
    staging = Staging(root, {"guides/a.md": "new a\n", "guides/deep/b.md": None, "decisions/c.md": "c\n"})
    assert tree(root) == before
    staging.swap()
    staging.cleanup()
    assert tree(root) == {
        "decisions/c.md": "c\n",
        "guides/.gitkeep": "",
        "guides/a.md": "new a\n",
        "themes/t.md": "theme\n",
    }
    assert not (root / "guides" / "deep").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]


def test_rewriting_a_hard_linked_clone_never_changes_the_live_file(tmp_path: Path) -> None:
    root = corpus(tmp_path)
    Staging(root, {"guides/a.md": "new a\n"})  # staged, never swapped
    assert (root / "guides" / "a.md").read_text(encoding="utf-8") == "old a\n"


def test_rollback_restores_the_previous_folders_exactly(tmp_path: Path) -> None:
    root = corpus(tmp_path)
    before = tree(root)
    staging = Staging(root, {"guides/a.md": "new a\n", "decisions/c.md": "c\n"})
    staging.swap()
    staging.rollback()
    staging.cleanup()
    assert tree(root) == before
    assert not (root / "decisions").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_an_unwritable_parent_is_a_sync_error_and_changes_nothing(tmp_path: Path) -> None:
    root = corpus(tmp_path)
    before = tree(root)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(SyncError):
            Staging(root, {"guides/a.md": "x\n"})
    finally:
        tmp_path.chmod(0o755)
    assert tree(root) == before


def test_atomic_write_leaves_no_temp_files_and_uses_unix_newlines(tmp_path: Path) -> None:
    target = tmp_path / "sync" / "manifest.json"
    atomic_write_text(target, "a\nb\n")
    assert target.read_bytes() == b"a\nb\n"
    assert [p.name for p in target.parent.iterdir()] == ["manifest.json"]
