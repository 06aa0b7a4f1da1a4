"""``zcp serve``: the MCP server over STDIO (or, with ``--http``, streamable HTTP)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``serve`` to the ``zcp`` parser."""
    parser = subparsers.add_parser(
        "serve",
        help="run the MCP server over STDIO (or HTTP with --http)",
        description=(
            "Run the zcp MCP server over STDIO (stdout carries only protocol messages; logs go to stderr). "
            "With --http HOST:PORT it serves the same tools over streamable HTTP at /mcp instead, on "
            "loopback unless --allow-remote is given with ZCP_HTTP_TOKEN set."
        ),
    )
    parser.add_argument("--read-only", action="store_true", help="refuse every tool that changes the project")
    parser.add_argument(
        "--http",
        metavar="HOST:PORT",
        help="serve streamable HTTP at http://HOST:PORT/mcp (e.g. 127.0.0.1:8765; port 0 picks one)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="with --http: allow a non-loopback address (needs ZCP_HTTP_TOKEN, sent as a bearer token)",
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME[:PORT]",
        help="with --http --allow-remote: a Host header clients use to reach zcp (repeatable)",
    )
    parser.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from zcp.errors import InvalidUsage
    from zcp.server.run import serve

    if args.http is None:
        if args.allow_remote or args.allowed_host:
            raise InvalidUsage(
                "--allow-remote and --allowed-host only apply to --http",
                suggestion="Add --http HOST:PORT, or drop them for STDIO.",
            )
        return serve(read_only=args.read_only)
    from zcp.server.http import HttpOptions, parse_listen_address

    host, port = parse_listen_address(args.http)
    options = HttpOptions(
        host=host, port=port, allow_remote=args.allow_remote, allowed_hosts=tuple(args.allowed_host)
    )
    return serve(read_only=args.read_only, http=options)
