"""Develop work sessions over MCP: start and its scope rules, recorded attempts, auto-close, the
iteration cap, closing, corrupt files, and the gate on zerops_import."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.plugins.sandbox import SandboxHandle
from tests.tools.workflow_harness import (
    TOOL,
    bootstrapped_pair,
    sandbox_deploy,
    workflow,
    workflow_session,
)
from zcp.ops.workflow.develop import record_deploy_attempt
from zcp.sandbox.app import SERVE_EXTENSIONS
from zcp.state.store import StateStore

pytestmark = [pytest.mark.anyio]


def _work(tmp_path: Path) -> dict[str, object]:
    (path,) = (tmp_path / "state" / "work").glob("*.json")
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_starting_on_a_dev_half_adds_its_stage_and_writes_the_work_session(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        started = await workflow(
            session, action="start", workflow="develop", intent="add a hello page", scope=["appdev"]
        )
    assert started["status"] == "started"
    assert started["data"]["scope"] == ["appdev", "appstage"]
    assert started["data"]["addedStageHalves"] == ["appstage"]
    assert started["phase"] == "develop-active"
    work = _work(tmp_path)
    assert work["intent"] == "add a hello page" and work["services"] == ["appdev", "appstage"]
    assert work["version"] == "1"
    primary = started["nextActions"][0]
    assert primary["tool"] == "zerops_deploy" and primary["args"] == {"targetService": "appdev"}


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_the_same_task_again_changes_nothing(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        await workflow(session, action="start", workflow="develop", intent="task", scope=["appdev"])
        again = await workflow(session, action="start", workflow="develop", intent="task", scope=["appdev"])
    assert again["status"] == "unchanged"


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_new_task_over_an_undelivered_session_asks_first_and_force_replaces_it(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        await workflow(session, action="start", workflow="develop", intent="first", scope=["appdev"])
        blocked = await workflow(
            session, action="start", workflow="develop", intent="second", scope=["appdev"]
        )
        assert blocked["status"] == "manual-session-active"
        assert blocked["data"]["previousIntent"] == "first"
        force_call = blocked["nextActions"][1]["args"]
        assert force_call["force"] is True
        replaced = await workflow(session, **force_call)
    assert replaced["status"] == "replaced"
    assert _work(tmp_path)["intent"] == "second"


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_scope_must_name_managed_runtimes(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        unknown = await session.error(
            TOOL, {"action": "start", "workflow": "develop", "intent": "x", "scope": ["db"]}
        )
        empty = await session.error(
            TOOL, {"action": "start", "workflow": "develop", "intent": "x", "scope": []}
        )
        no_intent = await session.error(TOOL, {"action": "start", "workflow": "develop", "scope": ["appdev"]})
    assert unknown["code"] == "INVALID_PARAMETER" and "appdev" in unknown["suggestion"]
    assert empty["code"] == "INVALID_PARAMETER"
    assert no_intent["code"] == "INVALID_PARAMETER"


@pytest.fixture
def served(sandbox_factory: Callable[..., SandboxHandle]) -> SandboxHandle:
    """An empty project behind the subdomain gateway, so HTTP probes answer on loopback."""
    return sandbox_factory("empty", time_scale=0, extensions=SERVE_EXTENSIONS)


async def test_a_green_session_with_close_mode_auto_closes_itself(
    served: SandboxHandle, tmp_path: Path
) -> None:
    sandbox = served
    plan = [{"runtime": {"devHostname": "app", "type": "nodejs@22", "bootstrapMode": "dev"}}]
    async with workflow_session(sandbox, tmp_path) as session:
        from tests.tools.workflow_harness import bootstrap_classic

        await bootstrap_classic(session, plan, intent="node app")
        await workflow(session, action="close-mode", closeMode={"app": "auto"})
        await workflow(session, action="start", workflow="develop", intent="hello", scope=["app"])
        sandbox_deploy(sandbox, "app")
        state = await record_deploy_attempt(session.app, "app", succeeded=True, setup="dev")
        assert state.status == "open" and state.progress is not None and state.progress.pending == ("app",)
        verify = await session.ok("zerops_verify", {"serviceHostname": "app"})
        status = await workflow(session, action="status")
    assert verify["workSessionState"]["recorded"] is True
    assert verify["workSessionState"]["status"] == "auto-closed", verify
    assert status["phase"] == "develop-closed-auto"
    assert status["nextActions"][0]["args"] == {"action": "close", "workflow": "develop"}
    meta = StateStore(tmp_path / "state").meta("app")
    assert meta is not None and meta.first_deployed_at  # stamped by the first successful deploy


async def test_close_mode_unset_keeps_a_green_session_open_until_closed_by_hand(
    served: SandboxHandle, tmp_path: Path
) -> None:
    sandbox = served
    plan = [{"runtime": {"devHostname": "app", "type": "nodejs@22", "bootstrapMode": "dev"}}]
    async with workflow_session(sandbox, tmp_path) as session:
        from tests.tools.workflow_harness import bootstrap_classic

        await bootstrap_classic(session, plan, intent="node app")
        await workflow(session, action="start", workflow="develop", intent="hello", scope=["app"])
        sandbox_deploy(sandbox, "app")
        await record_deploy_attempt(session.app, "app", succeeded=True)
        verify = await session.ok("zerops_verify", {"serviceHostname": "app"})
        status = await workflow(session, action="status")
        closed = await workflow(session, **status["nextActions"][0]["args"])
        again = await workflow(session, action="close")
    progress = verify["workSessionState"]["progress"]
    assert progress["ready"] == 1 and progress["enabled"] is False
    assert status["phase"] == "develop-active" and status["nextActions"][0]["args"]["action"] == "close"
    assert closed["status"] == "closed" and closed["phase"] == "idle"
    assert again["message"] == "No develop session was open."


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_failing_attempts_up_to_the_cap_stop_the_session(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    plan = [{"runtime": {"devHostname": "app", "type": "nodejs@22", "bootstrapMode": "dev"}}]
    async with workflow_session(sandbox, tmp_path, max_iterations=3) as session:
        from tests.tools.workflow_harness import bootstrap_classic

        await bootstrap_classic(session, plan, intent="node app")
        await workflow(session, action="start", workflow="develop", intent="hello", scope=["app"])
        for n in range(3):
            state = await record_deploy_attempt(
                session.app, "app", succeeded=False, error=f"npm ci failed ({n})", failure_class="build"
            )
        status = await workflow(session, action="status")
    assert state.status == "auto-closed" and state.close_reason == "iteration-cap"
    assert status["phase"] == "develop-closed-auto"
    assert "iteration cap" in status["guidance"]
    assert status["nextActions"][0]["args"] == {"action": "close", "workflow": "develop"}


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_attempts_outside_the_scope_are_not_recorded(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        await workflow(session, action="start", workflow="develop", intent="x", scope=["appdev"])
        state = await record_deploy_attempt(session.app, "db", succeeded=True)
    assert not state.recorded and state.note is not None and "not in this develop session" in state.note


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_corrupt_work_session_is_reported_and_reset_moves_it_aside(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        store = session.app.state
        store.work_dir.mkdir(parents=True)
        store.work_path().write_text("{half a file", encoding="utf-8")
        broken = await session.error(TOOL, {"action": "status"})
        reset = await workflow(session, **broken["recovery"]["args"])
        status = await workflow(session, action="status")
    assert broken["code"] == "WORK_SESSION_CORRUPT" and str(store.work_path()) in broken["error"]
    (moved,) = reset["data"]["cleared"]["quarantinedFiles"]
    assert Path(moved).read_text(encoding="utf-8") == "{half a file"
    assert status["phase"] == "idle"


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_state_file_from_a_newer_zcp_is_refused(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        store = session.app.state
        store.work_dir.mkdir(parents=True)
        store.work_path().write_text(json.dumps({"version": "7", "pid": store.pid}), encoding="utf-8")
        payload = await session.error(TOOL, {"action": "status"})
    assert payload["code"] == "STATE_VERSION_UNSUPPORTED"


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_import_outside_a_workflow_session_names_the_call_that_opens_one(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    yaml = "services:\n  - hostname: db\n    type: postgresql@16\n    mode: NON_HA\n"
    async with workflow_session(sandbox, tmp_path) as session:
        payload = await session.error("zerops_import", {"content": yaml})
    assert payload["code"] == "WORKFLOW_REQUIRED"
    assert (
        payload["recovery"]["tool"] == "zerops_workflow"
        and payload["recovery"]["args"]["workflow"] == "bootstrap"
    )


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_new_zcp_process_takes_over_the_develop_session_of_one_that_ended(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    from zcp.ops.workflow.boot import claim_orphans, state_hint

    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        await workflow(session, action="start", workflow="develop", intent="keep going", scope=["appdev"])
        old = session.app.state
    dead = 2**22 + 3
    (old.work_dir / f"{old.pid}.json").rename(old.work_dir / f"{dead}.json")
    fresh = StateStore(tmp_path / "state", pid=old.pid + 1, alive=lambda pid: pid != dead)
    claimed = claim_orphans(fresh)
    assert claimed.work_from == dead
    work = fresh.work_session()
    assert work is not None and work.intent == "keep going" and work.pid == old.pid + 1
    assert any("keep going" in line for line in state_hint(fresh))
