"""Build the MCP server: tools from the registry, document resources, instructions."""

from __future__ import annotations

import logging
import threading
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.types import Resource

from zcp import __version__
from zcp.app import App
from zcp.server.instructions import build_instructions
from zcp.tools import tool_factories

log = logging.getLogger(__name__)

RESOURCE_TEMPLATE = "zerops://{kind}/{name}"


class ZcpServer(MCPServer[Any]):
    """MCPServer that builds its tools and resource list on first use, not at start-up.

    ``initialize`` needs neither, so it is answered before any tool module (the platform client,
    pydantic wire models, schema generation for every tool) is imported or built; the first
    ``tools/list`` or ``tools/call`` pays for that once.
    """

    def __init__(self, app: App, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app
        self._tools_ready = False
        self._tools_lock = threading.Lock()

    def _ensure_tools(self) -> None:
        if self._tools_ready:
            return
        with self._tools_lock:
            if self._tools_ready:
                return
            from mcp.server.mcpserver.tools.tool_manager import ToolManager

            from zcp.tools.base import ZcpTool

            tools = [ZcpTool.create(factory(self.app), self.app) for factory in tool_factories()]
            # MCPServer only takes ready Tool objects at construction; swap in a manager holding ours.
            self._tool_manager = ToolManager(tools=list(tools))
            self._tools_ready = True

    async def list_tools(self) -> list[Any]:
        self._ensure_tools()
        return await super().list_tools()

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        self._ensure_tools()
        return await super().call_tool(name, arguments, context)

    def _tool_input_schema(self, name: str) -> dict[str, Any] | None:
        self._ensure_tools()
        return super()._tool_input_schema(name)

    async def list_resources(self) -> list[Resource]:
        import anyio.to_thread

        store = await anyio.to_thread.run_sync(self.app.knowledge)
        return [
            Resource(
                uri=doc.uri,
                name=doc.uri.removeprefix("zerops://"),
                title=doc.title,
                description=doc.description,
                mime_type="text/markdown",
            )
            for doc in store.corpus
        ]


def build_server(app: App) -> ZcpServer:
    """The MCP server for ``app`` (nothing is loaded until a tool or resource asks for it)."""
    server = ZcpServer(
        app,
        name="zcp",
        title="Zerops Control Plane",
        version=__version__,
        instructions=build_instructions(app),
    )

    @server.resource(
        RESOURCE_TEMPLATE,
        name="zerops-knowledge",
        title="Zerops knowledge document",
        description="A knowledge document or section (append #anchor) by its zerops:// URI.",
        mime_type="text/markdown",
    )
    async def read_document(kind: str, name: str) -> str:
        import anyio.to_thread

        from zcp.errors import ZcpError

        store = await anyio.to_thread.run_sync(app.knowledge)
        try:
            page = store.fetch(f"zerops://{kind}/{name}", 1)
        except ZcpError as error:
            raise ResourceNotFoundError(
                f"{error} ({error.suggestion})" if error.suggestion else str(error)
            ) from None
        if page.pages == 1:
            return str(page.markdown)
        parts = [page.markdown] + [store.fetch(page.uri, n).markdown for n in range(2, page.pages + 1)]
        return "".join(parts)

    return server
