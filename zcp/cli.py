"""The ``zcp`` command: parse arguments, call into the package, print, exit with a clear code.

Subcommands are registered by small ``cli`` modules next to the code they drive (listed in
:data:`COMMANDS`). Only the module of the command being run is imported (all of them for
``--help`` or a usage error), so ``zcp serve`` starts without loading unrelated packages. Exit codes: 0 success, 1 a zcp error (message and suggestion on stderr), 2 bad usage,
130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from zcp import __version__
from zcp.errors import ZcpError

#: Command name → module exposing ``register(subparsers)``; order is the order of ``zcp --help``.
COMMANDS: dict[str, str] = {
    "serve": "zcp.server.cli",
    "init": "zcp.setup.cli",
    "doctor": "zcp.doctor.cli",
    "knowledge": "zcp.knowledge.cli",
    "index": "zcp.knowledge.cli",
    "corpus": "zcp.knowledge.cli",
    "preview": "zcp.workflow.cli",
    "sandbox": "zcp.sandbox.cli",
    "sync": "zcp.sync.cli",
    "schema": "zcp.schema.cli",
    "preprocess": "zcp.preprocess.cli",
}

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: just ``command``'s module when given and known, else every command."""
    parser = argparse.ArgumentParser(
        prog="zcp",
        description="Zerops Control Plane: an MCP server (and tools around it) for one Zerops project.",
    )
    parser.add_argument("--version", action="version", version=f"zcp {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [COMMANDS[command]] if command in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        importlib.import_module(name).register(subparsers)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def report_error(error: ZcpError) -> None:
    """Print a zcp error the way a terminal user expects: message, then what to do."""
    print(f"error: {error}", file=sys.stderr)
    if error.suggestion:
        print(f"hint: {error.suggestion}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``zcp`` console script."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_of(arguments))
    args = parser.parse_args(arguments)
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
