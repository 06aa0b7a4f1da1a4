"""zcp.ops.probe: the HTTP prober over httpx — statuses, timeouts, connection errors, bounded bodies."""

from __future__ import annotations

import anyio
import httpx
import pytest

from zcp.ops.probe import MAX_BODY_BYTES, HttpxProber, open_prober

pytestmark = pytest.mark.anyio


def _prober(handler: object, timeout: float = 1.0) -> HttpxProber:
    transport = httpx.MockTransport(handler)  # type: ignore[arg-type]
    return HttpxProber(httpx.AsyncClient(transport=transport), timeout=timeout)


@pytest.mark.parametrize(
    ("status", "reachable"), [(200, True), (302, True), (404, True), (500, False), (502, False)]
)
async def test_any_answer_below_500_is_reachable(status: int, reachable: bool) -> None:
    result = await _prober(lambda request: httpx.Response(status, text="page")).probe("http://app.test/")
    assert result.status == status and result.reachable is reachable and result.body == "page"


async def test_a_connection_failure_is_a_result_not_an_exception() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    result = await _prober(refuse).probe("http://app.test/")
    assert result.status is None and not result.reachable and "could not connect" in (result.error or "")


async def test_a_large_body_is_read_only_in_part() -> None:
    result = await _prober(lambda request: httpx.Response(200, content=b"x" * (MAX_BODY_BYTES * 10))).probe(
        "http://a/"
    )
    assert len(result.body) == MAX_BODY_BYTES


async def test_a_server_that_never_answers_times_out() -> None:
    hung = anyio.Event()

    async def accept(stream: anyio.abc.SocketStream) -> None:
        async with stream:
            hung.set()
            await anyio.sleep_forever()

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, accept)
        async with open_prober(timeout=0.2) as prober:
            result = await prober.probe(f"http://127.0.0.1:{port}/")
        group.cancel_scope.cancel()
    assert hung.is_set()
    assert result.status is None and result.error == "no answer within 0.2s"


async def test_a_url_that_is_not_http_is_reported() -> None:
    async with open_prober(timeout=1) as prober:
        result = await prober.probe("ftp://example.invalid/")
    assert result.status is None and "not a valid http(s) URL" in (result.error or "")
