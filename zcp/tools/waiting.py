"""Bounded waiting for platform processes inside one tool call.

Every mutating Zerops call returns a process. A tool that changes something waits for it with a
:class:`ProcessWaiter`, which

* polls with :class:`~zcp.platform.polling.ProcessPoller` on the configured schedule,
* turns each poll into an MCP progress notification (``ctx.report_progress``; a no-op when the
  client sent no progress token), with a strictly increasing step counter and a readable message,
* shares one deadline across every process of the call — ``waitSeconds`` when the caller gave it,
  else ``ZCP_WAIT_SECONDS`` (45 s), never more than ``ZCP_POLL_TIMEOUT`` — and then stops waiting:
  the result says the work is still running and names the ``zerops_process`` call that follows it,
* lets anyio cancellation through: a cancelled call stops polling at once. Cancelling the *wait*
  never cancels the platform operation; ``zerops_process action="cancel"`` does that.

The clock (``sleep``, ``monotonic``) is the app's :class:`~zcp.clock.Clock`, so tests move
time instead of waiting for it. Typical use::

    waiter = ProcessWaiter(app, ctx, wait_seconds=waitSeconds, subject="restart app")
    waited = await waiter.wait(process, label="app")
    waited.out()            # ProcessOut for the structured result
    waited.still_running    # True when the deadline passed first
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, TypeVar

import anyio
from pydantic import BaseModel, ConfigDict, Field

from zcp.errors import PlatformError
from zcp.platform import status as st

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.platform.models import Process
    from zcp.platform.polling import PollProgress

log = logging.getLogger(__name__)
T = TypeVar("T")

#: A sane upper bound for ``waitSeconds`` schemas that want one; the effective maximum is ``ZCP_POLL_TIMEOUT``.
WAIT_SECONDS_LIMIT = 3600

#: The ``waitSeconds`` parameter every waiting tool takes (more than ``ZCP_POLL_TIMEOUT`` is cut to it).
WaitSeconds = Annotated[float | None, Field(ge=0, description="max seconds to wait (default 45, 0 = none)")]


# --- the clock ------------------------------------------------------------------------------------

# --- output ---------------------------------------------------------------------------------------


def _without_required(schema: dict[str, Any]) -> None:
    schema.pop("required", None)  # every result carries all three ids; the list only costs tools/list bytes


class ProcessOut(BaseModel):
    """A platform process as tools report it (``stillRunning``: the wait ended before the process)."""

    model_config = ConfigDict(populate_by_name=True, json_schema_extra=_without_required)

    process_id: str = Field(alias="processId")
    action_name: str = Field(alias="actionName")
    status: str
    service: str | None = None
    fail_reason: str | None = Field(default=None, alias="failReason")
    still_running: bool | None = Field(default=None, alias="stillRunning")

    @classmethod
    def of(cls, process: Process, *, still_running: bool = False, service: str | None = None) -> ProcessOut:
        return cls(
            process_id=process.id,
            action_name=process.action_name,
            status=process.normalized_status,
            service=service,
            fail_reason=process.fail_reason,
            still_running=True if still_running else None,
        )

    def line(self) -> str:
        """``stack.restart FINISHED (id)`` plus, for a process still running, how to follow it."""
        text = f"{self.action_name or 'process'} {self.status} ({self.process_id})"
        if self.still_running:
            text += f" — still running; follow it with {poll_call(self.process_id)}"
        return text

    def render(self, prefix: str = "process: ") -> str:
        """The line, and the platform's fail reason fenced as untrusted data below it."""
        from zcp.tools.untrusted import fence

        text = prefix + self.line()
        if self.fail_reason:
            text += "\nfail reason:\n" + fence(self.fail_reason).rstrip("\n")
        return text


def poll_call(process_id: str) -> str:
    """The literal tool call that follows a process after a tool stopped waiting for it."""
    return f'zerops_process processId="{process_id}"'


# --- waiting --------------------------------------------------------------------------------------


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

    def out(self, *, service: str | None = None) -> ProcessOut:
        """The process for a tool result; ``service`` names the hostname it belongs to, when useful."""
        return ProcessOut.of(self.process, still_running=self.still_running, service=service)


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
        self._deadline = self._clock.monotonic() + self.budget
        self._ctx = ctx
        self._subject = subject
        self._step = 0

    @property
    def remaining(self) -> float:
        """Seconds left of this call's budget (never negative)."""
        return max(0.0, self._deadline - self._clock.monotonic())

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
        await self.notify(f"{name} {process.normalized_status} ({process.action_name})")
        poller = ProcessPoller(
            self._client,
            dataclasses.replace(self._schedule, timeout=remaining),
            clock=self._clock,
        )

        async def report(progress: PollProgress) -> None:
            elapsed = f"{progress.elapsed:.1f}" if progress.elapsed < 10 else f"{progress.elapsed:.0f}"
            await self.notify(f"{name} {progress.status} after {elapsed}s")

        try:
            result = await poller.wait(process, on_progress=report)
        except anyio.get_cancelled_exc_class():
            log.info("stopped waiting for %s (%s): the call was cancelled", process.id, name)
            raise
        except PlatformError as error:
            # The change was accepted; failing the call now would invite a blind retry of it.
            log.info("reading process %s failed (%s); reporting it as still running", process.id, error.code)
            problem = f"{error.code} while reading process {process.id}; it may still be running"
            return Waited(name, process, still_running=True, problem=problem)
        return Waited(name, result.process, still_running=result.timed_out)

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


#: How a mutating call ended, as tools report it.
Outcome = Literal["done", "failed", "running"]


def outcome_of(waited: Sequence[Waited]) -> Outcome:
    """``running`` if anything is still running, else ``failed`` if anything failed, else ``done``."""
    if any(w.still_running for w in waited):
        return "running"
    if any(w.failed for w in waited):
        return "failed"
    return "done"
