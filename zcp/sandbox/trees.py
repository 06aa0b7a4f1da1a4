"""Service file trees: each runtime service's ``/var/www`` (and ``/tmp``, home) as folders on this machine.

Layout under the sandbox's data folder::

    services/<serviceId>/www    the service's /var/www
    services/<serviceId>/tmp    its /tmp (TMPDIR)
    services/<serviceId>/home   its home folder (zcli keeps its login here)
    hosts/<hostname>            a link to services/<serviceId>/www, by hostname (what mounts link to)

A tree is created when the service is created and removed when it is deleted; a reset wipes them.

Commands see the container paths because :class:`PathMap` rewrites them: every ``/var/www`` and
``/tmp`` in a command line that starts a path (not part of a longer word) becomes the service's
folder. That covers ``cd /var/www && …``, ``cat /var/www/zerops.yaml``, ``> /tmp/dev.log``. It does
not cover paths a program builds at run time or reads from a file, output that prints the real
folder, or a ``/var/www`` spelled in pieces (``"/var/"www``) — the sandbox is not a container.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Final

CONTAINER_WWW: Final = "/var/www"
CONTAINER_TMP: Final = "/tmp"
# A container path starts where no path or word character precedes it and ends at a separator.
_BOUNDARY_BEFORE: Final = r"(?<![\w./~-])"
_BOUNDARY_AFTER: Final = r"(?=$|[/\s'\"`;:&|()<>=,])"


@dataclass(frozen=True)
class PathMap:
    """Container paths → this machine's folders, e.g. ``(("/var/www", www), ("/tmp", tmp))``."""

    prefixes: tuple[tuple[str, Path], ...]

    def translate(self, text: str) -> str:
        """``text`` with container paths replaced, in one pass (a replacement is never translated again)."""
        if not self.prefixes:
            return text
        targets = dict(self.prefixes)
        alternatives = "|".join(re.escape(p) for p in sorted(targets, key=len, reverse=True))
        pattern = re.compile(f"{_BOUNDARY_BEFORE}({alternatives}){_BOUNDARY_AFTER}")
        return pattern.sub(lambda match: str(targets[match.group(1)]), text)


class ServiceTrees:
    """Creates, finds and removes the folders of runtime services under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.services = root / "services"
        self.hosts = root / "hosts"

    def folder(self, service_id: str) -> Path:
        return self.services / service_id

    def www(self, service_id: str) -> Path:
        return self.folder(service_id) / "www"

    def tmp(self, service_id: str) -> Path:
        return self.folder(service_id) / "tmp"

    def home(self, service_id: str) -> Path:
        return self.folder(service_id) / "home"

    def paths(self, service_id: str) -> PathMap:
        return PathMap(((CONTAINER_WWW, self.www(service_id)), (CONTAINER_TMP, self.tmp(service_id))))

    def create(self, service_id: str, hostname: str) -> Path:
        """Make the service's folders (kept if they exist) and point ``hosts/<hostname>`` at its www."""
        for folder in (self.www(service_id), self.tmp(service_id), self.home(service_id)):
            folder.mkdir(parents=True, exist_ok=True)
        self.hosts.mkdir(parents=True, exist_ok=True)
        link = self.hosts / hostname
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(self.www(service_id))
        return self.www(service_id)

    def remove(self, service_id: str, hostname: str) -> None:
        link = self.hosts / hostname
        if link.is_symlink() and Path(link.readlink()) == self.www(service_id):
            link.unlink()
        shutil.rmtree(self.folder(service_id), ignore_errors=True)

    def wipe(self) -> None:
        shutil.rmtree(self.services, ignore_errors=True)
        shutil.rmtree(self.hosts, ignore_errors=True)

    def exists(self, service_id: str) -> bool:
        return self.www(service_id).is_dir()

    def replace_contents(self, service_id: str, source: Path) -> Path:
        """Make the service's www hold exactly ``source``'s content; the old content moves aside.

        The folder itself stays (a shell or a link pointing at it keeps working). Returns where the
        old content went: :meth:`restore` puts it back (a failed deploy), :meth:`discard` drops it.
        """
        www = self.www(service_id)
        www.mkdir(parents=True, exist_ok=True)
        previous = self.folder(service_id) / "previous"
        shutil.rmtree(previous, ignore_errors=True)
        previous.mkdir()
        for entry in list(www.iterdir()):
            entry.rename(previous / entry.name)
        for entry in sorted(source.iterdir()):
            target = www / entry.name
            if entry.is_dir() and not entry.is_symlink():
                shutil.copytree(entry, target, symlinks=True)
            else:
                shutil.copy2(entry, target, follow_symlinks=False)
        return previous

    def restore(self, service_id: str, previous: Path) -> None:
        """Put back what :meth:`replace_contents` moved aside."""
        www = self.www(service_id)
        for entry in list(www.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        for entry in list(previous.iterdir()):
            entry.rename(www / entry.name)
        shutil.rmtree(previous, ignore_errors=True)

    @staticmethod
    def discard(previous: Path) -> None:
        shutil.rmtree(previous, ignore_errors=True)
