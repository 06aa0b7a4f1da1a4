"""Starting a bootstrap: the route menu and opening a session on the chosen route.

:func:`route_menu` ranks the ways to start (classic, adopt, recipe, resume) from the intent, the
services zcp knows and the recipe cards, and writes nothing. :func:`start_bootstrap` opens a session
on one route; on the recipe route it stores the recipe (its import YAML and mode) for discover and
provision to follow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import anyio.to_thread

from zcp.errors import DocumentNotFound, InvalidParameter, WorkflowActive
from zcp.ops.workflow.bootstrap.session import new_session, register
from zcp.state.models import BootstrapSession, RecipeMatch
from zcp.workflow.actions import STATUS_CALL
from zcp.workflow.routes import KnownService, RecipeCard, RouteOption, recipe_shape, route_options

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.ops.workflow.live import LiveProject

__all__ = ["recipe_cards", "route_menu", "start_bootstrap"]


def recipe_cards(app: App) -> list[RecipeCard]:
    """The knowledge corpus's recipes, as the route ranking reads them."""
    from zcp.knowledge.documents import Kind, RecipeMeta

    cards = []
    for doc in app.knowledge().corpus.of_kind(Kind.RECIPE):
        meta = doc.meta
        if not isinstance(meta, RecipeMeta):
            continue
        cards.append(
            RecipeCard(
                slug=doc.name,
                title=meta.title,
                description=meta.description,
                runtime=meta.runtime,
                tags=tuple(meta.tags),
                languages=tuple(meta.languages),
                frameworks=tuple(meta.frameworks),
                services=tuple(meta.services),
                import_yaml=doc.companion,
            )
        )
    return cards


def _known(live: LiveProject) -> list[KnownService]:
    known = []
    for service in live.services or ():
        meta = live.meta(service.hostname)
        state: Literal["complete", "incomplete", "none"] = (
            "none" if meta is None else "complete" if meta.complete else "incomplete"
        )
        known.append(
            KnownService(
                service.hostname, service.type_version, state, meta.bootstrap_session if meta else ""
            )
        )
    return known


async def route_menu(app: App, live: LiveProject, intent: str) -> list[RouteOption]:
    """The ranked ways to start this bootstrap (nothing is written)."""
    cards = await anyio.to_thread.run_sync(recipe_cards, app)
    return route_options(intent, _known(live), cards)


async def _recipe_match(app: App, recipe_slug: str) -> RecipeMatch:
    from zcp.knowledge.recipes import find_recipe

    doc = await anyio.to_thread.run_sync(lambda: find_recipe(app.knowledge().corpus, recipe_slug))
    if not doc.companion:
        raise DocumentNotFound(f"recipe {doc.name} has no import YAML", suggestion="Pick another recipe.")
    mode, _ = recipe_shape(doc.companion)
    return RecipeMatch(
        slug=doc.name,
        title=doc.title,
        description=doc.description,
        import_yaml=doc.companion,
        mode=mode,
    )


async def start_bootstrap(
    app: App, live: LiveProject, intent: str, route: str, recipe_slug: str | None
) -> tuple[BootstrapSession, list[str]]:
    """Open a bootstrap session on ``route`` (classic, adopt or recipe); returns it and the orphan metas
    that were cleaned up."""
    if live.bootstrap is not None:
        raise WorkflowActive(
            f"a bootstrap session ({live.bootstrap.session_id}) is already open in this process",
            suggestion='Continue it (zerops_workflow action="status"), or drop it with action="reset".',
            recovery=STATUS_CALL,
        )
    if route == "recipe" and not recipe_slug:
        raise InvalidParameter(
            "route=recipe needs recipeSlug",
            suggestion="Take the recipeSlug from the route menu's recipe option.",
        )
    if route != "recipe" and recipe_slug:
        raise InvalidParameter(
            "recipeSlug is only for route=recipe", suggestion='Drop recipeSlug, or send route="recipe".'
        )
    match = await _recipe_match(app, recipe_slug) if recipe_slug else None
    store = app.state

    def run() -> tuple[BootstrapSession, list[str]]:
        cleaned = store.prune_orphan_metas(live.live_hostnames) if live.services is not None else []
        session = new_session(store, live, intent, route)
        assert session.bootstrap is not None
        session.bootstrap.recipe_match = match
        store.write_session(session)
        register(store, session)
        return session, cleaned

    return await anyio.to_thread.run_sync(run)
