"""``python -m eval``: run the scenarios and print the table, the failures and the closing line.

``make eval`` runs every scenario against the sandbox; ``make eval SCENARIO=id`` (or
``--scenario id``, repeatable or comma-separated) runs some; ``make e2e`` (``--live``) runs the
scenarios marked ``e2e: true`` against the real Zerops project of ``ZCP_API_KEY``.
Progress goes to stderr, the report to stdout; the exit code is 0 only when every scenario passed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import anyio

from eval.report import closing_line, failure_details, table, write_json
from eval.runner import REPO, Result, run_all
from eval.scenario import ScenarioError, load_scenarios

DEFAULT_REPORTS = REPO / ".eval"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", action="append", default=[], metavar="ID", help="run only these")
    parser.add_argument("--jobs", type=int, default=2, help="scenarios run at a time (default 2)")
    parser.add_argument(
        "--reports", type=Path, default=DEFAULT_REPORTS, help="report folder (default .eval/)"
    )
    parser.add_argument("--live", action="store_true", help="the e2e subset against real Zerops (make e2e)")
    parser.add_argument("--keep", action="store_true", help="keep the run folders of passing scenarios")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every turn to stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        scenarios = load_scenarios()
    except ScenarioError as error:
        print(f"eval: {error}", file=sys.stderr)
        return 2
    wanted = [s for item in args.scenario for s in item.split(",") if s.strip()]
    if wanted:
        known = {s.id for s in scenarios}
        unknown = sorted(set(wanted) - known)
        if unknown:
            print(
                f"eval: no scenario {', '.join(unknown)} (python -m eval --list shows them)", file=sys.stderr
            )
            return 2
        scenarios = [s for s in scenarios if s.id in wanted]
    if args.list:
        for s in scenarios:
            flags = " [e2e]" if s.e2e else ""
            print(f"{s.id:<34} {s.environment:<9} {s.seed:<10} {s.title}{flags}")
        return 0
    command = "make eval"
    worlds = None
    if args.live:
        from eval.live import live_settings, live_worlds

        settings = live_settings()
        if settings is None:
            print(
                "e2e: skipped — set ZCP_API_KEY to a token of a Zerops project you can use for tests "
                "(and ZCP_API_HOST for another region) to run it; see the README.",
            )
            return 0
        scenarios = [s for s in scenarios if s.e2e]
        worlds = live_worlds(settings)
        command = "make e2e"
    reports: Path = args.reports
    started = time.monotonic()
    print(f"eval: {len(scenarios)} scenario(s), {args.jobs} at a time; report in {reports}", file=sys.stderr)

    def done(result: Result) -> None:
        mark = result.mark
        print(
            f"  {mark} {result.id} ({len(result.turns)} turns, {result.seconds:.1f}s)",
            file=sys.stderr,
            flush=True,
        )

    options = {"jobs": args.jobs, "on_result": done, "verbose": args.verbose}
    if worlds is not None:
        options["worlds"] = worlds
    results = anyio.run(lambda: run_all(scenarios, reports, **options))
    elapsed = time.monotonic() - started
    print(table(results))
    for result in results:
        if not result.passed:
            print()
            print(failure_details(result, command))
    report = reports / ("e2e.json" if args.live else "report.json")
    write_json(results, report, meta={"seconds": round(elapsed, 1), "live": args.live})
    if not args.keep:
        for result in results:
            if result.passed:
                shutil.rmtree(result.run_dir, ignore_errors=True)
    print(f"\nreport: {report} ({elapsed:.0f}s)")
    print(closing_line(results))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
