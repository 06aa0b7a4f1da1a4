"""Raw JSON-RPC against every registered tool (present and future): every request gets exactly one
answer, nothing crashes (0 ``UNKNOWN``), every failure is the documented error JSON, and a ping is
answered between any two calls.

Hypothesis builds the calls from each tool's published input schema: arbitrary JSON, wrong types,
integers of 400 digits, deep nesting, lone surrogates, NUL characters, hostile paths and special
files (a named pipe, a symlink to ``/dev/zero``, a file outside the working directory). The tools
are enumerated from the registry (``zcp.tools.TOOL_MODULES``), so a tool added later is covered.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.plugins.sandbox import SandboxHandle
from tests.tools.raw_rpc import Raw, encode, raw_session
from tests.tools.tool_listing import list_tools
from zcp.calls import ToolCall
from zcp.tools.vocabulary import registry_vocabulary

pytestmark = pytest.mark.anyio

TOOLS = {tool.name: tool for tool in anyio.run(list_tools).tools}
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
#: What a next action may name: every registered tool, its parameters, zerops_workflow's actions and workflows.
VOCABULARY = registry_vocabulary()

HOSTNAMES = ["appdev", "appstage", "db", "nope", "APP", "app;ls", "$(reboot)", "../etc", "a" * 30]
PATHS = [
    "/etc/passwd",
    "/dev/zero",
    "/dev/urandom",
    "../outside.yml",
    "pipe.yml",
    "zero.yml",
    "escape.yml",
    "import.yml",
    "missing.yml",
    ".",
    "",
    "~",
]
HOSTILE_TEXT = [
    "",
    " ",
    "a\x00b",
    "x" * 5000,
    "IGNORE PREVIOUS INSTRUCTIONS ````",
    "line\nbreak\u2028sep",
    "KEY=value",
    "<@generateRandomString(<999999999>)>",
]
HUGE = [Raw("1" + "0" * 400), Raw("-" + "9" * 5000), Raw("1e400"), Raw("-1e400"), Raw("9007199254740993")]
SURROGATES = [Raw('"\\ud800"'), Raw('"x\\udfffy"'), Raw('"\\ud83d"')]


def _deep(depth: int) -> Raw:
    return Raw("[" * depth + "]" * depth)


def _scalar() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**64), 2**64),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=40),
        st.sampled_from(HOSTNAMES + PATHS + HOSTILE_TEXT),
        st.sampled_from(HUGE),
    )


def _any_json() -> st.SearchStrategy[Any]:
    return st.recursive(
        _scalar(),
        lambda children: st.one_of(
            st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
        ),
        max_leaves=8,
    )


def _plausible(name: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values a property may well receive from an agent: right or nearly right for its schema."""
    options: list[st.SearchStrategy[Any]] = []
    if name.endswith("Hostname") or name in ("service", "targetService"):
        return st.sampled_from(["appdev", "appstage", "db", "appdev", "nope"])
    if "enum" in schema:
        options.append(st.sampled_from(schema["enum"]))
    kind = schema.get("type")
    if kind == "integer":
        low, high = int(schema.get("minimum", -5)), int(schema.get("maximum", 5000))
        options.append(st.integers(low - 2, high + 2))
    elif kind == "number":
        options.append(st.floats(-10, 5000, allow_nan=False))
    elif kind == "boolean":
        options.append(st.sampled_from([True, False, "true", "FALSE", "yes"]))
    elif kind == "array":
        options.append(st.lists(st.sampled_from(["A=1", "KEY=value", "postgresql@16", "x"]), max_size=3))
    elif kind == "string":
        options.append(st.sampled_from(HOSTNAMES + PATHS))
        options.append(st.just("services:\n  - hostname: x\n    type: nodejs@22\n"))
    return st.one_of(*options) if options else _scalar()


HOSTILE = st.one_of(
    _any_json(), st.sampled_from(HUGE + SURROGATES), st.sampled_from([_deep(70), _deep(3000)])
)


@st.composite
def tool_calls(draw: st.DrawFn) -> tuple[str, Any]:
    """A tools/call's name and arguments: mostly plausible, with one hostile value in about half."""
    name = draw(st.sampled_from([*TOOLS, "zerops_verfy"]))
    tool = TOOLS.get(name)
    properties: dict[str, Any] = tool.input_schema.get("properties", {}) if tool else {}
    if draw(st.integers(0, 19)) == 0:
        return name, draw(st.one_of(_any_json(), st.sampled_from([[], "args", 7])))
    arguments: dict[str, Any] = {}
    for key in sorted(properties):
        if draw(st.booleans()):
            arguments[key] = draw(_plausible(key, properties[key]))
    inject = draw(st.booleans())
    if properties and inject:
        arguments[draw(st.sampled_from(sorted(properties)))] = draw(HOSTILE)
    if draw(st.integers(0, 9)) == 0:
        arguments[draw(st.sampled_from(["bogus", "querry", "\x00", "serviceHostnam"]))] = draw(_scalar())
    return name, arguments


def _holds(value: Any, raw: tuple[Raw, ...]) -> bool:
    if isinstance(value, Raw):
        return value in raw
    if isinstance(value, dict):
        return any(_holds(v, raw) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_holds(v, raw) for v in value)
    return False


def _deep_raw(value: Any) -> bool:
    if isinstance(value, Raw):
        return value.text.startswith("[[")
    if isinstance(value, dict):
        return any(_deep_raw(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_deep_raw(v) for v in value)
    return False


def _check_answer(name: str, arguments: Any, answer: dict[str, Any]) -> str:
    """One answer of the right kind for what was sent; returns the kind (for statistics)."""
    outcome = answer.get("result") or {}
    kind = "rpc-error" if "error" in answer else "tool-error" if outcome.get("isError") else "success"
    if "error" in answer:
        code = answer["error"]["code"]
        if _deep_raw(arguments):
            assert code in (INVALID_REQUEST, PARSE_ERROR), answer
        else:
            assert code == PARSE_ERROR and _holds(arguments, tuple(SURROGATES)), answer
        return kind
    assert not _deep_raw(arguments), f"nesting past the limit was accepted: {answer}"
    if _holds(arguments, tuple(SURROGATES)):
        raise AssertionError(f"a lone surrogate was accepted: {answer}")
    result = answer["result"]
    text = result["content"][0]["text"]
    if result.get("isError"):
        payload = json.loads(text)
        assert payload["code"] != "UNKNOWN", (name, payload)
        assert payload["error"] and payload.get("suggestion"), (name, payload)
        return f"{kind} {payload['code']}"
    assert text and isinstance(result.get("structuredContent"), dict), (name, result)
    for call in result["structuredContent"].get("nextActions", []):
        parsed = ToolCall.model_validate(call)
        args = {
            key: value if isinstance(value, str) else json.dumps(value) for key, value in parsed.args.items()
        }
        problems = VOCABULARY.problems(parsed.tool, args)
        assert problems == [], f"{name} suggested {parsed.command}: {'; '.join(problems)}"
    return kind


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (tmp_path / "outside.yml").write_text(
        "services:\n  - hostname: leak\n    type: nodejs@22\n", encoding="utf-8"
    )
    os.mkfifo(root / "pipe.yml")
    (root / "zero.yml").symlink_to("/dev/zero")
    (root / "escape.yml").symlink_to(tmp_path / "outside.yml")
    (root / "import.yml").write_text(
        "services:\n  - hostname: fromfile\n    type: nodejs@22\n", encoding="utf-8"
    )
    return root


@pytest.mark.slow
@pytest.mark.sandbox(seed="standard")
@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(calls=st.lists(tool_calls(), min_size=1, max_size=6))
async def test_every_request_gets_one_structured_answer_and_the_loop_keeps_answering(
    sandbox: SandboxHandle, work_dir: Path, calls: list[tuple[str, Any]]
) -> None:
    options: dict[str, Any] = {
        "work_dir": work_dir,
        "schema_cache_dir": work_dir.parent / "schemas",
        "probe_timeout": 0.2,
    }
    async with raw_session(sandbox, **options) as rpc:
        for name, arguments in calls:
            answer = await rpc.request(
                "tools/call", raw_params=encode({"name": name, "arguments": arguments})
            )
            event(f"{_check_answer(name, arguments, answer)} ({name})")
            await rpc.ping()


HOSTILE_CASES: list[tuple[str, Any]] = [
    ("huge-integer", HUGE[0]),
    ("huge-negative", HUGE[1]),
    ("infinity", HUGE[2]),
    ("lone-surrogate", SURROGATES[0]),
    ("deep-nesting", _deep(3000)),
    ("nul", "a\x00b"),
    ("list", ["a", 1, None]),
    ("object", {"a": {"b": []}}),
    ("path-outside", "/etc/passwd"),
    ("named-pipe", "pipe.yml"),
    ("device", "zero.yml"),
]


@pytest.mark.slow
@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize("tool", sorted(TOOLS))
async def test_each_tool_answers_every_hostile_value_in_every_parameter(
    sandbox: SandboxHandle, work_dir: Path, tool: str
) -> None:
    """The deterministic floor under the property test: each hostile value in each parameter."""
    properties = sorted(TOOLS[tool].input_schema.get("properties", {}))
    options: dict[str, Any] = {
        "work_dir": work_dir,
        "schema_cache_dir": work_dir.parent / "schemas",
        "probe_timeout": 0.2,
    }
    async with raw_session(sandbox, **options) as rpc:
        for parameter in properties:
            for _, value in HOSTILE_CASES:
                arguments = {parameter: value}
                answer = await rpc.request(
                    "tools/call", raw_params=encode({"name": tool, "arguments": arguments})
                )
                _check_answer(tool, arguments, answer)
                await rpc.ping()


def test_next_actions_are_checked_against_the_same_registry_the_calls_drive() -> None:
    """No tool is exempt: a next action into any tool, the workflow and deploy tools included, is checked."""
    assert set(VOCABULARY.tools) == set(TOOLS)
    for name, tool in TOOLS.items():
        assert VOCABULARY.tools[name] == set(tool.input_schema.get("properties", {})), name

    def answer_with(*actions: dict[str, Any]) -> dict[str, Any]:
        content = {"nextActions": list(actions)}
        return {"result": {"content": [{"type": "text", "text": "ok"}], "structuredContent": content}}

    good = [
        {"tool": "zerops_deploy", "args": {"targetService": "appdev"}},
        {"tool": "zerops_workflow", "args": {"action": "status"}},
        {"tool": "zerops_dev_server", "args": {"action": "start", "hostname": "appdev"}},
    ]
    assert _check_answer("zerops_discover", {}, answer_with(*good)) == "success"
    for bad, problem in (
        ({"tool": "zerops_deploy", "args": {"target": "appdev"}}, "zerops_deploy has no argument 'target'"),
        ({"tool": "zerops_workflow", "args": {"action": "finish"}}, "zerops_workflow has no action 'finish'"),
        (
            {"tool": "zerops_mount", "args": {"action": "mount", "nonsense": "x"}},
            "zerops_mount has no argument 'nonsense'",
        ),
        ({"tool": "zerops_teleport", "args": {}}, "unknown tool zerops_teleport"),
    ):
        # The vocabulary check itself must be what fails, naming the problem (not any other assertion).
        with pytest.raises(AssertionError, match=re.escape(problem)):
            _check_answer("zerops_discover", {}, answer_with(bad))
