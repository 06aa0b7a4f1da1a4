"""Argument completion (``completion/complete``) for the resource template and the prompts.

The resource template completes ``kind`` (the document kinds) and ``name`` (documents of the kind
already chosen, or of every kind). Prompt arguments complete from their source: service hostnames
of the connected project (runtime services only where a deploy target is meant), recipe names, or
the bootstrap modes. Without a platform connection hostnames complete to nothing. Values match by
prefix, case-insensitively, at most :data:`MAX_VALUES` of them; anything this server does not know
(another prompt, another template) completes to an empty list rather than an error.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from mcp.types import (
    Completion,
    CompletionArgument,
    CompletionContext,
    PromptReference,
    ResourceTemplateReference,
)

from zcp.server.prompts import find_prompt
from zcp.server.resources import RESOURCE_TEMPLATE

if TYPE_CHECKING:
    from zcp.app import App

log = logging.getLogger(__name__)

MAX_VALUES = 100
#: How long the project's hostnames are reused between completion requests (one per keystroke).
HOSTNAME_TTL_SECONDS = 10.0
MODES = ("standard", "dev", "simple")

EMPTY = Completion(values=[], total=0, has_more=False)


def matching(candidates: Sequence[str], prefix: str) -> Completion:
    """Candidates starting with ``prefix`` (case-insensitive), sorted, capped at :data:`MAX_VALUES`."""
    wanted = prefix.lower()
    found = sorted({c for c in candidates if c.lower().startswith(wanted)})
    return Completion(values=found[:MAX_VALUES], total=len(found), has_more=len(found) > MAX_VALUES)


class Completer:
    """Answers completion requests for one server (holds a short-lived hostname cache)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._hostnames: tuple[float, list[tuple[str, bool]]] | None = None

    async def complete(
        self,
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion:
        """The completion for one argument (never raises for unknown references)."""
        resolved = dict(context.arguments or {}) if context is not None else {}
        if isinstance(ref, ResourceTemplateReference):
            if ref.uri != RESOURCE_TEMPLATE:
                return EMPTY
            return await self._template(argument, resolved)
        spec = find_prompt(ref.name)
        if spec is None:
            return EMPTY
        arg = next((a for a in spec.arguments if a.name == argument.name), None)
        if arg is None or arg.completion is None:
            return EMPTY
        sources: dict[str, Callable[[], Awaitable[list[str]]]] = {
            "service": lambda: self._service_names(runtime_only=False),
            "runtime": lambda: self._service_names(runtime_only=True),
            "recipe": self._recipe_names,
            "mode": self._modes,
        }
        return matching(await sources[arg.completion](), argument.value)

    async def _template(self, argument: CompletionArgument, resolved: dict[str, str]) -> Completion:
        if argument.name == "kind":
            from zcp.knowledge.documents import Kind

            return matching([k.value for k in Kind], argument.value)
        if argument.name != "name":
            return EMPTY
        store = await self._store()
        kind = resolved.get("kind")
        documents = store.corpus.documents
        names = [d.name for d in documents if kind is None or d.kind.value == kind]
        return matching(names, argument.value)

    async def _store(self) -> Any:
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self.app.knowledge)

    async def _recipe_names(self) -> list[str]:
        from zcp.knowledge.documents import Kind

        store = await self._store()
        return [d.name for d in store.corpus.of_kind(Kind.RECIPE)]

    async def _modes(self) -> list[str]:
        return list(MODES)

    async def _service_names(self, *, runtime_only: bool) -> list[str]:
        platform = self.app.platform
        if platform is None:
            return []
        now = self.app.clock.monotonic()
        if self._hostnames is None or now - self._hostnames[0] > HOSTNAME_TTL_SECONDS:
            from zcp.errors import ZcpError
            from zcp.ops.targets import project_services

            try:
                services = await project_services(platform)
            except ZcpError as error:
                # A completion is a convenience: an API hiccup completes to nothing, it does not fail.
                log.info("hostname completion skipped: %s %s", error.code, error)
                return []
            from zcp.platform.status import CATEGORY_RUNTIME

            runtime = [(s.hostname, s.category.upper() == CATEGORY_RUNTIME) for s in services]
            self._hostnames = (now, runtime)
        return [name for name, is_runtime in self._hostnames[1] if is_runtime or not runtime_only]
