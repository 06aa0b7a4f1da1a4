"""Time for the sandbox: one injectable clock, so tests move time instead of waiting for it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

#: Where a :class:`ManualClock` starts: a fixed moment, so timestamps in tests are reproducible.
EPOCH: Final = datetime(2025, 6, 2, 8, 0, 0, tzinfo=UTC)


class Clock(Protocol):
    """Anything that tells the sandbox what time it is (always timezone-aware UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time; what ``zcp sandbox serve`` uses."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; safe to advance from any thread."""

    def __init__(self, start: datetime = EPOCH) -> None:
        self._lock = threading.Lock()
        self._start = start
        self._now = start

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forward by ``seconds`` (negative values are refused) and return the new time."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    async def sleep(self, seconds: float) -> None:
        """A drop-in for ``anyio.sleep`` that advances this clock instead of waiting."""
        self.advance(max(0.0, seconds))

    def reset(self) -> None:
        with self._lock:
            self._now = self._start
