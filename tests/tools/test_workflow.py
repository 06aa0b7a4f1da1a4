"""zerops_workflow bootstrap over MCP against the sandbox: route menu, the three steps, metas written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.plugins.sandbox import SandboxHandle
from tests.tools.workflow_harness import NODE_PAIR_PLAN, bootstrap_classic, workflow, workflow_session

pytestmark = [pytest.mark.anyio]


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_classic_bootstrap_creates_the_planned_services_and_records_them(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        menu = await workflow(session, action="start", workflow="bootstrap", intent="node app with postgres")
        assert menu["status"] == "route-menu"
        routes = [o["route"] for o in menu["data"]["routeOptions"]]
        assert "classic" in routes
        closed = await bootstrap_classic(session, NODE_PAIR_PLAN)
    assert closed["status"] == "finished"
    assert {
        s.name for s in [sandbox.service("appdev"), sandbox.service("appstage"), sandbox.service("db")]
    } == {
        "appdev",
        "appstage",
        "db",
    }
    meta = json.loads((tmp_path / "state" / "services" / "appdev.json").read_text(encoding="utf-8"))
    assert meta["mode"] == "standard" and meta["stageHostname"] == "appstage" and meta["bootstrappedAt"]
    assert closed["nextActions"][0]["args"]["workflow"] == "develop"
