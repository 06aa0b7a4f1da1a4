"""The one clock of zcp: wall time, monotonic time and sleeping, behind one small interface.

Everything that tells or waits for time takes a :class:`Clock`: the platform client (retry
back-off), the process and build pollers, the tool waiters, the HTTP prober, the workflow state
(timestamps in state files) and the sandbox (which moves its processes on it). Production code
uses :data:`SYSTEM_CLOCK`; tests use a :class:`ManualClock`, which moves only when told, or a
:class:`FunctionClock` assembled from callables (e.g. a sleep that also advances the sandbox), so
no test ever waits for real.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

import anyio

__all__ = ["EPOCH", "SYSTEM_CLOCK", "Clock", "FunctionClock", "ManualClock", "SystemClock", "system_now"]

#: Where a :class:`ManualClock` starts: a fixed moment, so timestamps in tests are reproducible.
EPOCH: Final = datetime(2025, 6, 2, 8, 0, 0, tzinfo=UTC)


def system_now() -> datetime:
    """The current time in UTC (an aware datetime)."""
    return datetime.now(UTC)


class Clock(Protocol):
    """How zcp tells and waits for time (``now`` is always timezone-aware UTC)."""

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


SYSTEM_CLOCK: Final[Clock] = SystemClock()


@dataclass(frozen=True)
class FunctionClock:
    """A clock assembled from callables; each defaults to the real one."""

    now_fn: Callable[[], datetime] = system_now
    monotonic_fn: Callable[[], float] = time.monotonic
    sleep_fn: Callable[[float], Awaitable[None]] = anyio.sleep

    def now(self) -> datetime:
        return self.now_fn()

    def monotonic(self) -> float:
        return self.monotonic_fn()

    async def sleep(self, seconds: float) -> None:
        await self.sleep_fn(seconds)


class ManualClock:
    """A clock that only moves when told to; safe to advance from any thread.

    ``sleep`` advances the clock instead of waiting, and ``monotonic`` is seconds on this clock.
    """

    def __init__(self, start: datetime = EPOCH) -> None:
        self._lock = threading.Lock()
        self._start = start
        self._now = start

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        return self.now().timestamp()

    def advance(self, seconds: float) -> datetime:
        """Move forward by ``seconds`` (negative values are refused) and return the new time."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    async def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))

    def reset(self) -> None:
        with self._lock:
            self._now = self._start
