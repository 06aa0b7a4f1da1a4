"""Recipe lookup by name, with forgiving matching and a mode note.

Resolution: exact name, then case-insensitive, then a unique prefix or substring match (names and
frameworks). Several candidates or none raise an error listing the closest recipe names, so the
agent's next call can be exact.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from zcp.axes import Mode
from zcp.errors import DocumentNotFound, InvalidParameter
from zcp.knowledge.corpus import Corpus
from zcp.knowledge.documents import Document, Kind, RecipeMeta

_MODE_NOTES: dict[str, str] = {
    Mode.DEV: "Mode dev: use the `setup: dev` block of the zerops.yaml below; the dev service deploys "
    "the whole source and you run the app yourself while iterating.",
    Mode.STANDARD: "Mode standard (dev + stage pair): the dev service uses the `setup: dev` block, the "
    "stage service the `setup: prod` block; deploy to dev while iterating, then promote to stage.",
    Mode.STAGE: "Mode stage: use the `setup: prod` block of the zerops.yaml below.",
    Mode.SIMPLE: "Mode simple: a single service runs the `setup: prod` block; it builds and starts the "
    "app on every deploy.",
    Mode.LOCAL_STAGE: "Mode local-stage: you develop on your machine and deploy to the stage service with "
    "the `setup: prod` block.",
    Mode.LOCAL_ONLY: "Mode local-only: you develop on your machine; use the recipe for the managed "
    "services and the env vars your app needs.",
}


@dataclass(frozen=True)
class RecipeAnswer:
    """A recipe rendered for an agent."""

    document: Document
    markdown: str
    mode: str | None


def recipe_names(corpus: Corpus) -> list[str]:
    """All recipe names, sorted."""
    return sorted(d.name for d in corpus.of_kind(Kind.RECIPE))


def find_recipe(corpus: Corpus, name: str) -> Document:
    """Resolve a recipe name; raises with the closest names when it is unknown or ambiguous."""
    recipes = corpus.of_kind(Kind.RECIPE)
    wanted = name.strip().lower()
    by_name = {d.name.lower(): d for d in recipes}
    if wanted in by_name:
        return by_name[wanted]
    prefix = [d for d in recipes if d.name.lower().startswith(wanted)] if wanted else []
    if len(prefix) == 1:
        return prefix[0]
    framework = [
        d
        for d in recipes
        if isinstance(d.meta, RecipeMeta) and wanted in (*d.meta.frameworks, d.meta.runtime_base)
    ]
    if len(framework) == 1:
        return framework[0]
    names = recipe_names(corpus)
    candidates = [d.name for d in prefix] or [d.name for d in framework]
    if len(candidates) > 1:
        raise InvalidParameter(
            f"recipe {name!r} is ambiguous: {', '.join(sorted(candidates))} match",
            suggestion=f'Ask for one by its full name, e.g. zerops_knowledge recipe="{sorted(candidates)[0]}".',
            details={"candidates": sorted(candidates)},
        )
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
    hint = f"Did you mean {', '.join(close)}? " if close else ""
    raise DocumentNotFound(
        f"no recipe named {name!r}",
        suggestion=f"{hint}Available recipes: {', '.join(names)}.",
        details={"closest": close, "available": names},
    )


def render_recipe(corpus: Corpus, name: str, mode: str | None = None) -> RecipeAnswer:
    """The recipe as markdown: an optional mode note, the guide, then its import YAML."""
    doc = find_recipe(corpus, name)
    parts: list[str] = []
    note = _MODE_NOTES.get(mode or "")
    if note:
        parts.append(f"> {note}\n")
    parts.append(doc.body.strip("\n") + "\n")
    if doc.companion and doc.companion.strip() not in doc.body:
        parts.append(f"## Import YAML\n\n```yaml\n{doc.companion.strip()}\n```\n")
    return RecipeAnswer(document=doc, markdown="\n".join(parts), mode=mode if note else None)
