"""Killing zcp in the middle of a deploy: no phantom success, and the next zcp reports what the build became.

A real ``zcp serve`` (a subprocess over STDIO, set up as the sandbox's ``zcp`` service) starts a deploy;
while the build runs it is killed with SIGKILL. The build finishes on the platform meanwhile. A second
``zcp serve`` on the same state folder then takes over the work session, shows the deploy as not done,
reads the build as ACTIVE and — on the next deploy of that service — records the killed deploy with
its real outcome.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.types import TextContent

from tests.deploy.harness import write_app
from tests.plugins.sandbox import ContainersHandle
from zcp.sandbox.scenarios import add_zcp_service
from zcp.state.models import RegistryEntry, ServiceMeta, WorkSession
from zcp.state.store import StateStore

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def _env(containers: ContainersHandle, state: Path, work: Path) -> dict[str, str]:
    with containers.sandbox.lock:
        project = next(iter(containers.sandbox.state.projects.values()))
        service = add_zcp_service(containers.sandbox, project)
        exports = containers.host.exports(service)
    exports["ZCP_API_HOST"] = containers.url
    return {
        **exports,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work),
        "ZCP_STATE_DIR": str(state),
        "ZCP_MOUNT_ROOT": str(work / "mnt"),
        "ZCP_POLL_INTERVAL": "0.05",
        "ZCP_POLL_MAX_INTERVAL": "0.2",
        "ZCP_LOG_LEVEL": "warning",
    }


def _serve(env: dict[str, str], cwd: Path) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=["-m", "zcp", "serve"], env=env, cwd=str(cwd))


async def _until(check: Any, timeout: float = 30.0) -> Any:
    with anyio.fail_after(timeout):
        while not (found := check()):
            await anyio.sleep(0.05)
        return found


def _data(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    data: dict[str, Any] = result.structured_content
    return data


@pytest.mark.containers(seed="standard", time_scale=1.0)
async def test_a_zcp_killed_mid_deploy_leaves_no_phantom_success_and_the_next_one_reports_the_truth(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    state, work = tmp_path / "state", tmp_path / "work"
    work.mkdir()
    write_app(containers.tree("appdev"))
    env = _env(containers, state, work)
    store = StateStore(state)
    note = state / "deploys" / "appdev.json"

    def building() -> bool:
        with containers.sandbox.lock:
            service = containers.service("appdev")
            return any(
                v.service_id == service.id and v.status in ("WAITING_TO_BUILD", "BUILDING")
                for v in containers.sandbox.state.app_versions.values()
            )

    async with Client(_serve(env, work), read_timeout_seconds=60) as first:
        await first.call_tool("zerops_discover", {})
        server_pid: list[int] = []

        async def deploy() -> None:
            with contextlib.suppress(Exception):  # the server dies under the call
                await first.call_tool("zerops_deploy", {"targetService": "appdev", "setup": "dev"})

        async with anyio.create_task_group() as group:
            group.start_soon(deploy)
            recorded = await _until(lambda: note.is_file() and json.loads(note.read_text()))
            server_pid.append(int(recorded["pid"]))
            # The develop session of that process (written as its own, before the build ends).
            now = store.now_text()
            store.write_work_session(
                WorkSession(
                    pid=server_pid[0],
                    intent="ship it",
                    services=["appdev"],
                    environment="container",
                    created_at=now,
                    last_activity_at=now,
                )
            )
            store.register(
                RegistryEntry(session_id=f"work-{server_pid[0]}", pid=server_pid[0], workflow="work")
            )
            store.write_meta(ServiceMeta(hostname="appdev", mode="dev", bootstrapped_at="2025-06-01"))
            await _until(building)
            os.kill(server_pid[0], signal.SIGKILL)
            group.cancel_scope.cancel()

    # No phantom success: the killed process recorded nothing and stamped nothing.
    orphan = store.work_session(server_pid[0])
    assert orphan is not None and not orphan.deploys
    meta = store.meta("appdev")
    assert meta is not None and not meta.first_deployed_at
    assert note.is_file()

    containers.advance(60)  # the build finishes on the platform while no zcp runs

    async with Client(_serve(env, work), read_timeout_seconds=60) as second:
        first_block = (await second.call_tool("zerops_workflow", {"action": "status"})).content[0]
        assert isinstance(first_block, TextContent)
        status = first_block.text
        events = _data(await second.call_tool("zerops_events", {"serviceHostname": "appdev", "limit": 3}))
        again = _data(
            await second.call_tool(
                "zerops_deploy", {"targetService": "appdev", "setup": "dev", "waitSeconds": 0}
            )
        )

    assert "ship it" in status  # the work session survived the restart
    assert "deploy ok" not in status.split("Guidance")[0]
    build = next(e for e in events["events"] if e["type"] == "build")
    assert build["status"] == "ACTIVE"
    previous = again["previousDeploy"]
    assert (previous["status"], previous["recorded"]) == ("ACTIVE", True)
    assert f"zcp process {server_pid[0]}" in previous["note"]
    taken = store.work_session(next(p for p in store.work_session_pids() if p != server_pid[0]))
    assert taken is not None and taken.deploys is not None
    # The killed deploy, recorded with the platform's outcome (the new one is still building).
    assert [bool(a.succeeded_at) for a in taken.deploys["appdev"]] == [True]
    assert again["status"] == "BUILD_TRIGGERED"
