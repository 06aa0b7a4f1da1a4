"""Build the MCP server: tools from the registry, knowledge resources, prompts, completions.

:class:`ZcpServer` extends the SDK's :class:`~mcp.server.mcpserver.MCPServer` through its public
methods (``list_tools``, ``call_tool``, ``list_resource_templates``, ``read_resource``,
``add_prompt``, ``completion``). The three hooks ``MCPServer`` does not expose — a paginated
``resources/list``, ``logging/setLevel`` and the tool-schema lookup of the HTTP transport — are
registered on the low-level server through :mod:`zcp.server.sdk`, the only module that touches the
SDK's private surface.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.server.mcpserver.prompts.base import Prompt, PromptArgument
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    EmptyResult,
    ListResourcesResult,
    PaginatedRequestParams,
    ResourceTemplate,
    SetLevelRequestParams,
)
from mcp.types import Tool as MCPTool

from zcp import __version__
from zcp.app import App
from zcp.server import sdk
from zcp.server.completions import Completer
from zcp.server.instructions import build_instructions
from zcp.server.listing_cache import ToolListingCache
from zcp.server.prompts import PROMPTS, PromptSpec, render_prompt
from zcp.server.resources import InvalidCursor, read_document, resource_page, resource_template

log = logging.getLogger(__name__)

__all__ = ["ZcpServer", "build_server"]


class ZcpServer(MCPServer[Any]):
    """MCPServer that builds its tools on first use and serves the knowledge base as resources.

    ``initialize`` needs no tool, so it is answered before any tool module (the platform client,
    pydantic wire models, schema generation for every tool) is imported; the first ``tools/list``
    or ``tools/call`` pays for that once.
    """

    def __init__(self, app: App, *, listing_cache: ToolListingCache | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app
        self._listing_cache = listing_cache
        self._tools: dict[str, Any] | None = None
        #: Tools built one at a time for calls that came before the full set was needed.
        self._built: dict[str, Any] = {}
        self._cached_listing: list[MCPTool] | None = None
        self._tools_lock = threading.Lock()
        #: The level the client asked for with ``logging/setLevel`` (zcp logs to stderr, never to the client).
        self.client_log_level: str | None = None
        inner = sdk.lowlevel(self)
        inner.get_tool_input_schema = self._tool_schema
        inner.add_request_handler("resources/list", PaginatedRequestParams, self._list_resources_page)
        inner.add_request_handler("logging/setLevel", SetLevelRequestParams, self._set_logging_level)

    # --- tools -----------------------------------------------------------------------------------

    def tools(self) -> dict[str, Any]:
        """The registered :class:`~zcp.tools.base.ZcpTool` objects by name, built on first use."""
        if self._tools is None:
            with self._tools_lock:
                if self._tools is None:
                    from zcp.tools import TOOL_NAMES

                    self._tools = {name: self._build(name) for name in TOOL_NAMES}
        return self._tools

    def get_tool(self, name: str) -> Any | None:
        """One registered tool, building only that one when the full set is not built yet.

        A host that listed the tools from the disk cache pays on its first call for the tool it
        calls, not for all of them.
        """
        if self._tools is not None:
            return self._tools.get(name)
        built = self._built.get(name)
        if built is not None:
            return built  # no lock once a tool exists: every later call of it
        with self._tools_lock:
            return self._build(name)

    def _build(self, name: str) -> Any | None:
        # Called with the lock held.
        if name not in self._built:
            from zcp.tools import tool_factory
            from zcp.tools.base import ZcpTool

            factory = tool_factory(name)
            if factory is None:
                return None
            self._built[name] = ZcpTool.create(factory(self.app), self.app)
        return self._built[name]

    def _tool_schema(self, name: str) -> dict[str, Any] | None:
        tool = self.get_tool(name)
        return None if tool is None else dict(tool.parameters)

    async def list_tools(self) -> list[MCPTool]:
        # Every tools/call consults the listing (the call guard), so it is made once per process.
        if self._cached_listing is not None:
            return list(self._cached_listing)
        cache = self._listing_cache
        if cache is not None and self._tools is None:
            cached = cache.load()
            if cached is not None:
                self._cached_listing = cached  # the tools themselves are built as they are called
                return list(cached)
        listing = [
            MCPTool(
                name=tool.name,
                title=tool.title,
                description=tool.description,
                input_schema=tool.parameters,
                output_schema=tool.output_schema,
                annotations=tool.annotations,
                icons=tool.icons,
                _meta=tool.meta,
            )
            for tool in self.tools().values()
        ]
        if cache is not None:
            cache.store(listing)
            self._listing_cache = None  # stored once per process
        self._cached_listing = listing
        return list(listing)

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        tool = self.get_tool(name)
        if tool is None:
            from zcp.tools import TOOL_NAMES
            from zcp.tools.base import error_result
            from zcp.tools.dispatch import unknown_tool

            return error_result(unknown_tool(name, list(self._tools or TOOL_NAMES)))
        if context is None:
            from mcp.server.mcpserver import Context

            context = Context(mcp_server=self)
        return await tool.run(arguments, context, convert_result=True)

    # --- resources -------------------------------------------------------------------------------

    async def _store(self) -> Any:
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self.app.knowledge)

    async def _list_resources_page(self, ctx: Any, params: PaginatedRequestParams) -> ListResourcesResult:
        store = await self._store()
        try:
            page = resource_page(store, params.cursor)
        except InvalidCursor:
            raise MCPError(
                code=INVALID_PARAMS,
                message="invalid cursor: pass a nextCursor from an earlier resources/list answer",
            ) from None
        return ListResourcesResult(resources=page.resources, next_cursor=page.next_cursor)

    async def list_resources(self) -> list[Any]:
        """Every listed resource on one list (the wire answer is paginated)."""
        store = await self._store()
        cursor: str | None = None
        resources: list[Any] = []
        while True:
            page = resource_page(store, cursor)
            resources.extend(page.resources)
            if page.next_cursor is None:
                return resources
            cursor = page.next_cursor

    async def list_resource_templates(self) -> list[ResourceTemplate]:
        return [resource_template()]

    async def read_resource(self, uri: Any, context: Any = None) -> Iterable[ReadResourceContents]:
        text_uri = str(uri)
        if not text_uri.startswith("zerops://"):
            raise ResourceNotFoundError(f"Unknown resource: {text_uri} (zcp serves zerops:// URIs)")
        from zcp.errors import ZcpError

        store = await self._store()
        try:
            markdown = read_document(store, text_uri)
        except ZcpError as error:
            detail = f"{error} ({error.suggestion})" if error.suggestion else str(error)
            raise ResourceNotFoundError(detail) from None
        return [ReadResourceContents(content=markdown, mime_type="text/markdown")]

    # --- logging ---------------------------------------------------------------------------------

    async def _set_logging_level(self, ctx: Any, params: SetLevelRequestParams) -> EmptyResult:
        # zcp never sends log notifications (diagnostics go to stderr), so every level is honoured
        # trivially; the request is accepted so clients that always send it keep working.
        self.client_log_level = params.level
        log.debug("client asked for log level %s (zcp logs to stderr only)", params.level)
        return EmptyResult()


def _register_prompt(server: ZcpServer, spec: PromptSpec) -> None:
    allowed = {a.name for a in spec.arguments}

    async def render(**arguments: Any) -> str:
        unknown = sorted(set(arguments) - allowed)
        if unknown:
            raise ValueError(f"unknown argument(s) for prompt {spec.name}: {', '.join(unknown)}")
        return render_prompt(spec, {k: str(v) for k, v in arguments.items()})

    server.add_prompt(
        Prompt(
            name=spec.name,
            title=spec.title,
            description=spec.description,
            arguments=[
                PromptArgument(name=a.name, description=a.description, required=a.required)
                for a in spec.arguments
            ],
            fn=render,
        )
    )


def build_server(
    app: App, *, working_dir: Path | None = None, listing_cache: ToolListingCache | None = None
) -> ZcpServer:
    """The MCP server for ``app`` (nothing is loaded until a tool or resource asks for it).

    ``listing_cache`` lets ``tools/list`` be answered from disk (``zcp serve`` passes one).
    """
    server = ZcpServer(
        app,
        listing_cache=listing_cache,
        name="zcp",
        title="Zerops Control Plane",
        version=__version__,
        instructions=build_instructions(app, working_dir=working_dir),
    )
    for spec in PROMPTS:
        _register_prompt(server, spec)
    completer = Completer(app)
    server.completion()(completer.complete)  # type: ignore[no-untyped-call]  # the SDK decorator is untyped
    from zcp.tools.dispatch import guard_tool_calls

    guard_tool_calls(server)  # malformed tools/call requests get the error JSON on every transport
    return server
