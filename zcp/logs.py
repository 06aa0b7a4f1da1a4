"""Process-wide logging: everything goes to stderr (stdout belongs to the MCP protocol), secrets masked."""

from __future__ import annotations

import logging
import sys

from zcp.secrets import RedactingFilter

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str = "warning") -> None:
    """Send log records to stderr at ``level``, with registered secrets redacted."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_zcp", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._zcp = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
