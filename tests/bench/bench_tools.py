"""Tool listing size: the bytes every MCP session pays for ``tools/list``, in total and per tool.

The whole list must stay under :data:`tests.tools.tool_listing.LIST_BUDGET_BYTES` (36 KB); the same
budget is a test (``tests/tools/test_registry.py``), so here the figures are printed for the record
and a breach is a hard failure too.
"""

from __future__ import annotations

import anyio

from tests.bench import Report
from tests.tools.tool_listing import LIST_BUDGET_BYTES, list_tools, listing_bytes, tool_bytes


def run(report: Report) -> None:
    result = anyio.run(list_tools)
    total = listing_bytes(result)
    report.figure("tools/list bytes (all tools)", total, " B", target=LIST_BUDGET_BYTES)
    report.figure("tools registered", len(result.tools))
    for tool in sorted(result.tools, key=tool_bytes, reverse=True):
        report.figure(f"  {tool.name}", tool_bytes(tool), " B")
    report.require(total < LIST_BUDGET_BYTES, f"tools/list is {total} bytes, budget {LIST_BUDGET_BYTES}")
