"""Stack briefings: everything an agent needs to build on a runtime with a set of managed services.

A briefing is assembled from the corpus in a fixed order: the runtime's recipe (or base image
page), related framework recipes, one card per managed service from the services theme, the
wiring section when services are involved, and decision pages when they were pulled. It is pure:
the same inputs always give the same markdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zcp.axes import RuntimeClass, runtime_class_for
from zcp.errors import DocumentNotFound
from zcp.knowledge.corpus import Corpus
from zcp.knowledge.documents import Document, Kind, RecipeMeta
from zcp.knowledge.pages import section_with_children
from zcp.schema.managed_types import technology

SERVICES_THEME = "zerops://themes/services"
WIRING_ANCHORS = ("wiring", "wiring-services", "wiring-syntax")

#: Runtime type bases that share a recipe with another base.
_RUNTIME_ALIASES = {"php-nginx": "php", "php-apache": "php", "golang": "go", "node": "nodejs"}
#: Service type spellings that map onto a services-theme card.
_SERVICE_ALIASES = {
    "postgres": "postgresql",
    "redis": "valkey",
    "mysql": "mariadb",
    "objectstorage": "object-storage",
    "s3": "object-storage",
    "sharedstorage": "shared-storage",
}
#: Decision pages (pulled from the docs) worth pointing at for a service or runtime base.
_DECISIONS = {
    "postgresql": "choose-database",
    "mariadb": "choose-database",
    "clickhouse": "choose-database",
    "valkey": "choose-cache",
    "keydb": "choose-cache",
    "kafka": "choose-queue",
    "nats": "choose-queue",
    "rabbitmq": "choose-queue",
    "elasticsearch": "choose-search",
    "meilisearch": "choose-search",
    "qdrant": "choose-search",
    "typesense": "choose-search",
}


@dataclass(frozen=True)
class Briefing:
    """A briefing and where its parts came from."""

    markdown: str
    runtime: str | None
    services: tuple[str, ...]
    sources: tuple[str, ...]
    unknown: tuple[str, ...]


def type_base(type_version: str) -> str:
    """``nodejs@22`` → ``nodejs``; ``postgresql:ha@18`` → ``postgresql``."""
    return technology(type_version.strip().lower())


def _runtime_doc(corpus: Corpus, base: str) -> Document | None:
    slug = _RUNTIME_ALIASES.get(base, base)
    for uri in (f"zerops://recipes/{slug}", f"zerops://bases/{slug}"):
        doc = corpus.get(uri)
        if doc is not None:
            return doc
    for doc in corpus.of_kind(Kind.RECIPE):
        if isinstance(doc.meta, RecipeMeta) and doc.meta.runtime_base == slug:
            return doc
    return None


def _related_recipes(corpus: Corpus, base: str, main: Document | None) -> list[Document]:
    slug = _RUNTIME_ALIASES.get(base, base)
    return [
        d
        for d in corpus.of_kind(Kind.RECIPE)
        if isinstance(d.meta, RecipeMeta)
        and _RUNTIME_ALIASES.get(d.meta.runtime_base, d.meta.runtime_base) == slug
        and (main is None or d.uri != main.uri)
    ]


def split_runtime(runtime: str | None, services: Sequence[str]) -> tuple[str | None, list[str]]:
    """When no runtime is given, promote the first non-managed service type to be the runtime."""
    rest = [s for s in services if s.strip()]
    if runtime and runtime.strip():
        return runtime.strip(), rest
    for i, service in enumerate(rest):
        if runtime_class_for(service) not in (RuntimeClass.MANAGED, RuntimeClass.UNKNOWN):
            return service.strip(), rest[:i] + rest[i + 1 :]
    return None, rest


def build_briefing(
    corpus: Corpus, runtime: str | None, services: Sequence[str], mode: str | None = None
) -> Briefing:
    """Assemble the briefing; raises :class:`DocumentNotFound` only when nothing at all matched."""
    runtime, service_list = split_runtime(runtime, services)
    parts: list[str] = []
    sources: list[str] = []
    unknown: list[str] = []

    if runtime:
        base = type_base(runtime)
        main = _runtime_doc(corpus, base)
        header = f"# Briefing: {runtime}" + (f" with {', '.join(service_list)}" if service_list else "")
        parts.append(header + "\n")
        if mode:
            parts.append(f"Mode: {mode}\n")
        if main is None:
            unknown.append(runtime)
        else:
            sources.append(main.uri)
            parts.append(
                f"## Runtime: {main.title}\n\n_Source: {main.uri}_\n\n{_demote(_strip_h1(main.body))}"
            )
        related = _related_recipes(corpus, base, main)
        if related:
            lines = [
                f'- `{d.name}` — {d.description} (`zerops_knowledge recipe="{d.name}"`)' for d in related
            ]
            parts.append("## Related recipes\n\n" + "\n".join(lines) + "\n")
    elif service_list:
        parts.append(f"# Briefing: {', '.join(service_list)}\n")

    theme = corpus.get(SERVICES_THEME)
    if service_list:
        cards: list[str] = []
        for service in service_list:
            base = type_base(service)
            anchor = _SERVICE_ALIASES.get(base, base)
            block = section_with_children(theme, anchor) if theme is not None else []
            if not block or theme is None:
                unknown.append(service)
                continue
            sources.append(f"{theme.uri}#{anchor}")
            cards.append(_demote("".join(s.text for s in block)))
        if cards:
            parts.append("## Managed services\n\n" + "\n".join(cards))
        wiring = _wiring(theme)
        if wiring and cards:
            sources.append(wiring[0])
            parts.append(wiring[1])

    decisions = _decisions(corpus, runtime, service_list)
    if decisions:
        parts.append("## Decision pages\n\n" + "\n".join(decisions) + "\n")

    if unknown:
        known = sorted(
            {d.name for d in corpus.of_kind(Kind.RECIPE)} | {d.name for d in corpus.of_kind(Kind.BASE)}
        )
        cards_known = (
            [s.anchor for s in theme.sections if s.level == 2 and s.anchor not in WIRING_ANCHORS]
            if theme
            else []
        )
        parts.append(
            "## Not covered\n\n"
            + "\n".join(f"- `{u}`: no briefing material" for u in unknown)
            + f"\n\nRuntimes with guides: {', '.join(known)}.\nManaged services with cards: {', '.join(cards_known)}.\n"
        )
    if not sources:
        raise DocumentNotFound(
            f"nothing in the knowledge base covers {', '.join(filter(None, [runtime, *service_list])) or 'that'}",
            suggestion='Use type names like runtime="nodejs@22" services=["postgresql@16"], or search with query=.',
        )
    return Briefing(
        markdown="\n".join(p.rstrip("\n") + "\n" for p in parts),
        runtime=runtime,
        services=tuple(service_list),
        sources=tuple(dict.fromkeys(sources)),
        unknown=tuple(unknown),
    )


def _wiring(theme: Document | None) -> tuple[str, str] | None:
    if theme is None:
        return None
    for anchor in WIRING_ANCHORS:
        block = section_with_children(theme, anchor)
        if block:
            return f"{theme.uri}#{anchor}", "".join(s.text for s in block)
    return None


def _decisions(corpus: Corpus, runtime: str | None, services: Sequence[str]) -> list[str]:
    names: list[str] = []
    if runtime and type_base(runtime) in ("go", "python", "dotnet", "rust"):
        names.append("choose-runtime-base")
    for service in services:
        base = _SERVICE_ALIASES.get(type_base(service), type_base(service))
        if base in _DECISIONS:
            names.append(_DECISIONS[base])
    lines = []
    for name in dict.fromkeys(names):
        doc = corpus.get(f"zerops://decisions/{name}")
        if doc is not None:
            lines.append(f"- [{doc.title}]({doc.uri}) — {doc.description}")
    return lines


def _strip_h1(markdown: str) -> str:
    """Drop the document's own H1 title (the briefing supplies a heading for it)."""
    lines = markdown.lstrip("\n").splitlines(keepends=True)
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "".join(lines).lstrip("\n")


def _demote(markdown: str) -> str:
    """Push headings one level down so embedded documents nest under the briefing's sections."""
    out: list[str] = []
    in_fence = False
    for line in markdown.splitlines(keepends=True):
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence and stripped.startswith("#"):
            hashes = len(stripped) - len(stripped.lstrip("#"))
            if hashes <= 5 and stripped[hashes : hashes + 1] in (" ", "\n"):
                line = "#" + stripped
        out.append(line)
    return "".join(out)
