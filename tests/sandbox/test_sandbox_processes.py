"""Processes move on the sandbox clock: PENDING, RUNNING, then FINISHED or FAILED, at the scaled times."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from zcp.sandbox import ManualClock, Sandbox
from zcp.sandbox.clock import EPOCH
from zcp.sandbox.failures import ApiFailure
from zcp.sandbox.model import Process
from zcp.sandbox.scheduler import Scheduler


def restart(sandbox: Sandbox, hostname: str = "appstage") -> Process:
    from zcp.sandbox.lifecycle import change_state

    service = next(s for s in sandbox.state.services.values() if s.name == hostname)
    return change_state(sandbox, sandbox.state.grants[sandbox.token], service.id, "restart")


def statuses_over(sandbox: Sandbox, process: Process, seconds: int) -> list[str]:
    clock = sandbox.clock
    assert isinstance(clock, ManualClock)
    seen = []
    for _ in range(seconds):
        sandbox.advance()
        seen.append(process.status)
        clock.advance(1)
    return seen


def test_a_process_is_pending_then_running_then_finished_at_scale_one() -> None:
    sandbox = Sandbox(scenario="standard")
    process = restart(sandbox)
    assert statuses_over(sandbox, process, 6) == [
        "PENDING",
        "RUNNING",
        "RUNNING",
        "RUNNING",
        "RUNNING",
        "FINISHED",
    ]
    assert process.started == EPOCH + timedelta(seconds=0.5)
    assert process.finished == EPOCH + timedelta(seconds=4.5)


def test_the_time_scale_stretches_or_removes_the_wait() -> None:
    slow = Sandbox(scenario="standard", time_scale=2.0)
    assert statuses_over(slow, restart(slow), 10).index("FINISHED") == 9
    instant = Sandbox(scenario="standard", time_scale=0)
    process = restart(instant)
    assert process.status == "PENDING"
    instant.advance()
    assert process.status == "FINISHED"


def test_cancelling_twice_is_refused() -> None:
    sandbox = Sandbox(scenario="standard")
    process = restart(sandbox)
    sandbox.cancel(process)
    with pytest.raises(ApiFailure) as caught:
        sandbox.cancel(process)
    assert caught.value.code == "processIsAlreadyOver"


def test_events_run_in_time_order_including_ones_scheduled_by_events() -> None:
    scheduler = Scheduler()
    ran: list[str] = []
    scheduler.at(EPOCH + timedelta(seconds=2), lambda at: ran.append("second"))

    def first(at: datetime) -> None:
        ran.append("first")
        scheduler.at(at + timedelta(seconds=0.5), lambda _: ran.append("chained"))

    scheduler.at(EPOCH + timedelta(seconds=1), first)
    scheduler.at(EPOCH + timedelta(seconds=9), lambda at: ran.append("later"))
    assert scheduler.run_until(EPOCH + timedelta(seconds=5)) == 3
    assert ran == ["first", "chained", "second"]
    assert len(scheduler) == 1


def test_the_manual_clock_only_moves_forward() -> None:
    clock = ManualClock()
    clock.advance(5)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    clock.reset()
    assert clock.now() == EPOCH


def test_a_negative_time_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="time_scale"):
        Sandbox(time_scale=-1)
