"""A note per deploy in flight, so a deploy whose zcp died (or stopped waiting) is never lost or faked.

Before a push starts, :func:`begin` writes ``<state dir>/deploys/<target>.json``: which service, the
newest app version before the push, when and by which process. Recording the attempt in the work
session removes it (:func:`finish`). Nothing is ever recorded as a success without the platform
saying so: when zcp is killed mid-deploy the note stays, and the next deploy of that target first
asks the platform what became of that push (:func:`resolve`) — a build that reached ``ACTIVE`` is
recorded as a successful deploy then, a failed one as a failure, one still running is reported and
left to ``record-deploy``. The same happens after a call that stopped waiting (``timedOut``).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from pydantic import BaseModel, ConfigDict, ValidationError

from zcp.platform.builds import build_status, latest_build
from zcp.state.fs import atomic_write_text

if TYPE_CHECKING:
    from zcp.app import App

log = logging.getLogger(__name__)

__all__ = ["InFlight", "PreviousDeploy", "begin", "claim", "finish", "forget", "release", "resolve"]

#: Targets this process is deploying right now (their notes are not "previous" deploys).
_ACTIVE: set[str] = set()
_ACTIVE_LOCK = threading.Lock()


class InFlight(BaseModel):
    """The note of one deploy in flight."""

    model_config = ConfigDict(populate_by_name=True)

    target: str
    target_id: str
    after_sequence: int
    started_at: str
    pid: int
    source: str | None = None
    setup: str | None = None
    via: str = ""


@dataclass(frozen=True)
class PreviousDeploy:
    """What became of a deploy that was in flight when its call ended early."""

    started_at: str
    status: str  # the build's status now, or "NO_BUILD"
    app_version_id: str | None
    recorded: bool
    note: str

    def wire(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "startedAt": self.started_at,
            "status": self.status,
            "recorded": self.recorded,
            "note": self.note,
        }
        if self.app_version_id:
            data["appVersionId"] = self.app_version_id
        return data


def _path(app: App, target: str) -> Path:
    return app.settings.state_dir / "deploys" / f"{target}.json"


def _read(path: Path) -> InFlight | None:
    try:
        return InFlight.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValidationError, ValueError) as error:
        log.warning("ignoring an unreadable deploy note %s: %s", path, error)
        path.unlink(missing_ok=True)
        return None


def claim(target: str) -> bool:
    """Mark ``target`` as being deployed by this process; False when it already is."""
    with _ACTIVE_LOCK:
        if target in _ACTIVE:
            return False
        _ACTIVE.add(target)
        return True


def release(target: str) -> None:
    with _ACTIVE_LOCK:
        _ACTIVE.discard(target)


async def begin(app: App, note: InFlight) -> None:
    """Write the note before the push starts."""
    path = _path(app, note.target)

    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, note.model_dump_json(indent=2), mode=0o600)

    await anyio.to_thread.run_sync(write)


async def finish(app: App, target: str) -> None:
    """Drop the note once the attempt is recorded."""
    await anyio.to_thread.run_sync(lambda: _path(app, target).unlink(missing_ok=True))


async def forget(app: App, target: str) -> None:
    """Drop a note that ``record-deploy`` settled, unless this process is deploying ``target`` now.

    Without this, the next deploy would find the note and record the same build a second time.
    """
    with _ACTIVE_LOCK:
        if target in _ACTIVE:
            return
    await finish(app, target)


async def resolve(app: App, target: str) -> PreviousDeploy | None:
    """Settle the note a previous deploy of ``target`` left, if any (see the module docstring)."""
    from zcp.ops.deploy.classify import classify_build
    from zcp.ops.workflow.develop import record_deploy_attempt

    note = await anyio.to_thread.run_sync(_read, _path(app, target))
    if note is None:
        return None
    client = app.require_platform().client
    versions = await client.search_service_app_versions(note.target_id, limit=20)
    status = build_status(latest_build(versions, note.target_id, after_sequence=note.after_sequence))
    version = status.app_version
    who = "this zcp" if note.pid == os.getpid() else f"zcp process {note.pid}"
    started = f"The deploy of {target} started at {note.started_at} by {who}"
    recorded = False
    if version is None:
        text = f"{started} never started a build; nothing was recorded."
    elif status.state == "deployed":
        state = await record_deploy_attempt(app, target, succeeded=True, setup=note.setup)
        recorded = state.recorded
        text = f"{started} ended ACTIVE (app version {version.id})" + (
            "; it is now recorded as deployed." if recorded else "."
        )
    elif status.state == "failed":
        failure = classify_build(version.status, None, [])
        state = await record_deploy_attempt(
            app,
            target,
            succeeded=False,
            setup=note.setup,
            error=f"{version.status}: {failure.likely_cause}",
            failure_class=failure.category.value,
        )
        recorded = state.recorded
        text = f"{started} ended {version.status} (app version {version.id})" + (
            "; it is now recorded as failed." if recorded else "."
        )
    else:
        text = (
            f"{started} is still {version.status} (app version {version.id}); it is not recorded: once it "
            f'is ACTIVE, zerops_workflow action="record-deploy" targetService="{target}" records it.'
        )
    await finish(app, target)
    return PreviousDeploy(
        started_at=note.started_at,
        status=version.status if version else "NO_BUILD",
        app_version_id=version.id if version else None,
        recorded=recorded,
        note=text,
    )
