"""Fault rules: their syntax, which requests they hit, how often, and what the client sees."""

from __future__ import annotations

import httpx
import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.sandbox.faults import FaultInjector, FaultRule


def test_the_command_line_syntax_reads_every_option() -> None:
    rule = FaultRule.parse(
        "get_process:status=429,retry_after=2,times=3,error_rate=0.5,latency=0.1,code=slowDown"
    )
    assert (
        rule.endpoint,
        rule.status,
        rule.retry_after,
        rule.times,
        rule.error_rate,
        rule.latency,
        rule.code,
    ) == (
        "get_process",
        429,
        2.0,
        3,
        0.5,
        0.1,
        "slowDown",
    )
    assert FaultRule.parse("*:drop").drop
    assert FaultRule.parse(":slow_body=1").endpoint == "*"


@pytest.mark.parametrize(
    "spec",
    [
        "x:status=abc",
        "x:status=99",
        "x:error_rate=2",
        "x:nonsense=1",
        "x:latency",
        "x:times=0",
        "x:latency=-1",
    ],
)
def test_bad_fault_specs_are_refused(spec: str) -> None:
    with pytest.raises((ValueError, TypeError)):
        FaultRule.parse(spec)


def test_rules_only_hit_their_endpoint_and_expire_after_their_times() -> None:
    injector = FaultInjector()
    injector.add(FaultRule(endpoint="get_process", status=503, times=2))
    assert injector.plan("get_service").status is None
    assert [injector.plan("get_process").status for _ in range(3)] == [503, 503, None]
    assert injector.rules() == []


def test_an_error_rate_fires_on_about_that_share_of_requests_reproducibly() -> None:
    def fired(seed: int) -> list[bool]:
        injector = FaultInjector(seed=seed)
        injector.add(FaultRule(status=500, error_rate=0.3))
        return [injector.plan("x").status == 500 for _ in range(1000)]

    assert 250 < sum(fired(1)) < 350
    assert fired(1) == fired(1)
    injector = FaultInjector()
    injector.add(FaultRule(status=500, error_rate=0.0))
    assert all(injector.plan("x").status is None for _ in range(50))


def test_latency_combines_with_a_failure_from_another_rule() -> None:
    injector = FaultInjector()
    slow = injector.add(FaultRule(latency=0.2))
    injector.add(FaultRule(endpoint="a", status=502, retry_after=1))
    plan = injector.plan("a")
    assert (plan.latency, plan.status, plan.retry_after, plan.code) == (0.2, 502, 1, "badGateway")
    assert injector.remove(slow.id)
    assert not injector.remove(slow.id)


@pytest.mark.sandbox(seed="standard")
def test_an_injected_status_answers_with_a_json_error_and_retry_after(sandbox: SandboxHandle) -> None:
    sandbox.fault("get_user_info", status=429, retry_after=3, times=1)
    reply = httpx.get(
        f"{sandbox.url}/api/rest/public/user/info",
        headers={"Authorization": f"Bearer {sandbox.token}"},
        timeout=5,
    )
    assert reply.status_code == 429
    assert reply.headers["retry-after"] == "3"
    assert reply.json()["error"]["code"] == "tooManyRequests"
    assert sandbox.sandbox.requests_to("get_user_info")[0].fault == "status=429"


@pytest.mark.sandbox(seed="standard")
def test_a_dropped_connection_sends_headers_then_closes(sandbox: SandboxHandle) -> None:
    sandbox.fault("get_user_info", drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(
            f"{sandbox.url}/api/rest/public/user/info",
            headers={"Authorization": f"Bearer {sandbox.token}"},
            timeout=5,
        )


@pytest.mark.sandbox(seed="standard")
def test_faults_never_touch_the_control_api(sandbox: SandboxHandle) -> None:
    sandbox.fault("*", status=500)
    assert httpx.get(f"{sandbox.url}/_sandbox/health", timeout=5).status_code == 200
