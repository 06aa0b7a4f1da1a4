"""Start-up sequence of ``zcp serve``: settings, logging, platform connection, then the transport.

Order matters: settings are validated first (a malformed value fails before anything starts),
then credentials. With no token anywhere zcp runs knowledge-only; a token that is set but wrong
(expired, sees no project or several, unreachable API) fails start-up with a clear message rather
than half-working. The platform client is imported only when a token exists.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

import anyio

from zcp.app import App
from zcp.config import Settings, load_settings
from zcp.logs import configure_logging

if TYPE_CHECKING:
    from zcp.server.http import HttpOptions

log = logging.getLogger(__name__)


def serve(*, read_only: bool = False, http: HttpOptions | None = None) -> int:
    """Run the server until the client disconnects (STDIO) or zcp is interrupted (HTTP)."""
    settings = load_settings()
    if read_only:
        settings = settings.with_overrides(read_only=True)
    configure_logging(settings.log_level)
    if http is not None:
        from dataclasses import replace

        from zcp.server.http import validate_options

        http = replace(http, token=settings.http_token)
        validate_options(http)  # before connecting: a refused set-up should not cost an API round trip
    anyio.run(serve_async, settings, http)
    return 0


def _announce(url: str) -> None:
    # stderr: stdout stays free of anything but protocol bytes in every mode.
    print(f"zcp serving MCP over streamable HTTP at {url}", file=sys.stderr, flush=True)


async def serve_async(settings: Settings, http: HttpOptions | None = None) -> None:
    """Connect to the platform when credentials exist, then serve MCP over STDIO or HTTP."""
    from zcp.auth import connect

    async with connect(settings) as platform:
        app = App(settings, platform=platform)
        if settings.state_dir.exists():
            from zcp.ops.workflow.boot import claim_orphans

            claim_orphans(app.state)
        from zcp.server.app import build_server
        from zcp.server.listing_cache import ToolListingCache

        variant = {"container": settings.in_container, "read_only": settings.read_only, "platform": app.mode}
        server = build_server(app, listing_cache=ToolListingCache(settings.user_cache_dir / "tools", variant))
        if platform is not None:
            log.info("managing project %s (%s)", platform.project.name, platform.project.id)
        if http is None:
            log.info("zcp serving over stdio (%s mode)", app.mode)
            from zcp.server.transport import serve_stdio

            await serve_stdio(server)
            return
        from zcp.server.http import serve_http

        await serve_http(server, http, announce=_announce)
