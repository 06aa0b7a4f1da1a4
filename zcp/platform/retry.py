"""When to try an API call again, and how long to wait first.

The rules, in one place:

* **Reads** (GETs and the POST searches, which change nothing) retry on connection failures,
  timeouts, dropped connections, HTTP 429 and the retryable 5xx statuses.
* **Mutations** retry only when the request provably never reached the server (the connection could
  not be opened); anything later might have been applied, so it is reported instead of repeated.
* Waits grow exponentially with full jitter, never exceed ``max_delay``, honour ``Retry-After`` on a
  429/503, and all waiting together stays within ``budget`` seconds.

Everything here is pure; the client supplies the randomness and the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import Enum


class Failure(Enum):
    """What went wrong with one attempt, as far as retrying is concerned."""

    NOT_SENT = "not_sent"  # connect error / connect timeout: the server never saw the request
    IN_FLIGHT = "in_flight"  # read/write timeout, reset, dropped mid-response: it may have been applied
    STATUS = "status"  # the server answered with an HTTP status


@dataclass(frozen=True)
class RetryPolicy:
    """Retry limits for one client; tests pass tiny values so nothing waits."""

    max_attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 4.0
    budget: float = 15.0
    retry_statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 500, 502, 503, 504}))

    @classmethod
    def none(cls) -> RetryPolicy:
        """One attempt, never retried."""
        return cls(max_attempts=1, base_delay=0.0, max_delay=0.0, budget=0.0)

    def backoff(self, attempt: int, jitter: float) -> float:
        """Full-jitter exponential delay before attempt ``attempt + 1`` (``attempt`` counts from 1).

        ``jitter`` is a uniform draw from [0, 1).
        """
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** max(attempt - 1, 0))
        return ceiling * jitter


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); ``None`` if absent."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = now or datetime.now(UTC)
    return max(0.0, (when - reference).total_seconds())


def retry_delay(
    policy: RetryPolicy,
    *,
    attempt: int,
    idempotent: bool,
    failure: Failure,
    status: int | None = None,
    retry_after: float | None = None,
    waited: float = 0.0,
    jitter: float = 0.5,
) -> float | None:
    """Seconds to wait before trying again, or ``None`` to give up and report the failure.

    ``attempt`` is the number of attempts made so far; ``waited`` the seconds already spent waiting.
    """
    if attempt >= policy.max_attempts:
        return None
    if failure is Failure.STATUS:
        if status is None or status not in policy.retry_statuses or not idempotent:
            return None
    elif failure is Failure.IN_FLIGHT and not idempotent:
        return None
    delay = policy.backoff(attempt, jitter)
    if retry_after is not None:
        delay = max(delay, retry_after)
    if waited + delay > policy.budget:
        return None
    return delay
