"""What every bootstrap step shares: the session's steps, the guards, advancing, registering.

:func:`require_session` and :func:`step_guard` refuse a call that does not fit the open session (none
open, or another step current); :func:`advance` marks the current step done or skipped and moves on;
:func:`new_session` and :func:`register` create a session and put it in the registry under this
process's pid; :func:`take_over` makes a gone process's session this one's.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Literal

from zcp.errors import BootstrapNotActive, InvalidParameter
from zcp.state.models import BootstrapSession, BootstrapState, RegistryEntry, StepState
from zcp.workflow.actions import INTENT_FILL, STATUS_CALL
from zcp.workflow.bootstrap_plan import PlanTargetIn

if TYPE_CHECKING:
    from zcp.ops.workflow.live import LiveProject
    from zcp.state.store import StateStore

__all__ = [
    "STEPS",
    "advance",
    "current_step",
    "new_session",
    "plan_targets",
    "register",
    "require_session",
    "step_guard",
    "take_over",
]

STEPS: tuple[Literal["discover", "provision", "close"], ...] = ("discover", "provision", "close")


def current_step(session: BootstrapSession) -> str | None:
    state = session.bootstrap
    if state is None or not state.active or not 0 <= state.current_step < len(state.steps):
        return None
    return state.steps[state.current_step].name


def require_session(live: LiveProject) -> BootstrapSession:
    """This process's open bootstrap session, or ``BOOTSTRAP_NOT_ACTIVE``."""
    session = live.bootstrap
    if session is None or session.bootstrap is None:
        raise BootstrapNotActive(
            "no bootstrap session is open in this zcp process",
            suggestion=f'Start one: zerops_workflow action="start" workflow="bootstrap" intent="{INTENT_FILL}".',
            recovery=STATUS_CALL,
        )
    return session


def step_guard(session: BootstrapSession, step: str) -> None:
    """Refuse ``step`` unless it is a bootstrap step and the session's current one."""
    at = current_step(session)
    if step not in STEPS:
        raise InvalidParameter(
            f"{step!r} is not a bootstrap step",
            suggestion="Bootstrap steps are discover, provision and close.",
        )
    if at != step:
        raise BootstrapNotActive(
            f"the bootstrap is at step {at}, not {step}",
            suggestion=f'Complete the current step: zerops_workflow action="complete" step="{at}".',
            recovery=STATUS_CALL,
            details={"currentStep": at},
        )


def advance(
    session: BootstrapSession, now: str, *, attestation: str | None, skipped: str | None = None
) -> None:
    """Mark the current step complete (or skipped, with the reason) and start the next one."""
    state = session.bootstrap
    assert state is not None
    step = state.steps[state.current_step]
    step.status = "skipped" if skipped else "complete"
    step.attestation = attestation
    step.skip_reason = skipped
    step.completed_at = now
    state.current_step += 1
    if state.current_step < len(state.steps):
        state.steps[state.current_step].status = "in_progress"
    else:
        state.active = False
    session.updated_at = now


def plan_targets(session: BootstrapSession) -> list[PlanTargetIn]:
    """The stored plan's targets in the shape the plan validator takes (none before discover)."""
    state = session.bootstrap
    plan = state.plan if state else None
    return [PlanTargetIn.model_validate(t.to_file()) for t in (plan.targets if plan else [])]


def new_session(store: StateStore, live: LiveProject, intent: str, route: str) -> BootstrapSession:
    now = store.now_text()
    steps = [
        StepState(name=name, status="in_progress" if i == 0 else "pending") for i, name in enumerate(STEPS)
    ]
    return BootstrapSession(
        session_id=secrets.token_hex(8),
        pid=store.pid,
        project_id=live.project.id,
        intent=intent.strip(),
        created_at=now,
        updated_at=now,
        bootstrap=BootstrapState(steps=steps, route=None if route == "classic" else route),
    )


def take_over(store: StateStore, session: BootstrapSession) -> None:
    """Make ``session`` (of a process that is gone) this process's, marked resumed, and write it; the
    caller updates the registry."""
    session.pid = store.pid
    session.updated_at = store.now_text()
    if session.bootstrap is not None:
        session.bootstrap.resumed = True
    store.write_session(session)


def register(store: StateStore, session: BootstrapSession) -> None:
    """(Re-)register ``session`` under its pid; dead processes' entries are pruned on the way (a dead
    bootstrap's file stays, it is resumable; a dead work session's file goes)."""
    with store.registry_update() as registry:
        dropped = store.prune(registry)
        registry.sessions = [e for e in registry.sessions if e.session_id != session.session_id]
        registry.sessions.append(
            RegistryEntry(
                session_id=session.session_id,
                pid=session.pid,
                workflow="bootstrap",
                project_id=session.project_id,
                intent=session.intent,
                created_at=session.created_at,
                updated_at=session.updated_at,
            )
        )
    for entry in dropped:
        if entry.workflow == "bootstrap":
            continue  # its file stays: the session is resumable
        if entry.workflow == "work":
            store.delete_work_session(entry.pid)
