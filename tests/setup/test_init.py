"""`zcp init`: writes zcp's part of AGENTS.md, CLAUDE.md, .mcp.json and Claude Code's settings,
and only that part, however often it runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zcp.errors import ConfigError
from zcp.setup.agents import agents_text
from zcp.setup.files import BEGIN, END, replace_block
from zcp.setup.init import InitPlan, registered_tool_names, run_init, serve_command

FILES = ("AGENTS.md", "CLAUDE.md", ".mcp.json", ".claude/settings.local.json")


def _plan(folder: Path, environment: str = "local", **changes: object) -> InitPlan:
    base = InitPlan(
        working_dir=folder,
        environment=environment,  # type: ignore[arg-type]
        tool_names=("zerops_knowledge", "zerops_discover"),
        command="zcp",
        args=("serve",),
        hostname="zcp" if environment == "container" else None,
    )
    return InitPlan(**{**base.__dict__, **changes})


def _snapshot(folder: Path) -> dict[str, str]:
    return {name: (folder / name).read_text(encoding="utf-8") for name in FILES if (folder / name).exists()}


def test_a_fresh_folder_gets_all_four_files(tmp_path: Path) -> None:
    results = run_init(_plan(tmp_path))
    assert [(r.path.relative_to(tmp_path).as_posix(), r.outcome) for r in results] == [
        (name, "created") for name in FILES
    ]
    agents = (tmp_path / "AGENTS.md").read_text(encoding="utf-8")
    assert agents.startswith(BEGIN) and agents.rstrip().endswith(END)
    assert agents_text("local").strip() in agents
    assert "@AGENTS.md" in (tmp_path / "CLAUDE.md").read_text(encoding="utf-8")
    mcp = json.loads((tmp_path / ".mcp.json").read_text(encoding="utf-8"))
    assert mcp == {"mcpServers": {"zcp": {"type": "stdio", "command": "zcp", "args": ["serve"]}}}
    settings = json.loads((tmp_path / ".claude/settings.local.json").read_text(encoding="utf-8"))
    assert settings["permissions"]["allow"] == ["mcp__zcp__zerops_knowledge", "mcp__zcp__zerops_discover"]
    assert settings["enabledMcpjsonServers"] == ["zcp"]


def test_running_it_again_changes_nothing(tmp_path: Path) -> None:
    run_init(_plan(tmp_path))
    before = _snapshot(tmp_path)
    results = run_init(_plan(tmp_path))
    assert {r.outcome for r in results} == {"unchanged"}
    assert _snapshot(tmp_path) == before


def test_user_text_around_the_block_is_kept_byte_for_byte(tmp_path: Path) -> None:
    head, tail = "# Our project\n\nUse tabs.\n", "\n## Later notes\n\nKeep this too.\n"
    (tmp_path / "AGENTS.md").write_text(head, encoding="utf-8")
    run_init(_plan(tmp_path))
    with (tmp_path / "AGENTS.md").open("a", encoding="utf-8") as handle:
        handle.write(tail)
    results = run_init(_plan(tmp_path, "container"))
    text = (tmp_path / "AGENTS.md").read_text(encoding="utf-8")
    assert text.startswith(head) and text.endswith(tail)
    assert "in the zcp service `zcp`" in text and "developer machine" not in text
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    assert results[0].outcome == "updated"


def test_other_servers_and_the_users_env_on_zcps_entry_survive(tmp_path: Path) -> None:
    (tmp_path / ".mcp.json").write_text(
        json.dumps(
            {
                "mcpServers": {
                    "other": {"command": "other-mcp"},
                    "zcp": {"command": "old-zcp", "args": [], "env": {"ZCP_API_KEY": "secret-from-user"}},
                },
                "extra": 1,
            }
        ),
        encoding="utf-8",
    )
    run_init(_plan(tmp_path))
    data = json.loads((tmp_path / ".mcp.json").read_text(encoding="utf-8"))
    assert data["extra"] == 1 and data["mcpServers"]["other"] == {"command": "other-mcp"}
    assert data["mcpServers"]["zcp"] == {
        "command": "zcp",
        "args": ["serve"],
        "env": {"ZCP_API_KEY": "secret-from-user"},
        "type": "stdio",
    }


def test_only_zcps_permission_rules_are_replaced(tmp_path: Path) -> None:
    path = tmp_path / ".claude" / "settings.local.json"
    path.parent.mkdir()
    path.write_text(
        json.dumps(
            {
                "permissions": {"allow": ["Bash(npm test)", "mcp__zcp__zerops_gone"], "deny": ["Bash(rm *)"]},
                "enabledMcpjsonServers": ["other"],
                "model": "x",
            }
        ),
        encoding="utf-8",
    )
    run_init(_plan(tmp_path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["permissions"] == {
        "allow": ["Bash(npm test)", "mcp__zcp__zerops_knowledge", "mcp__zcp__zerops_discover"],
        "deny": ["Bash(rm *)"],
    }
    assert data["enabledMcpjsonServers"] == ["other", "zcp"] and data["model"] == "x"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (".mcp.json", "{ not json"),
        (".mcp.json", "[1, 2]"),
        ("AGENTS.md", f"mine\n{BEGIN}\nno end marker\n"),
        ("CLAUDE.md", f"mine\n{END}\n"),
    ],
)
def test_a_file_zcp_cannot_parse_is_left_alone_and_nothing_is_written(
    tmp_path: Path, name: str, content: str
) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        run_init(_plan(tmp_path))
    assert caught.value.suggestion
    assert _snapshot(tmp_path) == {name: content}


def test_a_rewrite_keeps_the_files_mode(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").write_text("mine\n", encoding="utf-8")
    os.chmod(tmp_path / "AGENTS.md", 0o600)
    run_init(_plan(tmp_path))
    assert (tmp_path / "AGENTS.md").stat().st_mode & 0o777 == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_block_replacement_is_exact_around_the_markers() -> None:
    path = Path("AGENTS.md")
    once = replace_block("a\n", "one", path=path)
    assert once == f"a\n\n{BEGIN}\none\n{END}\n"
    assert replace_block(once + "b\n", "two", path=path) == f"a\n\n{BEGIN}\ntwo\n{END}\nb\n"


def test_tools_that_destroy_data_are_not_pre_approved() -> None:
    safe = registered_tool_names()
    every = registered_tool_names(include_destructive=True)
    assert "zerops_knowledge" in safe and "zerops_delete" not in safe
    assert "zerops_delete" in every and set(safe) < set(every)


def test_the_server_command_falls_back_to_this_interpreter() -> None:
    assert serve_command(lambda name: "/usr/bin/zcp") == ("zcp", ("serve",))
    assert serve_command(lambda name: None) == (sys.executable, ("-m", "zcp", "serve"))


@pytest.mark.slow
def test_zcp_init_in_a_container_writes_the_container_instructions(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "serviceId": "s1", "hostname": "zcpsvc"}
    done = subprocess.run(
        [sys.executable, "-m", "zcp", "init"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "zcp init (container)" in done.stdout and "created  AGENTS.md" in done.stdout
    assert "in the zcp service `zcpsvc`" in (tmp_path / "AGENTS.md").read_text(encoding="utf-8")
    local = subprocess.run(
        [sys.executable, "-m", "zcp", "init", "--local"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert local.returncode == 0 and "updated  AGENTS.md" in local.stdout
    assert "developer machine" in (tmp_path / "AGENTS.md").read_text(encoding="utf-8")
