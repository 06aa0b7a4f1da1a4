"""Every hostname parameter of every tool is checked before anything is sent to the platform."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import request_count
from tests.tools.read_harness import SHELL_HOSTNAMES, read_session
from zcp.app import App
from zcp.config import Settings
from zcp.tools import tool_factories
from zcp.tools.base import ZcpTool

HOSTNAME_PARAMETERS = ("service", "serviceHostname", "storageHostname")


def _hostname_parameters() -> list[tuple[str, str]]:
    app = App(Settings())
    found = []
    for factory in tool_factories():
        tool = ZcpTool.create(factory(app), app)
        for name in tool.parameters.get("properties", {}):
            if name in HOSTNAME_PARAMETERS:
                found.append((tool.name, name))
    return found


CASES = _hostname_parameters()


def test_the_guard_covers_the_tools_that_name_services() -> None:
    assert {tool for tool, _ in CASES} >= {"zerops_discover", "zerops_logs", "zerops_manage", "zerops_delete"}


@pytest.mark.anyio
@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize(("tool", "parameter"), CASES, ids=[f"{t}.{p}" for t, p in CASES])
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hostname=SHELL_HOSTNAMES)
async def test_hostnames_with_shell_metacharacters_are_rejected_before_any_call(
    sandbox: SandboxHandle, tool: str, parameter: str, hostname: str
) -> None:
    async with read_session(sandbox) as session:
        before = request_count(sandbox)
        payload = await session.error(tool, {parameter: hostname})
        assert request_count(sandbox) == before
    assert payload["code"] == "INVALID_HOSTNAME"
