"""Tool listing size, and start-up as a host sees it: spawn → first ``tools/list`` answered.

The whole list must stay under :data:`tests.tools.tool_listing.LIST_BUDGET_BYTES` (36 KB); the same
budget is a test (``tests/tools/test_registry.py``), so here the figures are printed for the record
and a breach is a hard failure too. Start-up is measured side by side with a bare ``MCPServer``
with one tool, spawned the same way; zcp's target is at most 1.15× of it (a figure, not a gate:
timing on a shared machine is noisy).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

import anyio

from tests.bench import Report
from tests.bench.bench_knowledge import _MINIMAL_SERVER, _time_to_tools_list
from tests.tools.tool_listing import LIST_BUDGET_BYTES, list_tools, listing_bytes, tool_bytes

STARTUP_TARGET = 1.15
ROUNDS = 9


def run(report: Report) -> None:
    result = anyio.run(list_tools)
    total = listing_bytes(result)
    report.figure("tools/list bytes (all tools)", total, " B", target=LIST_BUDGET_BYTES)
    report.figure("tools registered", len(result.tools))
    for tool in sorted(result.tools, key=tool_bytes, reverse=True):
        report.figure(f"  {tool.name}", tool_bytes(tool), " B")
    report.require(total < LIST_BUDGET_BYTES, f"tools/list is {total} bytes, budget {LIST_BUDGET_BYTES}")
    _startup(report)


def _startup(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"PATH": os.environ.get("PATH", ""), "HOME": tmp, "XDG_CACHE_HOME": str(Path(tmp) / "cache")}
        script = Path(tmp) / "minimal.py"
        script.write_text(_MINIMAL_SERVER, encoding="utf-8")
        minimal_cmd = [sys.executable, str(script)]
        zcp_cmd = [sys.executable, "-m", "zcp", "serve"]
        cold = _time_to_tools_list(zcp_cmd, env)  # also fills zcp's tool listing cache
        _time_to_tools_list(minimal_cmd, env)  # warm the OS file cache for both
        minimal, ours = [], []
        for _ in range(ROUNDS):  # interleaved, so load on the machine hits both alike
            minimal.append(_time_to_tools_list(minimal_cmd, env))
            ours.append(_time_to_tools_list(zcp_cmd, env))
    m, z = statistics.median(minimal), statistics.median(ours)
    report.figure(f"spawn → first tools/list: minimal MCPServer, 1 tool (median of {ROUNDS})", m * 1000, "ms")
    report.figure(f"spawn → first tools/list: zcp serve (median of {ROUNDS})", z * 1000, "ms")
    report.figure(
        "zcp serve / minimal MCPServer (spawn → first tools/list)", z / m, "x", target=STARTUP_TARGET
    )
    report.figure("spawn → first tools/list: zcp serve, empty listing cache", cold * 1000, "ms")
