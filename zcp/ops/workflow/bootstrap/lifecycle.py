"""A bootstrap session's life outside its steps: resume, iterate, reset.

* :func:`resume` — this process takes over a session whose zcp process is gone.
* :func:`iterate` — the session goes back to discover with its plan kept, until the iteration cap.
* :func:`reset` — this process's workflow state is dropped: its bootstrap session and provisional
  metas, its work session, orphan metas; unreadable state files are moved aside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio.to_thread

from zcp.errors import IterationCapReached, SessionNotFound
from zcp.ops.workflow.bootstrap.session import register, require_session, take_over
from zcp.state.models import BootstrapSession, work_entry_id

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.ops.workflow.live import LiveProject

__all__ = ["ResetReport", "iterate", "reset", "resume"]


async def resume(app: App, session_id: str) -> BootstrapSession:
    """Take over a bootstrap session whose zcp process is gone."""
    store = app.state

    def run() -> BootstrapSession:
        session = store.session(session_id)
        if session is None:
            raise SessionNotFound(
                f"no bootstrap session {session_id}",
                suggestion='See the open sessions with zerops_workflow action="list".',
            )
        if session.pid != store.pid and store.alive(session.pid):
            raise SessionNotFound(
                f"bootstrap session {session_id} belongs to zcp process {session.pid}, which is still running",
                suggestion="Continue it from that process, or stop that process first.",
            )
        take_over(store, session)
        register(store, session)
        return session

    return await anyio.to_thread.run_sync(run)


async def iterate(app: App, live: LiveProject) -> BootstrapSession:
    """Send the session back to discover (its plan kept as context), up to the iteration cap.

    At the cap the bootstrap stops: :class:`IterationCapReached`, and this process's work session (if
    any) closes with reason ``iteration-cap``.
    """
    session = require_session(live)
    store = app.state
    cap = app.settings.max_iterations
    if session.iteration + 1 >= cap:
        from zcp.ops.workflow.develop import close_for_iteration_cap

        await anyio.to_thread.run_sync(close_for_iteration_cap, store)
        raise IterationCapReached(
            f"the bootstrap was retried {session.iteration + 1} times (cap {cap})",
            suggestion="Stop retrying: tell the user what was tried and what failed, and ask how to proceed. "
            'zerops_workflow action="reset" drops the session.',
        )
    state = session.bootstrap
    assert state is not None
    session.iteration += 1
    for i, step in enumerate(state.steps):
        step.status = "in_progress" if i == 0 else "pending"
        step.completed_at = None
    state.current_step = 0
    state.active = True
    session.updated_at = store.now_text()
    await anyio.to_thread.run_sync(store.write_session, session)
    return session


@dataclass(frozen=True)
class ResetReport:
    session_id: str | None
    incomplete_metas: tuple[str, ...]
    orphan_metas: tuple[str, ...]
    quarantined: tuple[str, ...]
    work_session_closed: bool
    kept_metas: tuple[str, ...]


async def reset(app: App, live_hosts: set[str] | None) -> ResetReport:
    """Drop this process's bootstrap session and its provisional metas, close its work session, prune
    orphan metas and move unreadable state files aside (nothing is deleted that cannot be rebuilt)."""
    store = app.state

    def run() -> ResetReport:
        quarantined = tuple(str(store.quarantine(p)) for p in store.unreadable_files())
        session_id = None
        incomplete: list[str] = []
        for entry in store.registry().sessions:
            if entry.pid == store.pid and entry.workflow == "bootstrap":
                session_id = entry.session_id
        if session_id is not None:
            for meta in store.list_metas():
                if not meta.complete and meta.bootstrap_session == session_id:
                    store.delete_meta(meta.hostname)
                    incomplete.append(meta.hostname)
            store.delete_session(session_id)
            store.unregister(session_id)
        closed = store.work_session() is not None
        if closed:
            store.delete_work_session()
        store.unregister(work_entry_id(store.pid))
        orphans = store.prune_orphan_metas(live_hosts) if live_hosts is not None else []
        kept = tuple(m.hostname for m in store.list_metas())
        return ResetReport(session_id, tuple(incomplete), tuple(orphans), quarantined, closed, kept)

    return await anyio.to_thread.run_sync(run)
