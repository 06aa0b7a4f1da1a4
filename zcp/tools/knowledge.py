"""``zerops_knowledge``: search the knowledge base, or get a briefing, the platform reference,
a recipe or a document. Exactly one mode per call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import anyio.to_thread
from pydantic import BaseModel, Field

from zcp.axes import AXES_BY_KEY, Mode
from zcp.errors import InvalidParameter
from zcp.tools.base import ToolDefinition, ToolOutput

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.knowledge.documents import Provenance
    from zcp.knowledge.search import SearchResults

NAME = "zerops_knowledge"
#: Mirrors zcp.knowledge.search.MAX_LIMIT (not imported: whoosh loads lazily, on first use).
MAX_LIMIT = 50

DESCRIPTION = (
    "Zerops platform knowledge, one mode per call: query (search; filters limit, kinds, stacks, axes), "
    'runtime and/or services (stack briefing, e.g. runtime="nodejs@22" services=["postgresql@16"]), '
    'scope="infrastructure" (platform reference), recipe (starter with its import YAML) or uri (a '
    "document or #section, paged). Hits point at the best section; read it with uri."
)

_MODE_ORDER = ("uri", "recipe", "scope", "runtime/services", "query")
_EXAMPLES = (
    'query="postgres connection string"',
    'runtime="nodejs@22" services=["postgresql@16"]',
    'scope="infrastructure"',
    'recipe="nodejs"',
    'uri="zerops://themes/services#postgresql"',
)


class UpstreamOut(BaseModel):
    repo: str
    path: str
    commit: str
    synced_at: str = Field(alias="syncedAt")


class ProvenanceOut(BaseModel):
    """Where a document lives (corpus path) and, for pulled docs, where it came from."""

    path: str
    upstream: UpstreamOut | None = None

    @classmethod
    def of(cls, provenance: Provenance) -> ProvenanceOut:
        up = provenance.upstream
        upstream = (
            UpstreamOut(repo=up.repo, path=up.path, commit=up.commit, syncedAt=up.synced_at)
            if up is not None
            else None
        )
        return cls(path=provenance.path, upstream=upstream)


class HitOut(BaseModel):
    uri: str
    title: str
    section: str | None = None
    kind: str
    score: float
    snippet: str
    provenance: ProvenanceOut


class KnowledgeResult(ToolOutput):
    """The result of any zerops_knowledge mode; fields not used by the mode are omitted."""

    mode: Literal["query", "briefing", "scope", "recipe", "uri"]
    query: str | None = None
    total: int | None = None
    hits: list[HitOut] | None = None
    suggestions: list[str] | None = None
    uri: str | None = None
    title: str | None = None
    markdown: str | None = None
    page: int | None = None
    pages: int | None = None
    next_page: int | None = Field(default=None, alias="nextPage")
    sources: list[str] | None = None
    unknown: list[str] | None = None
    provenance: ProvenanceOut | None = None

    def to_text(self) -> str:
        if self.mode == "query":
            return _render_hits(self)
        text = (self.markdown or "").rstrip("\n") + "\n"
        if self.pages and self.pages > 1:
            text += f"\n_Page {self.page} of {self.pages}."
            if self.next_page:
                target = f'uri="{self.uri}"' if self.mode == "uri" else 'scope="infrastructure"'
                text += f" Next: zerops_knowledge {target} page={self.next_page}"
            text += "_\n"
        return text


def _render_hits(result: KnowledgeResult) -> str:
    hits = result.hits or []
    if not hits:
        lines = [f'No results for "{result.query}".']
        if result.suggestions:
            lines.append("Try: " + "; ".join(f'query="{s}"' for s in result.suggestions))
        return "\n".join(lines) + "\n"
    lines = [f'{len(hits)} of {result.total} matching documents for "{result.query}":', ""]
    for n, hit in enumerate(hits, 1):
        where = f"{hit.title} › {hit.section}" if hit.section and hit.section != hit.title else hit.title
        lines.append(f"{n}. {where} — {hit.uri} ({hit.kind}, score {hit.score:g})")
        lines.append(f"   {hit.snippet}")
        up = hit.provenance.upstream
        if up is not None:
            lines.append(f"   source: {up.repo}/{up.path} @ {up.commit[:10]}, synced {up.synced_at}")
    lines.append("")
    lines.append('Read a hit in full with zerops_knowledge uri="<uri>".')
    return "\n".join(lines) + "\n"


def _selected_modes(
    query: str | None,
    runtime: str | None,
    services: list[str] | None,
    scope: str | None,
    recipe: str | None,
    uri: str | None,
) -> list[str]:
    present = {
        "uri": uri is not None,
        "recipe": recipe is not None,
        "scope": scope is not None,
        "runtime/services": runtime is not None or bool(services),
        "query": query is not None,
    }
    return [m for m in _MODE_ORDER if present[m]]


def _search_result(results: SearchResults) -> KnowledgeResult:
    return KnowledgeResult(
        mode="query",
        query=results.query,
        total=results.total,
        hits=[
            HitOut(
                uri=h.uri,
                title=h.title,
                section=h.section,
                kind=h.kind.value,
                score=h.score,
                snippet=h.snippet,
                provenance=ProvenanceOut.of(h.provenance),
            )
            for h in results.hits
        ],
        suggestions=list(results.suggestions) or None,
    )


def knowledge_tool(app: App) -> ToolDefinition:
    """Build the zerops_knowledge tool bound to ``app``."""

    async def zerops_knowledge(
        query: Annotated[
            str | None, Field(description="free-text search, e.g. 'postgres connection string'")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="query: number of documents")] = 5,
        kinds: Annotated[
            list[Literal["themes", "bases", "recipes", "guides", "decisions", "atoms"]] | None,
            Field(description="query: only these document kinds"),
        ] = None,
        stacks: Annotated[
            list[str] | None, Field(description="query: only docs about these types, e.g. ['postgresql']")
        ] = None,
        axes: Annotated[
            dict[str, list[str]] | None,
            Field(description="query: guidance axes, e.g. {'modes': ['standard']}"),
        ] = None,
        runtime: Annotated[str | None, Field(description="briefing: runtime type, e.g. 'nodejs@22'")] = None,
        services: Annotated[list[str] | None, Field(description="briefing: managed service types")] = None,
        scope: Annotated[
            Literal["infrastructure"] | None, Field(description="the full platform reference")
        ] = None,
        recipe: Annotated[str | None, Field(description="recipe name, e.g. 'nodejs', 'laravel'")] = None,
        uri: Annotated[
            str | None,
            Field(description="document or section URI, e.g. 'zerops://themes/services#postgresql'"),
        ] = None,
        page: Annotated[int, Field(ge=1, description="uri/scope: page of a long document")] = 1,
        mode: Annotated[
            Mode | None, Field(description="recipe/briefing: service mode to tailor the advice to")
        ] = None,
    ) -> KnowledgeResult:
        modes = _selected_modes(query, runtime, services, scope, recipe, uri)
        if not modes:
            raise InvalidParameter(
                "no mode selected: zerops_knowledge needs exactly one of uri, recipe, scope, runtime/services, query",
                suggestion="Call it with one of: " + " | ".join(_EXAMPLES) + ".",
            )
        if len(modes) > 1:
            raise InvalidParameter(
                f"several modes selected ({' + '.join(modes)}): pick exactly one",
                suggestion="Split this into separate calls, one per mode: " + " | ".join(_EXAMPLES) + ".",
                details={"modes": modes},
            )
        selected = modes[0]
        if selected == "query" and (query is None or not query.strip()):
            raise InvalidParameter(
                "query is empty", suggestion='Search for words, e.g. query="zerops.yaml healthCheck".'
            )
        if selected != "query" and (kinds or stacks or axes or limit != 5):
            raise InvalidParameter(
                "limit, kinds, stacks and axes only apply to query",
                suggestion="Drop them, or search with query=... instead.",
            )
        store = await anyio.to_thread.run_sync(app.knowledge)
        mode_value = mode.value if mode is not None else None

        if selected == "query":
            from zcp.knowledge.search import filters_from

            assert query is not None
            try:
                filters = filters_from(kinds=kinds, axes=axes, stacks=stacks)
            except ValueError as exc:
                raise InvalidParameter(
                    f"bad filter: {exc}",
                    suggestion="Valid axes: " + ", ".join(sorted(AXES_BY_KEY)) + ".",
                ) from None
            return _search_result(store.search(query, limit=limit, filters=filters))
        if selected == "uri":
            assert uri is not None
            fetched = store.fetch(uri.strip(), page)
            return KnowledgeResult(
                mode="uri",
                uri=fetched.uri,
                title=fetched.document.title,
                markdown=fetched.markdown,
                page=fetched.page,
                pages=fetched.pages,
                nextPage=fetched.next_page,
                provenance=ProvenanceOut.of(fetched.document.provenance),
            )
        if selected == "recipe":
            assert recipe is not None
            answer = store.recipe(recipe, mode_value)
            return KnowledgeResult(
                mode="recipe",
                uri=answer.document.uri,
                title=answer.document.title,
                markdown=answer.markdown,
                provenance=ProvenanceOut.of(answer.document.provenance),
            )
        if selected == "scope":
            reference, sources = store.infrastructure(page)
            return KnowledgeResult(
                mode="scope",
                uri=reference.uri,
                title="Zerops platform reference",
                markdown=reference.markdown,
                page=reference.page,
                pages=reference.pages,
                nextPage=reference.next_page,
                sources=list(sources),
            )
        briefing = store.briefing(runtime, services or [], mode_value)
        return KnowledgeResult(
            mode="briefing",
            title="Stack briefing",
            markdown=briefing.markdown,
            sources=list(briefing.sources),
            unknown=list(briefing.unknown) or None,
        )

    return ToolDefinition(
        name=NAME,
        title="Zerops knowledge",
        description=DESCRIPTION,
        fn=zerops_knowledge,
        read_only=True,
        destructive=False,
        idempotent=True,
        open_world=False,
    )
