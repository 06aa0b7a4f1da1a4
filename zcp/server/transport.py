"""MCP over STDIO, one JSON-RPC message per line, and every line answered.

The SDK's STDIO transport hands a line it cannot validate to the session as an exception, and the
session drops it: a client that sent a lone surrogate or 300 levels of nesting waits until its own
timeout. This transport reads the lines itself and sorts each one before the server sees it:

* blank lines are skipped;
* a line longer than :data:`MAX_LINE_BYTES` is read to its end but not kept: ``-32600``;
* text that is not UTF-8, not JSON (``NaN`` and ``Infinity`` included), or holds a lone surrogate
  (``"\\ud800"`` is JSON syntax but not a Unicode character) is a parse error, ``-32700``;
* JSON nested deeper than :data:`MAX_DEPTH`, and JSON that is not one JSON-RPC message (a batch, a
  bare number, ``"jsonrpc": "1.0"``), is an invalid request, ``-32600``;
* anything else goes to the server as a message.

Errors carry the request's ``id`` whenever it can be found — from the parsed object, or for text that
did not parse by a scan for the top-level ``"id"`` — so the client's pending request is resolved;
otherwise ``id`` is ``null`` as JSON-RPC prescribes. Integers too long for a float arrive as
``inf`` (the tool layer then refuses them as parameters), so no number stalls the parser.

While serving, fd 0 reads the null device and fd 1 points at stderr, as with the SDK's transport:
a stray ``print`` or a child process cannot write into the protocol stream or eat its input. Parsing
runs off the event loop for long lines, so a 1 MB request does not hold up a ping.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, BinaryIO, Final

import anyio
import anyio.to_thread
from mcp.shared.message import SessionMessage
from mcp.types import INVALID_REQUEST, PARSE_ERROR, ErrorData, JSONRPCError, jsonrpc_message_adapter
from pydantic import ValidationError

if TYPE_CHECKING:
    from anyio.streams.memory import MemoryObjectSendStream
    from mcp.server.mcpserver import MCPServer

log = logging.getLogger(__name__)

#: The longest line (one message) the transport reads; an inline import YAML is at most 1 MB.
MAX_LINE_BYTES: Final = 4 * 1024 * 1024
#: The deepest nesting of objects and arrays a message may have (tool arguments need a handful).
MAX_DEPTH: Final = 64
#: Lines at least this long are parsed in a worker thread.
_OFFLOAD_BYTES: Final = 64 * 1024
#: Integers with more digits than this cannot be a real parameter: they are read as floats (``inf``).
_MAX_INT_DIGITS: Final = 300
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_TOKENS: Final = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')


class BadLine(Exception):
    """A line that is not a message; ``code`` and ``request_id`` are what the error answer carries."""

    def __init__(self, code: int, message: str, request_id: str | int | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


# --- sorting one line ----------------------------------------------------------------------------


def _parse_int(text: str) -> int | float:
    if len(text) <= _MAX_INT_DIGITS:
        return int(text)
    return float("-inf") if text.startswith("-") else float("inf")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _loads(text: str) -> Any:
    return json.loads(text, parse_int=_parse_int, parse_constant=_refuse_constant)


def _usable_id(value: Any) -> str | int | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    if isinstance(value, str) and _SURROGATE.search(value):
        return None
    return value


def scan_id(line: bytes) -> str | int | None:
    """The top-level ``"id"`` of a message that did not parse, when the text still shows it."""
    depth = 0
    expect_key = False
    key: bytes | None = None
    after_colon = False
    for match in _TOKENS.finditer(line):
        token = match.group(0)
        if token in (b"{", b"["):
            depth += 1
            expect_key = token == b"{" and depth == 1
            continue
        if token in (b"}", b"]"):
            depth -= 1
            if depth <= 0:
                return None
            continue
        if depth != 1:
            continue
        if token == b",":
            expect_key, key, after_colon = True, None, False
        elif token == b":":
            after_colon = True
        elif expect_key and not after_colon:
            key, expect_key = token, False
        elif after_colon and key == b'"id"':
            try:
                return _usable_id(_loads(token.decode("utf-8")))
            except ValueError:
                return None
    return None


def _depth_and_surrogates(value: Any) -> tuple[int, bool]:
    """How deeply ``value`` nests and whether a string in it holds a lone surrogate (iteratively)."""
    deepest = 0
    surrogate = False
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            surrogate = surrogate or _SURROGATE.search(item) is not None
        elif isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                return deepest, surrogate
            children = item.items() if isinstance(item, dict) else ((None, v) for v in item)
            for key, child in children:
                if key is not None:
                    stack.append((key, depth))
                stack.append((child, depth))
    return deepest, surrogate


def sort_line(line: bytes) -> SessionMessage:
    """The message in ``line``, or :class:`BadLine` saying why it is not one (see the module docstring)."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise BadLine(PARSE_ERROR, "Parse error: the line is not UTF-8 text", scan_id(line)) from None
    try:
        data = _loads(text)
    except RecursionError:
        raise BadLine(
            INVALID_REQUEST, f"Invalid request: nested deeper than {MAX_DEPTH} levels", scan_id(line)
        ) from None
    except ValueError as error:
        raise BadLine(PARSE_ERROR, f"Parse error: not valid JSON ({error})", scan_id(line)) from None
    request_id = _usable_id(data.get("id")) if isinstance(data, dict) else None
    depth, surrogate = _depth_and_surrogates(data)
    if depth > MAX_DEPTH:
        raise BadLine(INVALID_REQUEST, f"Invalid request: nested deeper than {MAX_DEPTH} levels", request_id)
    if surrogate:
        raise BadLine(
            PARSE_ERROR,
            "Parse error: the text holds a lone surrogate (\\ud800-\\udfff), which is not a Unicode character",
            request_id,
        )
    if not isinstance(data, dict):
        what = "a batch (an array)" if isinstance(data, list) else f"a JSON {type(data).__name__}"
        raise BadLine(
            INVALID_REQUEST, f"Invalid request: expected one JSON-RPC message object, got {what}", None
        )
    try:
        if "id" in data and request_id is None:  # MCP ids are strings or integers, never null or objects
            raise ValueError("unusable id")
        message = jsonrpc_message_adapter.validate_python(data, by_name=False)
    except (ValidationError, ValueError):
        raise BadLine(
            INVALID_REQUEST,
            'Invalid request: not a JSON-RPC 2.0 message ({"jsonrpc": "2.0", "id", "method", "params"})',
            request_id,
        ) from None
    return SessionMessage(message)


def error_answer(problem: BadLine) -> SessionMessage:
    """The JSON-RPC error that answers a bad line."""
    return SessionMessage(
        JSONRPCError(
            jsonrpc="2.0", id=problem.request_id, error=ErrorData(code=problem.code, message=problem.message)
        )
    )


def encode(message: SessionMessage) -> bytes:
    """One line of protocol output; text the JSON encoder cannot take as UTF-8 is escaped, not lost."""
    try:
        return message.message.model_dump_json(by_alias=True, exclude_unset=True).encode("utf-8") + b"\n"
    except (ValueError, UnicodeError):
        data = message.message.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


# --- reading and writing --------------------------------------------------------------------------


def _read_line(stream: BinaryIO) -> tuple[bytes, bool]:
    """The next line (without the newline) and whether it was cut at :data:`MAX_LINE_BYTES`."""
    line = stream.readline(MAX_LINE_BYTES + 1)
    if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
        return line, False
    while True:  # skip the rest of the oversized line
        rest = stream.readline(MAX_LINE_BYTES)
        if not rest or rest.endswith(b"\n"):
            return line, True


async def _read_lines(
    stdin: BinaryIO,
    to_server: MemoryObjectSendStream[SessionMessage | Exception],
    to_client: MemoryObjectSendStream[SessionMessage],
) -> None:
    async with to_server, to_client:
        while True:
            line, cut = await anyio.to_thread.run_sync(_read_line, stdin, abandon_on_cancel=True)
            if not line:
                return
            if cut:
                problem = BadLine(
                    INVALID_REQUEST,
                    f"Invalid request: the message is larger than {MAX_LINE_BYTES} bytes",
                    scan_id(line[:65536]),
                )
                await to_client.send(error_answer(problem))
                continue
            if not line.strip():
                continue
            try:
                if len(line) >= _OFFLOAD_BYTES:
                    message = await anyio.to_thread.run_sync(sort_line, line)
                else:
                    message = sort_line(line)
            except BadLine as problem:
                log.info("answered a bad line: %s", problem.message)
                await to_client.send(error_answer(problem))
                continue
            await to_server.send(message)


async def _write_lines(stdout: BinaryIO, from_server: Any) -> None:
    async with from_server:
        async for message in from_server:
            data = encode(message)
            await anyio.to_thread.run_sync(_write, stdout, data)


def _write(stream: BinaryIO, data: bytes) -> None:
    stream.write(data)
    stream.flush()


async def serve_lines(server: MCPServer[Any], stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Serve ``server`` over two binary streams until ``stdin`` ends."""
    from zcp.server.sdk import lowlevel as lowlevel_of

    lowlevel = lowlevel_of(server)  # the SDK's private attribute is read in zcp.server.sdk only
    to_server, server_reads = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    server_writes, to_client = anyio.create_memory_object_stream[SessionMessage](0)
    async with anyio.create_task_group() as group:
        group.start_soon(_read_lines, stdin, to_server, server_writes.clone())
        group.start_soon(_write_lines, stdout, to_client)
        await lowlevel.run(server_reads, server_writes, lowlevel.create_initialization_options())


@contextmanager
def claimed_stdio() -> Iterator[tuple[BinaryIO, BinaryIO]]:
    """Private duplicates of fd 0 and fd 1 for the protocol; meanwhile fd 0 reads the null device and
    fd 1 writes to stderr. Falls back to the sys streams where descriptors cannot be moved."""
    try:
        wire_in, wire_out = os.dup(0), os.dup(1)
    except OSError:
        yield sys.stdin.buffer, sys.stdout.buffer
        return
    saved_in, saved_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        sys.stdout.flush()
        os.dup2(null, 0)
        os.dup2(2, 1)
        with os.fdopen(wire_in, "rb", buffering=65536) as reader, os.fdopen(wire_out, "wb") as writer:
            yield reader, writer
    finally:
        os.close(null)
        with suppress(OSError):
            os.dup2(saved_in, 0)
            os.dup2(saved_out, 1)
        os.close(saved_in)
        os.close(saved_out)


async def serve_stdio(server: MCPServer[Any]) -> None:
    """Serve ``server`` over the process's stdin and stdout (see the module docstring).

    Malformed ``tools/call`` requests are answered by :mod:`zcp.tools.dispatch`; it is installed here
    until the server builder installs it for every transport (installing it twice is a no-op).
    """
    from zcp.tools.dispatch import guard_tool_calls

    guard_tool_calls(server)
    with claimed_stdio() as (stdin, stdout):
        await serve_lines(server, stdin, stdout)


__all__ = [
    "MAX_DEPTH",
    "MAX_LINE_BYTES",
    "BadLine",
    "encode",
    "scan_id",
    "serve_lines",
    "serve_stdio",
    "sort_line",
]
