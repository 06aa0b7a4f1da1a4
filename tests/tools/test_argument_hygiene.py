"""Every parameter of every registered tool (present and future) refuses what no parameter can mean,
before anything runs: numbers beyond float range or outside the published ``minimum``/``maximum``,
infinities, and NUL characters in text. Each case is ``INVALID_PARAMETER`` naming the parameter,
never a crash (``UNKNOWN``) and never a call to the platform."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.types import Tool

from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import mutating_hits, tool_session
from tests.tools.tool_listing import list_tools

pytestmark = pytest.mark.anyio

HUGE = 10**400


def _listed() -> list[Tool]:
    import anyio

    return list(anyio.run(list_tools).tools)


TOOLS = _listed()


def _base_arguments(tool: Tool) -> dict[str, Any]:
    """Arguments that satisfy the tool's required parameters (valid, so the tested one decides)."""
    properties: dict[str, Any] = tool.input_schema.get("properties", {})
    arguments: dict[str, Any] = {}
    for name in tool.input_schema.get("required", []):
        schema = properties[name]
        if "enum" in schema:
            arguments[name] = schema["enum"][0]
        elif name.endswith("Hostname") or name == "service":
            arguments[name] = "appdev"
        elif schema.get("type") == "integer":
            arguments[name] = 1
        else:
            arguments[name] = "abc"
    return arguments


def _parameters(kinds: tuple[str, ...]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for tool in TOOLS:
        for name, schema in tool.input_schema.get("properties", {}).items():
            if schema.get("type") in kinds:
                found.append((tool.name, name, schema))
    return found


NUMBERS = _parameters(("integer", "number"))
TEXTS = _parameters(("string",))


def _tool(name: str) -> Tool:
    return next(tool for tool in TOOLS if tool.name == name)


async def _refused(sandbox: SandboxHandle, tool: str, parameter: str, value: Any) -> dict[str, Any]:
    from tests.tools.harness import error_payload

    arguments = {**_base_arguments(_tool(tool)), parameter: value}
    async with tool_session(sandbox) as session:
        payload = error_payload(await session.call(tool, arguments))
    assert payload["code"] == "INVALID_PARAMETER", payload
    assert parameter in payload["error"], payload
    assert mutating_hits(sandbox) == 0
    return payload


def test_the_registry_has_numeric_and_text_parameters_to_check() -> None:
    assert any(tool == "zerops_scale" and name == "minCpu" for tool, name, _ in NUMBERS)
    assert any(tool == "zerops_import" and name == "filePath" for tool, name, _ in TEXTS)


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize(("tool", "parameter", "schema"), NUMBERS, ids=[f"{t}.{p}" for t, p, _ in NUMBERS])
async def test_an_integer_beyond_float_range_is_a_parameter_error(
    sandbox: SandboxHandle, tool: str, parameter: str, schema: dict[str, Any]
) -> None:
    await _refused(sandbox, tool, parameter, HUGE)


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize(("tool", "parameter", "schema"), NUMBERS, ids=[f"{t}.{p}" for t, p, _ in NUMBERS])
async def test_a_number_above_the_published_maximum_is_a_parameter_error(
    sandbox: SandboxHandle, tool: str, parameter: str, schema: dict[str, Any]
) -> None:
    if "maximum" not in schema:
        pytest.skip(f"{tool}.{parameter} publishes no maximum")
    payload = await _refused(sandbox, tool, parameter, schema["maximum"] + 1)
    assert f"{schema['maximum']:g}" in payload["error"] + payload["suggestion"]


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize(("tool", "parameter", "schema"), TEXTS, ids=[f"{t}.{p}" for t, p, _ in TEXTS])
async def test_a_nul_character_in_text_is_a_parameter_error(
    sandbox: SandboxHandle, tool: str, parameter: str, schema: dict[str, Any]
) -> None:
    value = schema["enum"][0] + "\x00" if "enum" in schema else "app\x00.yml"
    await _refused(sandbox, tool, parameter, value)


@pytest.mark.sandbox(seed="standard")
async def test_a_nul_inside_a_list_of_text_is_refused_too(sandbox: SandboxHandle) -> None:
    await _refused(sandbox, "zerops_env", "variables", ["A=1", "B=x\x00y"])
