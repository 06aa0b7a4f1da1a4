"""A delivery step asked for by the cicd flow, or by the git-push setup walk-through, leads back into it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.plugins.sandbox import SandboxHandle
from tests.tools.workflow_harness import bootstrap_classic, workflow, workflow_session

pytestmark = [pytest.mark.anyio]

PLAN = [{"runtime": {"devHostname": "web", "type": "python@3.12", "bootstrapMode": "simple"}}]
REMOTE = "https://github.com/acme/web.git"


def _primary(answer: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    first = answer["nextActions"][0]
    return first["tool"], first["args"]


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_each_step_the_cicd_flow_asks_for_continues_the_cicd_flow(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrap_classic(session, PLAN, intent="web")
        first = await workflow(session, workflow="cicd")
        pushed = await workflow(session, **{**_primary(first)[1], "remoteUrl": REMOTE})
        second = await workflow(session, **_primary(pushed)[1])
        integrated = await workflow(session, **_primary(second)[1])
        third = await workflow(session, **_primary(integrated)[1])
        closed = await workflow(session, **_primary(third)[1])
        ready = await workflow(session, **_primary(closed)[1])
    assert _primary(first)[1]["action"] == "git-push-setup"
    assert _primary(pushed) == ("zerops_workflow", {"workflow": "cicd"})
    assert _primary(second)[1] == {"action": "build-integration", "service": "web", "integration": "actions"}
    assert integrated["data"]["workflowFile"]["path"] == ".github/workflows/zerops.yml"
    assert _primary(integrated) == ("zerops_workflow", {"workflow": "cicd"})
    assert _primary(third)[1] == {"action": "close-mode", "closeMode": {"web": "git-push"}}
    assert _primary(closed) == ("zerops_workflow", {"workflow": "cicd"})
    assert ready["data"]["branch"] == "cicd.ready"
    assert _primary(ready) == ("zerops_deploy", {"targetService": "web", "strategy": "git-push"})


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_git_push_set_up_for_close_mode_git_push_leads_to_the_build_integration(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrap_classic(session, PLAN, intent="web")
        await workflow(session, action="close-mode", closeMode={"web": "git-push"})
        configured = await workflow(session, action="git-push-setup", service="web", remoteUrl=REMOTE)
        webhook = await workflow(session, **_primary(configured)[1])
    assert _primary(configured)[1] == {
        "action": "build-integration",
        "service": "web",
        "integration": "webhook",
    }
    assert _primary(webhook) == ("zerops_deploy", {"targetService": "web", "strategy": "git-push"})


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_new_task_ends_the_flow_so_a_later_step_does_not_lead_back_into_it(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrap_classic(session, PLAN, intent="web")
        await workflow(session, workflow="cicd")
        await workflow(session, action="start", workflow="develop", intent="a change", scope=["web"])
        await workflow(session, action="close", workflow="develop")
        configured = await workflow(session, action="git-push-setup", service="web", remoteUrl=REMOTE)
    assert _primary(configured)[1].get("workflow") != "cicd"
