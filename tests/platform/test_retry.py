"""The retry rules: which failures are repeated, how long to wait, and when to give up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zcp.platform.retry import Failure, RetryPolicy, parse_retry_after, retry_delay

POLICY = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=4.0, budget=10.0)


def test_backoff_grows_exponentially_and_is_capped() -> None:
    ceilings = [POLICY.backoff(attempt, jitter=0.999999) for attempt in range(1, 7)]
    assert [round(c, 3) for c in ceilings] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


@pytest.mark.parametrize("jitter", [0.0, 0.25, 0.75])
def test_backoff_uses_full_jitter_below_the_ceiling(jitter: float) -> None:
    assert POLICY.backoff(3, jitter) == pytest.approx(2.0 * jitter)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_reads_retry_rate_limits_and_server_errors(status: int) -> None:
    delay = retry_delay(POLICY, attempt=1, idempotent=True, failure=Failure.STATUS, status=status)
    assert delay is not None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 501])
def test_reads_do_not_retry_client_errors(status: int) -> None:
    assert retry_delay(POLICY, attempt=1, idempotent=True, failure=Failure.STATUS, status=status) is None


@pytest.mark.parametrize("status", [429, 500, 503])
def test_mutations_never_retry_an_answered_request(status: int) -> None:
    assert retry_delay(POLICY, attempt=1, idempotent=False, failure=Failure.STATUS, status=status) is None


def test_mutations_never_retry_a_request_that_may_have_reached_the_server() -> None:
    assert retry_delay(POLICY, attempt=1, idempotent=False, failure=Failure.IN_FLIGHT) is None


def test_mutations_retry_when_the_request_provably_was_not_sent() -> None:
    assert retry_delay(POLICY, attempt=1, idempotent=False, failure=Failure.NOT_SENT) is not None


def test_reads_retry_broken_connections() -> None:
    assert retry_delay(POLICY, attempt=1, idempotent=True, failure=Failure.IN_FLIGHT) is not None


def test_retry_after_sets_a_floor_on_the_wait() -> None:
    delay = retry_delay(
        POLICY, attempt=1, idempotent=True, failure=Failure.STATUS, status=429, retry_after=3.0, jitter=0.0
    )
    assert delay == 3.0


def test_giving_up_after_max_attempts() -> None:
    assert retry_delay(POLICY, attempt=4, idempotent=True, failure=Failure.STATUS, status=503) is None


def test_giving_up_when_the_wait_would_exceed_the_budget() -> None:
    delay = retry_delay(
        POLICY, attempt=1, idempotent=True, failure=Failure.STATUS, status=429, retry_after=8.0, waited=3.0
    )
    assert delay is None


def test_a_policy_without_retries_never_retries() -> None:
    none = RetryPolicy.none()
    assert retry_delay(none, attempt=1, idempotent=True, failure=Failure.NOT_SENT) is None


@pytest.mark.parametrize(("header", "seconds"), [("0", 0.0), ("2", 2.0), ("1.5", 1.5), ("-3", 0.0)])
def test_retry_after_in_seconds(header: str, seconds: float) -> None:
    assert parse_retry_after(header) == seconds


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2025, 6, 2, 8, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Mon, 02 Jun 2025 08:00:30 GMT", now=now) == 30.0


@pytest.mark.parametrize("header", [None, "", "soon", "Mon, 99 Foo"])
def test_retry_after_that_cannot_be_read_is_ignored(header: str | None) -> None:
    assert parse_retry_after(header) is None
