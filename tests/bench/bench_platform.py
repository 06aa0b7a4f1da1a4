"""Platform client speed: a status-style read against the sandbox with 50 ms of injected latency per call.

The read (project, services, processes, app versions; organisation id cached from start-up) runs its
four calls concurrently, so it should cost about one call: the figure is the ratio of the status read's
median time to a single call's median time, with a target of at most 1.3.
"""

from __future__ import annotations

import statistics
import time

import anyio
import httpx

from tests.bench import Report
from zcp.platform import RetryPolicy, ZeropsClient, read_snapshot
from zcp.sandbox import FaultRule, Sandbox, SandboxServer, SystemClock

LATENCY = 0.05
ROUNDS = 15
TARGET_RATIO = 1.3


async def _measure(url: str, token: str, project_id: str) -> tuple[list[float], list[float]]:
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
    async with httpx.AsyncClient(limits=limits, timeout=10) as http:
        client = ZeropsClient(http, base_url=url, token=token, retry=RetryPolicy.none())
        await client.get_user_info()  # start-up: caches the organisation id
        for _ in range(2):  # warm the connection pool to four open connections
            await read_snapshot(client, project_id)
        single: list[float] = []
        status: list[float] = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            await client.get_project(project_id)
            single.append(time.perf_counter() - started)
            started = time.perf_counter()
            snapshot = await read_snapshot(client, project_id)
            status.append(time.perf_counter() - started)
            assert snapshot.services, "the status read returned no services"
        return single, status


def run(report: Report) -> None:
    sandbox = Sandbox(clock=SystemClock(), scenario="standard")
    project_id = next(iter(sandbox.state.projects))
    with SandboxServer(sandbox) as server:
        sandbox.faults.add(FaultRule(endpoint="*", latency=LATENCY))
        single, status = anyio.run(_measure, server.url, sandbox.token, project_id)
    one = statistics.median(single) * 1000
    whole = statistics.median(status) * 1000
    report.note(f"{LATENCY * 1000:.0f} ms injected per call, {ROUNDS} rounds, medians")
    report.figure("single call (get_project)", one, " ms")
    report.figure("status read: project+services+processes+app versions", whole, " ms")
    ratio = whole / one
    # A speed figure, marked ok/MISS but not a hard failure: wall-clock ratios wobble on busy machines.
    report.figure("status read / single call", ratio, "x", target=TARGET_RATIO)
