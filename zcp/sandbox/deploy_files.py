"""``build.deployFiles``: which files of the build folder land in ``/var/www``, and where.

The platform's rules (``platform-facts.md`` §1.3): paths start at the build folder and keep their
relative path (``./dist`` → ``/var/www/dist``); ``.`` or ``./`` is the whole folder; ``~`` trims
everything before it from the target (``dist/~`` → the contents of ``dist`` at ``/var/www``,
``./src/assets/~fonts`` → ``/var/www/fonts``, ``./path/~/to/file.txt`` → every ``to/file.txt`` under
``path``). ``.deployignore`` at the build folder's root excludes files (gitignore syntax). A path that
does not exist fails the build; a path that leaves the build folder is refused.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from zcp.ops.archive import load_deployignore


class DeployFilesError(Exception):
    """A deployFiles entry cannot be satisfied (the build fails with this message)."""


def _inside(root: Path, candidate: Path) -> bool:
    try:
        candidate.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _clean(entry: str) -> str:
    text = entry.strip()
    if text.startswith("/") or ".." in PurePosixPath(text).parts:
        raise DeployFilesError(f"deployFiles entry {entry!r} leaves the build folder")
    while text.startswith("./"):
        text = text[2:]
    return text


def _pairs(source: Path, entry: str) -> list[tuple[Path, str]]:
    """(what to copy, where under the target) for one entry."""
    text = _clean(entry)
    if text in ("", "."):
        return [(child, child.name) for child in sorted(source.iterdir())]
    if "~" not in text:
        path = source / text.rstrip("/")
        if not path.exists() and not path.is_symlink():
            raise DeployFilesError(f"deployFiles path {entry!r} does not exist after the build")
        return [(path, text.rstrip("/"))]
    before, _, after = text.partition("~")
    base = source / before.rstrip("/") if before.strip("/") else source
    if not base.is_dir():
        raise DeployFilesError(f"deployFiles path {entry!r}: {before or '.'} is not a folder")
    if after in ("", "/"):
        return [(child, child.name) for child in sorted(base.iterdir())]
    if not after.startswith("/"):  # ~name: the named child, at the target root
        path = base / after.rstrip("/")
        if not path.exists():
            raise DeployFilesError(f"deployFiles path {entry!r} does not exist after the build")
        return [(path, after.rstrip("/"))]
    tail = after.strip("/")
    found = sorted(p for p in base.glob(f"**/{tail}") if p.exists())
    if not found:
        raise DeployFilesError(f"deployFiles path {entry!r} matched nothing after the build")
    return [(path, tail) for path in found]


def collect(source: Path, entries: Iterable[str], target: Path) -> int:
    """Copy what ``entries`` select from ``source`` into ``target``; returns the number of files copied."""
    spec = load_deployignore(source)
    target.mkdir(parents=True, exist_ok=True)
    copied = 0

    def ignored(path: Path) -> bool:
        if spec is None:
            return False
        rel = path.relative_to(source).as_posix()
        return bool(spec.match_file(rel + "/" if path.is_dir() and not path.is_symlink() else rel))

    def copy(path: Path, dest: Path) -> None:
        nonlocal copied
        if not _inside(source, path) and not path.is_symlink():
            raise DeployFilesError(f"{path.name} points outside the build folder")
        if ignored(path):
            return
        if path.is_dir() and not path.is_symlink():
            dest.mkdir(parents=True, exist_ok=True)
            for child in sorted(path.iterdir()):
                copy(child, dest / child.name)
            return
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        shutil.copy2(path, dest, follow_symlinks=False)
        copied += 1

    for entry in entries:
        for path, rel in _pairs(source, entry):
            copy(path, target / rel)
    return copied
