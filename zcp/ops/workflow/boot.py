"""What a new zcp process does with the state another, ended zcp process left behind.

An MCP host restarts its servers freely (a new conversation, a crash, a config reload), so a new
zcp process often finds the work of its predecessor. Once at start-up, without touching the network:

* temp files of killed writers are cleared;
* a single develop work session whose process is gone is taken over (its file renamed to this pid),
  so the task, its scope and its attempt history survive the restart;
* a single bootstrap session whose process is gone is taken over the same way (several are left for
  an explicit ``resume``);
* the registry drops entries of processes that are gone.

:func:`state_hint` then describes, in a line or two for the MCP ``instructions``, what this process
holds, so an agent resumes with ``zerops_workflow action="status"`` instead of starting over.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zcp.errors import ZcpError
from zcp.ops.workflow.live import current_session

if TYPE_CHECKING:
    from zcp.state.store import StateStore

__all__ = ["Claimed", "claim_orphans", "state_hint"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    work_from: int | None = None
    bootstrap: str | None = None


def claim_orphans(store: StateStore) -> Claimed:
    """Take over the state of ended zcp processes (see the module docstring); never raises."""
    if not store.root.exists():
        return Claimed()
    try:
        store.remove_stale_temps()
        work_from = _claim_work(store)
        bootstrap = _claim_bootstrap(store)
        with store.registry_update() as registry:
            store.prune(registry)
        return Claimed(work_from, bootstrap)
    except (ZcpError, OSError) as error:
        log.warning("could not take over earlier workflow state: %s", error)
        return Claimed()


def _claim_work(store: StateStore) -> int | None:
    if store.work_session() is not None:
        return None
    dead = [pid for pid in store.work_session_pids() if pid != store.pid and not store.alive(pid)]
    if len(dead) != 1:
        return None
    old = dead[0]
    session = store.work_session(old)
    if session is None:
        return None
    session.pid = store.pid
    store.write_work_session(session)
    store.delete_work_session(old)
    from zcp.state.models import work_entry_id

    with store.registry_update() as registry:
        for entry in registry.sessions:
            if entry.session_id == work_entry_id(old):
                entry.session_id, entry.pid = work_entry_id(store.pid), store.pid
    log.info("took over the develop session of ended zcp process %s", old)
    return old


def _claim_bootstrap(store: StateStore) -> str | None:
    registry = store.registry()
    if any(e.pid == store.pid and e.workflow == "bootstrap" for e in registry.sessions):
        return None
    dead = [e for e in registry.sessions if e.workflow == "bootstrap" and not store.alive(e.pid)]
    if len(dead) != 1:
        return None
    session = store.session(dead[0].session_id)
    if session is None:
        return None
    from zcp.ops.workflow.bootstrap.session import take_over  # start-up stays clear of the plan models

    take_over(store, session)
    with store.registry_update() as current:
        for entry in current.sessions:
            if entry.session_id == session.session_id:
                entry.pid, entry.updated_at = store.pid, session.updated_at
    log.info("took over bootstrap session %s of an ended zcp process", session.session_id)
    return session.session_id


def state_hint(store: StateStore) -> list[str]:
    """Lines for the MCP instructions naming this process's open sessions (empty when there are none).

    Plain sentences: :func:`zcp.server.instructions.build_instructions` puts the list marker in front.
    """
    lines = []
    try:
        work = store.work_session()
        session = current_session(store)
    except ZcpError as error:
        return [
            f'Workflow state could not be read ({error.code}); `zerops_workflow action="reset"` clears it.'
        ]
    if session is not None and session.bootstrap is not None:
        lines.append(
            f'A bootstrap is open (session {session.session_id}): continue with `zerops_workflow action="status"`.'
        )
    if work is not None and not work.closed:
        lines.append(
            f"A develop session is open for {work.intent!r} on {', '.join(work.services)}: "
            'call `zerops_workflow action="status"` before anything else.'
        )
    elif work is not None:
        lines.append(
            f"The develop session for {work.intent!r} closed itself ({work.close_reason}): "
            '`zerops_workflow action="status"` says what comes next.'
        )
    return lines
