"""A disk copy of the ``tools/list`` answer, so a host's first listing does not wait for the tools.

Building the tools (importing every tool module and generating their JSON schemas with pydantic)
costs a few hundred milliseconds, about half of what importing the MCP SDK itself costs. A host
lists the tools right after ``initialize``; ``zcp serve`` answers that from this cache and builds
the real tools only for the first call.

The cache file is named by a key over everything the listing depends on: zcp's source files
(path, size, modification time), the versions of zcp, the SDK and pydantic, and the parts of the
process that may change a tool's definition (container or local, read-only, connected or not).
Any change gives a new key, so a stale listing is never served; a missing or unreadable file is
simply rebuilt. Writes are atomic and failures to write are only logged.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mcp.types import Tool as MCPTool

from zcp import __version__
from zcp.state.fs import atomic_write_text

log = logging.getLogger(__name__)

__all__ = ["ToolListingCache", "listing_key"]

_PACKAGE = Path(__file__).resolve().parents[1]
_FORMAT = 1


def _source_stamp(package: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package).as_posix()}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def listing_key(variant: dict[str, Any], *, package: Path = _PACKAGE) -> str:
    """The cache key for a process of this ``variant`` running this code."""
    parts = {
        "format": _FORMAT,
        "zcp": __version__,
        "mcp": importlib.metadata.version("mcp"),
        "pydantic": importlib.metadata.version("pydantic"),
        "sources": _source_stamp(package),
        "variant": variant,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


class ToolListingCache:
    """The cached listing for one process (``folder`` is usually ``~/.cache/zcp/tools``)."""

    def __init__(self, folder: Path, variant: dict[str, Any], *, package: Path = _PACKAGE) -> None:
        self.folder = folder
        self.path = folder / f"tools-{listing_key(variant, package=package)}.json"

    def load(self) -> list[MCPTool] | None:
        """The cached tools, or ``None`` when there is no usable copy."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [MCPTool.model_validate(item) for item in data]
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            log.info("ignoring the unreadable tool listing cache %s: %s", self.path, error)
            return None

    def store(self, tools: Sequence[MCPTool]) -> None:
        """Write the listing (atomically); older listings in the folder are removed."""
        text = json.dumps([t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools])
        try:
            atomic_write_text(self.path, text)
            for old in self.folder.glob("tools-*.json"):
                if old != self.path:
                    old.unlink(missing_ok=True)
        except OSError as error:
            log.info("could not write the tool listing cache %s: %s", self.path, error)
