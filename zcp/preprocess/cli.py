"""``zcp preprocess``: expand ``<@...>`` expressions from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from zcp.errors import InvalidParameter, InvalidUsage


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``zcp preprocess`` to the ``zcp`` parser."""
    parser = subparsers.add_parser("preprocess", help="expand <@...> expressions (import YAML / env values)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("text", nargs="?", help="the text to expand")
    source.add_argument("--file", type=Path, help="expand a whole file (every <literal> is interpreted)")
    parser.add_argument("--seed", type=int, help="seed the random generator for reproducible output")
    parser.add_argument(
        "--var", action="append", default=[], metavar="NAME=VALUE", help="preset a variable (repeatable)"
    )
    parser.set_defaults(handler=_preprocess)


def _preprocess(args: argparse.Namespace) -> int:
    import random

    from zcp.preprocess.expand import expand

    variables: dict[str, str] = {}
    for item in args.var:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InvalidUsage(f"--var {item!r} is not NAME=VALUE", suggestion="Write --var token=abc.")
        variables[name] = value
    if args.file is not None:
        try:
            text = args.file.read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidParameter(
                f"cannot read {args.file}: {exc.strerror}", suggestion="Check the path."
            ) from None
    else:
        text = args.text
    rng = random.Random(args.seed) if args.seed is not None else random.SystemRandom()
    try:
        out = expand(text, rng=rng, variables=variables, only_if_marked=args.file is None)
    except InvalidParameter as error:
        if error.diagnostic:
            print(error.diagnostic, file=sys.stderr)
        raise
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
    return 0
