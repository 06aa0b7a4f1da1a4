"""zerops_subdomain through the MCP SDK client against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.plugins.core import result_text
from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import (
    commands,
    error_payload,
    knowledge_only_session,
    mutating_hits,
    request_count,
    tool_session,
)
from zcp.ops.subdomain import find_published_url, subdomain_urls
from zcp.platform.models import Project, ServiceStack
from zcp.tools.untrusted import NOTICE

pytestmark = [pytest.mark.anyio]


def _published(sandbox: SandboxHandle, hostname: str) -> str | None:
    var = sandbox.service(hostname).env_var("zeropsSubdomain")
    return var.content if var is not None else None


@pytest.mark.sandbox(seed="standard")
async def test_disable_then_enable_returns_the_published_url(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        off = await session.ok("zerops_subdomain", {"serviceHostname": "appdev", "action": "disable"})
        assert off["status"] == "disabled" and off["urls"] == []
        assert not sandbox.service("appdev").subdomain_access
        result = await session.call("zerops_subdomain", {"serviceHostname": "appdev", "action": "enable"})
    data = result.structured_content
    assert data is not None and data["status"] == "enabled" and data["outcome"] == "done"
    assert data["process"]["actionName"] == "stack.enableSubdomainAccess"
    url = _published(sandbox, "appdev")
    assert url is not None and data["urls"] == [url]
    assert commands(data) == ['zerops_verify serviceHostname="appdev"']
    text = result_text(result)
    assert NOTICE in text and url in text


@pytest.mark.sandbox(seed="standard")
async def test_enabling_an_enabled_subdomain_changes_nothing(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        data = await session.ok("zerops_subdomain", {"serviceHostname": "appstage", "action": "enable"})
    assert data["status"] == "already_enabled" and "process" not in data
    assert data["urls"] == [_published(sandbox, "appstage")]
    assert mutating_hits(sandbox) == 0


@pytest.mark.sandbox(seed="standard")
async def test_disabling_a_disabled_subdomain_changes_nothing(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        data = await session.ok("zerops_subdomain", {"serviceHostname": "db", "action": "disable"})
    assert data["status"] == "already_disabled"
    assert mutating_hits(sandbox) == 0


@pytest.mark.sandbox(seed="standard")
async def test_a_service_without_an_http_port_is_retried_then_explained(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        payload = await session.error("zerops_subdomain", {"serviceHostname": "db", "action": "enable"})
    assert payload["code"] == "INVALID_USAGE" and payload["apiCode"] == "noSubdomainPorts"
    assert "httpSupport: true" in payload["suggestion"]
    assert sandbox.hits("enable_subdomain") == 4


@pytest.mark.sandbox(seed="standard")
async def test_ports_that_register_late_are_waited_for(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        await session.ok("zerops_subdomain", {"serviceHostname": "appdev", "action": "disable"})
        sandbox.fault("enable_subdomain", status=400, code="noSubdomainPorts", times=2)
        data = await session.ok("zerops_subdomain", {"serviceHostname": "appdev", "action": "enable"})
    assert data["status"] == "enabled"
    assert sandbox.hits("enable_subdomain") == 3


@pytest.mark.sandbox(seed="standard")
async def test_a_url_not_yet_published_is_built_and_flagged(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        await session.ok("zerops_subdomain", {"serviceHostname": "appdev", "action": "disable"})
        sandbox.fault("get_service_env", status=503)
        data = await session.ok("zerops_subdomain", {"serviceHostname": "appdev", "action": "enable"})
    assert data["status"] == "enabled"
    assert data["urls"] and data["urls"][0].startswith("https://appdev-")
    assert any("not published zeropsSubdomain yet" in w for w in data["warnings"])


@pytest.mark.sandbox(seed="standard")
async def test_a_short_wait_reports_the_enable_as_still_running(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        await session.ok("zerops_subdomain", {"serviceHostname": "appdev", "action": "disable"})
        data = await session.ok(
            "zerops_subdomain", {"serviceHostname": "appdev", "action": "enable", "waitSeconds": 0}
        )
    assert data["status"] == "running" and data["urls"] == []
    assert commands(data) == [f'zerops_process processId="{data["process"]["processId"]}"']


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"serviceHostname": "appdev", "action": "toggle"}, "INVALID_PARAMETER"),
        ({"serviceHostname": "appdev"}, "INVALID_PARAMETER"),
        ({"serviceHostname": "nope", "action": "enable"}, "SERVICE_NOT_FOUND"),
        ({"serviceHostname": "app dev", "action": "enable"}, "INVALID_HOSTNAME"),
    ],
)
async def test_bad_input_is_refused(sandbox: SandboxHandle, arguments: dict[str, Any], code: str) -> None:
    async with tool_session(sandbox) as session:
        payload = await session.error("zerops_subdomain", arguments)
    assert payload["code"] == code
    assert mutating_hits(sandbox) == 0


@pytest.mark.sandbox(seed="standard")
async def test_read_only_mode_refuses(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox, read_only=True) as session:
        payload = await session.error("zerops_subdomain", {"serviceHostname": "appdev", "action": "disable"})
    assert payload["code"] == "READ_ONLY"


def test_urls_are_built_per_http_port_like_the_platform_does() -> None:
    project = Project.model_validate({"id": "p", "zeropsSubdomainHost": "1df2.prg1.zerops.app"})
    service = ServiceStack.model_validate(
        {
            "id": "s",
            "name": "web",
            "ports": [
                {"port": 80, "httpRouting": True},
                {"port": 3000, "httpRouting": True},
                {"port": 5432, "httpRouting": False},
            ],
        }
    )
    assert subdomain_urls(project, service) == [
        "https://web-1df2.prg1.zerops.app",
        "https://web-1df2-3000.prg1.zerops.app",
    ]
    assert subdomain_urls(Project.model_validate({"id": "p"}), service) == []


def test_the_published_url_is_the_variable_once_it_holds_a_url() -> None:
    assert find_published_url({"zeropsSubdomain": "https://web-1df2.prg1.zerops.app"}) == (
        "https://web-1df2.prg1.zerops.app"
    )
    assert find_published_url({"zeropsSubdomain": ""}) is None
    assert find_published_url({"zeropsSubdomain": "not a url"}) is None
    assert find_published_url({}) is None


_calls = st.tuples(
    st.one_of(st.sampled_from(["appdev", "db", "nope"]), st.text(max_size=30)),
    st.one_of(st.sampled_from(["enable", "disable"]), st.text(max_size=8)),
)


@pytest.mark.sandbox(seed="standard", time_scale=0)
@settings(max_examples=3, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(calls=st.lists(_calls, min_size=12, max_size=12))
async def test_no_input_crashes_and_bad_hostnames_never_reach_the_api(
    sandbox: SandboxHandle, calls: list[tuple[str, str]]
) -> None:
    async with tool_session(sandbox) as session:
        for hostname, action in calls:
            before = request_count(sandbox)
            result = await session.call("zerops_subdomain", {"serviceHostname": hostname, "action": action})
            if result.is_error:
                assert error_payload(result)["code"] != "UNKNOWN"
                if action not in ("enable", "disable") or not hostname.strip().isalnum():
                    assert request_count(sandbox) == before
            else:
                assert result.structured_content is not None


async def test_without_credentials_it_answers_auth_required() -> None:
    async with knowledge_only_session() as session:
        payload = await session.error("zerops_subdomain", {"serviceHostname": "app", "action": "enable"})
    assert payload["code"] == "AUTH_REQUIRED" and "ZCP_API_KEY" in payload["suggestion"]
