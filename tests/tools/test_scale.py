"""zerops_scale through the MCP SDK client against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.plugins.core import result_text
from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import (
    Progress,
    commands,
    error_payload,
    knowledge_only_session,
    mutating_hits,
    request_count,
    tool_session,
)
from zcp.ops.scale import ScaleRequest, check_request, to_autoscaling

pytestmark = [pytest.mark.anyio]


@pytest.mark.sandbox(seed="standard")
async def test_a_vertical_change_waits_for_its_process_and_shows_the_new_limits(
    sandbox: SandboxHandle,
) -> None:
    progress = Progress()
    async with tool_session(sandbox) as session:
        data = await session.ok(
            "zerops_scale",
            {
                "serviceHostname": "appdev",
                "minRam": 0.5,
                "maxRam": 2,
                "cpuMode": "dedicated",
                "maxContainers": 3,
            },
            progress=progress,
        )
    assert data["outcome"] == "done"
    assert data["process"]["actionName"] == "stack.updateAutoscaling"
    assert data["scaling"]["minRam"] == 0.5 and data["scaling"]["maxRam"] == 2
    assert data["scaling"]["maxContainers"] == 3 and data["scaling"]["cpuMode"] == "DEDICATED"
    assert commands(data) == ['zerops_verify serviceHostname="appdev"']
    assert progress.messages and all(m.startswith("scale appdev: ") for m in progress.messages)
    assert "the CPU mode can change at most once an hour" in data["warnings"]


@pytest.mark.sandbox(seed="standard")
async def test_a_container_count_change_applies_at_once(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        result = await session.call(
            "zerops_scale", {"serviceHostname": "appdev", "minContainers": 2, "maxContainers": 4}
        )
    data = result.structured_content
    assert data is not None and data["outcome"] == "done" and "process" not in data
    assert data["scaling"]["minContainers"] == 2 and data["scaling"]["maxContainers"] == 4
    assert "applied at once" in result_text(result)


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"serviceHostname": "appdev"}, "no scaling parameter"),
        ({"serviceHostname": "appdev", "minRam": 4, "maxRam": 2}, "minRam=4 is above maxRam=2"),
        (
            {"serviceHostname": "appdev", "cpuMode": "turbo"},
            "cpuMode 'TURBO' is not one of SHARED, DEDICATED",
        ),
        ({"serviceHostname": "db", "maxContainers": 3}, "fixed container count"),
        ({"serviceHostname": "db", "minRam": 0.125}, "minRam=0.125 is outside 0.25–48 GB"),
        ({"serviceHostname": "appdev", "minFreeRamGB": 0, "minFreeRamPercent": 0}, "cannot both be 0"),
    ],
)
async def test_values_outside_the_platform_ranges_are_refused_with_what_is_allowed(
    sandbox: SandboxHandle, arguments: dict[str, Any], fragment: str
) -> None:
    async with tool_session(sandbox) as session:
        payload = await session.error("zerops_scale", arguments)
    assert payload["code"] == "INVALID_SCALING"
    assert fragment in payload["error"]
    assert "Allowed for" in payload["suggestion"] and "maxRam" in payload["details"]["allowed"]
    assert mutating_hits(sandbox) == 0


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize(
    ("arguments", "fragment", "hint"),
    [
        ({"maxCpu": 9}, "maxCpu=9 is not at most 8", "maxCpu takes 1–8"),
        ({"maxDisk": 500}, "maxDisk=500 is not at most 250", "maxDisk takes 1–250"),
        ({"maxContainers": 11}, "maxContainers=11 is not at most 10", "maxContainers takes 1–10"),
        ({"minCpu": 10**400}, "minCpu is too large", ""),
    ],
)
async def test_values_outside_the_published_ranges_are_parameter_errors(
    sandbox: SandboxHandle, arguments: dict[str, Any], fragment: str, hint: str
) -> None:
    async with tool_session(sandbox) as session:
        payload = await session.error("zerops_scale", {"serviceHostname": "appdev", **arguments})
    assert payload["code"] == "INVALID_PARAMETER"
    assert fragment in payload["error"] and hint in payload["suggestion"]
    assert mutating_hits(sandbox) == 0


@pytest.mark.sandbox(seed="standard")
async def test_a_minimum_above_the_current_maximum_is_caught(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        await session.ok("zerops_scale", {"serviceHostname": "appdev", "maxRam": 2})
        payload = await session.error("zerops_scale", {"serviceHostname": "appdev", "minRam": 4})
    assert payload["code"] == "INVALID_SCALING"
    assert "above the current maxRam (2)" in payload["error"]


@pytest.mark.sandbox(seed="adoptable")
async def test_object_storage_does_not_scale(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        payload = await session.error("zerops_scale", {"serviceHostname": "storage", "maxRam": 2})
    assert payload["code"] == "INVALID_SCALING" and "object storage" in payload["error"]


@pytest.mark.sandbox(seed="standard")
async def test_cpu_thresholds_on_a_shared_cpu_are_accepted_with_a_warning(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        data = await session.ok("zerops_scale", {"serviceHostname": "appdev", "minFreeCpuCores": 0.2})
    assert data["warnings"] == [
        "minFreeCpuCores and minFreeCpuPercent only take effect with cpuMode DEDICATED"
    ]


@pytest.mark.sandbox(seed="standard")
async def test_a_fractional_cpu_count_is_a_parameter_error(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        payload = await session.error("zerops_scale", {"serviceHostname": "appdev", "minCpu": 1.5})
    assert payload["code"] == "INVALID_PARAMETER" and "minCpu" in payload["error"]


@pytest.mark.sandbox(seed="standard")
async def test_a_platform_refusal_is_a_scaling_error_with_its_field_meta(sandbox: SandboxHandle) -> None:
    sandbox.fault("set_autoscaling", status=400, code="invalidCustomAutoscalingValue", times=1)
    async with tool_session(sandbox) as session:
        payload = await session.error("zerops_scale", {"serviceHostname": "appdev", "maxRam": 4})
    assert payload["code"] == "INVALID_SCALING"
    assert payload["apiCode"] == "invalidCustomAutoscalingValue"


@pytest.mark.sandbox(seed="standard")
async def test_rate_limiting_on_the_service_list_surfaces_as_api_rate_limited(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        sandbox.fault("search_services", status=429, retry_after=1)
        payload = await session.error("zerops_scale", {"serviceHostname": "appdev", "maxRam": 4})
    assert payload["code"] == "API_RATE_LIMITED"
    assert mutating_hits(sandbox) == 0


@pytest.mark.sandbox(seed="standard")
async def test_a_change_the_api_does_not_answer_in_time_is_an_api_timeout(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox, api_timeout=0.2) as session:
        sandbox.fault("set_autoscaling", latency=1)
        payload = await session.error("zerops_scale", {"serviceHostname": "appdev", "maxRam": 4})
    assert payload["code"] == "API_TIMEOUT"
    assert sandbox.hits("set_autoscaling") <= 1  # the change may have happened: never retried blindly


def test_the_request_body_leaves_untouched_parts_out() -> None:
    body = to_autoscaling(ScaleRequest(maxContainers=3)).to_wire()
    assert body == {
        "verticalAutoscaling": None,
        "horizontalAutoscaling": {"minContainerCount": None, "maxContainerCount": 3},
    }
    vertical = to_autoscaling(ScaleRequest(minRam=1, minFreeRamPercent=10)).to_wire()["verticalAutoscaling"]
    assert vertical["minResource"] == {"cpuCoreCount": None, "memoryGBytes": 1, "diskGBytes": None}
    assert vertical["maxResource"] is None
    assert vertical["minFreeResource"]["memoryPercent"] == 10


_values = st.one_of(
    st.none(),
    st.integers(-5, 300),
    st.sampled_from([10**400, -(10**30), 2**53 + 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
)
_hostnames = st.one_of(
    st.sampled_from(["appdev", "db", "appstage", "nope"]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(["app;ls", "$(reboot)", "app`id`", "../etc", "a|b", "app&&x", "APP", "app dev"]),
)


_calls = st.tuples(
    _hostnames,
    st.dictionaries(
        st.sampled_from(
            [
                "cpuMode",
                "minCpu",
                "maxCpu",
                "minRam",
                "maxRam",
                "maxDisk",
                "minContainers",
                "minFreeRamGB",
                "bogus",
            ]
        ),
        _values,
        max_size=4,
    ),
)


def _valid_hostname(hostname: str) -> bool:
    return (
        hostname.isascii() and hostname.isalnum() and hostname == hostname.lower() and 0 < len(hostname) <= 25
    )


@pytest.mark.sandbox(seed="standard", time_scale=0)
@settings(max_examples=4, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(calls=st.lists(_calls, min_size=15, max_size=15))
async def test_no_input_crashes_and_bad_hostnames_never_reach_the_api(
    sandbox: SandboxHandle, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    async with tool_session(sandbox) as session:
        for hostname, args in calls:
            before = request_count(sandbox)
            result = await session.call("zerops_scale", {"serviceHostname": hostname, **args})
            if result.is_error:
                payload = error_payload(result)
                assert payload["code"] != "UNKNOWN", payload
            else:
                data = result.structured_content
                assert data is not None and data["outcome"] in ("done", "running")
            if not _valid_hostname(hostname.strip()):
                assert result.is_error and request_count(sandbox) == before


@pytest.mark.parametrize("category", ["STANDARD", "USER"])
def test_check_request_is_pure_and_reports_every_problem_at_once(category: str) -> None:
    from zcp.platform.models import ServiceStack

    service = ServiceStack.model_validate(
        {
            "id": "x",
            "name": "svc",
            "serviceStackTypeInfo": {
                "serviceStackTypeCategory": category,
                "serviceStackTypeVersionName": "nodejs@22",
            },
        }
    )
    check = check_request(ScaleRequest(minCpu=0, maxCpu=99, minContainers=5, maxContainers=2), service)
    assert len(check.problems) >= 3


async def test_without_credentials_it_answers_auth_required() -> None:
    async with knowledge_only_session() as session:
        payload = await session.error("zerops_scale", {"serviceHostname": "app", "maxRam": 2})
    assert payload["code"] == "AUTH_REQUIRED" and "ZCP_API_KEY" in payload["suggestion"]
