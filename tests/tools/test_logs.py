"""zerops_logs through the MCP SDK client against the sandbox: filters, pages, build logs, errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.plugins.core import result_text
from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import commands
from tests.tools.read_harness import (
    PLATFORM_CODES,
    check_structured,
    emit_log,
    read_session,
)
from zcp.tools.untrusted import NOTICE

pytestmark = pytest.mark.anyio
TOOL = "zerops_logs"


def _emit_lines(sandbox: SandboxHandle, hostname: str, count: int, *, prefix: str = "line") -> None:
    for n in range(count):
        sandbox.advance(0.5)
        emit_log(sandbox, hostname, f"{prefix} {n}", severity=3 if n % 5 == 0 else 6)


def _messages(data: dict[str, Any]) -> list[str]:
    return [entry["message"] for entry in data["entries"]]


@pytest.mark.sandbox(seed="standard")
async def test_recent_runtime_lines_come_oldest_first_and_fenced(sandbox: SandboxHandle) -> None:
    _emit_lines(sandbox, "appdev", 3)
    async with read_session(sandbox) as session:
        result = await session.call(TOOL, {"serviceHostname": "appdev"})
    data = result.structured_content
    assert data is not None
    assert _messages(data) == ["line 0", "line 1", "line 2"]  # the seed's 20 h old line is outside 1h
    assert data["hasMore"] is False and "cursor" not in data
    assert data["entries"][0]["severity"] == "error" and data["entries"][1]["severity"] == "info"
    assert data["entries"][0]["container"] == "appdev-1"
    text = result_text(result)
    assert NOTICE in text and text.index("line 0") > text.index("````untrusted-data")


@pytest.mark.sandbox(seed="standard")
async def test_since_reaches_older_lines(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        data = await session.ok(TOOL, {"serviceHostname": "appdev", "since": "24h"})
        assert _messages(data) == ["Server listening on http://0.0.0.0:3000"]
        stamp = data["entries"][0]["timestamp"]
        exact = await session.ok(TOOL, {"serviceHostname": "appdev", "since": stamp})
        assert _messages(exact) == _messages(data)


@pytest.mark.sandbox(seed="standard")
async def test_severity_keeps_that_level_or_worse_in_any_letter_case(sandbox: SandboxHandle) -> None:
    _emit_lines(sandbox, "appdev", 10)
    emit_log(sandbox, "appdev", "disk almost full", severity=4)
    async with read_session(sandbox) as session:
        errors = await session.ok(TOOL, {"serviceHostname": "appdev", "severity": "ERROR"})
        warnings = await session.ok(TOOL, {"serviceHostname": "appdev", "severity": "warn"})
    assert _messages(errors) == ["line 0", "line 5"]
    assert _messages(warnings) == ["line 0", "line 5", "disk almost full"]


@pytest.mark.sandbox(seed="standard")
async def test_search_is_case_insensitive(sandbox: SandboxHandle) -> None:
    emit_log(sandbox, "appdev", "Connection REFUSED by db:5432")
    emit_log(sandbox, "appdev", "all good")
    async with read_session(sandbox) as session:
        data = await session.ok(TOOL, {"serviceHostname": "appdev", "search": "refused"})
    assert _messages(data) == ["Connection REFUSED by db:5432"]


@pytest.mark.sandbox(seed="standard")
async def test_pages_continue_with_the_cursor_without_gaps_or_repeats(sandbox: SandboxHandle) -> None:
    _emit_lines(sandbox, "appdev", 25)
    pages: list[list[str]] = []
    async with read_session(sandbox) as session:
        data = await session.ok(TOOL, {"serviceHostname": "appdev", "limit": 10})
        pages.append(_messages(data))
        assert data["hasMore"] is True
        assert commands(data) == [f'zerops_logs serviceHostname="appdev" cursor="{data["cursor"]}" limit=10']
        _emit_lines(sandbox, "appdev", 4, prefix="later")  # new lines must not shift the next page
        while data["hasMore"]:
            data = await session.ok(
                TOOL, {"serviceHostname": "appdev", "limit": 10, "cursor": data["cursor"]}
            )
            pages.append(_messages(data))
    assert [len(page) for page in pages] == [10, 10, 5]
    everything = [line for page in reversed(pages) for line in page]
    assert everything == [f"line {n}" for n in range(25)]


@pytest.mark.sandbox(seed="standard")
async def test_a_cursor_from_another_query_or_a_made_up_one_is_refused(sandbox: SandboxHandle) -> None:
    _emit_lines(sandbox, "appdev", 5)
    async with read_session(sandbox) as session:
        data = await session.ok(TOOL, {"serviceHostname": "appdev", "limit": 2})
        other = await session.error(
            TOOL, {"serviceHostname": "appdev", "limit": 2, "severity": "error", "cursor": data["cursor"]}
        )
        junk = await session.error(TOOL, {"serviceHostname": "appdev", "cursor": "not-a-cursor"})
    assert other["code"] == junk["code"] == "INVALID_PARAMETER"
    assert "different query" in other["error"] and "drop it" in junk["suggestion"]


@pytest.mark.sandbox(seed="standard")
async def test_a_search_that_runs_out_of_window_says_so(sandbox: SandboxHandle) -> None:
    with sandbox.sandbox.lock:
        service = sandbox.service("appdev")
        for n in range(1005):
            sandbox.sandbox.emit_log(service, f"noise {n}")
    async with read_session(sandbox) as session:
        data = await session.ok(TOOL, {"serviceHostname": "appdev", "search": "needle"})
    assert data["entries"] == [] and data["hasMore"] is False
    assert "beyond the newest 1000" in data["notes"][0]


@pytest.mark.sandbox(seed="standard")
async def test_a_very_long_line_is_cut(sandbox: SandboxHandle) -> None:
    emit_log(sandbox, "appdev", "x" * 5000)
    async with read_session(sandbox) as session:
        data = await session.ok(TOOL, {"serviceHostname": "appdev"})
    assert len(data["entries"][0]["message"]) == 1002 and data["entries"][0]["message"].endswith(" …")


@pytest.mark.sandbox(seed="failed_build")
async def test_the_build_log_of_the_latest_build_explains_the_failure(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        data = await session.ok(TOOL, {"serviceHostname": "appdev", "source": "build"})
        errors = await session.ok(
            TOOL,
            {"serviceHostname": "appdev", "source": "build", "buildId": data["buildId"], "severity": "error"},
        )
    assert data["source"] == "build" and data["buildId"]
    assert "npm error code ERESOLVE" in _messages(data)
    assert _messages(errors) == ["npm error code ERESOLVE", "Command failed with exit code 1"]
    assert all(entry["container"] == "appdev-build-1" for entry in data["entries"])


@pytest.mark.sandbox(seed="standard")
async def test_build_log_errors_unknown_build_wrong_source_and_no_builds(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        unknown = await session.error(
            TOOL, {"serviceHostname": "appdev", "source": "build", "buildId": "nope"}
        )
        runtime = await session.error(TOOL, {"serviceHostname": "appdev", "buildId": "abc"})
        none = await session.ok(TOOL, {"serviceHostname": "db", "source": "build"})
    assert unknown["code"] == "INVALID_PARAMETER" and unknown["details"]["recentBuilds"]
    assert runtime["code"] == "INVALID_PARAMETER" and 'source="build"' in runtime["suggestion"]
    assert none["entries"] == [] and "no build yet" in none["notes"][0]


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"serviceHostname": "appdev", "since": "2000m"}, "INVALID_PARAMETER"),
        ({"serviceHostname": "appdev", "since": "yesterday"}, "INVALID_PARAMETER"),
        ({"serviceHostname": "appdev", "since": "2025-13-45Tnope"}, "INVALID_PARAMETER"),
        ({"serviceHostname": "appdev", "limit": 0}, "INVALID_PARAMETER"),
        ({"serviceHostname": "appdev", "limit": 201}, "INVALID_PARAMETER"),
        ({"serviceHostname": "appdev", "severity": "loud"}, "INVALID_PARAMETER"),
        ({"serviceHostname": "appdev", "source": "deploy"}, "INVALID_PARAMETER"),
        ({}, "INVALID_PARAMETER"),
        ({"serviceHostname": "App Dev"}, "INVALID_HOSTNAME"),
        ({"serviceHostname": "web"}, "SERVICE_NOT_FOUND"),
    ],
)
@pytest.mark.sandbox(seed="standard")
async def test_bad_input_gets_one_structured_error(
    sandbox: SandboxHandle, arguments: dict[str, Any], code: str
) -> None:
    async with read_session(sandbox) as session:
        payload = await session.error(TOOL, arguments)
    assert payload["code"] == code and payload["suggestion"]


@pytest.mark.sandbox(seed="standard")
async def test_a_failing_log_backend_is_an_api_error(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        sandbox.fault("log_backend", status=500)
        backend = await session.error(TOOL, {"serviceHostname": "appdev"})
        sandbox.sandbox.faults.clear()
        sandbox.fault("get_project_log", status=503)
        access = await session.error(TOOL, {"serviceHostname": "appdev"})
    assert backend["code"] == access["code"] == "API_ERROR"


@pytest.mark.sandbox(seed="standard")
async def test_read_only_mode_still_reads_logs(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox, read_only=True) as session:
        assert (await session.ok(TOOL, {"serviceHostname": "db", "since": "1d"}))["entries"]


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 500), st.text(max_size=16))


@pytest.mark.sandbox(seed="standard")
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    arguments=st.dictionaries(
        st.sampled_from(
            ["serviceHostname", "source", "severity", "since", "search", "limit", "cursor", "buildId", "x"]
        ),
        _VALUES,
        max_size=5,
    )
)
async def test_no_input_raises_or_returns_an_unstructured_error(
    sandbox: SandboxHandle, arguments: dict[str, Any]
) -> None:
    async with read_session(sandbox) as session:
        result = await session.call(TOOL, arguments)
    check_structured(result, {"INVALID_PARAMETER", "INVALID_HOSTNAME", "SERVICE_NOT_FOUND", *PLATFORM_CODES})
