"""Reading what the caller points zcp at: files inside the working directory.

Every file a tool reads or writes on the caller's say-so goes through :func:`confined_path` and
:func:`read_text_file`, so one set of rules holds for all of them:

* the path (relative to the working directory, or absolute, ``~`` expanded) is resolved with its
  symlinks, and must end up inside the working directory (``Settings.work_dir``, the project root):
  ``/etc/shadow``, ``../x`` and a symlink leading out are ``INVALID_PARAMETER`` and are never opened;
* only a regular file is read: it is opened without blocking (a named pipe or a device never holds
  up the event loop), checked with ``fstat``, and read up to a byte cap — ``st_size`` is not trusted
  alone (it is 0 for devices), the read itself stops at the cap;
* reading happens in a worker thread (callers use :func:`read_text_file_async`).

What such a file holds is parsed by :mod:`zcp.safe_yaml`, the one parser for YAML zcp did not write.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

import anyio.to_thread

from zcp.errors import InvalidParameter, NotFoundError

#: Files zcp reads on request are configuration, never bigger than this unless a cap says otherwise.
DEFAULT_MAX_BYTES: Final = 1_000_000
_OPEN_FLAGS: Final = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class FileTooLarge(Exception):
    """Raised by :func:`read_text_file` past its cap; callers turn it into their own input error."""

    def __init__(self, path: Path, limit: int) -> None:
        super().__init__(f"{path.name} is larger than {limit} bytes")
        self.path = path
        self.limit = limit


def confined_path(given: str, work_dir: Path, *, what: str) -> Path:
    """``given`` resolved (symlinks included) and checked to lie inside ``work_dir``."""
    root = work_dir.expanduser().resolve()
    candidate = Path(given).expanduser()
    if not candidate.is_absolute():
        candidate = root / candidate
    resolved = Path(os.path.realpath(candidate))
    if resolved != root and root not in resolved.parents:
        raise InvalidParameter(
            f"{what} must be inside the working directory ({root}); {given[:200]!r} is not",
            suggestion=f"Give a path inside {root} (relative paths start there), or pass the content inline.",
            details={"workDir": str(root)},
        )
    return resolved


def read_text_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, what: str = "the file") -> str:
    """The UTF-8 text of the regular file ``path``, read without blocking and at most ``max_bytes``.

    Raises ``FILE_NOT_FOUND`` for a missing file, ``INVALID_PARAMETER`` for anything that is not a
    readable regular UTF-8 file, and :class:`FileTooLarge` past the cap.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        raise NotFoundError(
            f"no file at {path}", suggestion=f"Check the path of {what}, relative to the working directory."
        ) from None
    except OSError as error:
        raise InvalidParameter(
            f"cannot open {path} ({error.strerror or type(error).__name__})",
            suggestion=f"Point {what} at a readable regular file.",
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a pipe, socket or device"
            raise InvalidParameter(
                f"{path} is not a regular file (it is {kind})",
                suggestion=f"Point {what} at a regular file.",
            )
        if info.st_size > max_bytes:
            raise FileTooLarge(path, max_bytes)
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(fd, min(65536, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            raise FileTooLarge(path, max_bytes)
    finally:
        os.close(fd)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidParameter(
            f"{path.name} is not UTF-8 text", suggestion=f"Point {what} at a text file."
        ) from None


async def read_text_file_async(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, what: str = "the file"
) -> str:
    """:func:`read_text_file` in a worker thread, so a slow disk never holds up other requests."""
    return await anyio.to_thread.run_sync(lambda: read_text_file(path, max_bytes=max_bytes, what=what))
