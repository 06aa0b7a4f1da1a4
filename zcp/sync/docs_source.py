"""Where docs pages come from: a snapshot of the upstream repository at one commit.

A :class:`DocsSource` lists the pages under the configured folders with their git blob shas
(so unchanged pages are recognised without downloading them) and reads file contents on
demand. :class:`LocalCheckout` serves a folder on disk (``zcp sync pull --from DIR``); the
GitHub implementation lives in :mod:`zcp.sync.github_source`. Blob shas are computed the way
git does, so a checkout and GitHub agree on them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from zcp.errors import SyncError

log = logging.getLogger(__name__)

_SKIP_DIRS = frozenset({".git", "node_modules", ".docusaurus", "build"})


def git_blob_sha(data: bytes) -> str:
    """The sha git (and GitHub) gives a file with these bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """The repository at one commit: every page under the source folders, plus a sha lookup."""

    commit: str
    ref: str
    pages: Mapping[str, str]  # repository path -> blob sha (.mdx files under the source folders)
    lookup: Callable[[str], str | None] = field(repr=False, compare=False)

    def blob_sha(self, path: str) -> str | None:
        """The blob sha of any file (pages, partials, data), or ``None`` when it does not exist."""
        sha = self.pages.get(path)
        return sha if sha is not None else self.lookup(path)


class DocsSource(Protocol):
    """One upstream: list it, then read what changed."""

    @property
    def label(self) -> str:
        """How the source is named in messages (``zeropsio/docs@main``, a folder path)."""
        ...

    def snapshot(self, folders: Iterable[str]) -> Snapshot:
        """List every ``.mdx`` page under ``folders`` at the current commit."""
        ...

    def read(self, path: str, sha: str) -> bytes:
        """The bytes of one file of the snapshot."""
        ...

    def read_many(
        self, items: list[tuple[str, str]], on_read: Callable[[str], None] | None = None
    ) -> dict[str, bytes]:
        """Several files at once (``{path: bytes}``); ``on_read`` is called as each one arrives."""
        ...

    def close(self) -> None:
        """Release connections (a no-op for sources without any)."""
        ...


class BlobReader(Protocol):
    def read(self, path: str, sha: str) -> bytes: ...


class SnapshotLoader:
    """The renderer's view of a snapshot: text by path, each blob fetched at most once."""

    def __init__(self, source: BlobReader, snapshot: Snapshot, cache: dict[str, bytes] | None = None) -> None:
        self.source = source
        self.snapshot = snapshot
        self.cache: dict[str, bytes] = cache if cache is not None else {}
        self._lock = threading.Lock()

    def read_bytes(self, path: str) -> bytes | None:
        sha = self.snapshot.blob_sha(path)
        if sha is None:
            return None
        with self._lock:
            cached = self.cache.get(sha)
        if cached is None:
            cached = self.source.read(path, sha)
            with self._lock:
                self.cache[sha] = cached
        return cached

    def read_text(self, repo_path: str) -> str | None:
        data = self.read_bytes(repo_path)
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SyncError(
                f"{repo_path} is not UTF-8 text (byte {exc.start})",
                suggestion="Fix the file upstream; nothing was changed locally.",
            ) from None


class LocalCheckout:
    """A docs repository (or a copy of it) on disk: the doc writers' loop and offline pulls."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise SyncError(
                f"--from {root}: no such folder",
                suggestion="Point --from at a checkout of the docs repository.",
            )
        self.root = root.resolve()
        self._shas: dict[str, str | None] = {}
        self._lock = threading.Lock()

    @property
    def label(self) -> str:
        return str(self.root)

    def snapshot(self, folders: Iterable[str]) -> Snapshot:
        pages: dict[str, str] = {}
        for folder in sorted(set(folders)):
            base = self.root / folder
            if not base.is_dir():
                log.info("source folder %s is missing in %s", folder, self.root)
                continue
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
                for name in sorted(filenames):
                    if name.endswith(".mdx"):
                        path = Path(dirpath, name)
                        rel = path.relative_to(self.root).as_posix()
                        pages[rel] = self._sha(rel) or ""
        return Snapshot(commit=self._head(), ref="local", pages=pages, lookup=self._sha)

    def _sha(self, path: str) -> str | None:
        with self._lock:
            if path in self._shas:
                return self._shas[path]
        full = self.root / path
        try:
            sha: str | None = git_blob_sha(full.read_bytes()) if full.is_file() else None
        except OSError as exc:
            raise SyncError(f"cannot read {full}: {exc.strerror}") from None
        with self._lock:
            self._shas[path] = sha
        return sha

    def _head(self) -> str:
        """The checkout's HEAD commit when it is a git work tree, else ``local``."""
        try:
            done = subprocess.run(
                ["git", "-C", str(self.root), "rev-parse", "--show-toplevel", "HEAD"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return "local"
        lines = done.stdout.split()
        if done.returncode != 0 or len(lines) != 2 or Path(lines[0]).resolve() != self.root:
            return "local"  # not a git work tree, or a folder inside some other repository
        return lines[1] if len(lines[1]) == 40 else "local"

    def read(self, path: str, sha: str) -> bytes:
        try:
            return (self.root / path).read_bytes()
        except OSError as exc:
            raise SyncError(f"cannot read {self.root / path}: {exc.strerror}") from None

    def read_many(
        self, items: list[tuple[str, str]], on_read: Callable[[str], None] | None = None
    ) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for path, sha in items:
            found[path] = self.read(path, sha)
            if on_read is not None:
                on_read(path)
        return found

    def close(self) -> None:
        """Nothing to release for a folder on disk."""
