"""A tools/call that names no registered tool, or sends arguments that are not an object, gets the one
documented error (JSON with code, error, suggestion) — not plain ``Unknown tool: X`` text or a bare
``-32602`` with empty data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.plugins.core import result_text
from tests.server.raw_stdio import RawStdio
from tests.tools.harness import knowledge_only_session

pytestmark = pytest.mark.anyio


async def test_an_unknown_tool_answers_the_json_error_with_the_closest_names() -> None:
    async with knowledge_only_session() as session:
        result = await session.call("zerops_verfy", {"serviceHostname": "app"})
        listed = {tool.name for tool in (await session.client.list_tools()).tools}
    assert result.is_error
    payload = json.loads(result_text(result))
    assert payload["code"] == "INVALID_PARAMETER"
    assert payload["details"]["closest"][0] == "zerops_verify"
    assert set(payload["details"]["available"]) == listed
    assert "zerops_verify" in payload["suggestion"]


async def test_a_name_close_to_nothing_lists_every_tool() -> None:
    async with knowledge_only_session() as session:
        payload = json.loads(result_text(await session.call("launch_rocket", {})))
    assert payload["code"] == "INVALID_PARAMETER" and payload["details"]["closest"] == []
    assert "zerops_discover" in payload["suggestion"]


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RawStdio]:
    server = RawStdio(tmp_path_factory.mktemp("calls"))
    server.initialize()
    yield server
    assert server.close() == 0


def _tool_error(answer: dict[str, Any]) -> dict[str, Any]:
    result = answer["result"]
    assert result["isError"] is True, answer
    payload: dict[str, Any] = json.loads(result["content"][0]["text"])
    assert payload["code"] and payload["error"] and payload["suggestion"], payload
    return payload


@pytest.mark.parametrize(
    "arguments",
    [["query", "valkey"], "query=valkey", 42, True],
    ids=["list", "string", "number", "boolean"],
)
def test_arguments_that_are_not_an_object_are_a_parameter_error_naming_the_parameters(
    raw: RawStdio, arguments: Any
) -> None:
    answer = raw.request("tools/call", {"name": "zerops_knowledge", "arguments": arguments})
    payload = _tool_error(answer)
    assert payload["code"] == "INVALID_PARAMETER"
    assert "query" in payload["details"]["valid"]
    raw.ping()


@pytest.mark.parametrize("params", [{"arguments": {}}, {"name": 7, "arguments": {}}, {"name": None}])
def test_a_call_without_a_usable_tool_name_is_a_parameter_error(
    raw: RawStdio, params: dict[str, Any]
) -> None:
    payload = _tool_error(raw.request("tools/call", params))
    assert payload["code"] == "INVALID_PARAMETER" and "zerops_knowledge" in payload["details"]["available"]
    raw.ping()


def test_an_unknown_tool_over_stdio_is_the_json_error_too(raw: RawStdio) -> None:
    payload = _tool_error(raw.request("tools/call", {"name": "zerops_knowlege", "arguments": {}}))
    assert payload["details"]["closest"][0] == "zerops_knowledge"
