"""No tool output — readable text or structured content, result or error — carries a registered secret.

The realistic case: zcp runs inside a service whose environment holds ``ZCP_API_KEY``, and the agent
asks for env values, logs, an export or a knowledge search that echoes its query. The token is
planted in a log line, a service variable, a project variable and a tool argument, then every
registered tool is called (the table below must name each one, so a new tool needs a row).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp.types import CallToolResult

from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import tool_session
from tests.tools.read_harness import emit_log
from tests.tools.tool_listing import list_tools
from zcp.sandbox.model import EnvVar, ProjectEnvVar

pytestmark = pytest.mark.anyio


def _calls(secret: str, process_id: str) -> dict[str, list[dict[str, Any]]]:
    """Calls per tool that would echo the secret if anything were left unredacted."""
    return {
        "zerops_knowledge": [{"query": f"valkey {secret}"}, {"uri": f"zerops://themes/{secret}"}],
        "zerops_workflow": [
            {"action": "status"},
            {"action": "start", "workflow": "bootstrap", "intent": f"node app {secret}"},
            {"action": "start", "workflow": "develop", "intent": secret, "scope": ["appdev"]},
            {"workflow": "export"},
        ],
        "zerops_discover": [{"includeEnvValues": True}, {"service": "appdev", "includeEnvValues": True}],
        "zerops_logs": [{"serviceHostname": "appdev"}, {"serviceHostname": "appdev", "search": secret}],
        "zerops_events": [{}],
        "zerops_process": [{"processId": process_id}],
        "zerops_export": [{"includeEnvValues": True}],
        "zerops_verify": [{"serviceHostname": "appdev"}],
        "zerops_manage": [{"action": "restart", "serviceHostname": "appdev", "waitSeconds": 0}],
        "zerops_scale": [{"serviceHostname": "appdev", "cpuMode": secret}],
        "zerops_subdomain": [{"serviceHostname": "appdev", "action": "enable", "waitSeconds": 0}],
        "zerops_env": [
            {"action": "get", "serviceHostname": "appdev", "includeValues": True},
            {"action": "get", "project": True, "includeValues": True},
            {
                "action": "set",
                "serviceHostname": "appdev",
                "variables": [f"COPY={secret}"],
                "includeValues": True,
            },
            {"action": "delete", "serviceHostname": "appdev", "variables": [secret]},
        ],
        "zerops_import": [
            {"content": f"services:\n  - hostname: x\n    type: nodejs@22\n    mode: {secret}\n"},
            {"filePath": secret},
        ],
        "zerops_delete": [{"serviceHostname": "appdev"}, {"serviceHostname": "appdev", "confirm": secret}],
        "zerops_deploy": [{"targetService": "appdev", "setup": secret}],
        "zerops_deploy_batch": [{"targets": [{"targetService": "appdev", "setup": secret}]}],
        "zerops_mount": [{"action": "status"}],
        "zerops_dev_server": [{"action": "status", "hostname": "appdev"}],
    }


def _plant(sandbox: SandboxHandle, secret: str) -> None:
    with sandbox.sandbox.lock:
        service = sandbox.service("appdev")
        now = sandbox.sandbox.now()
        service.env.append(
            EnvVar(sandbox.sandbox.ids.new(), "ZCP_API_KEY", secret, "SECRET", False, now, now)
        )
        project = sandbox.sandbox.state.projects[service.project_id]
        project.env.append(ProjectEnvVar(sandbox.sandbox.ids.new(), "DEPLOY_TOKEN", secret, True, now, now))
    emit_log(sandbox, "appdev", f"ERROR auth failed with token {secret}", severity=3)


def _everything(result: CallToolResult) -> str:
    """Every string a client receives from a result."""
    return json.dumps(result.model_dump(mode="json", by_alias=True), ensure_ascii=False)


async def test_the_table_names_every_registered_tool() -> None:
    registered = {tool.name for tool in (await list_tools()).tools}
    assert set(_calls("s", "p")) == registered


@pytest.mark.sandbox(seed="standard")
async def test_no_tool_output_carries_a_registered_secret(sandbox: SandboxHandle) -> None:
    secret = sandbox.token  # registered when the session's credentials are built
    _plant(sandbox, secret)
    async with tool_session(sandbox) as session:
        process = await session.ok("zerops_manage", {"action": "restart", "serviceHostname": "appdev"})
        seen: list[str] = []
        for tool, calls in _calls(secret, process["process"]["processId"]).items():
            for arguments in calls:
                result = await session.call(tool, arguments)
                text = _everything(result)
                assert secret not in text, f"{tool} {arguments} leaked the secret: {text[:400]}"
                seen.append(tool)
    assert "***" in text or seen  # the loop ran


@pytest.mark.sandbox(seed="standard")
async def test_structured_content_is_redacted_where_the_text_is(sandbox: SandboxHandle) -> None:
    secret = sandbox.token
    _plant(sandbox, secret)
    async with tool_session(sandbox) as session:
        data = await session.ok("zerops_discover", {"service": "appdev", "includeEnvValues": True})
    values = {e["key"]: e.get("value") for e in data["envs"] if e.get("service") == "appdev"}
    assert values["ZCP_API_KEY"] == "***"
