"""How the client behaves when the API misbehaves: every error mapping and every fault mode.

Faults come from the sandbox (a real HTTP server with injected latency, statuses, drops and slow
bodies) or, where the condition cannot be produced over a real socket, from ``httpx.MockTransport``.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.clock import FunctionClock
from zcp.errors import (
    ApiError,
    ApiRateLimited,
    ApiTimeout,
    AuthTokenExpired,
    NetworkError,
    PermissionDenied,
    ZcpError,
)
from zcp.platform import RetryPolicy, ZeropsClient
from zcp.platform.retry import RetryPolicy as Policy

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, budget=5.0)


def mock_client(handler: Callable[[httpx.Request], httpx.Response]) -> tuple[httpx.AsyncClient, ZeropsClient]:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = ZeropsClient(
        http,
        base_url="https://api.example",
        token="tok-1234567890",
        retry=FAST,
        clock=FunctionClock(sleep_fn=record),
    )
    return http, client


@pytest.mark.sandbox(seed="standard")
async def test_a_wrong_token_is_auth_token_expired(sandbox: SandboxHandle) -> None:
    async with httpx.AsyncClient() as http:
        client = sandbox.client(http, token="not-the-sandbox-token")
        with pytest.raises(AuthTokenExpired) as caught:
            await client.get_user_info()
    assert caught.value.api_code == "notAuthorized"
    assert sandbox.hits("get_user_info") == 1


@pytest.mark.sandbox(seed="standard")
async def test_a_read_only_token_reads_but_is_permission_denied_on_changes(sandbox: SandboxHandle) -> None:
    async with httpx.AsyncClient() as http:
        client = sandbox.client(http, token=sandbox.read_only_token)
        service = await client.get_service(sandbox.service("appdev").id)
        with pytest.raises(PermissionDenied) as caught:
            await client.restart_service(service.id)
    assert caught.value.api_code == "insufficientPrivileges"


@pytest.mark.sandbox(seed="standard")
async def test_reads_retry_through_server_errors(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    sandbox.fault("get_project", status=503, times=2)
    project = await platform_client.get_project(sandbox.project().id)
    assert project.name == "demo"
    assert sandbox.hits("get_project") == 3
    assert len(sandbox.waits) == 2


@pytest.mark.sandbox(seed="standard")
async def test_reads_give_up_after_the_attempt_limit_with_the_api_code(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    sandbox.fault("get_project", status=500)
    with pytest.raises(ApiError) as caught:
        await platform_client.get_project(sandbox.project().id)
    assert caught.value.api_code == "internalServerError"
    assert sandbox.hits("get_project") == 3


@pytest.mark.sandbox(seed="standard")
async def test_a_429_is_retried_after_the_retry_after_delay(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    sandbox.fault("search_services", status=429, retry_after=1.5, times=1)
    services = await platform_client.list_services(sandbox.project().id)
    assert services
    assert sandbox.waits == [1.5]


@pytest.mark.sandbox(seed="standard")
async def test_persistent_rate_limiting_is_api_rate_limited(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    sandbox.fault("search_services", status=429, retry_after=0.5)
    with pytest.raises(ApiRateLimited) as caught:
        await platform_client.list_services(sandbox.project().id)
    assert caught.value.details == {"retryAfter": 0.5, "attempts": 3}


@pytest.mark.sandbox(seed="standard")
async def test_a_retry_after_beyond_the_budget_fails_at_once(sandbox: SandboxHandle) -> None:
    sandbox.fault("get_project", status=429, retry_after=60)
    async with httpx.AsyncClient() as http:
        client = sandbox.client(
            http, retry=Policy(max_attempts=5, base_delay=0.01, max_delay=0.01, budget=10)
        )
        with pytest.raises(ApiRateLimited):
            await client.get_project(sandbox.project().id)
    assert sandbox.waits == []
    assert sandbox.hits("get_project") == 1


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize("status", [429, 500, 503])
async def test_mutations_are_never_retried_after_an_answer(
    platform_client: ZeropsClient, sandbox: SandboxHandle, status: int
) -> None:
    sandbox.fault("restart_service", status=status, times=1)
    with pytest.raises((ApiError, ApiRateLimited)):
        await platform_client.restart_service(sandbox.service("appdev").id)
    assert sandbox.hits("restart_service") == 1


@pytest.mark.sandbox(seed="standard")
async def test_a_read_whose_connection_drops_is_retried(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    sandbox.fault("get_service", drop=True, times=1)
    service = await platform_client.get_service(sandbox.service("db").id)
    assert service.name == "db"
    assert sandbox.hits("get_service") == 2


@pytest.mark.sandbox(seed="standard")
async def test_a_mutation_whose_answer_is_lost_is_not_repeated(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    sandbox.fault("restart_service", drop=True, times=1)
    with pytest.raises(NetworkError) as caught:
        await platform_client.restart_service(sandbox.service("appdev").id)
    assert sandbox.hits("restart_service") == 1
    restarts = [p for p in sandbox.sandbox.state.processes.values() if p.action == "stack.restart"]
    assert len(restarts) == 1  # the platform did act: the agent must check before trying again
    assert "may have been applied" in caught.value.message
    assert caught.value.suggestion is not None and "check whether it landed" in caught.value.suggestion


@pytest.mark.sandbox(seed="standard")
async def test_latency_beyond_the_timeout_is_api_timeout(sandbox: SandboxHandle) -> None:
    sandbox.fault("get_user_info", latency=5.0)
    async with httpx.AsyncClient() as http:
        client = sandbox.client(http, timeout=0.1, retry=RetryPolicy.none())
        with pytest.raises(ApiTimeout):
            await client.get_user_info()


@pytest.mark.sandbox(seed="standard")
async def test_a_body_trickling_past_the_timeout_is_api_timeout(sandbox: SandboxHandle) -> None:
    sandbox.fault("search_service_stack_types", slow_body=5.0)
    async with httpx.AsyncClient() as http:
        client = sandbox.client(http, timeout=0.2, retry=RetryPolicy.none())
        with pytest.raises(ApiTimeout):
            await client.list_service_stack_types()


@pytest.mark.sandbox(seed="standard")
async def test_a_slow_body_within_the_timeout_arrives_whole(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    sandbox.fault("search_service_stack_types", slow_body=0.04)
    types = await platform_client.list_service_stack_types()
    assert len(types) > 20


@pytest.mark.sandbox(seed="standard")
async def test_small_latency_is_just_slower(platform_client: ZeropsClient, sandbox: SandboxHandle) -> None:
    sandbox.fault("*", latency=0.02)
    assert (await platform_client.get_user_info()).email == "jane@example.com"


async def test_an_unreachable_host_is_network_error() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with httpx.AsyncClient() as http:
        client = ZeropsClient(
            http, base_url=f"http://127.0.0.1:{port}", token="tok-1234567890", retry=RetryPolicy.none()
        )
        with pytest.raises(NetworkError) as caught:
            await client.get_user_info()
    assert caught.value.diagnostic is not None
    assert caught.value.diagnostic.startswith("ConnectError")


async def test_a_mutation_that_could_not_connect_is_retried() -> None:
    attempts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request.method)
        if len(attempts) < 3:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"id": "p1", "actionName": "stack.restart", "status": "PENDING"})

    http, client = mock_client(handler)
    async with http:
        process = await client.restart_service("svc")
    assert process.id == "p1"
    assert attempts == ["PUT", "PUT", "PUT"]


async def test_a_mutation_that_timed_out_reading_is_not_retried() -> None:
    attempts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request.method)
        raise httpx.ReadTimeout("timed out", request=request)

    http, client = mock_client(handler)
    async with http:
        with pytest.raises(ApiTimeout):
            await client.stop_service("svc")
    assert attempts == ["PUT"]


async def test_a_success_body_that_is_not_json_is_api_error() -> None:
    http, client = mock_client(lambda request: httpx.Response(200, text="<html>login page</html>"))
    async with http:
        with pytest.raises(ApiError) as caught:
            await client.get_user_info()
    assert "not JSON" in caught.value.message


async def test_a_success_body_of_the_wrong_shape_is_api_error() -> None:
    http, client = mock_client(lambda request: httpx.Response(200, json={"items": "nope"}))
    async with http:
        with pytest.raises(ApiError) as caught:
            await client.get_service_env("svc")
    assert "unexpected shape" in caught.value.message


async def test_requests_carry_bearer_auth_json_content_type_and_the_sdk_body_for_body_less_puts() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "p", "status": "PENDING"})

    http, client = mock_client(handler)
    async with http:
        await client.enable_subdomain("svc")
    request = seen[0]
    assert request.url == "https://api.example/api/rest/public/service-stack/svc/enable-subdomain-access"
    assert request.headers["authorization"] == "Bearer tok-1234567890"
    assert request.headers["content-type"] == "application/json"
    assert request.content == b"{}\n"


async def test_search_bodies_send_every_key_like_the_sdk() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        return httpx.Response(200, json={"limit": 50, "offset": 0, "totalHits": 0, "items": []})

    http, client = mock_client(handler)
    async with http:
        await client.search_processes("proj", limit=50, client_id="cid")
    import json

    assert json.loads(seen[0]) == {
        "search": [{"name": "clientId", "operator": "eq", "value": "cid"}],
        "sort": [{"name": "created", "ascending": False}],
        "offset": None,
        "limit": 50,
        "text": None,
        "subscriptionName": None,
        "receiverId": None,
    }


async def test_the_api_host_may_be_given_without_a_scheme() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"id": "u", "clientUserList": []})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = ZeropsClient(http, base_url="api.app-prg1.zerops.io/", token="tok-1234567890")
        await client.get_user_info()
    assert seen == ["https://api.app-prg1.zerops.io/api/rest/public/user/info"]


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize(
    ("status", "route", "expected"),
    [
        (401, "get_service", "AUTH_TOKEN_EXPIRED"),
        (403, "get_service", "PERMISSION_DENIED"),
        (404, "get_service", "SERVICE_NOT_FOUND"),
        (404, "get_process", "PROCESS_NOT_FOUND"),
        (502, "get_service", "API_ERROR"),
        (429, "get_process", "API_RATE_LIMITED"),
    ],
)
async def test_injected_statuses_map_like_real_ones(
    platform_client: ZeropsClient, sandbox: SandboxHandle, status: int, route: str, expected: str
) -> None:
    sandbox.fault(route, status=status)
    call = platform_client.get_service if route == "get_service" else platform_client.get_process
    with pytest.raises(ZcpError) as caught:
        await call("anything")
    assert caught.value.code == expected


@pytest.mark.sandbox(seed="standard")
async def test_an_intermittently_failing_endpoint_is_ridden_out_by_read_retries(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    sandbox.fault("get_project", status=503, error_rate=0.3)
    project_id = sandbox.project().id
    for _ in range(10):
        assert (await platform_client.get_project(project_id)).id == project_id
    assert sandbox.hits("get_project") > 10
