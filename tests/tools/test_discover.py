"""zerops_discover through the MCP SDK client against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.plugins.core import result_text
from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import commands, in_container, request_count
from tests.tools.read_harness import (
    PLATFORM_CODES,
    check_structured,
    knowledge_only_session,
    read_session,
)
from zcp.sandbox.model import ProjectEnvVar
from zcp.tools.untrusted import NOTICE

pytestmark = pytest.mark.anyio
TOOL = "zerops_discover"


@pytest.mark.sandbox(seed="standard")
async def test_lists_user_services_with_types_and_subdomains_but_no_env(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        result = await session.call(TOOL)
    data = result.structured_content
    assert data is not None
    assert data["project"]["name"] == "demo"
    services = {s["hostname"]: s for s in data["services"]}
    assert sorted(services) == ["appdev", "appstage", "db"]  # the build service is plumbing
    assert services["appdev"]["kind"] == "runtime" and services["appdev"]["type"] == "nodejs@22"
    assert services["appdev"]["subdomainUrl"] == "https://appdev-1df2-3000.prg1.zerops.app"
    assert services["db"]["kind"] == "managed" and services["db"]["mode"] == "NON_HA"
    assert "mode" not in services["appdev"]
    assert "envs" not in data
    assert "zerops_verify" in commands(data)
    assert "appstage" in result_text(result)


@pytest.mark.sandbox(seed="standard")
async def test_include_envs_lists_keys_without_values(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        result = await session.call(TOOL, {"includeEnvs": True})
    data = result.structured_content
    assert data is not None
    keys = {e["key"]: e for e in data["envs"] if e.get("service") == "db"}
    assert "password" in keys and "value" not in keys["password"]
    assert keys["password"]["isPlatformInjected"] is True
    password = sandbox.service("db").env_var("password")
    assert password is not None
    assert password.content not in result_text(result)
    assert "includeEnvValues=true" in result_text(result)


@pytest.mark.sandbox(seed="standard")
async def test_include_env_values_as_a_string_shows_values_fenced(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        result = await session.call(TOOL, {"includeEnvValues": "TRUE"})
    data = result.structured_content
    assert data is not None
    host = next(e for e in data["envs"] if e["key"] == "DB_HOST" and e["service"] == "appdev")
    assert host == {"service": "appdev", "key": "DB_HOST", "value": "${db_hostname}", "isReference": True}
    text = result_text(result)
    assert NOTICE in text and "````untrusted-data\n" in text
    assert text.index("appdev: DB_HOST=${db_hostname}") > text.index("````untrusted-data")


@pytest.mark.sandbox(seed="standard")
async def test_project_variables_come_without_a_service(sandbox: SandboxHandle) -> None:
    with sandbox.sandbox.lock:
        project = sandbox.project()
        now = sandbox.sandbox.now()
        project.env.append(ProjectEnvVar(sandbox.sandbox.ids.new(), "REGION", "eu", False, now, now))
    async with read_session(sandbox) as session:
        data = await session.ok(TOOL, {"includeEnvValues": True})
    assert data["envs"][0] == {"key": "REGION", "value": "eu"}
    assert all("service" in env for env in data["envs"][1:])


@pytest.mark.sandbox(seed="standard")
async def test_contradicting_env_flags_are_refused_before_any_call(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        before = request_count(sandbox)
        payload = await session.error(TOOL, {"includeEnvs": False, "includeEnvValues": True})
        assert request_count(sandbox) == before
    assert payload["code"] == "INVALID_PARAMETER"
    assert "includeEnvValues=true alone" in payload["suggestion"]


@pytest.mark.sandbox(seed="standard")
async def test_one_service_is_read_in_detail(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        data = await session.ok(TOOL, {"service": "appstage"})
    assert [s["hostname"] for s in data["services"]] == ["appstage"]
    assert sandbox.hits("get_service") >= 1
    assert data["services"][0]["ports"] == ["3000/http"]


@pytest.mark.sandbox(seed="standard")
async def test_an_unknown_service_is_not_found_with_a_did_you_mean(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        payload = await session.error(TOOL, {"service": "appdevv"})
    assert payload["code"] == "SERVICE_NOT_FOUND"
    assert "'appdev'" in payload["suggestion"]
    assert payload["details"]["available"] == ["appdev", "appstage", "db"]


@pytest.mark.sandbox(seed="standard")
async def test_zcps_own_service_is_marked_and_explained(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox, runtime=in_container(sandbox, "appdev")) as session:
        data = await session.ok(TOOL)
    appdev = next(s for s in data["services"] if s["hostname"] == "appdev")
    assert appdev["isSelf"] is True
    assert all("isSelf" not in s for s in data["services"] if s["hostname"] != "appdev")
    assert any("appdev is the service zcp itself runs in" in note for note in data["notes"])


@pytest.mark.sandbox(seed="adoptable")
async def test_a_stopped_service_gets_a_start_call_as_next_action(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        data = await session.ok(TOOL)
    kinds = {s["hostname"]: s["kind"] for s in data["services"]}
    assert kinds["files"] == "shared-storage" and kinds["storage"] == "object-storage"
    assert 'zerops_manage action="start" serviceHostname="worker"' in commands(data)


@pytest.mark.sandbox(seed="empty")
async def test_an_empty_project_points_at_recipes_and_import(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        data = await session.ok(TOOL, {"includeEnvs": "false"})
    assert data["services"] == []
    assert commands(data)[0].startswith("zerops_knowledge recipe=")


@pytest.mark.sandbox(seed="standard")
async def test_read_only_mode_still_discovers(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox, read_only=True) as session:
        data = await session.ok(TOOL)
    assert len(data["services"]) == 3


async def test_without_credentials_the_answer_is_auth_required() -> None:
    async with knowledge_only_session() as client:
        result = await client.call_tool(TOOL, {})
    assert check_structured(result, {"AUTH_REQUIRED"})["code"] == "AUTH_REQUIRED"


@pytest.mark.sandbox(seed="standard")
async def test_a_transient_503_is_retried_and_a_persistent_one_is_api_error(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        sandbox.fault("search_services", status=503, times=1)
        assert (await session.ok(TOOL))["services"]
        sandbox.fault("search_services", status=500)
        payload = await session.error(TOOL)
    assert payload["code"] == "API_ERROR"


@pytest.mark.sandbox(seed="standard")
async def test_rate_limiting_that_outlasts_the_retries_is_api_rate_limited(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        sandbox.fault("get_project", status=429, retry_after=0)
        payload = await session.error(TOOL)
    assert payload["code"] == "API_RATE_LIMITED"


@pytest.mark.sandbox(seed="standard")
async def test_an_api_that_does_not_answer_in_time_is_api_timeout(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox, api_timeout=0.2) as session:
        sandbox.fault("get_project", latency=5)
        payload = await session.error(TOOL)
    assert payload["code"] == "API_TIMEOUT"


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=12), st.lists(st.text(max_size=3))
)


@pytest.mark.sandbox(seed="standard")
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    arguments=st.dictionaries(
        st.sampled_from(["service", "includeEnvs", "includeEnvValues", "extra"]), _VALUES, max_size=3
    )
)
async def test_no_input_raises_or_returns_an_unstructured_error(
    sandbox: SandboxHandle, arguments: dict[str, Any]
) -> None:
    async with read_session(sandbox) as session:
        result = await session.call(TOOL, arguments)
    check_structured(result, {"INVALID_PARAMETER", "INVALID_HOSTNAME", "SERVICE_NOT_FOUND", *PLATFORM_CODES})


@pytest.mark.sandbox(seed="standard")
async def test_a_set_killed_before_its_restart_shows_on_the_service_until_it_restarts(
    sandbox: SandboxHandle,
) -> None:
    """waitSeconds=0 leaves the call where a killed zcp would: the variable stored, no restart run."""
    async with read_session(sandbox) as session:
        before = await session.ok(TOOL)
        data = await session.ok(
            "zerops_env",
            {"action": "set", "serviceHostname": "appstage", "variables": ["LATE=1"], "waitSeconds": 0},
        )
        assert data["outcome"] == "running"
        sandbox.advance(30)  # the stored change finishes; nobody restarts
        stale = await session.call(TOOL)
        await session.ok("zerops_manage", {"action": "restart", "serviceHostname": "appstage"})
        after = await session.ok(TOOL)
    assert all("envPendingRestart" not in s for s in before["services"])
    data = check_structured(stale, ["project", "services", "notes", "nextActions"])
    services = {s["hostname"]: s for s in data["services"]}
    pending = services["appstage"]["envPendingRestart"]
    assert pending["keys"] == ["LATE"] and pending["since"].endswith("Z")
    assert "envPendingRestart" not in services["appdev"] and "envPendingRestart" not in services["db"]
    assert any("appstage runs without env changes" in note and "LATE" in note for note in data["notes"])
    assert data["nextActions"][0] == {
        "tool": "zerops_manage",
        "args": {"action": "restart", "serviceHostname": "appstage"},
    }
    text = result_text(stale)
    assert "env not live yet: LATE changed at" in text
    assert text.index('zerops_manage action="restart" serviceHostname="appstage"') > text.index("next:")
    assert all("envPendingRestart" not in s for s in after["services"])
    assert "zerops_manage" not in commands(after) and not after.get("notes")


@pytest.mark.sandbox(seed="standard")
async def test_a_project_variable_change_is_pending_on_running_runtimes_only(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        await session.ok(
            "zerops_env", {"action": "set", "project": True, "variables": ["SHARED=1"], "skipRestart": True}
        )
        data = await session.ok(TOOL)
    services = {s["hostname"]: s for s in data["services"]}
    for host in ("appdev", "appstage"):
        assert services[host]["envPendingRestart"]["keys"] == ["SHARED"]
        assert services[host]["envPendingRestart"]["project"] is True
    assert "envPendingRestart" not in services["db"]


@pytest.mark.sandbox(seed="standard")
async def test_an_unreadable_process_history_hides_the_pending_check_not_the_project(
    sandbox: SandboxHandle,
) -> None:
    async with read_session(sandbox) as session:
        await session.ok(
            "zerops_env",
            {"action": "set", "serviceHostname": "appstage", "variables": ["LATE=1"], "skipRestart": True},
        )
        sandbox.fault("search_processes", status=500)
        data = await session.ok(TOOL)
    assert sorted(s["hostname"] for s in data["services"]) == ["appdev", "appstage", "db"]
    assert all("envPendingRestart" not in s for s in data["services"])
