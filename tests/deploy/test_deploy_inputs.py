"""Arbitrary input to the deploy tools never crashes them: every answer is a result or a structured
error with a code other than ``UNKNOWN``, a message and a suggestion (the rule the hardening issue set
for every tool, applied to zerops_deploy, zerops_deploy_batch, zerops_mount and zerops_dev_server).

One zcp inside the sandbox project (real SSH, simulated builds) answers every generated call; the
values mix the service names that exist with hostile text, so calls reach the SSH and push paths too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.deploy.harness import container_session, open_develop, write_app
from tests.plugins.sandbox import ContainersHandle

pytestmark = pytest.mark.anyio

NAMES = ["appdev", "appstage", "db", "zcp", "nope", "APPDEV", "a-b", ""]
HOSTILE = ["'; rm -rf / #", "$(id)", "`id`", "a\nb", "../../etc", "x" * 300, "☃", "/var/www"]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(NAMES + HOSTILE),
    st.text(max_size=12),
    st.lists(st.sampled_from(NAMES + HOSTILE), max_size=3),
)
PARAMETERS = {
    "zerops_deploy": [
        "targetService",
        "sourceService",
        "setup",
        "workingDir",
        "strategy",
        "appVersion",
        "waitSeconds",
        "bogus",
    ],
    "zerops_mount": ["action", "serviceHostname", "bogus"],
    "zerops_dev_server": [
        "action",
        "hostname",
        "command",
        "port",
        "healthPath",
        "logFile",
        "waitSeconds",
        "logLines",
        "workDir",
        "processMatch",
        "noHttpProbe",
    ],
}
ACTIONS = {
    "zerops_mount": ["mount", "unmount", "status"],
    "zerops_dev_server": ["start", "stop", "status", "logs", "restart"],
}


@st.composite
def calls(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    tool = draw(st.sampled_from([*PARAMETERS, "zerops_deploy_batch"]))
    if tool == "zerops_deploy_batch":
        target = st.dictionaries(
            st.sampled_from(["targetService", "sourceService", "setup", "workingDir", "x"]),
            VALUES,
            max_size=3,
        )
        targets = draw(st.one_of(st.lists(target, max_size=3), VALUES))
        return tool, {"targets": targets, "waitSeconds": draw(st.sampled_from([0, 1, -1, "x"]))}
    arguments = draw(st.dictionaries(st.sampled_from(PARAMETERS[tool]), VALUES, max_size=4))
    if tool in ACTIONS and draw(st.booleans()):
        arguments["action"] = draw(st.sampled_from(ACTIONS[tool]))
    if tool == "zerops_deploy":
        arguments.setdefault("waitSeconds", 0)  # an accepted deploy answers at once (BUILD_TRIGGERED)
    if tool == "zerops_dev_server" and arguments.get("action") in ("start", "restart"):
        arguments["waitSeconds"] = 0
    return tool, arguments


@pytest.mark.containers(seed="standard")
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(call=calls())
async def test_no_input_crashes_a_deploy_tool_or_answers_without_a_code(
    containers: ContainersHandle, tmp_path: Path, call: tuple[str, dict[str, Any]]
) -> None:
    tool, arguments = call
    write_app(containers.tree("appdev"))
    async with container_session(containers, tmp_path) as session:
        open_develop(session, ["appdev"])
        result = await session.call(tool, arguments)
    text = result.content[0].text  # type: ignore[union-attr]
    if result.is_error:
        payload = json.loads(text)
        assert payload["code"] != "UNKNOWN", (tool, arguments, payload)
        assert payload["error"] and payload.get("suggestion"), (tool, arguments, payload)
    else:
        assert result.structured_content is not None, (tool, arguments, text)
