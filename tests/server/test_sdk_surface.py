"""The MCP SDK surface zcp relies on beyond the public API is still there, in the tested version."""

from __future__ import annotations

import tomllib
from pathlib import Path

from zcp.app import App
from zcp.config import load_settings
from zcp.server import sdk
from zcp.server.app import build_server

REPO = Path(__file__).resolve().parents[2]


def test_the_installed_mcp_sdk_is_the_tested_range() -> None:
    version = sdk.sdk_version()
    low, high = sdk.TESTED_RANGE
    assert sdk.version_tested(version), (
        f"mcp {version} is installed, but zcp/server/sdk.py was tested with >= {low[0]}.{low[1]}, "
        f"< {high[0]}.{high[1]}: check the private surface it uses, then widen TESTED_RANGE and the pin"
    )


def test_the_dependency_pin_matches_the_tested_range() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = [d for d in project["dependencies"] if d.startswith("mcp")]
    (low, high) = sdk.TESTED_RANGE
    assert pins == [f"mcp>={low[0]}.{low[1]},<{high[0]}.{high[1]}"]


def test_the_private_sdk_surface_zcp_uses_is_unchanged() -> None:
    server = build_server(App(load_settings({})))
    problems = sdk.private_surface_problems(server)
    assert not problems, f"mcp {sdk.sdk_version()} changed what zcp/server/sdk.py relies on: {problems}"


def test_zcp_s_handlers_are_the_ones_the_sdk_dispatches_to() -> None:
    server = build_server(App(load_settings({})))
    inner = sdk.lowlevel(server)
    assert inner.get_tool_input_schema == server._tool_schema
    for method, handler in (
        ("resources/list", server._list_resources_page),
        ("logging/setLevel", server._set_logging_level),
    ):
        entry = inner.get_request_handler(method)
        assert entry is not None and entry.handler == handler, f"mcp {sdk.sdk_version()}: {method} not ours"


def test_version_parsing_accepts_only_the_range() -> None:
    assert sdk.version_tested("2.3.0") and sdk.version_tested("2.3.17")
    assert not sdk.version_tested("2.4.0") and not sdk.version_tested("3.0") and not sdk.version_tested("dev")
