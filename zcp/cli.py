"""The ``zcp`` command: parse arguments, call into the package, print, exit with a clear code.

Subcommands are registered by small ``cli`` modules next to the code they drive (listed in
:data:`COMMAND_MODULES`); those modules import nothing heavy at module level, so ``zcp serve``
starts fast. Exit codes: 0 success, 1 a zcp error (message and suggestion on stderr), 2 bad usage,
130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from zcp import __version__
from zcp.errors import ZcpError

#: Modules that each expose ``register(subparsers)``; order is the order of ``zcp --help``.
COMMAND_MODULES: tuple[str, ...] = (
    "zcp.server.cli",
    "zcp.knowledge.cli",
    "zcp.workflow.cli",
    "zcp.sandbox.cli",
    "zcp.sync.cli",
)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="zcp",
        description="Zerops Control Plane: an MCP server (and tools around it) for one Zerops project.",
    )
    parser.add_argument("--version", action="version", version=f"zcp {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def report_error(error: ZcpError) -> None:
    """Print a zcp error the way a terminal user expects: message, then what to do."""
    print(f"error: {error}", file=sys.stderr)
    if error.suggestion:
        print(f"hint: {error.suggestion}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``zcp`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        result: int = handler(args)
    except ZcpError as error:
        report_error(error)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `zcp knowledge x | head` closed the pipe: not an error worth a traceback.
        return EXIT_OK
    return result
