"""The 2026 managed-service types (``postgresql:ha@16``, ``valkey:single@7.2``…) and the legacy
``postgresql@16`` + ``mode`` both work through the MCP client against the sandbox: in
``zerops_import`` and in a bootstrap plan (``zerops_workflow`` discover → provision)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import mutating_hits, tool_session
from tests.tools.workflow_harness import TOOL, workflow, workflow_session

pytestmark = [pytest.mark.anyio]

VARIANTS = """\
services:
  - hostname: db
    type: postgresql:ha@16
    profile: oltp-production
    priority: 10
  - hostname: cache
    type: valkey:single@7.2
    priority: 10
  - hostname: maria
    type: mariadb:single@10.6
    priority: 10
  - hostname: analytics
    type: clickhouse:ha@25.3
    priority: 10
"""
LEGACY = """\
services:
  - hostname: db
    type: postgresql@16
    mode: HA
    priority: 10
  - hostname: cache
    type: valkey@7.2
    mode: NON_HA
    priority: 10
"""


@pytest.fixture
def cache(tmp_path: Path) -> dict[str, Any]:
    return {"schema_cache_dir": tmp_path / "schemas"}


def _modes(sandbox: SandboxHandle, *hosts: str) -> dict[str, str]:
    return {host: sandbox.service(host).mode for host in hosts}


@pytest.mark.sandbox(seed="empty")
async def test_zerops_import_creates_services_written_in_the_variant_form(
    sandbox: SandboxHandle, cache: dict[str, Any]
) -> None:
    async with tool_session(sandbox, in_workflow=True, **cache) as session:
        data = await session.ok("zerops_import", {"content": VARIANTS})
    assert data["dryRun"] is False and data["outcome"] == "done", data
    by_host = {s["hostname"]: s for s in data["services"]}
    assert set(by_host) == {"db", "cache", "maria", "analytics"}
    assert all(s["action"] == "create" and s["status"] == "ACTIVE" for s in by_host.values()), by_host
    assert _modes(sandbox, "db", "cache", "maria", "analytics") == {
        "db": "HA",
        "cache": "NON_HA",
        "maria": "NON_HA",
        "analytics": "HA",
    }


@pytest.mark.sandbox(seed="empty")
async def test_zerops_import_still_takes_the_legacy_type_with_mode(
    sandbox: SandboxHandle, cache: dict[str, Any]
) -> None:
    async with tool_session(sandbox, in_workflow=True, **cache) as session:
        data = await session.ok("zerops_import", {"content": LEGACY})
    assert data["dryRun"] is False and data["outcome"] == "done", data
    assert {s["hostname"] for s in data["services"]} == {"db", "cache"}
    assert _modes(sandbox, "db", "cache") == {"db": "HA", "cache": "NON_HA"}


@pytest.mark.sandbox(seed="empty")
async def test_zerops_import_refuses_a_variant_on_a_type_that_takes_mode_and_says_how_to_write_it(
    sandbox: SandboxHandle, cache: dict[str, Any]
) -> None:
    content = "services:\n  - hostname: queue\n    type: nats:ha@2.12\n"
    async with tool_session(sandbox, in_workflow=True, **cache) as session:
        payload = await session.error("zerops_import", {"content": content})
    assert payload["code"] == "INVALID_IMPORT_YML", payload
    problems = {p["path"]: p for p in payload["details"]["problems"]}
    assert "mode: HA" in problems["services[0].type"]["suggestion"]
    assert mutating_hits(sandbox) == 0


def _plan(*deps: dict[str, Any]) -> list[dict[str, Any]]:
    runtime = {"devHostname": "appdev", "type": "nodejs@22", "bootstrapMode": "dev"}
    return [{"runtime": runtime, "dependencies": list(deps)}]


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_bootstrap_plan_in_the_variant_form_is_accepted_and_provisioned(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    plan = _plan(
        {"hostname": "db", "type": "postgresql:ha@16", "resolution": "CREATE"},
        {"hostname": "cache", "type": "valkey:single@7.2", "resolution": "CREATE"},
    )
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node app")
        discovered = await workflow(session, action="complete", step="discover", plan=plan)
        provisioned = await workflow(session, action="complete", step="provision")
    assert discovered["status"] == "step-complete", discovered
    assert provisioned["status"] == "step-complete", provisioned
    services = {s["hostname"]: s for s in yaml.safe_load(provisioned["data"]["importYaml"])["services"]}
    assert services["db"] == {"hostname": "db", "type": "postgresql:ha@16", "priority": 10}
    assert services["cache"] == {"hostname": "cache", "type": "valkey:single@7.2", "priority": 10}
    assert _modes(sandbox, "db", "cache") == {"db": "HA", "cache": "NON_HA"}


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_bootstrap_plan_in_the_legacy_form_is_still_accepted_and_written_as_a_variant(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    plan = _plan(
        {"hostname": "db", "type": "postgresql@16", "mode": "HA", "resolution": "CREATE"},
        {"hostname": "cache", "type": "valkey@7.2", "resolution": "CREATE"},
    )
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node app")
        await workflow(session, action="complete", step="discover", plan=plan)
        provisioned = await workflow(session, action="complete", step="provision")
    assert provisioned["status"] == "step-complete", provisioned
    services = {s["hostname"]: s for s in yaml.safe_load(provisioned["data"]["importYaml"])["services"]}
    assert services["db"]["type"] == "postgresql:ha@16" and "mode" not in services["db"]
    assert services["cache"]["type"] == "valkey:single@7.2"  # NON_HA by default
    assert _modes(sandbox, "db", "cache") == {"db": "HA", "cache": "NON_HA"}


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_variant_of_a_missing_version_or_on_a_mode_only_type_is_refused_at_discover(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    plan = _plan(
        {"hostname": "db", "type": "postgresql:ha@99", "resolution": "CREATE"},
        {"hostname": "queue", "type": "nats:ha@2.12", "resolution": "CREATE"},
    )
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node app")
        payload = await session.error(TOOL, {"action": "complete", "step": "discover", "plan": plan})
    assert payload["code"] == "INVALID_PARAMETER", payload
    assert "postgresql:ha@99" in payload["error"] and "postgresql@16" in payload["error"]
    assert "use nats@2.12 with mode HA" in payload["error"]  # the import would refuse nats:ha@2.12
    assert mutating_hits(sandbox) == 0
