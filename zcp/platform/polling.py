"""Waiting for platform processes to finish.

Every mutating call returns a process that moves ``PENDING → RUNNING → FINISHED`` (or ``FAILED``,
``CANCELED``…). :class:`ProcessPoller` re-reads it on a schedule until it leaves ``PENDING``/``RUNNING``
or the timeout passes, reporting progress through an async callback (the tools layer turns those into
MCP progress notifications). The schedule, the clock and the sleep are injected so tests never wait;
cancellation is anyio's: cancel the surrounding scope and the poller stops at its next await.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from zcp.clock import SYSTEM_CLOCK, Clock
from zcp.errors import ApiError, ApiRateLimited, ApiTimeout, NetworkError
from zcp.platform import status as st
from zcp.platform.models import Process

if TYPE_CHECKING:
    from zcp.config import Settings

logger = logging.getLogger(__name__)

#: Failures a poller shrugs off a few times in a row before giving up.
TRANSIENT_ERRORS = (NetworkError, ApiTimeout, ApiRateLimited, ApiError)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class PollSchedule:
    """How often and how long to poll.

    The first wait is ``interval``; each further wait is multiplied by ``backoff`` (1.0 keeps it
    constant) up to ``max_interval``; once ``slow_after`` seconds have passed every wait is
    ``max_interval``. The poller gives up after ``timeout`` seconds.
    """

    interval: float = 2.0
    max_interval: float = 5.0
    backoff: float = 1.0
    slow_after: float = 30.0
    timeout: float = 600.0
    max_consecutive_errors: int = 3

    @classmethod
    def from_settings(cls, settings: Settings) -> PollSchedule:
        return cls(
            interval=settings.poll_interval,
            max_interval=max(settings.poll_max_interval, settings.poll_interval),
            timeout=settings.poll_timeout,
        )

    def next_interval(self, previous: float | None, elapsed: float) -> float:
        """The wait before the next read, given the previous wait and the seconds elapsed so far."""
        if elapsed >= self.slow_after:
            return self.max_interval
        if previous is None:
            return min(self.interval, self.max_interval)
        return min(previous * self.backoff, self.max_interval)


@dataclass(frozen=True)
class PollProgress:
    """One progress report: what is being waited for and how it looks now."""

    subject_id: str
    action: str
    status: str
    elapsed: float
    polls: int

    @property
    def message(self) -> str:
        return f"{self.action or 'process'} {self.status} after {self.elapsed:.0f}s"


ProgressCallback = Callable[[PollProgress], Awaitable[None]]


@dataclass(frozen=True)
class PollResult:
    """How waiting ended: the last process seen and whether the timeout cut it short."""

    process: Process
    timed_out: bool
    elapsed: float
    polls: int

    @property
    def status(self) -> str:
        return self.process.normalized_status

    @property
    def succeeded(self) -> bool:
        return not self.timed_out and self.status == st.FINISHED


class ProcessReader(Protocol):
    async def get_process(self, process_id: str) -> Process: ...


class ProcessPoller:
    """Polls processes through a client until they are terminal or time runs out."""

    def __init__(
        self,
        client: ProcessReader,
        schedule: PollSchedule | None = None,
        *,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._client = client
        self.schedule = schedule or PollSchedule()
        self._clock = clock

    async def wait(
        self, process: Process | str, *, on_progress: ProgressCallback | None = None
    ) -> PollResult:
        """Wait for one process (given as returned by a mutating call, or by id)."""
        started = self._clock.monotonic()
        current = process if isinstance(process, Process) else await self._client.get_process(process)
        polls = 0
        errors = 0
        interval: float | None = None
        while True:
            elapsed = self._clock.monotonic() - started
            if not current.in_progress:
                return PollResult(current, timed_out=False, elapsed=elapsed, polls=polls)
            if elapsed >= self.schedule.timeout:
                logger.info("process %s still %s after %.0fs; giving up", current.id, current.status, elapsed)
                return PollResult(current, timed_out=True, elapsed=elapsed, polls=polls)
            if on_progress is not None and polls:
                await on_progress(
                    PollProgress(current.id, current.action_name, current.normalized_status, elapsed, polls)
                )
            interval = self.schedule.next_interval(interval, elapsed)
            await self._clock.sleep(max(0.0, min(interval, self.schedule.timeout - elapsed)))
            try:
                current = await self._client.get_process(current.id)
                errors = 0
            except TRANSIENT_ERRORS as error:
                errors += 1
                logger.debug("reading process %s failed (%s), %d in a row", current.id, error.code, errors)
                if errors >= self.schedule.max_consecutive_errors:
                    raise
            polls += 1

    async def wait_all(
        self, processes: Sequence[Process], *, on_progress: ProgressCallback | None = None
    ) -> list[PollResult]:
        """Wait for several processes one after another (as an import's processes are)."""
        return [await self.wait(process, on_progress=on_progress) for process in processes]
