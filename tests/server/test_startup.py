"""`zcp serve` start-up against the sandbox: platform mode with good credentials, a loud failure
with wrong ones, knowledge-only without any."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.plugins.knowledge import FIXTURE_CORPUS
from tests.plugins.sandbox import SandboxHandle


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "ZCP_CORPUS_DIR": str(FIXTURE_CORPUS),
        "ZCP_INDEX_DIR": str(tmp_path / "index"),
        **extra,
    }


def _serve(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zcp", "serve"],
        input="",
        capture_output=True,
        text=True,
        env=_env(tmp_path, **extra),
        timeout=60,
        check=False,
    )


@pytest.mark.anyio
@pytest.mark.sandbox(seed="standard")
async def test_good_credentials_start_the_server_in_platform_mode(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "zcp", "serve"],
        env=_env(tmp_path, ZCP_API_HOST=sandbox.url, ZCP_API_KEY=sandbox.token),
    )
    async with Client(params, mode="legacy", read_timeout_seconds=30) as client:
        assert client.instructions is not None
        assert "Knowledge-only" not in client.instructions
        assert "Managing the Zerops project `demo`" in client.instructions


@pytest.mark.sandbox(seed="standard")
def test_a_wrong_token_fails_start_up_loudly(sandbox: SandboxHandle, tmp_path: Path) -> None:
    done = _serve(tmp_path, ZCP_API_HOST=sandbox.url, ZCP_API_KEY="not-the-right-token-123")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "rejected the token" in done.stderr
    assert "not-the-right-token-123" not in done.stderr


@pytest.mark.sandbox(seed="multi_project")
def test_a_token_seeing_several_projects_says_how_to_pick_one(sandbox: SandboxHandle, tmp_path: Path) -> None:
    done = _serve(tmp_path, ZCP_API_HOST=sandbox.url, ZCP_API_KEY=sandbox.token)
    assert done.returncode == 1
    assert "zcp manages exactly one" in done.stderr
    assert "hint:" in done.stderr


def test_an_unreachable_api_fails_start_up_with_a_network_error(tmp_path: Path) -> None:
    done = _serve(tmp_path, ZCP_API_HOST="http://127.0.0.1:9", ZCP_API_KEY="some-token-value")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("error:")
