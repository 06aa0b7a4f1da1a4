"""The server's instructions carry runtime facts only; the static rules live in AGENTS.md."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from zcp.app import App
from zcp.auth import PlatformConnection
from zcp.config import load_settings
from zcp.server.instructions import MAX_BYTES, build_instructions, runtime_facts
from zcp.setup.agents import agents_text


def _app(**env: str) -> App:
    return App(load_settings(env))


def _every_variant(tmp_path: Path) -> list[str]:
    connected = _app()
    connected.platform = cast(
        PlatformConnection, SimpleNamespace(project=SimpleNamespace(name="demo", id="p" * 22))
    )
    apps = [_app(), _app(ZCP_READ_ONLY="1"), _app(serviceId="svc1", hostname="zcp"), connected]
    (tmp_path / "with").mkdir(exist_ok=True)
    (tmp_path / "with" / "AGENTS.md").write_text("x", encoding="utf-8")
    return [
        build_instructions(app, working_dir=folder)
        for app in apps
        for folder in (tmp_path, tmp_path / "with")
    ]


def test_instructions_stay_small_and_deterministic(tmp_path: Path) -> None:
    for text in _every_variant(tmp_path):
        assert len(text.encode()) <= MAX_BYTES
    assert _every_variant(tmp_path) == _every_variant(tmp_path)


def test_no_static_rule_leaks_into_the_instructions(tmp_path: Path) -> None:
    """The split: tool routing and error handling are AGENTS.md's; instructions name no tool."""
    rules = agents_text("local") + agents_text("container", hostname="zcp")
    rule_lines = {line.strip() for line in rules.splitlines() if len(line.strip()) > 30}
    for text in _every_variant(tmp_path):
        assert not re.search(r"\bzerops_[a-z_]+", text), text
        assert not {line.strip("- ") for line in text.splitlines()} & rule_lines
        for phrase in ("recovery", "suggestion", "zerops.yaml", "routing"):
            assert phrase not in text


@pytest.mark.parametrize(
    ("env", "fact"),
    [
        ({}, "Knowledge-only mode"),
        ({"ZCP_READ_ONLY": "1"}, "Read-only mode"),
        ({"serviceId": "s1", "hostname": "zcpx"}, "in the service `zcpx`"),
    ],
)
def test_each_runtime_fact_appears_when_it_is_true(tmp_path: Path, env: dict[str, str], fact: str) -> None:
    assert any(fact in line for line in runtime_facts(_app(**env), working_dir=tmp_path))


def test_missing_standing_instructions_point_at_zcp_init(tmp_path: Path) -> None:
    assert "`zcp init`" in build_instructions(_app(), working_dir=tmp_path)
    (tmp_path / "AGENTS.md").write_text("# mine\n", encoding="utf-8")
    assert "zcp init" not in build_instructions(_app(), working_dir=tmp_path)


def test_more_runtime_facts_are_appended_as_lines(tmp_path: Path) -> None:
    text = build_instructions(
        _app(), working_dir=tmp_path, extra_facts=["Open session: bootstrap, step provision."]
    )
    assert text.splitlines()[-1] == "- Open session: bootstrap, step provision."
