"""The push-and-watch driver: the platform's build status decides, never the pusher's exit status alone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio
import pytest

from zcp.clock import ManualClock
from zcp.errors import SshError
from zcp.ops.deploy.pushers import PushRun
from zcp.ops.deploy.watch import SETTLE_POLLS, drive
from zcp.platform.models import AppVersion
from zcp.platform.polling import PollSchedule

pytestmark = pytest.mark.anyio
SERVICE = "svc"
FAST = PollSchedule(interval=0.001, max_interval=0.001, timeout=60)


def version(status: str, sequence: int = 2) -> AppVersion:
    return AppVersion(
        id=f"v{sequence}", service_stack_id=SERVICE, status=status, sequence=sequence, source="CLI"
    )


class Script:
    """Answers app-version searches from a list of states (the last one repeats)."""

    def __init__(self, *states: Sequence[AppVersion]) -> None:
        self.states = list(states)
        self.reads = 0

    async def search_service_app_versions(self, service_id: str, *, limit: int = 10) -> list[AppVersion]:
        self.reads += 1
        return list(self.states[min(self.reads - 1, len(self.states) - 1)])


class Pusher:
    via = "ssh"

    def __init__(self, run: PushRun | Exception, *, block: anyio.Event | None = None) -> None:
        self.run, self.block = run, block
        self.cancelled = False

    async def __call__(self) -> PushRun:
        try:
            if self.block is not None:
                await self.block.wait()
        except anyio.get_cancelled_exc_class():
            self.cancelled = True
            raise
        if isinstance(self.run, Exception):
            raise self.run
        return self.run


async def run(pusher: Pusher, client: Script, *, budget: float = 60.0) -> Any:
    messages: list[str] = []

    async def notify(message: str) -> None:
        messages.append(message)

    driven = await drive(
        pusher,  # type: ignore[arg-type]
        client=client,  # type: ignore[arg-type]
        service_id=SERVICE,
        after_sequence=1,
        schedule=FAST,
        clock=ManualClock(),
        budget=budget,
        notify=notify,
    )
    return driven, messages


async def test_a_session_ended_by_the_deploy_after_the_handover_is_judged_by_the_build() -> None:
    killed = PushRun("ssh", 143, "• Deploying service\n")
    driven, messages = await run(Pusher(killed), Script([version("BUILDING")], [version("ACTIVE")]))
    assert driven.settled and driven.build.state == "deployed"
    assert driven.push is not None and driven.push.exit_status == 143
    assert any("BUILDING" in m for m in messages)


async def test_a_push_still_running_when_the_build_is_over_is_stopped() -> None:
    pusher = Pusher(PushRun("ssh", 0), block=anyio.Event())
    driven, _ = await run(pusher, Script([], [version("BUILDING")], [version("BUILD_FAILED")]))
    assert driven.build.state == "failed" and driven.build.failure_phase == "build"
    assert driven.push is None and pusher.cancelled


async def test_a_push_that_fails_before_the_handover_is_a_transport_failure() -> None:
    driven, _ = await run(Pusher(PushRun("ssh", 1, "✗ not logged in")), Script([]))
    assert not driven.settled and not driven.timed_out
    assert driven.push is not None and driven.push.exit_status == 1


async def test_a_handover_whose_version_never_leaves_uploading_is_a_transport_failure() -> None:
    client = Script([version("UPLOADING")])
    driven, _ = await run(Pusher(PushRun("ssh", 1, "• Deploying service\n✗ refused")), client)
    assert not driven.settled and not driven.timed_out
    assert client.reads == SETTLE_POLLS + 2


async def test_a_build_that_outlasts_the_budget_times_out() -> None:
    pusher = Pusher(PushRun("ssh", 0), block=anyio.Event())
    driven, _ = await run(pusher, Script([version("BUILDING")]), budget=0)
    assert driven.timed_out and driven.build.app_version is not None
    assert pusher.cancelled  # the build goes on; zcli is not needed for it


async def test_not_reaching_the_source_is_reported_as_the_error() -> None:
    driven, _ = await run(Pusher(SshError("down", details={"reason": "unreachable"})), Script([]))
    assert isinstance(driven.push_error, SshError)
    assert not driven.settled
