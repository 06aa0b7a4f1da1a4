"""The discover step: validate the submitted plan against the live project and store it.

The plan is checked (:func:`zcp.workflow.bootstrap_plan.validate_plan`) against the platform's
catalogue of service types, the services that already exist, and the hostnames other live bootstrap
sessions have planned (their locks). On the recipe route it must also keep the recipe's hostnames
and mode, which the recipe's env references depend on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio.to_thread

from zcp.errors import InvalidParameter, ZcpError
from zcp.ops.workflow.bootstrap.session import advance, plan_targets, require_session, step_guard
from zcp.state.models import PlanTarget, RecipeMatch, ServicePlan
from zcp.workflow.bootstrap_plan import (
    PlanTargetIn,
    ValidatedPlan,
    plan_attestation,
    planned_hostnames,
    validate_plan,
)
from zcp.workflow.routes import recipe_shape

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.ops.workflow.live import LiveProject
    from zcp.state.store import StateStore

__all__ = ["complete_discover"]


async def _catalogue(app: App) -> frozenset[str] | None:
    platform = app.require_platform()
    try:
        types = await platform.client.list_service_stack_types()
    except ZcpError:
        return None
    from zcp.platform.status import is_system_category

    names = {
        v.name
        for t in types
        if not is_system_category(t.category)
        for v in t.service_stack_type_version_list
        if v.name and v.status.upper() in ("", "ACTIVE")
    }
    return frozenset(names) or None


def _locks(store: StateStore, own: str) -> dict[str, str]:
    held: dict[str, str] = {}
    for entry in store.registry().sessions:
        if entry.workflow != "bootstrap" or entry.session_id == own or not store.alive(entry.pid):
            continue
        try:
            other = store.session(entry.session_id)
        except ZcpError:
            continue
        if other is None:
            continue
        for host in planned_hostnames(plan_targets(other)):
            held[host] = f"bootstrap session {entry.session_id} (zcp process {entry.pid})"
    return held


async def complete_discover(app: App, live: LiveProject, plan: list[PlanTargetIn]) -> ValidatedPlan:
    """Validate and store the plan; the session moves on to provision."""
    session = require_session(live)
    step_guard(session, "discover")
    store = app.state
    catalogue = await _catalogue(app)
    locks = await anyio.to_thread.run_sync(_locks, store, session.session_id)
    validated = validate_plan(plan, catalogue=catalogue, live=live.live_types, locks=locks)
    state = session.bootstrap
    assert state is not None
    if state.route == "recipe" and state.recipe_match is not None:
        _check_recipe_plan(validated, state.recipe_match)
    now = store.now_text()
    state.plan = ServicePlan(
        targets=[PlanTarget.model_validate(t.model_dump(exclude_none=True)) for t in validated.targets],
        created_at=now,
    )
    advance(session, now, attestation=plan_attestation(validated))
    await anyio.to_thread.run_sync(store.write_session, session)
    return validated


def _check_recipe_plan(plan: ValidatedPlan, recipe: RecipeMatch) -> None:
    mode, runtimes = recipe_shape(recipe.import_yaml)
    names = {h for h, _ in runtimes}
    problems = []
    for target in plan.targets:
        rt = target.runtime
        if mode and rt.bootstrapMode != mode:
            problems.append(
                f"{rt.devHostname}: the {recipe.slug} recipe is {mode} mode, not {rt.bootstrapMode}"
            )
        for host in (rt.devHostname, rt.stageHostname):
            if host and host not in names:
                problems.append(
                    f"{host}: the {recipe.slug} recipe names its runtimes {', '.join(sorted(names))}"
                )
    if problems:
        raise InvalidParameter(
            "the plan does not fit the recipe: " + "; ".join(problems),
            suggestion="Keep the recipe's hostnames and mode (its env references use them), or start over "
            'with route="classic".',
        )
