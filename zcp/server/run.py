"""Start-up sequence of ``zcp serve``: settings, logging, platform connection, then STDIO.

Order matters: settings are validated first (a malformed value fails before anything starts),
then credentials. With no token anywhere zcp runs knowledge-only; a token that is set but wrong
(expired, sees no project or several, unreachable API) fails start-up with a clear message rather
than half-working. The platform client is imported only when a token exists.
"""

from __future__ import annotations

import logging

import anyio

from zcp.app import App
from zcp.config import Settings, load_settings
from zcp.logs import configure_logging

log = logging.getLogger(__name__)


def serve(*, read_only: bool = False) -> int:
    """Run the server until the client disconnects. Bad settings or credentials raise first."""
    settings = load_settings()
    if read_only:
        settings = settings.with_overrides(read_only=True)
    configure_logging(settings.log_level)
    anyio.run(serve_async, settings)
    return 0


async def serve_async(settings: Settings) -> None:
    """Connect to the platform when credentials exist, then serve MCP over STDIO."""
    from zcp.auth import connect

    async with connect(settings) as platform:
        app = App(settings, platform=platform)
        from zcp.server.app import build_server

        server = build_server(app)
        if platform is not None:
            log.info("managing project %s (%s)", platform.project.name, platform.project.id)
        log.info("zcp serving over stdio (%s mode)", app.mode)
        from zcp.server.transport import serve_stdio

        await serve_stdio(server)
