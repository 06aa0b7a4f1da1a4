"""The bootstrap route menu: which ways to start a bootstrap fit this project and this request.

Pure: the live services, the service metas and the recipe catalogue are passed in. The ranking is
**resume > adopt > recipe (up to three good matches) > classic > recipe (matches missing a service
the user asked for)**. Every option says why it is offered.

Recipe fit compares the stack the user named with the recipe's: a wanted managed service of the
same family but a different kind (asked for MariaDB, the recipe has PostgreSQL) drops the recipe; a
wanted family the recipe lacks demotes it below classic (``incomplete``); families the recipe has and
the user never mentioned are reported as extras (``over-provisions``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from zcp.axes import RuntimeClass, runtime_class_for
from zcp.safe_yaml import YamlRefused, load_yaml

__all__ = [
    "MAX_RECIPE_OPTIONS",
    "MIN_RECIPE_SCORE",
    "KnownService",
    "RecipeCard",
    "RouteOption",
    "recipe_shape",
    "route_options",
    "score_recipe",
]

MAX_RECIPE_OPTIONS = 3
MIN_RECIPE_SCORE = 0.5

Fit = Literal["exact", "over-provisions", "incomplete", "mixed"]

#: Words users write for managed services → the family's canonical name.
_ALIASES = {
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "pgsql": "postgresql",
    "pg": "postgresql",
    "mysql": "mariadb",
    "mariadb": "mariadb",
    "valkey": "valkey",
    "redis": "valkey",
    "keydb": "keydb",
    "mongodb": "mongodb",
    "mongo": "mongodb",
    "meilisearch": "meilisearch",
    "meili": "meilisearch",
    "elasticsearch": "elasticsearch",
    "rabbitmq": "rabbitmq",
    "nats": "nats",
    "kafka": "kafka",
    "s3": "object-storage",
    "objectstorage": "object-storage",
    "object-storage": "object-storage",
    "clickhouse": "clickhouse",
    "qdrant": "qdrant",
    "typesense": "typesense",
}
#: Families that replace each other: wanting one and getting another is a contradiction.
_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"postgresql", "mariadb", "mongodb", "clickhouse"}),
    frozenset({"valkey", "keydb"}),
    frozenset({"meilisearch", "elasticsearch", "typesense", "qdrant"}),
    frozenset({"rabbitmq", "nats", "kafka"}),
    frozenset({"object-storage"}),
)
_SYNONYMS = {"node": "nodejs", "node.js": "nodejs", "golang": "go", "net": "dotnet", ".net": "dotnet"}
#: Words that name a language or runtime; a recipe on another one contradicts the request.
_RUNTIME_WORDS = frozenset(
    {
        "nodejs",
        "javascript",
        "typescript",
        "python",
        "php",
        "go",
        "java",
        "dotnet",
        "csharp",
        "rust",
        "ruby",
        "bun",
        "deno",
        "elixir",
        "gleam",
    }
)


@dataclass(frozen=True)
class KnownService:
    """A live service as the route menu sees it."""

    hostname: str
    type_version: str
    #: ``complete`` (a finished meta covers it), ``incomplete`` (left by an unfinished bootstrap) or ``none``.
    meta: Literal["complete", "incomplete", "none"] = "none"
    meta_session: str = ""


@dataclass(frozen=True)
class RecipeCard:
    """What the route menu needs of a recipe."""

    slug: str
    title: str
    description: str
    runtime: str
    tags: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    import_yaml: str | None = None


@dataclass(frozen=True)
class RouteOption:
    """One way to start the bootstrap."""

    route: Literal["resume", "adopt", "recipe", "classic"]
    why: str
    recipe_slug: str | None = None
    fit: Fit | None = None
    fit_extras: tuple[str, ...] = ()
    fit_missing: tuple[str, ...] = ()
    score: float | None = None
    collisions: tuple[str, ...] = ()
    adopt_services: tuple[str, ...] = ()
    resume_session: str | None = None
    resume_services: tuple[str, ...] = ()
    mode: str | None = None


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9.+#-]+", text.lower()) if t]


def _family(type_or_word: str) -> str | None:
    base = type_or_word.split("@", 1)[0].split(":", 1)[0].lower()
    return _ALIASES.get(base)


def _group(family: str) -> frozenset[str]:
    for group in _GROUPS:
        if family in group:
            return group
    return frozenset({family})


def score_recipe(intent: str, recipe: RecipeCard) -> float:
    """How well the recipe's name, framework or language matches the request (0 … 1)."""
    words = {_SYNONYMS.get(t, t) for t in _tokens(intent)}
    if recipe.slug in words:
        return 1.0
    if words & {f.lower() for f in recipe.frameworks}:
        return 0.95
    runtime = recipe.runtime.split("@", 1)[0]
    if runtime in words or words & {lang.lower() for lang in recipe.languages}:
        return 0.85
    if words & {t.lower() for t in recipe.tags}:
        return 0.6
    return 0.0


def _fit(intent: str, recipe: RecipeCard) -> tuple[bool, tuple[str, ...], tuple[str, ...]]:
    """``(contradicted, missing, extras)`` between the wanted and the recipe's stack.

    Asking for one language and getting a recipe on another is a contradiction too.
    """
    words = {_SYNONYMS.get(t, t) for t in _tokens(intent)}
    languages = words & _RUNTIME_WORDS
    offered = {recipe.runtime.split("@", 1)[0], *(lang.lower() for lang in recipe.languages)}
    if languages and not languages & offered:
        return True, (), ()
    wanted = {f for t in _tokens(intent) if (f := _family(t))}
    have = {f for s in recipe.services if (f := _family(s))}
    contradicted = any(w not in have and bool(_group(w) & have) for w in wanted)
    missing = tuple(sorted(w for w in wanted if not (_group(w) & have)))
    extras = tuple(sorted(h for h in have if not (_group(h) & wanted)))
    return contradicted, missing, extras


def _recipe_services(import_yaml: str | None) -> list[dict[str, Any]]:
    """The service entries of a recipe's import YAML (none when it does not load)."""
    try:
        data = load_yaml(import_yaml or "", what="the recipe's import YAML") or {}
    except YamlRefused:
        return []
    services = data.get("services") if isinstance(data, dict) else None
    return [entry for entry in services or [] if isinstance(entry, dict)]


def recipe_shape(import_yaml: str | None) -> tuple[str | None, list[tuple[str, str]]]:
    """The bootstrap mode a recipe's services imply and its runtime hostnames with their types.

    A ``<name>dev`` + ``<name>stage`` pair is ``standard``; one runtime alone is ``simple`` (or ``dev``
    when its hostname ends in ``dev``).
    """
    return _shape_of(_recipe_services(import_yaml))


def _shape_of(services: Sequence[dict[str, Any]]) -> tuple[str | None, list[tuple[str, str]]]:
    runtimes: list[tuple[str, str]] = []
    for entry in services:
        host, kind = str(entry.get("hostname", "")), str(entry.get("type", ""))
        if host and runtime_class_for(kind) not in (RuntimeClass.MANAGED, RuntimeClass.UNKNOWN):
            runtimes.append((host, kind))
    hosts = {h for h, _ in runtimes}
    if any(h.endswith("dev") and h.removesuffix("dev") + "stage" in hosts for h in hosts):
        return "standard", runtimes
    if len(runtimes) == 1:
        return ("dev" if runtimes[0][0].endswith("dev") else "simple"), runtimes
    return None, runtimes


@dataclass
class _Ranked:
    good: list[RouteOption] = field(default_factory=list)
    demoted: list[RouteOption] = field(default_factory=list)


def _recipes(intent: str, recipes: Sequence[RecipeCard], live: set[str]) -> _Ranked:
    ranked = _Ranked()
    if not intent.strip():
        return ranked
    scored = sorted(((score_recipe(intent, r), r) for r in recipes), key=lambda p: (-p[0], p[1].slug))
    for score, recipe in scored:
        if score < MIN_RECIPE_SCORE:
            continue
        contradicted, missing, extras = _fit(intent, recipe)
        if contradicted:
            continue
        fit: Fit = (
            "mixed"
            if missing and extras
            else "incomplete"
            if missing
            else ("over-provisions" if extras else "exact")
        )
        why = recipe.description or recipe.title
        if missing:
            why = f"lacks {', '.join(missing)} that you asked for — {why}"
        elif extras:
            why = f"also creates {', '.join(extras)} — {why}"
        entries = _recipe_services(recipe.import_yaml)  # parsed once for the mode and the collisions
        mode, _ = _shape_of(entries)
        hostnames = [str(e["hostname"]) for e in entries if e.get("hostname")]
        option = RouteOption(
            route="recipe",
            why=why,
            recipe_slug=recipe.slug,
            fit=fit,
            fit_missing=missing,
            fit_extras=extras,
            score=round(score, 2),
            collisions=tuple(sorted(h for h in hostnames if h in live)),
            mode=mode,
        )
        (ranked.demoted if missing else ranked.good).append(option)
    ranked.good = ranked.good[:MAX_RECIPE_OPTIONS]
    ranked.demoted = ranked.demoted[: max(0, MAX_RECIPE_OPTIONS - len(ranked.good))]
    return ranked


def route_options(
    intent: str, services: Sequence[KnownService], recipes: Sequence[RecipeCard]
) -> list[RouteOption]:
    """The ranked menu (zcp's own service and system services must already be left out)."""
    options: list[RouteOption] = []
    resumable = [s for s in services if s.meta == "incomplete" and s.meta_session]
    if resumable:
        session = sorted(s.meta_session for s in resumable)[0]
        hosts = tuple(sorted(s.hostname for s in resumable if s.meta_session == session))
        options.append(
            RouteOption(
                route="resume",
                why=f"a bootstrap of {', '.join(hosts)} stopped before it finished; resume continues it",
                resume_session=session,
                resume_services=hosts,
            )
        )
    adoptable = tuple(
        sorted(
            s.hostname
            for s in services
            if s.meta == "none"
            and runtime_class_for(s.type_version) not in (RuntimeClass.MANAGED, RuntimeClass.UNKNOWN)
        )
    )
    if adoptable:
        options.append(
            RouteOption(
                route="adopt",
                why=f"{', '.join(adoptable)} already run{'s' if len(adoptable) == 1 else ''} without zcp managing "
                "them; adopting records them as they are",
                adopt_services=adoptable,
            )
        )
    ranked = _recipes(intent, recipes, {s.hostname for s in services})
    options.extend(ranked.good)
    options.append(
        RouteOption(
            route="classic",
            why="plan the services yourself: one entry per runtime with its managed services",
        )
    )
    options.extend(ranked.demoted)
    return options
