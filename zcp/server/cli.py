"""``zcp serve``: the MCP server over STDIO."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``serve`` to the ``zcp`` parser."""
    parser = subparsers.add_parser(
        "serve",
        help="run the MCP server over STDIO",
        description="Run the zcp MCP server over STDIO (stdout carries only protocol messages; logs go to stderr).",
    )
    parser.add_argument("--read-only", action="store_true", help="refuse every tool that changes the project")
    parser.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from zcp.server.run import serve

    return serve(read_only=args.read_only)
