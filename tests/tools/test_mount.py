"""zerops_mount in the sandbox's container set-up (links to the services' trees), and provision's mounts."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.harness import container_session, local_session, open_develop
from tests.plugins.sandbox import ContainersHandle
from tests.tools.harness import commands, error_payload

pytestmark = pytest.mark.anyio
TOOL = "zerops_mount"

PYTHON_PAIR: list[dict[str, Any]] = [
    {
        "runtime": {
            "devHostname": "apidev",
            "type": "python@3.12",
            "bootstrapMode": "standard",
            "stageHostname": "apistage",
        },
        "dependencies": [{"hostname": "db", "type": "postgresql@16", "resolution": "EXISTS"}],
    }
]


@pytest.mark.containers(seed="standard")
async def test_mounting_needs_a_workflow_session_and_links_the_services_files(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    async with container_session(containers, tmp_path) as session:
        refused = error_payload(await session.call(TOOL, {"action": "mount", "serviceHostname": "appdev"}))
        open_develop(session, ["appdev"])
        mounted = await session.ok(TOOL, {"action": "mount", "serviceHostname": "appdev"})
        (tmp_path / "mnt" / "appdev" / "hello.txt").write_text("hi\n")
        status = await session.ok(TOOL, {"action": "status"})
        again = await session.ok(TOOL, {"action": "mount", "serviceHostname": "appdev"})
        unmounted = await session.ok(TOOL, {"action": "unmount", "serviceHostname": "appdev"})
    assert refused["code"] == "WORKFLOW_REQUIRED"
    (entry,) = mounted["mounts"]
    assert (entry["hostname"], entry["mounted"], entry["writable"]) == ("appdev", True, True)
    assert entry["mountPath"] == str(tmp_path / "mnt" / "appdev")
    assert (containers.tree("appdev") / "hello.txt").read_text() == "hi\n"  # the service's own file
    listed = {m["hostname"]: m for m in status["mounts"]}
    assert set(listed) == {"appdev", "appstage"}  # runtimes only; not zcp itself, not db
    assert listed["appdev"]["mounted"] and not listed["appstage"]["mounted"]
    assert again["mounts"][0]["message"] == "already mounted"
    assert unmounted["mounts"][0]["mounted"] is False
    assert not (tmp_path / "mnt" / "appdev").exists()


@pytest.mark.containers(seed="standard")
async def test_mount_refuses_zcp_itself_managed_services_and_missing_hostnames(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    async with container_session(containers, tmp_path) as session:
        open_develop(session, ["appdev"])
        itself = error_payload(await session.call(TOOL, {"action": "mount", "serviceHostname": "zcp"}))
        managed = error_payload(await session.call(TOOL, {"action": "mount", "serviceHostname": "db"}))
        unknown = error_payload(await session.call(TOOL, {"action": "mount", "serviceHostname": "nope"}))
        bare = error_payload(await session.call(TOOL, {"action": "mount"}))
        action = error_payload(await session.call(TOOL, {"action": "remount", "serviceHostname": "appdev"}))
    assert itself["code"] == "SELF_SERVICE_BLOCKED"
    assert managed["code"] == "INVALID_PARAMETER"
    assert unknown["code"] == "SERVICE_NOT_FOUND"
    assert bare["code"] == action["code"] == "INVALID_PARAMETER"


@pytest.mark.containers(seed="standard")
async def test_a_mount_whose_service_files_are_gone_is_stale_and_the_status_says_to_remount(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    async with container_session(containers, tmp_path) as session:
        open_develop(session, ["appdev"])
        await session.ok(TOOL, {"action": "mount", "serviceHostname": "appdev"})
        shutil.rmtree((tmp_path / "mnt" / "appdev").resolve())
        status = await session.ok(TOOL, {"action": "status"})
    listed = {m["hostname"]: m for m in status["mounts"]}
    assert listed["appdev"]["stale"] is True
    assert commands(status) == ['zerops_mount action="mount" serviceHostname="appdev"']


@pytest.mark.containers(seed="standard")
async def test_read_only_mode_still_answers_status_and_refuses_mounting(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    async with container_session(containers, tmp_path, read_only=True) as session:
        status = await session.ok(TOOL, {"action": "status"})
        refused = error_payload(await session.call(TOOL, {"action": "mount", "serviceHostname": "appdev"}))
    assert status["action"] == "status"
    assert refused["code"] == "READ_ONLY"


@pytest.mark.containers(seed="standard")
async def test_outside_a_container_mounting_is_not_available(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    async with local_session(containers, tmp_path) as session:
        error = error_payload(await session.call(TOOL, {"action": "status"}))
    assert error["code"] == "NOT_IMPLEMENTED"


@pytest.mark.containers(seed="standard")
async def test_a_passing_provision_mounts_the_plans_dev_services(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    async with container_session(containers, tmp_path) as session:
        call = session.ok
        await call(
            "zerops_workflow",
            {"action": "start", "workflow": "bootstrap", "route": "classic", "intent": "api"},
        )
        await call("zerops_workflow", {"action": "complete", "step": "discover", "plan": PYTHON_PAIR})
        provisioned = await call("zerops_workflow", {"action": "complete", "step": "provision"})
    assert provisioned["status"] == "step-complete", provisioned
    (mount,) = provisioned["data"]["autoMounts"]
    assert (mount["hostname"], mount["status"], mount["writable"]) == ("apidev", "mounted", True)
    assert "Mounted apidev" in provisioned["message"]
    assert (tmp_path / "mnt" / "apidev").resolve() == containers.tree("apidev").resolve()


@pytest.mark.containers(seed="standard")
async def test_a_failed_provision_mount_is_reported_and_not_fatal(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    (tmp_path / "mnt" / "apidev").mkdir(parents=True)
    (tmp_path / "mnt" / "apidev" / "in-the-way.txt").write_text("x")  # a non-empty folder blocks the link
    async with container_session(containers, tmp_path) as session:
        call = session.ok
        await call(
            "zerops_workflow",
            {"action": "start", "workflow": "bootstrap", "route": "classic", "intent": "api"},
        )
        await call("zerops_workflow", {"action": "complete", "step": "discover", "plan": PYTHON_PAIR})
        provisioned = await call("zerops_workflow", {"action": "complete", "step": "provision"})
    assert provisioned["status"] == "step-complete"
    (mount,) = provisioned["data"]["autoMounts"]
    assert mount["status"] == "failed" and mount["error"].startswith("MOUNT_FAILED")
    assert 'zerops_mount action="mount" serviceHostname="apidev"' in provisioned["message"]
