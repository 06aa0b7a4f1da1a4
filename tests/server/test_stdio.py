"""`zcp serve` as a real STDIO subprocess, the way an agent's host runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.plugins.core import result_text
from tests.plugins.knowledge import FIXTURE_CORPUS

pytestmark = pytest.mark.anyio


def _params(tmp_path: Path, **env: str) -> StdioServerParameters:
    base = {
        "ZCP_CORPUS_DIR": str(FIXTURE_CORPUS),
        "ZCP_INDEX_DIR": str(tmp_path / "index"),
        "HOME": str(tmp_path),
    }
    return StdioServerParameters(command=sys.executable, args=["-m", "zcp", "serve"], env={**base, **env})


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_stdio_session_without_credentials_serves_knowledge(tmp_path: Path, mode: str) -> None:
    async with Client(_params(tmp_path), mode=mode, read_timeout_seconds=30) as client:
        tools = await client.list_tools()
        assert "zerops_knowledge" in {t.name for t in tools.tools}
        result = await client.call_tool("zerops_knowledge", {"query": "valkey port"})
        assert not result.is_error
        assert result.structured_content["hits"][0]["uri"] == "zerops://themes/services#valkey"
        error = await client.call_tool("zerops_knowledge", {})
        assert json.loads(result_text(error))["code"] == "INVALID_PARAMETER"


async def test_instructions_describe_knowledge_only_mode(tmp_path: Path) -> None:
    async with Client(_params(tmp_path), mode="legacy", read_timeout_seconds=30) as client:
        instructions = client.instructions
        assert instructions is not None and "Knowledge-only mode" in instructions
        assert len(instructions.encode()) < 2048


def _run_serve(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-m", "zcp", "serve"],
        input="",
        capture_output=True,
        text=True,
        env=full,
        timeout=30,
        check=False,
    )


def test_a_malformed_setting_fails_start_up_loudly_without_touching_stdout(tmp_path: Path) -> None:
    done = _run_serve(tmp_path, {"ZCP_READ_ONLY": "perhaps"})
    assert done.returncode == 1
    assert done.stdout == ""
    assert "ZCP_READ_ONLY='perhaps' is not a boolean" in done.stderr
    assert "hint:" in done.stderr


def test_the_server_exits_cleanly_when_the_client_closes_stdin(tmp_path: Path) -> None:
    done = _run_serve(tmp_path, {"ZCP_CORPUS_DIR": str(FIXTURE_CORPUS)})
    assert done.returncode == 0
    assert done.stdout == ""


def test_serve_start_up_imports_nothing_heavy(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from zcp.cli import build_parser\n"
        "build_parser('serve')\n"
        "from zcp.app import App\n"
        "from zcp.config import load_settings\n"
        "from zcp.server.app import build_server\n"
        "build_server(App(load_settings({})))\n"
        "heavy = ['whoosh', 'asyncssh', 'github', 'jsonschema', 'httpx', 'zcp.sandbox', 'zcp.sync',\n"
        "         'zcp.schema', 'zcp.workflow', 'zcp.knowledge.index', 'markdown_it', 'zcp.tools.knowledge',\n"
        "         'zcp.platform.models']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert done.stdout.strip() == "[]"
