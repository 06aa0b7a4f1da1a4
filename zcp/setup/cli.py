"""``zcp init``: write AGENTS.md, CLAUDE.md, .mcp.json and Claude Code's permissions for zcp."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

EXIT_OK = 0


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``init`` to the ``zcp`` parser."""
    parser = subparsers.add_parser(
        "init",
        help="write the agent's instructions and the MCP client config into this folder",
        description=(
            "Write AGENTS.md (the agent's standing instructions), a CLAUDE.md that points at it, .mcp.json "
            "(zcp as a STDIO server) and .claude/settings.local.json (zcp's tools allowed). Only zcp's part "
            "of each file is written; run it again to update that part."
        ),
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--local",
        dest="environment",
        action="store_const",
        const="local",
        help="instructions for a developer machine",
    )
    where.add_argument(
        "--container",
        dest="environment",
        action="store_const",
        const="container",
        help="instructions for zcp running inside the Zerops project",
    )
    parser.add_argument(
        "--allow-destructive",
        action="store_true",
        help="also pre-approve the tools that can destroy data (zerops_delete, zerops_import, zerops_env)",
    )
    parser.add_argument(
        "--dir", type=Path, default=None, help="the project folder (default: the current one)"
    )
    parser.set_defaults(handler=_init)


def _init(args: argparse.Namespace) -> int:
    from zcp.config import load_settings
    from zcp.setup.agents import Environment
    from zcp.setup.init import InitPlan, describe, registered_tool_names, run_init, serve_command

    settings = load_settings()
    environment: Environment = args.environment or ("container" if settings.in_container else "local")
    folder = (args.dir or Path.cwd()).resolve()
    command, command_args = serve_command()
    plan = InitPlan(
        working_dir=folder,
        environment=environment,
        tool_names=registered_tool_names(include_destructive=args.allow_destructive),
        command=command,
        args=command_args,
        hostname=settings.self_hostname,
    )
    results = run_init(plan)
    print(f"zcp init ({environment}) in {folder}")
    for line in describe(results, folder):
        print(line)
    if not args.allow_destructive:
        print(
            "\nTools that can destroy data still ask before each call (--allow-destructive pre-approves them)."
        )
    if environment == "local":
        print(
            "\nzcp reads zcli's login; to use a token instead, add "
            '"env": {"ZCP_API_KEY": "<token>"} to the zcp entry of .mcp.json (and keep that file out of git). '
            "`zcp doctor` checks the set-up."
        )
    return EXIT_OK
