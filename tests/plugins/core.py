"""Fixtures every subsystem uses: settings, isolated secrets, markdown snapshots."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from zcp.secrets import forget_secrets

REPO_ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT_ROOT = REPO_ROOT / "snapshots"


class MarkdownSnapshotExtension(SingleFileSnapshotExtension):
    """One readable ``.md`` file per snapshot under ``snapshots/<test module>/``."""

    file_extension = "md"
    _write_mode = WriteMode.TEXT

    @classmethod
    def dirname(cls, *, test_location: Any) -> str:
        return str(SNAPSHOT_ROOT / test_location.basename)


@pytest.fixture
def snapshot_md(snapshot: Any) -> Any:
    """A syrupy snapshot stored as a markdown file."""
    return snapshot.use_extension(MarkdownSnapshotExtension)


def result_text(result: Any) -> str:
    """The text of a tool result's single text block."""
    from mcp.types import TextContent

    block = result.content[0]
    assert isinstance(block, TextContent), block
    return block.text


@pytest.fixture(autouse=True)
def _isolated_secrets() -> Iterator[None]:
    forget_secrets()
    yield
    forget_secrets()
