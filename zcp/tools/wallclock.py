"""What time it is for tools: the system clock, unless a test (or the sandbox demo) injects another.

Relative times in tool inputs (``since="1h"``) and health windows ("errors in the last 5 minutes")
are measured against the platform's clock. Against the real API that is the wall clock; against a
sandbox on a manual clock the test passes the sandbox's ``now`` with :func:`use_wall_clock`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zcp.app import App

Now = Callable[[], datetime]
_ATTRIBUTE = "wall_clock"


def system_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def use_wall_clock(app: App, now: Now) -> None:
    """Make the tools of ``app`` tell time with ``now`` (an aware-datetime factory)."""
    vars(app)[_ATTRIBUTE] = now


def now_of(app: App) -> datetime:
    """The current time for the tools of ``app``."""
    clock = getattr(app, _ATTRIBUTE, None)
    return clock() if callable(clock) else system_now()
