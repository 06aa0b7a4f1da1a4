"""Start ``zcp serve --http`` as a subprocess on a free loopback port, the way the CI suite does."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.plugins.knowledge import FIXTURE_CORPUS

ANNOUNCE = "zcp serving MCP over streamable HTTP at "


def serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "ZCP_CORPUS_DIR": str(FIXTURE_CORPUS),
        "ZCP_INDEX_DIR": str(tmp_path / "index"),
        **extra,
    }


@contextmanager
def http_server(tmp_path: Path, *args: str, timeout: float = 60.0, **env: str) -> Iterator[str]:
    """Yield the ``/mcp`` URL of a running ``zcp serve --http``; the process ends with the block."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "zcp", "serve", "--http", "127.0.0.1:0", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=serve_env(tmp_path, **env),
        text=True,
    )
    assert proc.stderr is not None
    try:
        selector = selectors.DefaultSelector()
        selector.register(proc.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        url = None
        while url is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise AssertionError(f"zcp serve --http did not announce its URL: {seen}")
            line = proc.stderr.readline()
            if not line:
                raise AssertionError(f"zcp serve --http exited ({proc.wait()}): {seen}")
            seen.append(line)
            if line.startswith(ANNOUNCE):
                url = line.removeprefix(ANNOUNCE).strip()
        selector.close()
        # Keep draining stderr: a server that logs more than a pipe buffer would otherwise block.
        threading.Thread(target=_drain, args=(proc.stderr,), daemon=True).start()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _drain(stream: Any) -> None:
    try:
        for _line in stream:
            pass
    except (OSError, ValueError):  # closed by the context manager's exit
        pass


def text_of(item: Any) -> str:
    """The text of a resource content or prompt message (failing the test when it has none)."""
    content = getattr(item, "content", item)
    text = getattr(content, "text", None)
    assert isinstance(text, str), item
    return text
