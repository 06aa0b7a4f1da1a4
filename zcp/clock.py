"""The one clock of a zcp process: wall time, monotonic time and sleeping.

Tools tell time only through :attr:`zcp.app.App.clock`. The real clock is the default; tests (and
the sandbox demo) substitute the sandbox's manual clock so relative times such as ``since="1h"``
line up with the platform's and waiting never sleeps for real.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio


def system_now() -> datetime:
    """The current time in UTC (an aware datetime)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Clock:
    """How zcp tells and waits for time."""

    now: Callable[[], datetime] = system_now
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep


SYSTEM_CLOCK = Clock()
