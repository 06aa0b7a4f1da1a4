"""zerops_deploy_batch: several deploys in one call, over the sandbox's SSH, one result per target."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.harness import (
    APP_YAML,
    container_session,
    local_session,
    new_runtime,
    open_develop,
    versions_of,
    write_app,
)
from tests.plugins.sandbox import ContainersHandle
from tests.tools.harness import Progress, error_payload

pytestmark = pytest.mark.anyio
TOOL = "zerops_deploy_batch"


@pytest.mark.containers(seed="standard")
async def test_a_batch_deploys_every_target_and_records_each_attempt(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    new_runtime(containers, "apidev")
    write_app(containers.tree("appdev"))
    write_app(containers.tree("apidev"))
    targets = [
        {"targetService": "appdev", "setup": "dev"},
        {"sourceService": "appdev", "targetService": "appstage", "setup": "prod"},
        {"targetService": "apidev", "setup": "dev"},
    ]
    async with container_session(containers, tmp_path) as session:
        open_develop(session, ["appdev", "appstage", "apidev"])
        progress = Progress()
        data = await session.ok(TOOL, {"targets": targets}, progress=progress)
        work = session.app.state.work_session()
    assert (data["succeeded"], data["failed"]) == (3, 0)
    assert [e["targetService"] for e in data["entries"]] == ["appdev", "appstage", "apidev"]
    assert {e["status"] for e in data["entries"]} == {"DEPLOYED"}
    assert data["entries"][1]["sourceService"] == "appdev"
    assert versions_of(containers, "appstage")[-1][1:] == ("ACTIVE", "prod")
    assert work is not None and work.deploys is not None
    assert sorted(work.deploys) == ["apidev", "appdev", "appstage"]  # every entry recorded
    assert data["workSessionState"]["status"] == "open"
    assert any("appstage: DEPLOYED" in m for m in progress.messages)


@pytest.mark.containers(seed="standard")
async def test_one_failed_build_never_hides_the_others(containers: ContainersHandle, tmp_path: Path) -> None:
    new_runtime(containers, "apidev")
    write_app(containers.tree("appdev"))
    write_app(
        containers.tree("apidev"), yaml=APP_YAML.format(marker="v1").replace("echo building v1", "exit 1")
    )
    targets = [{"targetService": "appdev", "setup": "dev"}, {"targetService": "apidev", "setup": "dev"}]
    async with container_session(containers, tmp_path) as session:
        data = await session.ok(TOOL, {"targets": targets})
    ok, failed = data["entries"]
    assert (data["succeeded"], data["failed"]) == (1, 1)
    assert ok["status"] == "DEPLOYED"
    assert failed["status"] == "BUILD_FAILED"
    assert failed["failureClassification"]["category"] == "build"
    assert failed["logTail"]


@pytest.mark.containers(seed="standard")
async def test_a_failed_preflight_stops_the_whole_batch_before_anything_moves(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    new_runtime(containers, "apidev")
    write_app(containers.tree("appdev"))
    before = versions_of(containers, "appdev")
    targets = [{"targetService": "appdev", "setup": "dev"}, {"targetService": "apidev"}]
    async with container_session(containers, tmp_path) as session:
        error = error_payload(await session.call(TOOL, {"targets": targets}))
        twice = error_payload(await session.call(TOOL, {"targets": [targets[0], targets[0]]}))
        empty = error_payload(await session.call(TOOL, {"targets": []}))
    assert error["code"] == "PREFLIGHT_FAILED"
    assert {c["name"] for c in error["checks"]} >= {"appdev_setup", "zerops_yaml_exists"}
    assert error["details"]["failed"][0]["targetService"] == "apidev"
    assert versions_of(containers, "appdev") == before
    assert twice["code"] == empty["code"] == "INVALID_PARAMETER"


@pytest.mark.containers(seed="standard")
async def test_outside_a_container_the_batch_is_not_available(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    async with local_session(containers, tmp_path) as session:
        error = error_payload(await session.call(TOOL, {"targets": [{"targetService": "appdev"}]}))
    assert error["code"] == "NOT_IMPLEMENTED"
