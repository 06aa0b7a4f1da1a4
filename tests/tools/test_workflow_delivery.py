"""Delivery configuration over MCP: close-mode, git-push-setup, build-integration, record-deploy, adopt-local."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import in_container
from tests.tools.workflow_harness import (
    TOOL,
    bootstrap_classic,
    bootstrapped_pair,
    sandbox_deploy,
    workflow,
    workflow_session,
)

pytestmark = [pytest.mark.anyio]

SIMPLE_PLAN = [{"runtime": {"devHostname": "app", "type": "nodejs@22", "bootstrapMode": "dev"}}]


def _meta(tmp_path: Path, host: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (tmp_path / "state" / "services" / f"{host}.json").read_text(encoding="utf-8")
    )
    return data


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_close_mode_lists_the_managed_runtimes_and_sets_a_mode(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        searches = sandbox.hits("search_services")
        listed = await workflow(session, action="close-mode")
        listing_reads = sandbox.hits("search_services") - searches
        updated = await workflow(session, action="close-mode", closeMode={"appdev": "git-push"})
        update_reads = sandbox.hits("search_services") - searches - listing_reads
        same = await workflow(session, action="close-mode", closeMode={"appdev": "git-push"})
    # The listing renders the one read it made; a change reads once before and once after, whatever
    # the number of hosts and next steps.
    assert (listing_reads, update_reads) == (1, 2)
    (row,) = listed["data"]["services"]
    assert row["hostname"] == "appdev" and row["current"] == "unset"
    assert row["options"] == ["auto", "git-push", "manual"]
    assert updated["data"]["updated"] == {"appdev": "git-push"}
    assert updated["nextActions"][0]["args"] == {"action": "git-push-setup", "service": "appdev"}
    assert same["data"]["unchanged"] == ["appdev"]
    meta = _meta(tmp_path, "appdev")
    assert meta["closeDeployMode"] == "git-push" and meta["closeDeployModeConfirmed"] is True


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_close_mode_refuses_bad_values_and_git_push_on_a_lone_dev_service_without_writing(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrap_classic(session, SIMPLE_PLAN)
        bad = await session.error(TOOL, {"action": "close-mode", "closeMode": {"app": "sometimes"}})
        lone = await session.error(TOOL, {"action": "close-mode", "closeMode": {"app": "git-push"}})
        ghost = await session.error(TOOL, {"action": "close-mode", "closeMode": {"ghost": "auto"}})
    assert bad["code"] == "INVALID_PARAMETER"
    assert lone["code"] == "INVALID_PARAMETER" and "push source" in lone["error"]
    assert ghost["code"] == "SERVICE_NOT_FOUND"
    assert _meta(tmp_path, "app")["closeDeployMode"] == "unset"


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_git_push_setup_walks_through_then_stores_the_remote(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        walkthrough = await workflow(session, action="git-push-setup", service="appdev")
        stage = await session.error(TOOL, {"action": "git-push-setup", "service": "appstage"})
        bad_url = await session.error(
            TOOL, {"action": "git-push-setup", "service": "appdev", "remoteUrl": "not a url"}
        )
        secret_url = await session.error(
            TOOL,
            {
                "action": "git-push-setup",
                "service": "appdev",
                "remoteUrl": "https://me:ghp_x@github.com/o/r.git",
            },
        )
        configured = await workflow(
            session, action="git-push-setup", service="appdev", remoteUrl="git@github.com:acme/shop.git"
        )
    assert walkthrough["status"] == "walkthrough" and walkthrough["guidance"]
    assert walkthrough["phase"] == "strategy-setup"
    assert stage["code"] == "INVALID_PARAMETER" and "appdev" in stage["suggestion"]
    assert bad_url["code"] == "INVALID_PARAMETER"
    assert secret_url["code"] == "INVALID_PARAMETER" and "ghp_x" not in json.dumps(secret_url)
    assert configured["data"]["gitPushState"] == "configured"
    meta = _meta(tmp_path, "appdev")
    assert meta["gitPushState"] == "configured" and meta["remoteUrl"] == "git@github.com:acme/shop.git"


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_build_integration_needs_git_push_then_returns_the_actions_workflow_without_the_token(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        early = await workflow(session, action="build-integration", service="appdev", integration="actions")
        await workflow(
            session, action="git-push-setup", service="appdev", remoteUrl="https://github.com/acme/shop.git"
        )
        actions = await workflow(session, action="build-integration", service="appdev", integration="actions")
        again = await workflow(session, action="build-integration", service="appdev", integration="actions")
        webhook = await workflow(session, action="build-integration", service="appdev", integration="webhook")
    assert early["status"] == "needs-git-push-setup"
    assert early["nextActions"][0]["args"]["action"] == "git-push-setup"
    workflow_file = actions["data"]["workflowFile"]
    assert workflow_file["path"] == ".github/workflows/zerops.yml"
    assert "zcli push" in workflow_file["content"] and "--setup prod" in workflow_file["content"]
    names = [s["name"] for s in actions["data"]["secrets"]]
    assert names == ["ZEROPS_TOKEN", "ZEROPS_SERVICE_ID"]
    assert "-R acme/shop" in actions["data"]["secrets"][0]["command"]
    assert sandbox.token not in json.dumps(actions)
    assert sandbox.service("appstage").id in actions["data"]["secrets"][1]["command"]
    assert again["status"] == "noop"
    assert webhook["data"]["dashboardSteps"] and webhook["data"]["buildIntegration"] == "webhook"


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_record_deploy_waits_for_an_active_build_then_stamps_the_first_deploy(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        await workflow(session, action="start", workflow="develop", intent="ship", scope=["appdev"])
        early = await session.error(TOOL, {"action": "record-deploy", "targetService": "appstage"})
        sandbox_deploy(sandbox, "appstage", setup="prod")
        recorded = await workflow(session, action="record-deploy", targetService="appstage")
        status = await workflow(session, action="status")
    assert early["code"] == "PREREQUISITE_MISSING" and early["recovery"]["tool"] == "zerops_events"
    assert recorded["data"]["stamped"] is True and recorded["data"]["firstDeployedAt"]
    assert recorded["data"]["workSessionState"]["recorded"] is True
    assert "appstage: deploy ok" in status["guidance"]


@pytest.mark.sandbox(seed="standard", time_scale=0)
async def test_adopt_local_links_a_runtime_to_the_working_directory(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        linked = await workflow(session, action="adopt-local", targetService="appstage")
        again = await session.error(TOOL, {"action": "adopt-local", "targetService": "appstage"})
        managed = await session.error(TOOL, {"action": "adopt-local", "targetService": "db"})
        status = await workflow(session, action="status")
    assert linked["data"]["mode"] == "local-stage"
    assert _meta(tmp_path, "appstage")["firstDeployedAt"]  # it was already ACTIVE
    assert again["code"] == "INVALID_PARAMETER" and managed["code"] == "INVALID_PARAMETER"
    assert "mode=local-stage" in status["guidance"]


@pytest.mark.sandbox(seed="standard", time_scale=0)
async def test_adopt_local_is_refused_inside_the_project(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with workflow_session(sandbox, tmp_path, runtime=in_container(sandbox, "appdev")) as session:
        payload = await session.error(TOOL, {"action": "adopt-local", "targetService": "appstage"})
    assert payload["code"] == "INVALID_PARAMETER"
