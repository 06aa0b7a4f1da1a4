"""The deploy archive: what goes in (.deployignore, .git, the committed workspace), determinism, safety, streaming."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import threading
from pathlib import Path

import pytest

from zcp.errors import InvalidParameter, PrerequisiteMissing
from zcp.ops.archive import CHUNK_SIZE, ArchiveOptions, ArchiveStats, stream_archive, write_archive


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _pack(root: Path, options: ArchiveOptions | None = None) -> bytes:
    out = io.BytesIO()
    write_archive(root, out, options)
    return out.getvalue()


def _names(archive: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        return tar.getnames()


def _content(archive: bytes, name: str) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        member = tar.extractfile(name)
        assert member is not None
        return member.read()


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), *args],
        check=True,
        capture_output=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
            "GIT_CONFIG_GLOBAL": "/dev/null",
        },
    )


def test_the_folder_is_packed_in_sorted_order_without_dot_git_and_minus_deployignore(tmp_path: Path) -> None:
    root = _tree(
        tmp_path / "app",
        {
            "zerops.yaml": "zerops: []\n",
            "src/main.py": "print('hi')\n",
            "src/debug.log": "x",
            "node_modules/pkg/index.js": "x",
            "deep/node_modules/y.js": "x",
            "dist/out.js": "x",
            "keep/dist/out.js": "x",
            "logs/important.log": "x",
            ".git/HEAD": "ref: refs/heads/main\n",
            ".deployignore": "node_modules/\n/dist\n*.log\n!logs/important.log\n",
        },
    )
    stats = ArchiveStats()
    out = io.BytesIO()
    write_archive(root, out, stats=stats)
    names = _names(out.getvalue())
    assert names == [
        ".deployignore",
        "deep",
        "keep",
        "keep/dist",
        "keep/dist/out.js",
        "logs",
        "logs/important.log",
        "src",
        "src/main.py",
        "zerops.yaml",
    ]
    assert _content(out.getvalue(), "src/main.py") == b"print('hi')\n"
    assert sorted(stats.ignored) == ["deep/node_modules/", "dist/", "node_modules/", "src/debug.log"]
    assert stats.files == 5
    assert stats.bytes_out == len(out.getvalue())


def test_include_git_keeps_the_dot_git_folder(tmp_path: Path) -> None:
    root = _tree(tmp_path / "app", {"a.txt": "a", ".git/HEAD": "ref"})
    assert ".git/HEAD" in _names(_pack(root, ArchiveOptions(include_git=True)))


def test_the_same_tree_packs_to_the_same_bytes(tmp_path: Path) -> None:
    root = _tree(tmp_path / "app", {"b.txt": "b", "a/c.txt": "c", "a.txt": "a"})
    first = _pack(root, ArchiveOptions(fixed_mtime=0))
    os.utime(root / "a.txt", (1, 1))
    second = _pack(root, ArchiveOptions(fixed_mtime=0))
    assert first == second
    with tarfile.open(fileobj=io.BytesIO(first), mode="r:gz") as tar:
        assert {(m.uid, m.gid, m.uname, m.mtime) for m in tar.getmembers()} == {(0, 0, "", 0)}


def test_file_modes_survive(tmp_path: Path) -> None:
    root = _tree(tmp_path / "app", {"run.sh": "#!/bin/sh\n"})
    (root / "run.sh").chmod(0o755)
    with tarfile.open(fileobj=io.BytesIO(_pack(root)), mode="r:gz") as tar:
        assert tar.getmember("run.sh").mode == 0o755


def test_a_link_inside_the_folder_is_kept_as_a_link(tmp_path: Path) -> None:
    root = _tree(tmp_path / "app", {"real/file.txt": "x"})
    (root / "alias").symlink_to("real/file.txt")
    with tarfile.open(fileobj=io.BytesIO(_pack(root)), mode="r:gz") as tar:
        member = tar.getmember("alias")
        assert member.issym() and member.linkname == "real/file.txt"


@pytest.mark.parametrize("target", ["../outside.txt", "/etc/passwd", "sub/../../x"])
def test_a_link_that_leaves_the_folder_is_refused(tmp_path: Path, target: str) -> None:
    root = _tree(tmp_path / "app", {"sub/ok.txt": "x"})
    (root / "leak").symlink_to(target)
    with pytest.raises(InvalidParameter) as error:
        _pack(root)
    assert "leak" in error.value.message


def test_a_special_file_is_refused(tmp_path: Path) -> None:
    root = _tree(tmp_path / "app", {"a.txt": "x"})
    os.mkfifo(root / "pipe")
    with pytest.raises(InvalidParameter):
        _pack(root)


def test_a_missing_folder_is_an_invalid_parameter(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameter):
        _pack(tmp_path / "nope")


# --- the committed workspace -------------------------------------------------------------------


def _repo(tmp_path: Path) -> Path:
    root = _tree(
        tmp_path / "repo",
        {"app.py": "v1\n", ".gitignore": "secret.env\n", "secret.env": "TOKEN=x", "docs/big.md": "x"},
    )
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "one")
    return root


def test_git_mode_packs_the_last_commit_not_the_working_tree(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "app.py").write_text("v2 uncommitted\n")
    (root / "new.txt").write_text("untracked")
    archive = _pack(root, ArchiveOptions(source="git"))
    assert sorted(_names(archive)) == [".gitignore", "app.py", "docs", "docs/big.md"]
    assert _content(archive, "app.py") == b"v1\n"


def test_git_mode_honours_deployignore_and_adds_dot_git_when_asked(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / ".deployignore").write_text("docs/\n")
    _git(root, "add", ".deployignore")
    _git(root, "commit", "-q", "-m", "ignore docs")
    names = _names(_pack(root, ArchiveOptions(source="git", include_git=True)))
    assert "docs/big.md" not in names
    assert "app.py" in names
    assert ".git/HEAD" in names


def test_git_mode_of_a_subfolder_packs_paths_relative_to_it(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    assert _names(_pack(root / "docs", ArchiveOptions(source="git"))) == ["big.md"]


def test_git_mode_without_a_repository_or_a_commit_is_a_missing_prerequisite(tmp_path: Path) -> None:
    plain = _tree(tmp_path / "plain", {"a.txt": "a"})
    with pytest.raises(PrerequisiteMissing):
        _pack(plain, ArchiveOptions(source="git"))
    _git(plain, "init", "-q")
    with pytest.raises(PrerequisiteMissing) as error:
        _pack(plain, ArchiveOptions(source="git"))
    assert "no commit" in error.value.message


# --- streaming ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_stream_yields_the_same_archive_in_bounded_chunks(tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    for index in range(6):
        (root / f"blob{index}.bin").write_bytes(os.urandom(CHUNK_SIZE // 2))
    options = ArchiveOptions(fixed_mtime=0)
    stats = ArchiveStats()
    chunks = [chunk async for chunk in stream_archive(root, options, stats=stats)]
    assert len(chunks) > 2
    assert all(len(chunk) <= CHUNK_SIZE for chunk in chunks)
    assert b"".join(chunks) == _pack(root, options)
    assert stats.files == 6 and stats.bytes_out == sum(map(len, chunks))


@pytest.mark.anyio
async def test_a_problem_found_while_streaming_is_raised_to_the_reader(tmp_path: Path) -> None:
    root = _tree(tmp_path / "app", {"a.txt": "a"})
    (root / "leak").symlink_to("/etc/passwd")
    with pytest.raises(InvalidParameter):
        async for _ in stream_archive(root):
            pass


@pytest.mark.anyio
async def test_a_reader_that_stops_early_stops_the_writer(tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    for index in range(40):
        (root / f"blob{index}.bin").write_bytes(os.urandom(CHUNK_SIZE))
    stream = stream_archive(root, ArchiveOptions(compress_level=1), buffered=2)
    async for _ in stream:
        break
    await stream.aclose()
    assert not any(t.name == "zcp-archive" for t in threading.enumerate())


def test_worktree_mode_packs_what_git_would_commit_now(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "app.py").write_text("v2 uncommitted\n")
    (root / "new.txt").write_text("untracked")
    (root / "docs" / "big.md").unlink()
    archive = _pack(root, ArchiveOptions(source="worktree"))
    assert _names(archive) == [".gitignore", "app.py", "new.txt"]
    assert _content(archive, "app.py") == b"v2 uncommitted\n"


def test_index_mode_packs_what_is_staged(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "app.py").write_text("staged\n")
    _git(root, "add", "app.py")
    (root / "app.py").write_text("not staged\n")
    assert _content(_pack(root, ArchiveOptions(source="git", git_ref="index")), "app.py") == b"staged\n"


def test_problems_are_found_before_anything_is_packed(tmp_path: Path) -> None:
    from zcp.ops.archive import check_archive

    root = _tree(tmp_path / "app", {"a.txt": "a"})
    check_archive(root)
    (root / "leak").symlink_to("/etc")
    with pytest.raises(InvalidParameter):
        check_archive(root)
    with pytest.raises(PrerequisiteMissing):
        check_archive(root, ArchiveOptions(source="worktree"))
