"""ProcessPoller: waiting on a schedule, reporting progress, timing out and stopping when cancelled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import anyio
import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.clock import FunctionClock
from zcp.config import Settings
from zcp.errors import NetworkError, ProcessNotFound, ZcpError
from zcp.platform import PollProgress, PollSchedule, ProcessPoller, ZeropsClient
from zcp.platform.models import Process

pytestmark = pytest.mark.anyio


def proc(status: str, pid: str = "p1") -> Process:
    return Process(id=pid, action_name="stack.restart", status=status)


@dataclass
class ScriptedReader:
    """Answers get_process with the next scripted status (or raises the scripted error)."""

    script: Sequence[str | ZcpError]
    reads: int = 0

    async def get_process(self, process_id: str) -> Process:
        step = self.script[min(self.reads, len(self.script) - 1)]
        self.reads += 1
        if isinstance(step, ZcpError):
            raise step
        return proc(step, process_id)


@dataclass
class FakeTime:
    elapsed: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds

    def monotonic(self) -> float:
        return self.elapsed

    def now(self) -> datetime:
        return datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=self.elapsed)


def make(
    script: Sequence[str | ZcpError], schedule: PollSchedule | None = None
) -> tuple[ProcessPoller, ScriptedReader, FakeTime]:
    reader, clock = ScriptedReader(script), FakeTime()
    poller = ProcessPoller(
        reader,
        schedule or PollSchedule(interval=2, max_interval=5, slow_after=30, timeout=600),
        clock=clock,
    )
    return poller, reader, clock


async def test_a_process_that_is_already_over_needs_no_polling() -> None:
    poller, reader, clock = make(["RUNNING"])
    result = await poller.wait(proc("FINISHED"))
    assert result.succeeded
    assert (reader.reads, clock.sleeps) == (0, [])


async def test_polling_continues_until_the_process_leaves_pending_and_running() -> None:
    poller, _reader, _ = make(["PENDING", "RUNNING", "RUNNING", "FINISHED"])
    result = await poller.wait(proc("PENDING"))
    assert result.status == "FINISHED"
    assert result.polls == 4
    assert not result.timed_out


async def test_a_process_can_be_waited_for_by_id() -> None:
    poller, _reader, _ = make(["RUNNING", "FINISHED"])
    result = await poller.wait("p9")
    assert result.process.id == "p9"
    assert result.succeeded


@pytest.mark.parametrize(
    ("raw", "normalized"), [("DONE", "FINISHED"), ("CANCELLED", "CANCELED"), ("FAILED", "FAILED")]
)
async def test_terminal_spellings_are_normalised(raw: str, normalized: str) -> None:
    poller, _, _ = make(["RUNNING", raw])
    result = await poller.wait(proc("RUNNING"))
    assert result.status == normalized
    assert result.succeeded is (normalized == "FINISHED")


@pytest.mark.parametrize("status", ["ROLLBACKING", "CANCELING"])
async def test_rollbacking_and_canceling_end_the_wait(status: str) -> None:
    poller, reader, _ = make([status])
    result = await poller.wait(proc("RUNNING"))
    assert result.status == status
    assert reader.reads == 1


async def test_the_interval_switches_to_the_maximum_after_the_slow_point() -> None:
    poller, _, clock = make(
        ["RUNNING"] * 20 + ["FINISHED"], PollSchedule(interval=2, max_interval=5, slow_after=10, timeout=600)
    )
    await poller.wait(proc("RUNNING"))
    assert clock.sleeps[:7] == [2, 2, 2, 2, 2, 5, 5]


async def test_backoff_grows_the_interval_up_to_the_maximum() -> None:
    schedule = PollSchedule(interval=1, max_interval=5, backoff=2, slow_after=1000, timeout=600)
    poller, _, clock = make(["RUNNING"] * 6 + ["FINISHED"], schedule)
    await poller.wait(proc("RUNNING"))
    assert clock.sleeps[:6] == [1, 2, 4, 5, 5, 5]


async def test_time_out_returns_the_last_process_seen_without_overshooting() -> None:
    poller, _, clock = make(["RUNNING"], PollSchedule(interval=4, max_interval=4, timeout=10))
    result = await poller.wait(proc("PENDING"))
    assert result.timed_out
    assert result.status == "RUNNING"
    assert clock.sleeps == [4, 4, 2]
    assert result.elapsed == 10


async def test_progress_is_reported_for_every_non_final_read_only() -> None:
    poller, _, _ = make(["PENDING", "RUNNING", "RUNNING", "FINISHED"])
    reports: list[PollProgress] = []

    async def report(progress: PollProgress) -> None:
        reports.append(progress)

    await poller.wait(proc("PENDING"), on_progress=report)
    assert [(r.status, r.polls) for r in reports] == [("PENDING", 1), ("RUNNING", 2), ("RUNNING", 3)]
    assert reports[-1].message == "stack.restart RUNNING after 6s"


async def test_transient_failures_are_tolerated_a_few_times() -> None:
    blip = NetworkError("blip")
    poller, _, _ = make(["RUNNING", blip, blip, "FINISHED"])
    assert (await poller.wait(proc("RUNNING"))).succeeded


async def test_repeated_transient_failures_are_raised() -> None:
    blip = NetworkError("blip")
    poller, _, _ = make(["RUNNING", blip, blip, blip])
    with pytest.raises(NetworkError):
        await poller.wait(proc("RUNNING"))


async def test_a_vanished_process_is_raised_at_once() -> None:
    poller, reader, _ = make([ProcessNotFound("gone")])
    with pytest.raises(ProcessNotFound):
        await poller.wait(proc("RUNNING"))
    assert reader.reads == 1


async def test_cancelling_the_surrounding_scope_stops_the_wait() -> None:
    reader = ScriptedReader(["RUNNING"])
    with anyio.CancelScope() as scope:

        async def sleep(seconds: float) -> None:
            if reader.reads >= 2:
                scope.cancel()
            await anyio.sleep(0)

        await ProcessPoller(reader, PollSchedule(interval=1), clock=FunctionClock(sleep_fn=sleep)).wait(
            proc("RUNNING")
        )
    assert scope.cancelled_caught
    assert reader.reads == 2


async def test_wait_all_waits_for_each_process_in_turn() -> None:
    poller, reader, _ = make(["FINISHED"])
    results = await poller.wait_all([proc("RUNNING", "a"), proc("PENDING", "b")])
    assert [r.process.id for r in results] == ["a", "b"]
    assert reader.reads == 2


def test_the_schedule_comes_from_settings() -> None:
    schedule = PollSchedule.from_settings(
        Settings(poll_interval=0.5, poll_max_interval=3.0, poll_timeout=42.0)
    )
    assert (schedule.interval, schedule.max_interval, schedule.timeout) == (0.5, 3.0, 42.0)


@pytest.mark.sandbox(seed="standard")
async def test_a_failing_sandbox_process_ends_failed_with_its_reason(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    appdev = sandbox.service("appdev").id
    process = await platform_client.enable_subdomain(
        appdev
    )  # already enabled: the platform fails the process
    poller = ProcessPoller(
        platform_client,
        PollSchedule(interval=1, max_interval=1),
        clock=sandbox.poll_clock,
    )
    result = await poller.wait(process)
    assert result.status == "FAILED"
    assert result.process.fail_reason is not None
    assert "noSubdomainPorts" in result.process.fail_reason
