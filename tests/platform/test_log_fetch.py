"""Reading logs: backend parameters, URL handling, client-side filtering, and the sandbox backend."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.errors import ApiError, InvalidParameter
from zcp.platform import LogQuery, ZeropsClient
from zcp.platform.logs import LogFetcher, backend_params, build_fetch_url, clamp_limit, postprocess
from zcp.platform.models import LogAccess, LogItem

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(("asked", "sent"), [(0, 100), (-5, 100), (1, 1), (1000, 1000), (50000, 1000)])
def test_the_limit_is_clamped_to_what_the_backend_accepts(asked: int, sent: int) -> None:
    assert clamp_limit(asked) == sent


@pytest.mark.parametrize(
    ("severity", "sent"),
    [
        ("error", "3"),
        ("Warning", "4"),
        ("info", "6"),
        ("informational", "6"),
        ("debug", "7"),
        ("bogus", "6"),
        ("all", None),
        (None, None),
    ],
)
def test_severity_labels_become_syslog_numbers(severity: str | None, sent: str | None) -> None:
    assert backend_params(LogQuery(severity=severity)).get("minimumSeverity") == sent


def test_facilities_tags_and_container_are_sent_and_time_and_search_are_not() -> None:
    query = LogQuery(
        service_id="s1",
        facility="webserver",
        tags=("a", "b"),
        container_id="c1",
        since=datetime.now(UTC),
        search="x",
    )
    assert backend_params(query) == {
        "limit": "100",
        "desc": "1",
        "serviceStackId": "s1",
        "facility": "17",
        "tags": "a,b",
        "containerId": "c1",
    }
    assert "facility" not in backend_params(LogQuery(facility=None))


def test_an_unknown_facility_is_invalid_parameter() -> None:
    with pytest.raises(InvalidParameter):
        backend_params(LogQuery(facility="kernel"))


@pytest.mark.parametrize(
    ("raw", "fetch"),
    [
        ("GET https://logs.example/p?sig=abc", "https://logs.example/p?sig=abc"),
        ("logs.example/p?sig=abc", "https://logs.example/p?sig=abc"),
        ("http://127.0.0.1:9/p?sig=abc", "http://127.0.0.1:9/p?sig=abc"),
    ],
)
def test_the_access_url_loses_its_get_prefix_and_gains_a_scheme(raw: str, fetch: str) -> None:
    assert LogAccess(url=raw).fetch_url == fetch


def test_query_parameters_are_merged_into_the_signed_url_in_sorted_order() -> None:
    url = build_fetch_url(
        LogAccess(url="GET https://logs.example/p?sig=a%2Bb&exp=9"), LogQuery(service_id="s")
    )
    assert url == "https://logs.example/p?desc=1&exp=9&facility=16&limit=100&serviceStackId=s&sig=a%2Bb"


def item(ts: str, message: str) -> LogItem:
    return LogItem(id=ts, timestamp=ts, message=message)


def test_postprocessing_sorts_filters_by_time_and_text_and_keeps_the_newest() -> None:
    items = [
        item("2025-06-02T08:00:03.5Z", "Error three"),
        item("2025-06-02T08:00:01Z", "error one"),
        item("2025-06-02T08:00:02.123456789Z", "Error two"),
        item("not a time", "Error never"),
    ]
    since = datetime(2025, 6, 2, 8, 0, 1, 500000, tzinfo=UTC)
    kept = postprocess(items, LogQuery(since=since, search="Error", limit=1))
    assert [i.message for i in kept] == ["Error three"]
    assert [i.message for i in postprocess(items, LogQuery(search="error"))] == ["error one"]


@pytest.mark.sandbox(seed="standard")
async def test_backend_filters_by_service_severity_and_tag(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    project_id = sandbox.project().id
    appdev, db = sandbox.service("appdev"), sandbox.service("db")
    with sandbox.sandbox.lock:
        sandbox.sandbox.emit_log(appdev, "boom", severity=3, tag="worker")
        sandbox.sandbox.emit_log(appdev, "hello", severity=6, tag="web")
        sandbox.sandbox.emit_log(db, "db error", severity=3)
    errors = await platform_client.fetch_logs(project_id, LogQuery(service_id=appdev.id, severity="error"))
    assert [e.message for e in errors] == ["boom"]
    tagged = await platform_client.fetch_logs(project_id, LogQuery(service_id=appdev.id, tags=("web",)))
    assert [e.message for e in tagged] == ["hello"]
    assert tagged[0].severity_label == "Informational"
    assert tagged[0].facility_label == "local0"


@pytest.mark.sandbox(seed="standard")
async def test_the_backend_does_not_need_the_api_token(
    sandbox: SandboxHandle, platform_client: ZeropsClient
) -> None:
    access = await platform_client.get_project_log_access(sandbox.project().id)
    reply = httpx.get(access.fetch_url, timeout=5)
    assert reply.status_code == 200
    assert "items" in reply.json()


@pytest.mark.sandbox(seed="standard")
async def test_an_expired_log_url_is_api_error(platform_client: ZeropsClient, sandbox: SandboxHandle) -> None:
    access = await platform_client.get_project_log_access(sandbox.project().id)
    sandbox.advance(3601)
    async with httpx.AsyncClient() as http:
        with pytest.raises(ApiError) as caught:
            await LogFetcher(http).fetch(access, LogQuery())
    assert "HTTP 403" in caught.value.message


@pytest.mark.sandbox(seed="standard")
async def test_a_failing_log_backend_is_api_error(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    sandbox.fault("log_backend", status=502)
    with pytest.raises(ApiError):
        await platform_client.fetch_logs(sandbox.project().id, LogQuery())


async def test_a_log_backend_answer_that_is_not_a_log_list_is_api_error() -> None:
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"items": 4}))
    ) as http:
        with pytest.raises(ApiError):
            await LogFetcher(http).fetch(LogAccess(url="https://logs.example/x?t=1"), LogQuery())
