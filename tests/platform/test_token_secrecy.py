"""The token never leaks: not into exception text, reprs, the error wire format, tracebacks or log lines.

The fake API here is hostile on purpose: it echoes the ``Authorization`` header back in error messages,
meta and HTML pages, and the transport raises exceptions whose text contains the token.
"""

from __future__ import annotations

import json
import logging
import string
import traceback
from collections.abc import Awaitable, Callable

import anyio
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zcp.auth import Credentials
from zcp.clock import FunctionClock
from zcp.errors import ZcpError
from zcp.platform import LogQuery, RetryPolicy, SecretToken, ZeropsClient
from zcp.secrets import RedactingFilter

TOKENS = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=16, max_size=64)
FAILURES = [
    "401-echo",
    "403-echo",
    "404-echo",
    "429-echo",
    "500-html-echo",
    "400-meta-echo",
    "connect-echo",
    "read-timeout-echo",
    "protocol-echo",
    "success-not-json",
    "success-bad-shape",
    "log-backend-echo",
]
CALLS: dict[str, Callable[[ZeropsClient], Awaitable[object]]] = {
    "get_user_info": lambda c: c.get_user_info(),
    "get_service": lambda c: c.get_service("svc"),
    "restart_service": lambda c: c.restart_service("svc"),
    "get_process": lambda c: c.get_process("proc"),
    "list_services": lambda c: c.list_services("proj", client_id="cid"),
    "import_services": lambda c: c.import_services("proj", "services: []"),
    "fetch_logs": lambda c: c.fetch_logs("proj", LogQuery(service_id="svc")),
}


def hostile_api(failure: str) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if request.url.path.endswith("/log") and failure == "log-backend-echo":
            return httpx.Response(
                200,
                json={"accessToken": "logtok-0123456789", "url": f"GET https://logs.example/x?token={token}"},
            )
        if request.url.host == "logs.example":
            return httpx.Response(500, text=f"log backend refused {request.url} with {token}")
        if failure.endswith("-echo") and failure[:3].isdigit():
            status = int(failure[:3])
            if "html" in failure:
                return httpx.Response(
                    status, text=f"<html><h1>{status}</h1><p>token {token} rejected</p></html>"
                )
            meta = [{"code": "x", "error": f"bad {token}", "metadata": {token: [f"echo {token}"]}}]
            return httpx.Response(
                status,
                json={"error": {"code": f"code{token}", "message": f"Rejected token {token}", "meta": meta}},
                headers={"Retry-After": "0"},
            )
        if failure == "connect-echo":
            raise httpx.ConnectError(f"cannot connect with {token}", request=request)
        if failure == "read-timeout-echo":
            raise httpx.ReadTimeout(f"timed out for {token}", request=request)
        if failure == "protocol-echo":
            raise httpx.RemoteProtocolError(f"peer closed ({token})", request=request)
        if failure == "success-not-json":
            return httpx.Response(200, text=f"hello {token}")
        return httpx.Response(
            200, json={"id": 5, "items": token, "clientUserList": token, "serviceStacks": token, "url": 3}
        )

    return handler


class _Collect(logging.Handler):
    """Collects log lines the way zcp's stderr handler emits them (with its redacting filter)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.addFilter(RedactingFilter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _texts(error: BaseException) -> list[str]:
    texts = [str(error), repr(error), *map(str, error.args), "".join(traceback.format_exception(error))]
    if isinstance(error, ZcpError):
        texts += [error.message, error.suggestion or "", error.diagnostic or "", json.dumps(error.to_wire())]
        texts += [json.dumps(error.api_meta), json.dumps(error.details), error.api_code or ""]
    return texts


async def _attempt(token: str, failure: str, call: str) -> tuple[list[str], list[str]]:
    collector = _Collect()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(collector)
    root.setLevel(logging.DEBUG)
    try:
        async with httpx.AsyncClient(transport=httpx.MockTransport(hostile_api(failure))) as http:

            async def no_wait(seconds: float) -> None:
                return None

            client = ZeropsClient(
                http,
                base_url="https://api.example",
                token=token,
                retry=RetryPolicy(max_attempts=2, base_delay=0, max_delay=0, budget=1),
                clock=FunctionClock(sleep_fn=no_wait),
            )
            texts = [repr(client)]
            try:
                await CALLS[call](client)
            except ZcpError as error:
                texts += _texts(error)
            else:
                pytest.fail(f"{call} under {failure} did not fail")
    finally:
        root.removeHandler(collector)
        root.setLevel(previous)
    return texts, collector.lines


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=TOKENS, failure=st.sampled_from(FAILURES), call=st.sampled_from(sorted(CALLS)))
def test_the_token_never_appears_in_errors_or_logs(token: str, failure: str, call: str) -> None:
    texts, log_lines = anyio.run(_attempt, token, failure, call)
    leaks = [text for text in texts + log_lines if token in text]
    assert leaks == []


@given(token=TOKENS)
def test_token_holders_never_print_it(token: str) -> None:
    secret = SecretToken(token)
    credentials = Credentials(token=secret, api_host="https://api.example", region="prg1", source="env")
    assert token not in repr(secret)
    assert token not in str(secret)
    assert token not in repr(credentials)
    assert secret.reveal() == token


def test_a_log_record_stays_on_one_line_with_its_breaks_visible() -> None:
    record = logging.LogRecord(
        "zcp.test",
        logging.INFO,
        __file__,
        1,
        "tool %s failed: %s",
        ("x", "a\nFORGED 00:00 ERROR b\u2028c"),
        None,
    )
    assert RedactingFilter().filter(record)
    message = record.getMessage()
    assert "\n" not in message and "\u2028" not in message
    assert message == "tool x failed: a\\nFORGED 00:00 ERROR b\\u2028c"
