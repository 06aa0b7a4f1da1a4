"""The STDIO transport answers every line exactly once, whatever the line holds.

JSON-RPC 2.0 requires an answer to a request that cannot be parsed (``-32700``) or is not a valid
request (``-32600``); a dropped line leaves the client waiting until its own timeout. Each test sends
raw bytes to a real ``zcp serve`` and then checks that a ping is still answered.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.raw_stdio import RawStdio

pytestmark = pytest.mark.slow

PARSE_ERROR = -32700
INVALID_REQUEST = -32600


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RawStdio]:
    """One server for the module: every test ends with a ping, so a hang shows where it began."""
    raw = RawStdio(tmp_path_factory.mktemp("serve"))
    raw.initialize()
    yield raw
    assert raw.close() == 0


def _call(request_id: int, arguments_json: str) -> bytes:
    head = f'{{"jsonrpc": "2.0", "id": {request_id}, "method": "tools/call", '
    return (head + '"params": {"name": "zerops_knowledge", "arguments": ' + arguments_json + "}}\n").encode()


def test_a_lone_surrogate_gets_a_parse_error_with_the_request_id(server: RawStdio) -> None:
    server.send_raw(_call(7, '{"query": "\\ud800 valkey"}'))
    answer = server.answer_to(7)
    assert answer["error"]["code"] == PARSE_ERROR
    assert "surrogate" in answer["error"]["message"]
    server.ping()


def test_a_lone_surrogate_in_a_key_is_answered_too(server: RawStdio) -> None:
    server.send_raw(_call(8, '{"\\udfff": "x"}'))
    assert server.answer_to(8)["error"]["code"] == PARSE_ERROR
    server.ping()


@pytest.mark.parametrize("depth", [300, 5000, 200_000])
def test_deep_nesting_is_an_invalid_request_answered_with_its_id(server: RawStdio, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    server.send_raw(_call(9, '{"query": "x", "stacks": ' + nested + "}"))
    answer = server.answer_to(9)
    assert answer["error"]["code"] in (INVALID_REQUEST, PARSE_ERROR)
    assert "nested" in answer["error"]["message"]
    server.ping()


@pytest.mark.parametrize(
    "line",
    [
        b"this is not json\n",
        b'{"jsonrpc": "2.0", "id": 3, "method": "ping"\n',
        b'{"jsonrpc": "2.0", "id": 4, "method": "ping", "params": NaN}\n',
        b'{"jsonrpc": "2.0", "id": 5, "method": "\xff\xfe"}\n',
    ],
    ids=["text", "truncated", "nan", "invalid-utf8"],
)
def test_a_line_that_is_not_json_gets_a_parse_error(server: RawStdio, line: bytes) -> None:
    server.send_raw(line)
    answer = server.read()
    assert answer["jsonrpc"] == "2.0" and answer["error"]["code"] == PARSE_ERROR
    server.ping()


def test_a_truncated_request_is_answered_with_the_id_it_carried(server: RawStdio) -> None:
    server.send_raw(b'{"jsonrpc": "2.0", "id": 12, "method": "tools/call", "params": {"name": \n')
    assert server.answer_to(12)["error"]["code"] == PARSE_ERROR
    server.ping()


@pytest.mark.parametrize(
    "line",
    [
        b"[]\n",
        b'[{"jsonrpc": "2.0", "id": 1, "method": "ping"}]\n',
        b'{"hello": "world"}\n',
        b'{"jsonrpc": "2.0", "id": {"nested": 1}, "method": "ping"}\n',
        b"42\n",
    ],
    ids=["empty-batch", "batch", "not-a-message", "object-id", "number"],
)
def test_json_that_is_not_a_json_rpc_message_is_an_invalid_request(server: RawStdio, line: bytes) -> None:
    server.send_raw(line)
    answer = server.read()
    assert answer["error"]["code"] == INVALID_REQUEST and answer["id"] is None
    server.ping()


def test_an_invalid_request_keeps_its_id_when_it_has_one(server: RawStdio) -> None:
    server.send_raw(b'{"jsonrpc": "1.0", "id": 21, "method": "ping"}\n')
    assert server.answer_to(21)["error"]["code"] == INVALID_REQUEST
    server.ping()


def test_a_line_over_the_size_limit_is_refused_and_the_next_one_served(server: RawStdio) -> None:
    from zcp.server.transport import MAX_LINE_BYTES

    server.send_raw(_call(31, '{"query": "' + "x" * (MAX_LINE_BYTES + 10) + '"}'))
    answer = server.answer_to(31)
    assert answer["error"]["code"] == INVALID_REQUEST and "larger than" in answer["error"]["message"]
    server.ping()


def test_blank_lines_are_ignored(server: RawStdio) -> None:
    server.send_raw(b"\n   \n\r\n")
    server.ping()


@pytest.mark.parametrize(
    ("line", "found"),
    [
        (b'{"jsonrpc": "2.0", "id": 12, "method": "x", "params": {', 12),
        (b'{"params": {"id": 99, "deep": [[[', None),
        (b'{"params": {"id": 99}, "id": "abc", "x": [[[', "abc"),
        (b'{"id": true, "method"', None),
        (b'{"id": {"a": 1}}', None),
        (b'[{"id": 3}', None),
        (b"garbage", None),
    ],
)
def test_the_id_of_a_broken_line_is_found_only_at_the_top_level(line: bytes, found: object) -> None:
    from zcp.server.transport import scan_id

    assert scan_id(line) == found


def test_integers_too_long_for_any_parameter_arrive_as_infinity() -> None:
    from zcp.server.transport import sort_line

    line = b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "t", "arguments": {"n": 1'
    message = sort_line(line + b"0" * 5000 + b"}}}")
    params = message.message.model_dump()["params"]
    assert params["arguments"]["n"] == float("inf")


def test_an_answer_holding_a_lone_surrogate_is_still_written_as_json() -> None:
    """Text from the platform can carry a lone surrogate (a JSON escape in an API answer); the answer
    is escaped rather than lost."""
    import json

    from mcp.shared.message import SessionMessage
    from mcp.types import JSONRPCResponse

    from zcp.server.transport import encode

    line = encode(SessionMessage(JSONRPCResponse(jsonrpc="2.0", id=1, result={"text": "bad \ud800 x"})))
    assert line.endswith(b"\n") and json.loads(line)["result"]["text"] == "bad \ud800 x"
