"""Bounded waiting for platform processes inside one tool call.

Every mutating Zerops call returns a process. An operation that changes something waits for it
with a :class:`ProcessWaiter`, which

* polls with :class:`~zcp.platform.polling.ProcessPoller` on the configured schedule,
* turns each poll into a progress notification (``report_progress`` of the MCP context; a no-op
  when the client sent no progress token), with a strictly increasing step counter and a message,
* shares one deadline across every process of the call — ``waitSeconds`` when the caller gave it,
  else ``ZCP_WAIT_SECONDS`` (45 s), never more than ``ZCP_POLL_TIMEOUT`` — and then stops waiting:
  the result says the work is still running and names the ``zerops_process`` call that follows it,
* measures the time it actually waited (:attr:`ProcessWaiter.elapsed`, :attr:`Waited.waited`), so a
  message says "still running after 4.3s" when polling failed early, not the budget it had,
* lets anyio cancellation through: a cancelled call stops polling at once. Cancelling the *wait*
  never cancels the platform operation; ``zerops_process action="cancel"`` does that.

The clock is the app's :class:`~zcp.clock.Clock`, so tests move time instead of waiting for it::

    waiter = ProcessWaiter(app, ctx, wait_seconds=waitSeconds, subject="restart app")
    waited = await waiter.wait(process, label="app")
    waited.still_running    # True when the deadline passed first
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

import anyio

from zcp.calls import ToolCall
from zcp.errors import PlatformError
from zcp.platform import status as st

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.platform.models import Process
    from zcp.platform.polling import PollProgress

log = logging.getLogger(__name__)
T = TypeVar("T")

#: How a mutating call ended, as tools report it.
Outcome = Literal["done", "failed", "running"]


def poll_call(process_id: str) -> ToolCall:
    """The call that follows a process after a tool stopped waiting for it."""
    return ToolCall.of("zerops_process", processId=process_id)


def seconds(value: float) -> str:
    """A duration for messages: ``4.3s``, ``45s``."""
    return f"{value:.1f}s" if value < 10 else f"{value:.0f}s"


class ProgressSink(Protocol):
    """What the waiter needs from an MCP ``Context``."""

    async def report_progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None: ...


@dataclass(frozen=True)
class Waited:
    """How waiting for one process ended."""

    label: str
    process: Process
    still_running: bool
    #: Why waiting stopped early although time was left (the API failed while polling).
    problem: str | None = None
    #: Seconds actually spent waiting for this process.
    waited: float = 0.0

    @property
    def status(self) -> str:
        return self.process.normalized_status

    @property
    def succeeded(self) -> bool:
        return not self.still_running and self.status == st.FINISHED

    @property
    def failed(self) -> bool:
        """Over, but not FINISHED (FAILED, CANCELED, ROLLBACKING…)."""
        return not self.still_running and self.status != st.FINISHED


class ProcessWaiter:
    """One tool call's waiting: a shared deadline, progress notifications and clean cancellation."""

    def __init__(
        self,
        app: App,
        ctx: ProgressSink | None,
        *,
        wait_seconds: float | None,
        subject: str,
    ) -> None:
        from zcp.platform.polling import PollSchedule

        settings = app.settings
        self._client = app.require_platform().client
        self._clock = app.clock
        requested = settings.wait_seconds if wait_seconds is None else wait_seconds
        self.budget = max(0.0, min(float(requested), settings.poll_timeout))
        self._schedule = PollSchedule.from_settings(settings)
        self._started = self._clock.monotonic()
        self._deadline = self._started + self.budget
        self._ctx = ctx
        self._subject = subject
        self._step = 0

    @property
    def remaining(self) -> float:
        """Seconds left of this call's budget (never negative)."""
        return max(0.0, self._deadline - self._clock.monotonic())

    @property
    def elapsed(self) -> float:
        """Seconds since this call started waiting (what "still running after …" reports)."""
        return max(0.0, self._clock.monotonic() - self._started)

    async def notify(self, message: str) -> None:
        """Send one progress notification (the step counter makes progress strictly increase)."""
        if self._ctx is None:
            return
        self._step += 1
        try:
            await self._ctx.report_progress(self._step, None, f"{self._subject}: {message}")
        except anyio.get_cancelled_exc_class():
            raise
        except Exception as error:  # a client that went away must not fail the operation
            log.debug("progress notification failed: %s", type(error).__name__)

    async def wait(self, process: Process, *, label: str = "") -> Waited:
        """Wait for ``process`` until it is over or this call's budget is spent."""
        from zcp.platform.polling import ProcessPoller

        name = label or process.action_name or "process"
        if not process.in_progress:
            return Waited(name, process, still_running=False)
        remaining = self.remaining
        if remaining <= 0:
            return Waited(name, process, still_running=True)
        started = self._clock.monotonic()
        await self.notify(f"{name} {process.normalized_status} ({process.action_name})")
        poller = ProcessPoller(
            self._client,
            dataclasses.replace(self._schedule, timeout=remaining),
            clock=self._clock,
        )

        async def report(progress: PollProgress) -> None:
            await self.notify(f"{name} {progress.status} after {seconds(progress.elapsed)}")

        try:
            result = await poller.wait(process, on_progress=report)
        except anyio.get_cancelled_exc_class():
            log.info("stopped waiting for %s (%s): the call was cancelled", process.id, name)
            raise
        except PlatformError as error:
            # The change was accepted; failing the call now would invite a blind retry of it.
            log.info("reading process %s failed (%s); reporting it as still running", process.id, error.code)
            problem = f"{error.code} while reading process {process.id}; it may still be running"
            spent = self._clock.monotonic() - started
            return Waited(name, process, still_running=True, problem=problem, waited=spent)
        return Waited(name, result.process, still_running=result.timed_out, waited=result.elapsed)

    async def wait_for(self, check: Callable[[], Awaitable[T | None]], *, at_most: float) -> T | None:
        """Re-run ``check`` on the poll interval until it returns a value, for at most ``at_most`` seconds
        of what is left of the budget (for side effects that land after a process, like a published URL)."""
        limit = self._clock.monotonic() + min(at_most, self.remaining)
        while True:
            found = await check()
            if found is not None:
                return found
            left = limit - self._clock.monotonic()
            if left <= 0:
                return None
            await self._clock.sleep(min(self._schedule.interval, left))

    async def wait_all(self, processes: Sequence[tuple[str, Process]]) -> list[Waited]:
        """Wait for several ``(label, process)`` pairs in turn, within the one budget."""
        return [await self.wait(process, label=label) for label, process in processes]


def outcome_of(waited: Sequence[Waited]) -> Outcome:
    """``running`` if anything is still running, else ``failed`` if anything failed, else ``done``."""
    if any(w.still_running for w in waited):
        return "running"
    if any(w.failed for w in waited):
        return "failed"
    return "done"
