"""The close step and the service metas a bootstrap writes.

:func:`meta_for_target` is the one place a plan target becomes a :class:`ServiceMeta`: provisional
after provision, complete (with ``bootstrappedAt``) at close. A runtime that already had a complete
meta keeps what was configured and deployed; only its mode and stage half follow the plan.
:func:`finish` writes the complete metas and ends the session — from ``complete step="close"``, from
``skip step="close"`` of a plan that created nothing, and from provision of a pure adoption.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio.to_thread

from zcp.errors import InvalidParameter
from zcp.ops.workflow.bootstrap.session import (
    advance,
    current_step,
    plan_targets,
    require_session,
    step_guard,
)
from zcp.state.models import BootstrapSession, MetaMode, ServiceMeta, format_time
from zcp.workflow.bootstrap_plan import PlanTargetIn

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.ops.workflow.live import LiveProject
    from zcp.state.store import StateStore

__all__ = ["complete_close", "finish", "meta_for_target", "skip_step"]


def _meta_mode(environment: str, bootstrap_mode: str) -> MetaMode:
    if environment == "local" and bootstrap_mode == "simple":
        return "local-stage"
    return "standard" if bootstrap_mode == "standard" else "dev" if bootstrap_mode == "dev" else "simple"


def meta_for_target(
    store: StateStore, session: BootstrapSession, target: PlanTargetIn, environment: str, complete: bool
) -> ServiceMeta:
    rt = target.runtime
    existing = store.meta(rt.devHostname)
    mode = _meta_mode(environment, rt.bootstrapMode)
    if existing is not None and existing.complete:
        # Mode expansion or re-adoption: keep what was configured and deployed.
        existing.mode = mode
        existing.stage_hostname = rt.stageHostname
        return existing
    meta = ServiceMeta(
        hostname=rt.devHostname,
        mode=mode,
        stage_hostname=rt.stageHostname,
        close_deploy_mode="unset",
        git_push_state="unconfigured",
        build_integration="none",
        bootstrap_session="" if rt.isExisting else session.session_id,
    )
    if complete:
        meta.bootstrapped_at = format_time(store.clock.now())[:10]
    return meta


def finish(
    store: StateStore, session: BootstrapSession, live: LiveProject, *, skipped: str | None = None
) -> None:
    """Complete (or skip) close, write the complete metas, delete and unregister the session."""
    now = store.now_text()
    if current_step(session) == "close":
        advance(session, now, attestation=None if skipped else "services recorded", skipped=skipped)
    for target in plan_targets(session):
        meta = meta_for_target(store, session, target, live.environment.value, complete=True)
        if not meta.bootstrapped_at:
            meta.bootstrapped_at = format_time(store.clock.now())[:10]
        store.write_meta(meta)
    store.delete_session(session.session_id)
    store.unregister(session.session_id)


async def complete_close(app: App, live: LiveProject) -> BootstrapSession:
    """Write the complete metas and end the session."""
    session = require_session(live)
    step_guard(session, "close")
    await anyio.to_thread.run_sync(lambda: finish(app.state, session, live))
    return session


async def skip_step(app: App, live: LiveProject, step: str, reason: str | None) -> BootstrapSession:
    """Skip ``close`` of a plan that creates nothing; discover and provision cannot be skipped."""
    session = require_session(live)
    step_guard(session, step)
    state = session.bootstrap
    assert state is not None
    if step != "close":
        raise InvalidParameter(
            f"the {step} step cannot be skipped",
            suggestion=f'Complete it: zerops_workflow action="complete" step="{step}".',
        )
    if state.plan is not None and state.plan.targets and not state.plan.all_existing:
        raise InvalidParameter(
            "close records the services this bootstrap created; it is skipped only when nothing was created",
            suggestion='Complete it: zerops_workflow action="complete" step="close".',
        )
    await anyio.to_thread.run_sync(
        lambda: finish(app.state, session, live, skipped=reason or "skipped by user")
    )
    return session
