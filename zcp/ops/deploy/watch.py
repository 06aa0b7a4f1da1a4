"""Run a push and watch the build it starts, through the API, within one call's bounded wait.

:func:`drive` starts the pusher in a task and, meanwhile, reads the target's app versions newer than
the ones that existed before the push (``after_sequence``): every poll becomes a progress message
(``BUILDING after 12s``). It stops as soon as one of these holds:

* the new version is terminal (``ACTIVE``, or a failed status): the outcome is the platform's, not
  the pusher's exit status (a self-deploy's SSH session is ended by the deploy itself, on the
  platform and in the sandbox). A pusher still running then (zcli waits for the pipeline on its own)
  is stopped: the build is over, its output is not needed;
* the pusher ended without handing the build over (a transport failure: nothing to wait for), or it
  said it did but no new version shows up (or it stays ``UPLOADING``) within a few polls;
* the wait budget passed after the build was handed over: ``timed_out`` — the build goes on, the
  answer says how to follow it. The budget does not cut the upload short (the pusher's own timeout
  bounds that).

Cancelling the call cancels the push task (an SSH command's channel is closed); a build the platform
already started keeps running.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import anyio

from zcp.errors import ZcpError
from zcp.platform.builds import BuildStatus, build_status, latest_build
from zcp.platform.polling import TRANSIENT_ERRORS

if TYPE_CHECKING:
    from zcp.clock import Clock
    from zcp.ops.deploy.pushers import Pusher, PushRun
    from zcp.platform.client import ZeropsClient
    from zcp.platform.polling import PollSchedule

log = logging.getLogger(__name__)

__all__ = ["Driven", "drive", "newest_sequence"]

#: Polls a finished push gets for its app version to appear (or leave UPLOADING) before it counts as failed.
SETTLE_POLLS: Final = 3
#: A progress message goes out when the build's status changes, and at least this often (seconds).
PROGRESS_EVERY: Final = 5.0
#: Consecutive failed reads of the app versions before the watch gives up.
MAX_READ_ERRORS: Final = 5

Notify = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class Driven:
    """How a push and its build ended, as far as this call saw."""

    build: BuildStatus
    push: PushRun | None  # None: stopped before it ended (the build outcome came first, or time ran out)
    push_error: ZcpError | None
    timed_out: bool
    elapsed: float

    @property
    def settled(self) -> bool:
        """The build reached an outcome (``build.state`` is ``deployed`` or ``failed``)."""
        return self.build.done


async def newest_sequence(client: ZeropsClient, service_id: str) -> int:
    """The sequence of the service's newest app version (0 when it has none)."""
    versions = await client.search_service_app_versions(service_id, limit=10)
    return max((v.sequence for v in versions), default=0)


async def drive(
    pusher: Pusher,
    *,
    client: ZeropsClient,
    service_id: str,
    after_sequence: int,
    schedule: PollSchedule,
    clock: Clock,
    budget: float,
    notify: Notify,
) -> Driven:
    """Push and watch (see the module docstring)."""
    started = clock.monotonic()
    outcome: dict[str, PushRun | ZcpError | None] = {"run": None, "error": None}
    done = anyio.Event()

    async def run_push() -> None:
        try:
            outcome["run"] = await pusher()
        except ZcpError as error:
            outcome["error"] = error
        finally:
            done.set()

    async def read() -> BuildStatus | None:
        versions = await client.search_service_app_versions(service_id, limit=10)
        return build_status(latest_build(versions, service_id, after_sequence=after_sequence))

    status = BuildStatus(state="pending")
    timed_out = False
    triggered_at: float | None = None
    settle = 0
    errors = 0
    interval: float | None = None
    last_said, last_at = "", 0.0
    async with anyio.create_task_group() as group:
        group.start_soon(run_push)
        while True:
            try:
                status = await read() or status
                errors = 0
            except TRANSIENT_ERRORS as error:
                errors += 1
                log.debug("reading app versions failed (%s), %d in a row", error.code, errors)
                if errors >= MAX_READ_ERRORS:
                    group.cancel_scope.cancel()
                    raise
            now = clock.monotonic()
            if status.done:
                break
            run = outcome["run"]
            if done.is_set():
                assert run is None or not isinstance(run, ZcpError)
                if outcome["error"] is not None or run is None or not run.triggered:
                    break
                if status.app_version is None or status.app_version.status == "UPLOADING":
                    settle += 1
                    if settle > SETTLE_POLLS:
                        break
            if triggered_at is None and (
                (status.app_version is not None and status.app_version.status != "UPLOADING")
                or (done.is_set() and run is not None and not isinstance(run, ZcpError) and run.triggered)
            ):
                triggered_at = now
            elapsed = now - started
            if triggered_at is not None and elapsed >= budget:
                timed_out = True
                break
            version = status.app_version
            said = version.status if version else "pushing"
            if said != last_said or elapsed - last_at >= PROGRESS_EVERY:
                await notify(f"{said} after {elapsed:.0f}s")
                last_said, last_at = said, elapsed
            interval = schedule.next_interval(interval, elapsed)
            if done.is_set():
                await clock.sleep(interval)
            else:
                with anyio.move_on_after(interval):  # wake early when the push ends
                    await done.wait()
        group.cancel_scope.cancel()
    final_run = outcome["run"]
    final_error = outcome["error"]
    return Driven(
        build=status,
        push=final_run if done.is_set() and not isinstance(final_run, ZcpError) else None,
        push_error=final_error if isinstance(final_error, ZcpError) else None,
        timed_out=timed_out,
        elapsed=clock.monotonic() - started,
    )
