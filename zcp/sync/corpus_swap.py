"""Stage a pull's changes beside the corpus, then swap them in (and back out on failure).

The pulled kind folders (``guides/``, ``decisions/``) are cloned with hard links into a hidden
staging folder next to the corpus, the changes are applied there (a changed file is unlinked and
rewritten, never edited through a shared link), and each folder is then swapped in with two
renames on the same file system. Until :meth:`Staging.commit` the previous folders are kept, so
:meth:`Staging.rollback` restores them exactly.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path

from zcp.errors import SyncError

log = logging.getLogger(__name__)


def _clone_tree(src: Path, dst: Path) -> None:
    """Copy a folder tree using hard links where the file system allows them."""
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        rel = Path(dirpath).relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        for name in sorted(filenames):
            source = Path(dirpath, name)
            target = dst / rel / name
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)


def _prune_empty(folder: Path) -> None:
    """Remove folders left empty by deletions (bottom-up), keeping ``folder`` itself."""
    for dirpath, _, _ in os.walk(folder, topdown=False):
        path = Path(dirpath)
        if path != folder and not any(path.iterdir()):
            path.rmdir()


class Staging:
    """New versions of some corpus kind folders, ready to be swapped in."""

    def __init__(self, corpus_dir: Path, changes: Mapping[str, str | None]) -> None:
        self.corpus_dir = corpus_dir
        self.root = corpus_dir.parent / f".zcp-sync-{os.getpid()}-{secrets.token_hex(4)}"
        self.kinds = sorted({path.split("/", 1)[0] for path in changes})
        self.swapped: list[str] = []
        try:
            self._build(changes)
        except OSError as exc:
            self.cleanup()
            raise SyncError(
                f"cannot stage the pulled files next to {corpus_dir}: {exc.strerror or exc}",
                suggestion="Check that the corpus folder and its parent are writable.",
            ) from None

    def _build(self, changes: Mapping[str, str | None]) -> None:
        (self.root / "new").mkdir(parents=True)
        (self.root / "old").mkdir()
        for kind in self.kinds:
            current = self.corpus_dir / kind
            staged = self.root / "new" / kind
            if current.is_dir():
                _clone_tree(current, staged)
            else:
                staged.mkdir(parents=True)
        for rel, text in sorted(changes.items()):
            target = self.root / "new" / rel
            target.unlink(missing_ok=True)
            if text is None:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        for kind in self.kinds:
            _prune_empty(self.root / "new" / kind)

    def swap(self) -> None:
        """Put the staged folders in place; on failure the previous ones are restored."""
        try:
            for kind in self.kinds:
                live = self.corpus_dir / kind
                if live.exists():
                    os.rename(live, self.root / "old" / kind)
                self.swapped.append(kind)
                os.rename(self.root / "new" / kind, live)
        except OSError as exc:
            self.rollback()
            raise SyncError(
                f"cannot swap the pulled files into {self.corpus_dir}: {exc.strerror or exc}",
                suggestion="Check the corpus folder's permissions; it was left as it was.",
            ) from None

    def rollback(self) -> None:
        """Undo :meth:`swap` (idempotent)."""
        for kind in reversed(self.swapped):
            live = self.corpus_dir / kind
            old = self.root / "old" / kind
            if live.exists():
                parked = self.root / "new" / kind
                if parked.exists():
                    shutil.rmtree(live)
                else:
                    os.rename(live, parked)
            if old.exists():
                os.rename(old, live)
        self.swapped.clear()

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
