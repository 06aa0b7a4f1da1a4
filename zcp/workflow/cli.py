"""``zcp preview``: render workflow guidance for a scenario, an envelope file or axis flags.

Import-light on purpose (every ``zcp`` command loads this module): the handler imports the
pipeline only when it runs.
"""

from __future__ import annotations

import argparse
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

from zcp.axes import (
    BuildIntegration,
    CloseMode,
    DeployState,
    Environment,
    ExportStatus,
    GitPushState,
    IdleScenario,
    Mode,
    Phase,
    Route,
    RuntimeClass,
    ServiceStatus,
    Step,
)

EXIT_OK = 0

#: ``--flag`` → (AxisFlags field, value enum).
_AXIS_FLAGS: dict[str, tuple[str, type[StrEnum]]] = {
    "--phase": ("phase", Phase),
    "--env": ("environment", Environment),
    "--mode": ("mode", Mode),
    "--runtime": ("runtime", RuntimeClass),
    "--close-mode": ("close_mode", CloseMode),
    "--git-push": ("git_push_state", GitPushState),
    "--build-integration": ("build_integration", BuildIntegration),
    "--deploy-state": ("deploy_state", DeployState),
    "--status": ("status", ServiceStatus),
    "--route": ("route", Route),
    "--step": ("step", Step),
    "--idle-scenario": ("idle_scenario", IdleScenario),
    "--export-status": ("export_status", ExportStatus),
}


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``zcp preview`` to the ``zcp`` parser."""
    parser = subparsers.add_parser(
        "preview",
        help="render workflow guidance for a scenario, an envelope file or axis values",
        description=(
            "Show the status block an agent would read. Pick the state by scenario name "
            "(`zcp preview --list`), by an envelope file, or with axis flags."
        ),
        epilog="Examples: zcp preview develop-first-deploy-dev-dynamic --explain | "
        "zcp preview --phase develop-active --mode standard --runtime dynamic | "
        "zcp preview --atom develop-verify-matrix",
    )
    parser.add_argument("target", nargs="?", help="scenario name, or a path to an envelope YAML/JSON file")
    group = parser.add_argument_group("axis flags (build an envelope instead of naming one)")
    for flag, (dest, values) in _AXIS_FLAGS.items():
        group.add_argument(
            flag, dest=dest, choices=[v.value for v in values], metavar=flag.strip("-").upper()
        )
    group.add_argument("--hostname", help="hostname of the runtime built from flags")
    group.add_argument(
        "--type", dest="type_version", help="service type, e.g. nodejs@22 (default per runtime)"
    )
    parser.add_argument(
        "--explain", action="store_true", help="list matched atoms and why the others did not match"
    )
    parser.add_argument("--atom", metavar="ID", help="show which scenarios an atom appears in")
    parser.add_argument("--list", action="store_true", help="list the scenarios")
    parser.add_argument("--show-envelope", action="store_true", help="print the envelope as canonical YAML")
    parser.add_argument("--plain", action="store_true", help="plain markdown even on a terminal")
    parser.add_argument(
        "--corpus", type=Path, help="corpus folder (default: ZCP_CORPUS_DIR or the checkout's)"
    )
    parser.add_argument(
        "--scenarios",
        type=Path,
        help="scenario folder (default: the checkout's tests/workflow/scenarios, else the installed copy)",
    )
    parser.set_defaults(handler=_preview)


def _emit(text: str, *, plain: bool) -> None:
    if plain or not sys.stdout.isatty():
        sys.stdout.write(text)
        return
    from rich.console import Console
    from rich.markdown import Markdown

    Console().print(Markdown(text))


def _preview(args: argparse.Namespace) -> int:
    from zcp.errors import InvalidParameter, InvalidUsage
    from zcp.workflow.atoms import load_atoms
    from zcp.workflow.preview import (
        AxisFlags,
        atom_usage,
        envelope_from_flags,
        explain,
        find_scenario,
        names_a_file,
        preview_text,
    )
    from zcp.workflow.scenario_files import default_scenarios_dir, load_scenario_file, load_scenarios

    axis_values: dict[str, Any] = {}
    for dest, values in _AXIS_FLAGS.values():
        raw = getattr(args, dest)
        axis_values[dest] = None if raw is None else values(raw)
    axis_values["hostname"] = args.hostname
    axis_values["type_version"] = args.type_version
    uses_flags = any(v is not None for v in axis_values.values())
    modes = sum(bool(x) for x in (args.target, uses_flags, args.atom, args.list))
    if modes != 1:
        raise InvalidUsage(
            "choose exactly one of: a scenario or envelope file, axis flags (--phase …), --atom ID, --list",
            suggestion="e.g. `zcp preview idle-empty` or `zcp preview --phase develop-active --mode dev`.",
        )
    if uses_flags and args.phase is None:
        raise InvalidUsage("axis flags need --phase", suggestion="Add --phase, e.g. --phase develop-active.")

    scenario_dir = args.scenarios or default_scenarios_dir()
    scenarios = load_scenarios(scenario_dir) if scenario_dir is not None and scenario_dir.is_dir() else ()
    if args.list:
        lines = [f"- {s.name}: {s.description}" if s.description else f"- {s.name}" for s in scenarios]
        _emit("\n".join(lines or ["no scenarios found"]) + "\n", plain=True)
        return EXIT_OK

    atoms = load_atoms(args.corpus or _corpus_dir())
    for problem in atoms.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if args.atom:
        _emit(atom_usage(args.atom, atoms, scenarios), plain=args.plain)
        return EXIT_OK

    if uses_flags:
        envelope = envelope_from_flags(AxisFlags(**{k: v for k, v in axis_values.items() if v is not None}))
    elif names_a_file(args.target):
        path = Path(args.target)
        if not path.is_file():
            raise InvalidParameter(
                f"envelope file {args.target} does not exist",
                suggestion="Pass a scenario name (`zcp preview --list`) or an existing YAML file.",
            )
        envelope = load_scenario_file(path).envelope
    else:
        envelope = find_scenario(args.target, scenarios).envelope
    if args.show_envelope:
        sys.stdout.write(envelope.canonical_yaml())
        return EXIT_OK
    text = preview_text(envelope, atoms)
    if args.explain:
        text += "\n" + explain(envelope, atoms)
    _emit(text, plain=args.plain)
    return EXIT_OK


def _corpus_dir() -> Path:
    from zcp.config import load_settings
    from zcp.knowledge.paths import resolve_paths

    return resolve_paths(load_settings()).corpus_dir
