"""A failed verify is answered by a deploy of the fix, and that deploy by a new verify — in the order the
attempts happened, even within one second (the attempts carry a session-wide ``order``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.plugins.sandbox import SandboxHandle
from tests.tools.workflow_harness import bootstrap_classic, workflow, workflow_session
from zcp.ops.workflow.develop import record_deploy_attempt, record_verify_attempt

pytestmark = [pytest.mark.anyio]

PLAN = [{"runtime": {"devHostname": "app", "type": "python@3.12", "bootstrapMode": "simple"}}]


def _primary(answer: dict[str, object]) -> tuple[object, object]:
    first = answer["nextActions"][0]  # type: ignore[index]
    return first["tool"], first["args"]


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_failed_verify_asks_for_the_fix_to_be_deployed_then_verified(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrap_classic(session, PLAN, intent="status page")
        await workflow(session, action="start", workflow="develop", intent="serve it", scope=["app"])
        await record_deploy_attempt(session.app, "app", succeeded=True, setup="prod")
        await record_verify_attempt(
            session.app, "app", passed=False, summary="http_root: HTTP 500", failure_class="verify"
        )
        after_failure = await workflow(session, action="status")
        await record_deploy_attempt(session.app, "app", succeeded=True, setup="prod")
        after_fix = await workflow(session, action="status")
        await record_verify_attempt(session.app, "app", passed=True, summary="healthy")
        green = await workflow(session, action="status")
        await record_deploy_attempt(session.app, "app", succeeded=True, setup="prod")
        redeployed = await workflow(session, action="status")
    assert _primary(after_failure) == ("zerops_deploy", {"targetService": "app"})
    assert _primary(after_fix) == ("zerops_verify", {"serviceHostname": "app"})
    assert _primary(green) == ("zerops_workflow", {"action": "close", "workflow": "develop"})
    # A deploy after a passing verify needs a verify of its own.
    assert _primary(redeployed) == ("zerops_verify", {"serviceHostname": "app"})
    (path,) = (tmp_path / "state" / "work").glob("*.json")
    work = json.loads(path.read_text(encoding="utf-8"))
    orders = [a["order"] for a in work["deploys"]["app"]] + [a["order"] for a in work["verifies"]["app"]]
    assert sorted(orders) == [1, 2, 3, 4, 5]


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_fixes_that_keep_failing_verification_still_reach_the_iteration_cap(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path, max_iterations=2) as session:
        await bootstrap_classic(session, PLAN, intent="status page")
        await workflow(session, action="start", workflow="develop", intent="serve it", scope=["app"])
        for _ in range(2):
            await record_deploy_attempt(session.app, "app", succeeded=True)
            state = await record_verify_attempt(
                session.app, "app", passed=False, summary="http_root: HTTP 500", failure_class="verify"
            )
    assert state.status == "auto-closed" and state.close_reason == "iteration-cap"


def test_files_without_an_order_fall_back_to_the_timestamps() -> None:
    from zcp.ops.workflow.develop import deployed_since_verify
    from zcp.state.models import DeployAttempt, VerifyAttempt, WorkSession

    def session(deployed: str, verified: str) -> WorkSession:
        return WorkSession(
            pid=1,
            services=["app"],
            deploys={"app": [DeployAttempt(attempted_at=deployed, succeeded_at=deployed)]},
            verifies={"app": [VerifyAttempt(attempted_at=verified, passed=False)]},
        )

    assert deployed_since_verify(session("2025-06-02T08:00:05Z", "2025-06-02T08:00:01Z"), "app")
    assert not deployed_since_verify(session("2025-06-02T08:00:01Z", "2025-06-02T08:00:05Z"), "app")
    assert not deployed_since_verify(session("2025-06-02T08:00:01Z", "2025-06-02T08:00:01Z"), "app")
