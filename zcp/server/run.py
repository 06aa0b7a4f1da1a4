"""Start-up sequence of ``zcp serve``: settings, logging, platform connection, then STDIO."""

from __future__ import annotations

import logging

import anyio

from zcp.app import App
from zcp.config import load_settings
from zcp.logs import configure_logging

log = logging.getLogger(__name__)


def serve(*, read_only: bool = False) -> int:
    """Run the server until the client disconnects. Bad settings raise before anything starts."""
    settings = load_settings()
    if read_only:
        settings = settings.with_overrides(read_only=True)
    configure_logging(settings.log_level)
    app = App(settings)
    from zcp.server.app import build_server

    server = build_server(app)
    log.info("zcp serving over stdio (%s mode)", app.mode)
    anyio.run(server.run_stdio_async)
    return 0
