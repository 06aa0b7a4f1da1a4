"""Build the MCP server: tools from the registry, document resources, instructions."""

from __future__ import annotations

import logging
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.types import Resource

from zcp import __version__
from zcp.app import App
from zcp.server.instructions import build_instructions
from zcp.tools import TOOL_FACTORIES
from zcp.tools.base import ZcpTool

log = logging.getLogger(__name__)

RESOURCE_TEMPLATE = "zerops://{kind}/{name}"


class ZcpServer(MCPServer[Any]):
    """MCPServer whose resource list is the knowledge corpus, produced on demand (not at start-up)."""

    def __init__(self, app: App, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app

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
    tools = [ZcpTool.create(factory(app), app) for factory in TOOL_FACTORIES]
    server = ZcpServer(
        app,
        name="zcp",
        title="Zerops Control Plane",
        version=__version__,
        instructions=build_instructions(app),
        tools=tools,
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
