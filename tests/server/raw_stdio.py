"""A raw JSON-RPC client for ``zcp serve``: bytes in, one parsed answer per line out.

The MCP SDK client refuses to send what a hostile or broken client sends (lone surrogates, 5,000
levels of nesting, half a line), so the transport tests speak to the real subprocess through its
pipes. Reads wait on the pipe with a timeout (a guard against a hang, not a pause).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.plugins.knowledge import FIXTURE_CORPUS

#: How long one answer may take before the test calls it a hang.
ANSWER_TIMEOUT = float(os.environ.get("ZCP_TEST_ANSWER_TIMEOUT", "30"))


class RawStdio:
    """``zcp serve`` as a subprocess, spoken to line by line."""

    def __init__(self, tmp_path: Path, **env: str) -> None:
        full = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "ZCP_CORPUS_DIR": str(FIXTURE_CORPUS),
            "ZCP_INDEX_DIR": str(tmp_path / "index"),
            **env,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "zcp", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=full,
            cwd=tmp_path,
        )
        self._buffer = b""
        self._next_id = 1000

    def send_raw(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_raw(json.dumps(message).encode("utf-8") + b"\n")

    def read(self, timeout: float = ANSWER_TIMEOUT) -> dict[str, Any]:
        """The next line the server writes, parsed (fails the test on a hang or a non-JSON line)."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([fd], [], [], timeout)
            assert ready, f"no answer within {timeout}s"
            chunk = os.read(fd, 65536)
            assert chunk, "the server closed stdout"
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        parsed: dict[str, Any] = json.loads(line)
        return parsed

    def answer_to(self, request_id: int | str) -> dict[str, Any]:
        """The answer to ``request_id`` (notifications and other messages before it are skipped)."""
        while True:
            message = self.read()
            if message.get("id") == request_id and ("result" in message or "error" in message):
                return message

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return self.answer_to(self._next_id)

    def initialize(self) -> None:
        answer = self.request(
            "initialize",
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "raw", "version": "1"},
            },
        )
        assert "result" in answer, answer
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def ping(self) -> None:
        assert self.request("ping").get("result") == {}

    def close(self) -> int:
        """Close stdin (the client hangs up) and wait for the server to exit; its exit code."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        code = self.process.wait(timeout=ANSWER_TIMEOUT)
        self.process.stdout.close()
        return code
