"""The persistence primitives: atomic, durable writes and an advisory lock that dies with its holder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zcp.errors import StateLocked
from zcp.state.fs import (
    FileLock,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    remove_stale_temps,
)

REPO = Path(__file__).resolve().parents[2]


def test_an_atomic_write_replaces_the_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.json"
    atomic_write_json(target, {"a": 1})
    atomic_write_json(target, {"a": 2, "é": "ü"})
    assert json.loads(target.read_text(encoding="utf-8")) == {"a": 2, "é": "ü"}
    assert target.read_text(encoding="utf-8").endswith("\n")
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.json"]


def test_the_mode_is_applied_before_the_file_appears(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    old = os.umask(0)
    try:
        atomic_write_text(target, "SECRET=1\n", mode=0o600)
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_failed_write_keeps_the_old_content_and_removes_its_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")

    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_stale_temp_files_are_cleared_but_fresh_ones_are_kept(tmp_path: Path) -> None:
    stale = tmp_path / ".x.json.abc.tmp"
    fresh = tmp_path / ".y.json.def.tmp"
    stale.write_text("torn")
    fresh.write_text("in progress")
    os.utime(stale, (1, 1))
    assert remove_stale_temps(tmp_path) == 1
    assert not stale.exists() and fresh.exists()


def test_a_writer_killed_at_random_points_never_leaves_an_unreadable_file(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.state.crash_writer", str(tmp_path), "200", "7"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["runs"] == 200
    assert report["unreadable"] == 0
    # Killed writers may leave temp files; they never carry the final name.
    assert report["temps"] <= 200


def test_an_exclusive_lock_times_out_with_a_code_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / ".lock"
    with FileLock(path), pytest.raises(StateLocked) as raised:
        FileLock(path, timeout=0.05, poll=0.01, what="the test thing").acquire()
    assert raised.value.code == "STATE_LOCKED"
    assert "the test thing" in raised.value.message


def test_shared_locks_coexist_and_block_an_exclusive_one(tmp_path: Path) -> None:
    path = tmp_path / ".lock"
    with FileLock(path, kind="shared"), FileLock(path, kind="shared"), pytest.raises(StateLocked):
        FileLock(path, timeout=0, poll=0.01).acquire()
    with FileLock(path, timeout=0):
        pass


def test_a_lock_held_by_a_killed_process_is_free_again(tmp_path: Path) -> None:
    path = tmp_path / ".lock"
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from zcp.state.fs import FileLock\n"
        f"lock = FileLock(Path({str(path)!r})); lock.acquire()\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StateLocked):
            FileLock(path, timeout=0).acquire()
        holder.kill()
        holder.wait(timeout=10)
        with FileLock(path, timeout=5):
            pass


def test_a_folder_can_be_locked_without_leaving_a_file(tmp_path: Path) -> None:
    with FileLock(tmp_path), pytest.raises(StateLocked):
        FileLock(tmp_path, timeout=0).acquire()
    assert list(tmp_path.iterdir()) == []
