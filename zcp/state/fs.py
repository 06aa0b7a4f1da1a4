"""The two persistence primitives of zcp: an atomic file write and an advisory file lock.

**Atomic write** (:func:`atomic_write_bytes` and its text/JSON forms): the data goes to a temp file
in the target's own folder, is flushed and ``fsync``-ed, renamed over the target, and then the
folder itself is ``fsync``-ed so the rename survives a power cut. A reader therefore sees the old
file or the new one, never a torn one, and a writer killed at any point leaves at most a stray
``.*.tmp`` file (which readers ignore and :func:`remove_stale_temps` clears).

**Lock** (:class:`FileLock`): an OS advisory lock (``flock``) on a lock file, shared or exclusive,
waited for up to a timeout. The OS drops it when the holder dies, so a crashed process never
leaves a lock behind. Windows has no ``flock``; there ``msvcrt.locking`` gives an exclusive lock
(shared requests take it exclusively, which is correct, only less concurrent).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from zcp.errors import StateLocked

__all__ = [
    "TEMP_SUFFIX",
    "FileLock",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "dump_json",
    "remove_stale_temps",
]

#: Every temp file an atomic write creates ends with this (and starts with a dot).
TEMP_SUFFIX = ".tmp"


def _fsync_dir(folder: Path) -> None:
    if sys.platform == "win32":  # directories cannot be opened for fsync there
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` atomically and durably (see the module docstring).

    The parent folder is created when missing. ``mode`` is applied to the new file before it
    becomes visible, so a secret never exists under its final name with looser permissions.
    """
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{path.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)  # os.open's mode is filtered by the umask
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(folder)


def atomic_write_text(path: Path, text: str, *, mode: int = 0o644) -> None:
    """:func:`atomic_write_bytes` for text: UTF-8, ``\\n`` line ends as given."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def dump_json(data: Any) -> str:
    """The JSON text zcp writes to state files: 2-space indent, UTF-8 kept, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def atomic_write_json(path: Path, data: Any, *, mode: int = 0o644) -> None:
    """Write ``data`` as :func:`dump_json` text, atomically."""
    atomic_write_text(path, dump_json(data), mode=mode)


def remove_stale_temps(folder: Path, *, older_than: float = 3600.0) -> int:
    """Delete temp files left by killed writers (older than ``older_than`` seconds); returns the count."""
    removed = 0
    cutoff = time.time() - older_than
    with contextlib.suppress(FileNotFoundError):
        for entry in folder.iterdir():
            name = entry.name
            if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
                continue
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime < cutoff:
                    entry.unlink()
                    removed += 1
    return removed


LockKind = Literal["shared", "exclusive"]


class FileLock:
    """An advisory lock on ``path`` (a lock file, created when missing, or an existing folder), used as a
    context manager.

    ``timeout`` is how long to wait for a holder to let go (``0`` = try once); on expiry
    :class:`~zcp.errors.StateLocked` is raised naming the file. ``poll`` is the first wait between
    attempts; it doubles up to ten times its value.
    """

    def __init__(
        self,
        path: Path,
        *,
        kind: LockKind = "exclusive",
        timeout: float = 5.0,
        poll: float = 0.01,
        what: str | None = None,
    ) -> None:
        self.path = path
        self.kind = kind
        self.timeout = timeout
        self.poll = poll
        self.what = what or str(path)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, waiting up to ``timeout``."""
        if self.path.is_dir():  # a folder can be locked itself (POSIX), leaving no file behind
            fd = os.open(self.path, os.O_RDONLY)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        delay = self.poll
        try:
            while not _try_lock(fd, self.kind):
                if time.monotonic() >= deadline:
                    raise StateLocked(
                        f"{self.what} is locked by another zcp process (waited {self.timeout:g}s)",
                        suggestion="Wait for the other process to finish, then retry.",
                        details={"lockFile": str(self.path)},
                    )
                time.sleep(delay)
                delay = min(delay * 2, self.poll * 10)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        """Let go of the lock (closing the descriptor releases it too)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """The lock as a plain context manager (for ``with FileLock(...).held():``)."""
        with self:
            yield


if sys.platform == "win32":  # pragma: no cover - exercised only on Windows
    import msvcrt

    def _try_lock(fd: int, kind: LockKind) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int, kind: LockKind) -> bool:
        flag = fcntl.LOCK_SH if kind == "shared" else fcntl.LOCK_EX
        try:
            fcntl.flock(fd, flag | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
