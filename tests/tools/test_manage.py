"""zerops_manage through the MCP SDK client against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.plugins.core import result_text
from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import (
    Progress,
    commands,
    error_payload,
    in_container,
    knowledge_only_session,
    mutating_hits,
    request_count,
    tool_session,
)

pytestmark = [pytest.mark.anyio]


@pytest.mark.sandbox(seed="standard")
async def test_tool_is_listed_as_mutating_idempotent_and_not_destructive(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        tools = {t.name: t for t in (await session.client.list_tools()).tools}
    hints = tools["zerops_manage"].annotations
    assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint) == (False, False, True)
    schema = tools["zerops_manage"].input_schema
    assert schema["properties"]["action"]["enum"] == [
        "start",
        "stop",
        "restart",
        "reload",
        "connect-storage",
        "disconnect-storage",
    ]
    assert tools["zerops_manage"].output_schema is not None


@pytest.mark.sandbox(seed="standard")
async def test_restart_waits_for_the_process_and_reports_progress(sandbox: SandboxHandle) -> None:
    progress = Progress()
    async with tool_session(sandbox) as session:
        data = await session.ok(
            "zerops_manage", {"action": "restart", "serviceHostname": "appdev"}, progress=progress
        )
    assert data["outcome"] == "done"
    assert data["process"]["actionName"] == "stack.restart"
    assert data["process"]["status"] == "FINISHED"
    assert commands(data) == ['zerops_verify serviceHostname="appdev"']
    assert sandbox.service("appdev").status == "ACTIVE"
    steps = [p for p, _, _ in progress.events]
    assert len(steps) >= 2 and steps == sorted(set(steps))
    assert all(m.startswith("restart appdev: ") for m in progress.messages)


@pytest.mark.sandbox(seed="standard")
async def test_stop_then_start_changes_the_service_status(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        stopped = await session.ok("zerops_manage", {"action": "stop", "serviceHostname": "appstage"})
        assert sandbox.service("appstage").status == "STOPPED"
        assert commands(stopped) == ['zerops_manage action="start" serviceHostname="appstage"']
        started = await session.ok("zerops_manage", {"action": "start", "serviceHostname": "appstage"})
    assert started["outcome"] == "done"
    assert sandbox.service("appstage").status == "ACTIVE"


@pytest.mark.sandbox(seed="standard")
async def test_a_short_wait_returns_still_running_with_the_poll_call(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        result = await session.call(
            "zerops_manage", {"action": "restart", "serviceHostname": "appdev", "waitSeconds": 1}
        )
    data = result.structured_content
    assert data is not None and data["outcome"] == "running"
    process_id = data["process"]["processId"]
    assert data["process"]["stillRunning"] is True
    assert commands(data) == [f'zerops_process processId="{process_id}"']
    assert f'zerops_process processId="{process_id}"' in result_text(result)


@pytest.mark.sandbox(seed="standard")
async def test_wait_seconds_zero_returns_at_once(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        before = sandbox.hits("get_process")
        data = await session.ok(
            "zerops_manage", {"action": "restart", "serviceHostname": "appdev", "waitSeconds": 0}
        )
    assert data["outcome"] == "running"
    assert sandbox.hits("get_process") == before


@pytest.mark.sandbox(seed="adoptable")
async def test_connect_storage_mounts_it_and_says_where(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        data = await session.ok(
            "zerops_manage",
            {"action": "connect-storage", "serviceHostname": "web", "storageHostname": "files"},
        )
    assert data["outcome"] == "done" and data["storageHostname"] == "files"
    assert "/mnt/files" in data["message"]
    assert sandbox.service("files").id in sandbox.service("web").mounts


@pytest.mark.sandbox(seed="adoptable")
@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"action": "connect-storage", "serviceHostname": "web"}, "INVALID_PARAMETER"),
        (
            {"action": "connect-storage", "serviceHostname": "web", "storageHostname": "cache"},
            "INVALID_PARAMETER",
        ),
        (
            {"action": "connect-storage", "serviceHostname": "web", "storageHostname": "nope"},
            "INVALID_PARAMETER",
        ),
        ({"action": "restart", "serviceHostname": "web", "storageHostname": "files"}, "INVALID_PARAMETER"),
        ({"action": "restart", "serviceHostname": "nope"}, "SERVICE_NOT_FOUND"),
        ({"action": "restart", "serviceHostname": "web;rm -rf /"}, "INVALID_HOSTNAME"),
        ({"action": "explode", "serviceHostname": "web"}, "INVALID_PARAMETER"),
        ({"action": "restart"}, "INVALID_PARAMETER"),
        ({"action": "restart", "serviceHostname": "web", "force": True}, "INVALID_PARAMETER"),
    ],
)
async def test_bad_input_is_refused_before_any_change(
    sandbox: SandboxHandle, arguments: dict[str, Any], code: str
) -> None:
    async with tool_session(sandbox) as session:
        payload = await session.error("zerops_manage", arguments)
    assert payload["code"] == code
    assert payload["suggestion"]
    assert mutating_hits(sandbox) == 0


@pytest.mark.sandbox(seed="adoptable")
async def test_reload_of_a_managed_service_suggests_restart(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        payload = await session.error("zerops_manage", {"action": "reload", "serviceHostname": "cache"})
    assert payload["code"] == "INVALID_USAGE"
    assert payload["apiCode"] == "serviceStackReloadNotAvailable"
    assert payload["recovery"] == {
        "tool": "zerops_manage",
        "args": {"action": "restart", "serviceHostname": "cache"},
    }


@pytest.mark.sandbox(seed="adoptable")
async def test_restart_of_a_stopped_service_points_at_start(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        payload = await session.error("zerops_manage", {"action": "restart", "serviceHostname": "worker"})
    assert payload["code"] == "INVALID_USAGE"
    assert payload["recovery"]["args"] == {"action": "start", "serviceHostname": "worker"}


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize("action", ["stop", "restart", "reload"])
async def test_zcp_never_takes_its_own_service_down(sandbox: SandboxHandle, action: str) -> None:
    async with tool_session(sandbox, runtime=in_container(sandbox, "appdev")) as session:
        payload = await session.error("zerops_manage", {"action": action, "serviceHostname": "appdev"})
    assert payload["code"] == "SELF_SERVICE_BLOCKED"
    assert mutating_hits(sandbox) == 0


@pytest.mark.sandbox(seed="standard")
async def test_read_only_mode_refuses_with_how_to_enable_writes(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox, read_only=True) as session:
        payload = await session.error("zerops_manage", {"action": "restart", "serviceHostname": "appdev"})
    assert payload["code"] == "READ_ONLY"
    assert "read-only" in payload["suggestion"]
    assert mutating_hits(sandbox) == 0


@pytest.mark.sandbox(seed="standard")
async def test_an_api_failure_on_the_change_is_reported_and_not_retried(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        sandbox.fault("restart_service", status=503, times=1)
        payload = await session.error("zerops_manage", {"action": "restart", "serviceHostname": "appdev"})
    assert payload["code"] == "API_ERROR"
    assert sandbox.hits("restart_service") == 1  # a mutation is not retried after it reached the API


async def test_without_credentials_it_answers_auth_required() -> None:
    async with knowledge_only_session() as session:
        payload = await session.error("zerops_manage", {"action": "restart", "serviceHostname": "app"})
    assert payload["code"] == "AUTH_REQUIRED" and "ZCP_API_KEY" in payload["suggestion"]


@pytest.mark.sandbox(seed="standard")
async def test_a_token_without_write_access_gets_permission_denied(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox, token=sandbox.read_only_token) as session:
        payload = await session.error("zerops_manage", {"action": "restart", "serviceHostname": "appdev"})
    assert payload["code"] == "PERMISSION_DENIED"


@pytest.mark.sandbox(seed="standard")
async def test_an_answer_lost_after_the_change_is_a_network_error_that_is_not_retried(
    sandbox: SandboxHandle,
) -> None:
    def restarts() -> int:
        with sandbox.sandbox.lock:
            return sum(1 for p in sandbox.sandbox.state.processes.values() if p.action == "stack.restart")

    before = restarts()
    sandbox.fault("restart_service", drop=True, times=1)
    async with tool_session(sandbox) as session:
        payload = await session.error("zerops_manage", {"action": "restart", "serviceHostname": "appdev"})
    assert payload["code"] == "NETWORK_ERROR"
    assert sandbox.hits("restart_service") == 1
    assert restarts() == before + 1  # the change happened; only the answer was lost


_calls = st.tuples(
    st.one_of(
        st.sampled_from(["start", "stop", "restart", "reload", "connect-storage"]), st.text(max_size=8)
    ),
    st.one_of(st.sampled_from(["appdev", "db", "nope", "app|x", "$(id)"]), st.text(max_size=30)),
    st.one_of(st.none(), st.sampled_from(["db", "files", "a b"]), st.text(max_size=10)),
)


@pytest.mark.sandbox(seed="standard", time_scale=0)
@settings(max_examples=3, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(calls=st.lists(_calls, min_size=12, max_size=12))
async def test_no_input_crashes_and_bad_hostnames_never_reach_the_api(
    sandbox: SandboxHandle, calls: list[tuple[str, str, str | None]]
) -> None:
    async with tool_session(sandbox) as session:
        for action, hostname, storage in calls:
            arguments: dict[str, Any] = {"action": action, "serviceHostname": hostname, "waitSeconds": 0}
            if storage is not None:
                arguments["storageHostname"] = storage
            before = request_count(sandbox)
            result = await session.call("zerops_manage", arguments)
            if result.is_error:
                payload = error_payload(result)
                assert payload["code"] != "UNKNOWN", payload
                if (
                    payload["code"] in ("INVALID_HOSTNAME", "INVALID_PARAMETER")
                    and "storage" not in payload["error"]
                ):
                    assert request_count(sandbox) == before
            else:
                assert result.structured_content is not None


@pytest.mark.sandbox(seed="standard")
async def test_still_running_reports_the_time_actually_waited(sandbox: SandboxHandle) -> None:
    """Reading the process fails three polls in a row, a few seconds in: the message says how long it
    waited, not the 20 s it could have waited."""
    sandbox.fault("get_process", status=500)
    async with tool_session(sandbox) as session:
        data = await session.ok(
            "zerops_manage", {"action": "restart", "serviceHostname": "appdev", "waitSeconds": 20}
        )
    assert data["outcome"] == "running"
    assert "after 3.0s" in data["message"] and "20s" not in data["message"]
    assert data["warnings"] and "API_ERROR while reading process" in data["warnings"][0]
