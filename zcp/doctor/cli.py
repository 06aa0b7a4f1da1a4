"""``zcp doctor``: one line per check — ok, warn or problem, and the fix; exit 1 on a problem."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zcp.doctor.checks import Check

EXIT_OK = 0
EXIT_PROBLEM = 1


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``doctor`` to the ``zcp`` parser."""
    parser = subparsers.add_parser(
        "doctor",
        help="check credentials, the API, the environment, tools, SSH, the index and schema cache",
        description=(
            "Check what zcp depends on and say how to fix what is wrong: credentials, API reachability and "
            "the project, the environment (container or local), the state folder, git and zcli, SSH "
            "reachability of the services (container), the search index and the schema cache. Exits 1 when "
            "any check finds a problem (warnings do not count)."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.set_defaults(handler=_doctor)


def render(checks: Sequence[Check]) -> list[str]:
    """One line per check, aligned: status, name, what was found, and the fix when there is one."""
    width = max(len(c.name) for c in checks)
    lines = []
    for check in checks:
        line = f"{check.status:<7} {check.name:<{width}}  {check.detail}"
        if check.fix and check.status in ("warn", "problem"):
            line += f" — fix: {check.fix}"
        lines.append(line)
    return lines


def exit_code(checks: Sequence[Check]) -> int:
    return EXIT_PROBLEM if any(c.status == "problem" for c in checks) else EXIT_OK


def _doctor(args: argparse.Namespace) -> int:
    import anyio

    from zcp.config import load_settings
    from zcp.doctor.checks import DoctorEnv, run_checks
    from zcp.logs import configure_logging

    settings = load_settings()
    configure_logging("error")  # the checks report problems themselves; keep library warnings out
    checks = anyio.run(run_checks, DoctorEnv(settings))
    if args.json:
        print(json.dumps([c.__dict__ for c in checks], indent=2))
    else:
        print("\n".join(render(checks)))
        problems = sum(c.status == "problem" for c in checks)
        print(f"\n{problems} problem(s)" if problems else "\nno problems found")
    return exit_code(checks)
