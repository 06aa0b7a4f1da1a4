"""zerops_events text: a live build reads "deployed", durations are rounded to tenths of a second."""

from __future__ import annotations

import pytest

from tests.plugins.core import result_text
from tests.plugins.sandbox import SandboxHandle
from tests.tools.read_harness import read_session

pytestmark = pytest.mark.anyio


@pytest.mark.sandbox(seed="standard")
async def test_a_live_build_reads_deployed_with_a_rounded_duration(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        result = await session.call("zerops_events")
    data = result.structured_content or {}
    text = result_text(result)
    builds = [e for e in data["events"] if e["type"] == "build"]
    assert builds and all(round(e["duration"], 1) == e["duration"] for e in builds)
    build_lines = [line for line in text.splitlines() if "  build " in line]
    assert build_lines and all(" deployed " in line and " ACTIVE " not in line for line in build_lines)
