"""Where a runtime's source tree is, for the workflow steps that read it (export, preflight).

Locally the source is the working directory (``Settings.work_dir``); inside a Zerops container
each dev service's tree is mounted at ``<mount root>/<hostname>`` (``Settings.mount_root``).
:class:`SourceTree` reads a file there and the git remote, without running anything on the service:
the remote comes from ``.git/config``, a plain file read.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass
from pathlib import Path

from zcp.hostnames import check_hostname

__all__ = ["MAX_SOURCE_BYTES", "SourceTree", "source_tree"]

MAX_SOURCE_BYTES = 1_000_000
ZEROPS_YAML_NAMES = ("zerops.yaml", "zerops.yml")


@dataclass(frozen=True)
class SourceTree:
    """One service's source folder."""

    root: Path
    #: ``mount`` (a dev service's tree mounted into the zcp container) or ``local`` (the working directory).
    kind: str

    def read(self, name: str) -> str | None:
        """A regular file under the root (at most :data:`MAX_SOURCE_BYTES`), ``None`` when absent."""
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root.resolve()) or not path.is_file():
            return None
        with path.open("rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
        if len(data) > MAX_SOURCE_BYTES:
            return None
        return data.decode("utf-8", errors="replace")

    def zerops_yaml(self) -> tuple[str, str] | None:
        """``(file name, text)`` of the tree's zerops.yaml (either spelling), ``None`` when missing or empty.

        A file over :data:`MAX_SOURCE_BYTES` is ``INVALID_ZEROPS_YML`` (saying so), not "missing".
        """
        from zcp.errors import InvalidZeropsYaml

        for name in ZEROPS_YAML_NAMES:
            path = self.root / name
            try:
                size = path.stat().st_size if path.is_file() else 0
            except OSError:
                size = 0
            if size > MAX_SOURCE_BYTES:
                raise InvalidZeropsYaml(
                    f"{name} is {size} bytes, more than the {MAX_SOURCE_BYTES} zcp reads",
                    suggestion="A zerops.yaml is a few kilobytes: check that this is the right file.",
                )
            text = self.read(name)
            if text is not None and text.strip():
                return name, text
        return None

    def git_remote(self, name: str = "origin") -> str | None:
        """The URL of a git remote as ``.git/config`` records it."""
        text = self.read(".git/config")
        if text is None:
            return None
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        try:
            parser.read_string(text)
        except configparser.Error:
            return None
        section = f'remote "{name}"'
        return parser.get(section, "url", fallback=None) if parser.has_section(section) else None


def source_tree(work_dir: Path, mount_root: Path, hostname: str, *, in_container: bool) -> SourceTree:
    """The source of ``hostname``: its mount in a container, the working directory otherwise."""
    if in_container:
        return SourceTree(mount_root / check_hostname(hostname), "mount")
    return SourceTree(work_dir, "local")
