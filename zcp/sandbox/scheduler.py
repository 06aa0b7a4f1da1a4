"""A discrete-event queue: state changes due at a moment, applied when the clock passes it.

The sandbox never runs background tasks. Every request first calls :meth:`Scheduler.run_until` with the
clock's current time, which applies every change that has become due, in time order — so a process
created at ``t`` is ``RUNNING`` for readers after ``t + pending`` and ``FINISHED`` after
``t + pending + running``, however fast or slow the clock moves.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

Event = Callable[[datetime], None]


@dataclass(order=True)
class _Entry:
    due: datetime
    order: int
    action: Event = field(compare=False)


class Scheduler:
    """Pending state changes ordered by due time (ties keep insertion order)."""

    def __init__(self) -> None:
        self._queue: list[_Entry] = []
        self._counter = itertools.count()

    def at(self, due: datetime, action: Event) -> None:
        """Apply ``action(due)`` once the clock reaches ``due``."""
        heapq.heappush(self._queue, _Entry(due, next(self._counter), action))

    def run_until(self, now: datetime) -> int:
        """Apply everything due by ``now`` (including events scheduled by those events); return the count."""
        applied = 0
        while self._queue and self._queue[0].due <= now:
            entry = heapq.heappop(self._queue)
            entry.action(entry.due)
            applied += 1
        return applied

    def __len__(self) -> int:
        return len(self._queue)

    def clear(self) -> None:
        self._queue.clear()
