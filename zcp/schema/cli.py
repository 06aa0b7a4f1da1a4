"""``zcp schema``: validate a zerops.yaml or import YAML, list the enums, refresh the cache."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from zcp.errors import InvalidParameter


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``zcp schema ...`` to the ``zcp`` parser."""
    parser = subparsers.add_parser(
        "schema", help="validate zerops.yaml / import YAML against the Zerops schemas"
    )
    commands = parser.add_subparsers(dest="schema_command", metavar="SUBCOMMAND", required=True)

    validate = commands.add_parser(
        "validate", help="validate a file; problems print as file:line: path: message"
    )
    validate.add_argument("file", type=Path)
    validate.add_argument("--kind", choices=["auto", "zerops", "import"], default="auto")
    validate.add_argument("--setup", help="a setup name the zerops.yaml must define")
    validate.add_argument(
        "--offline", action="store_true", help="use the cached or bundled schema, no download"
    )
    validate.add_argument("--json", action="store_true", help="print the report as JSON")
    validate.set_defaults(handler=_validate)

    enums = commands.add_parser("enums", help="list service types, bases and other allowed values")
    enums.add_argument("--offline", action="store_true", help="use the cached or bundled schema, no download")
    enums.add_argument("--json", action="store_true")
    enums.set_defaults(handler=_enums)

    refresh = commands.add_parser("refresh", help="download both schemas into the cache now")
    refresh.set_defaults(handler=_refresh)


def _store(args: argparse.Namespace) -> Any:
    from zcp.config import load_settings
    from zcp.schema.live import LiveSchemas
    from zcp.schema.sources import SchemaSources

    return LiveSchemas(SchemaSources.from_settings(load_settings()))


def _load(args: argparse.Namespace, kind: Any) -> Any:
    import anyio

    store = _store(args)
    if args.offline:
        return store.peek(kind)
    return anyio.run(store.get, kind)


def guess_kind(path: Path, text: str) -> str:
    """``import`` for files named like import YAML or with top-level project/services, else ``zerops``."""
    if "import" in path.name.lower():
        return "import"
    lines = [line for line in text.splitlines() if line and not line.startswith(("#", " ", "\t", "-"))]
    return "import" if any(line.startswith(("project:", "services:")) for line in lines) else "zerops"


def _validate(args: argparse.Namespace) -> int:
    from zcp.schema.sources import SchemaKind
    from zcp.schema.validate import validate_document

    try:
        text = args.file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidParameter(
            f"cannot read {args.file}: {exc.strerror}", suggestion="Check the path."
        ) from None
    kind = SchemaKind(guess_kind(args.file, text) if args.kind == "auto" else args.kind)
    report = validate_document(kind, text, schema=_load(args, kind), required_setup=args.setup)
    if args.json:
        print(report.model_dump_json(indent=2))
    elif report.valid:
        print(f"{args.file}: valid {kind.label} (schema: {report.schema_origin})")
    else:
        for problem in report.problems:
            line = f":{problem.line}" if problem.line is not None else ""
            hint = f" — {problem.suggestion}" if problem.suggestion else ""
            print(f"{args.file}{line}: {problem.path or '(document)'}: {problem.message}{hint}")
    if not args.json:
        for note in report.notes:
            print(f"{args.file}: note: {note}")
    return 0 if report.valid else 1


def _enums(args: argparse.Namespace) -> int:
    from zcp.schema.enums import compact_values, extract_enums
    from zcp.schema.sources import SchemaKind

    enums = extract_enums(_load(args, SchemaKind.ZEROPS).document, _load(args, SchemaKind.IMPORT).document)
    if args.json:
        print(json.dumps(enums.as_dict(), indent=2))
        return 0
    for name, values in enums.as_dict().items():
        print(f"{name.replace('_', ' ')}: {compact_values(values)}")
    return 0


def _refresh(args: argparse.Namespace) -> int:
    import anyio

    from zcp.schema.sources import SchemaKind

    store = _store(args)
    failed = False
    for kind in SchemaKind:
        loaded = anyio.run(store.refresh, kind)
        if loaded.origin == "live":
            print(f"{kind.label}: downloaded from {loaded.url}")
        else:
            failed = True
            print(f"{kind.label}: {loaded.problem}; keeping the {loaded.origin} copy", file=sys.stderr)
    return 1 if failed else 0
