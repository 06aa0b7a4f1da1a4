"""The live workflow status against the sandbox with 50 ms of injected latency per API call.

``zerops_workflow action="status"`` reads the services (one API call) while the state files are read
in a worker thread, then runs the pure pipeline; its cost should stay close to one call: the figure
is the ratio of its median time to a single call's median (target ≤ 1.3). Also printed: the
tools/list size of the whole tool set and of zerops_workflow alone (budgets 36 KiB and 6 KiB).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import anyio
import httpx

from tests.bench import Report
from tests.tools.tool_listing import (
    LIST_BUDGET_BYTES,
    WORKFLOW_BUDGET_BYTES,
    list_tools,
    listing_bytes,
    tool_bytes,
)
from zcp.app import App
from zcp.auth import Credentials, PlatformConnection, discover_project
from zcp.config import Settings
from zcp.ops.workflow.dispatch import handle
from zcp.ops.workflow.request import WorkflowRequest
from zcp.platform import RetryPolicy, SecretToken, ZeropsClient
from zcp.runtime import RuntimeInfo
from zcp.sandbox import FaultRule, Sandbox, SandboxServer, SystemClock

LATENCY = 0.05
ROUNDS = 15
TARGET_RATIO = 1.3


async def _measure(url: str, token: str, state: Path) -> tuple[list[float], list[float]]:
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
    async with httpx.AsyncClient(limits=limits, timeout=10) as http:
        client = ZeropsClient(http, base_url=url, token=token, retry=RetryPolicy.none())
        credentials = Credentials(token=SecretToken(token), api_host=url, region="prg1", source="env")
        found = await discover_project(client, credentials)
        platform = PlatformConnection(
            client=client,
            project=found.project,
            client_id=found.client_id,
            user=found.user,
            credentials=credentials,
            runtime=RuntimeInfo(in_container=False),
        )
        app = App(Settings(api_key=token, api_host=url, state_dir=state, work_dir=state), platform=platform)
        request = WorkflowRequest(action="status")
        for _ in range(2):
            await handle(app, request, None)  # warm: atoms compiled, connections open
        single: list[float] = []
        status: list[float] = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            await client.get_project(found.project.id)
            single.append(time.perf_counter() - started)
            started = time.perf_counter()
            answer = await handle(app, request, None)
            status.append(time.perf_counter() - started)
            assert answer.report is not None and answer.report.envelope.services
        return single, status


def run(report: Report) -> None:
    sandbox = Sandbox(clock=SystemClock(), scenario="standard")
    with tempfile.TemporaryDirectory() as folder, SandboxServer(sandbox) as server:
        sandbox.faults.add(FaultRule(endpoint="*", latency=LATENCY))
        single, status = anyio.run(_measure, server.url, sandbox.token, Path(folder))
    one = statistics.median(single) * 1000
    whole = statistics.median(status) * 1000
    report.note(f"{LATENCY * 1000:.0f} ms injected per call, {ROUNDS} rounds, medians")
    report.figure("single call (get_project)", one, " ms")
    report.figure('zerops_workflow action="status" (live envelope + pipeline)', whole, " ms")
    report.figure("workflow status / single call", whole / one, "x", target=TARGET_RATIO)
    listing = anyio.run(list_tools)
    total = listing_bytes(listing)
    (workflow,) = [t for t in listing.tools if t.name == "zerops_workflow"]
    report.figure("tools/list bytes (all tools)", total / 1024, " KiB", target=LIST_BUDGET_BYTES / 1024)
    report.figure(
        "tools/list bytes (zerops_workflow)",
        tool_bytes(workflow) / 1024,
        " KiB",
        target=WORKFLOW_BUDGET_BYTES / 1024,
    )
    report.require(total < LIST_BUDGET_BYTES, f"tools/list is {total} bytes, budget {LIST_BUDGET_BYTES}")
