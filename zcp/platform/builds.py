"""Build and deploy status, derived from a service's app versions.

A deploy (``zcli push``) creates an app version that walks ``UPLOADING → WAITING_TO_BUILD → BUILDING →
PREPARING_RUNTIME → WAITING_TO_DEPLOY → DEPLOYING → ACTIVE``. The newest version of the target service —
highest ``sequence``, ignoring the build-less placeholder a ``startWithoutCode`` import leaves — says how
the deploy is going. :func:`build_status` reads one version; :class:`BuildPoller` keeps reading until it
settles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from zcp.clock import SYSTEM_CLOCK, Clock
from zcp.platform import status as st
from zcp.platform.models import AppVersion
from zcp.platform.polling import TRANSIENT_ERRORS, PollProgress, PollSchedule, ProgressCallback

BuildState = Literal["pending", "in_progress", "deployed", "failed"]
FailurePhase = Literal["build", "prepare", "init", "other"]

#: Where a failed pipeline stopped, by its terminal status.
FAILURE_PHASES: Final[dict[str, FailurePhase]] = {
    "BUILD_FAILED": "build",
    "BUILD_VALIDATION_FAILED": "build",
    "PREPARING_RUNTIME_FAILED": "prepare",
    "DEPLOY_FAILED": "init",
}


@dataclass(frozen=True)
class BuildStatus:
    """Where one deploy stands."""

    state: BuildState
    app_version: AppVersion | None = None
    failure_phase: FailurePhase | None = None
    duration: float | None = None  # seconds from pipeline start to finish/failure

    @property
    def done(self) -> bool:
        return self.state in ("deployed", "failed")

    @property
    def build_log_tag(self) -> str | None:
        """The tag every build-container log line of this deploy carries."""
        return f"zbuilder@{self.app_version.id}" if self.app_version else None


def latest_build(
    versions: Sequence[AppVersion], service_id: str, *, after_sequence: int | None = None
) -> AppVersion | None:
    """The newest real deploy of ``service_id`` (newer than ``after_sequence`` when given)."""
    candidates = [
        version
        for version in versions
        if version.service_stack_id == service_id
        and not version.is_start_without_code
        and (after_sequence is None or version.sequence > after_sequence)
    ]
    return max(candidates, key=lambda version: version.sequence, default=None)


def build_status(version: AppVersion | None) -> BuildStatus:
    """Classify one app version: still going, deployed, or failed and in which phase."""
    if version is None:
        return BuildStatus(state="pending")
    build = version.build
    failed_at = build.pipeline_failed if build else None
    duration = _duration(version)
    if version.status == st.APP_VERSION_ACTIVE and not failed_at:
        return BuildStatus(state="deployed", app_version=version, duration=duration)
    if version.status in st.APP_VERSION_IN_PROGRESS and not failed_at:
        return BuildStatus(state="in_progress", app_version=version, duration=duration)
    phase = FAILURE_PHASES.get(version.status, "build" if failed_at else "other")
    return BuildStatus(state="failed", app_version=version, failure_phase=phase, duration=duration)


def _duration(version: AppVersion) -> float | None:
    build = version.build
    if build is None:
        return None
    start = st.parse_timestamp(build.pipeline_start)
    end = st.parse_timestamp(build.pipeline_finish or build.pipeline_failed)
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


@dataclass(frozen=True)
class BuildResult:
    status: BuildStatus
    timed_out: bool
    elapsed: float
    polls: int


class AppVersionReader(Protocol):
    async def search_app_versions(
        self, project_id: str, limit: int = 10, client_id: str | None = None
    ) -> list[AppVersion]: ...


class BuildPoller:
    """Polls app versions until the newest deploy of a service is deployed or failed."""

    def __init__(
        self,
        client: AppVersionReader,
        schedule: PollSchedule | None = None,
        *,
        clock: Clock = SYSTEM_CLOCK,
        search_limit: int = 10,
    ) -> None:
        self._client = client
        self.schedule = schedule or PollSchedule(interval=1.0, max_interval=5.0, timeout=900.0)
        self._clock = clock
        self._limit = search_limit

    async def wait(
        self,
        project_id: str,
        service_id: str,
        *,
        after_sequence: int | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> BuildResult:
        started = self._clock.monotonic()
        polls = 0
        errors = 0
        interval: float | None = None
        current = BuildStatus(state="pending")
        while True:
            try:
                versions = await self._client.search_app_versions(project_id, self._limit)
                current = build_status(latest_build(versions, service_id, after_sequence=after_sequence))
                errors = 0
            except TRANSIENT_ERRORS:
                errors += 1
                if errors >= self.schedule.max_consecutive_errors:
                    raise
            polls += 1
            elapsed = self._clock.monotonic() - started
            if current.done:
                return BuildResult(current, timed_out=False, elapsed=elapsed, polls=polls)
            if elapsed >= self.schedule.timeout:
                return BuildResult(current, timed_out=True, elapsed=elapsed, polls=polls)
            if on_progress is not None:
                version = current.app_version
                await on_progress(
                    PollProgress(
                        version.id if version else service_id,
                        "build",
                        version.status if version else "WAITING",
                        elapsed,
                        polls,
                    )
                )
            interval = self.schedule.next_interval(interval, elapsed)
            await self._clock.sleep(max(0.0, min(interval, self.schedule.timeout - elapsed)))
