"""The corpus fingerprint: one hash over every corpus file and the provenance manifest.

Kept apart from corpus parsing so a process can tell whether its index is current without
importing the frontmatter models or markdown-it, and, with :func:`cached_fingerprint`, without
reading every file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path


def fingerprint_files(root: Path, manifest_file: Path | None = None) -> str:
    """A hash over every corpus file's path and bytes (and the manifest): changes iff content does."""
    digest = hashlib.sha256()
    paths = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
        digest.update(b"\0")
    if manifest_file is not None and manifest_file.is_file():
        digest.update(b"manifest\0" + manifest_file.read_bytes())
    return digest.hexdigest()


def _stat_key(root: Path, manifest_file: Path | None) -> str:
    """A hash over every corpus file's path, size and modification time (no contents read)."""
    entries: list[tuple[str, int, int]] = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name.startswith("."):
                continue
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            entries.append((Path(path).relative_to(root).as_posix(), st.st_size, st.st_mtime_ns))
    if manifest_file is not None:
        try:
            st = manifest_file.stat()
            entries.append(("\0manifest", st.st_size, st.st_mtime_ns))
        except OSError:
            pass
    digest = hashlib.sha256()
    for rel, size, mtime in sorted(entries):
        digest.update(f"{rel}\0{size}\0{mtime}\n".encode())
    return digest.hexdigest()


def cached_fingerprint(
    root: Path, manifest_file: Path | None, cache_file: Path, write: Callable[[Path, str], None]
) -> str:
    """:func:`fingerprint_files`, reading file contents only when a file's size or mtime changed.

    The last result is kept in ``cache_file`` with a key over every file's path, size and
    modification time (as ``git status`` does); ``write`` stores it atomically. An unwritable
    cache only costs the full read next time.
    """
    key = _stat_key(root, manifest_file)
    try:
        cached = json.loads(cache_file.read_text(encoding="utf-8"))
        if cached.get("statKey") == key and isinstance(cached.get("fingerprint"), str):
            return str(cached["fingerprint"])
    except (OSError, ValueError, AttributeError):
        pass
    fingerprint = fingerprint_files(root, manifest_file)
    with contextlib.suppress(OSError):
        write(cache_file, json.dumps({"statKey": key, "fingerprint": fingerprint}) + "\n")
    return fingerprint
