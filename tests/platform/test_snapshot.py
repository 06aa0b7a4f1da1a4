"""A status read gathers project, services, processes and deploys in one concurrent pass."""

from __future__ import annotations

import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.errors import ApiError
from zcp.platform import ZeropsClient, read_snapshot

pytestmark = pytest.mark.anyio


@pytest.mark.sandbox(seed="standard")
async def test_a_snapshot_holds_the_project_and_its_contents(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    snapshot = await read_snapshot(platform_client, sandbox.project().id)
    assert snapshot.project is not None
    assert snapshot.project.name == "demo"
    assert {s.name for s in snapshot.services} >= {"appdev", "appstage", "db"}
    assert snapshot.processes
    assert snapshot.app_versions
    for route in (
        "get_project",
        "search_services",
        "search_processes",
        "search_app_versions",
        "get_user_info",
    ):
        assert sandbox.hits(route) == 1


@pytest.mark.sandbox(seed="standard")
async def test_a_failing_part_fails_the_snapshot(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    sandbox.fault("search_app_versions", status=400, code="invalidUserInput")
    with pytest.raises(ApiError):
        await read_snapshot(platform_client, sandbox.project().id)
