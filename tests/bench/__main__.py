"""Run every benchmark module and print the figures; exit 1 on a hard failure."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import tests.bench as bench_pkg
from tests.bench import Report


def main(argv: list[str]) -> int:
    from zcp.logs import configure_logging

    # As `zcp serve` does: warnings and worse to stderr (a server built in-process would otherwise
    # let the SDK install its INFO-level handler, and every HTTP request of a benchmark is printed).
    configure_logging("warning")
    wanted = set(argv)
    report = Report()
    names = sorted(m.name for m in pkgutil.iter_modules(bench_pkg.__path__) if m.name.startswith("bench_"))
    for name in names:
        short = name.removeprefix("bench_")
        if wanted and short not in wanted:
            continue
        module = importlib.import_module(f"tests.bench.{name}")
        report.section = short
        print(f"\n== {short} ==", flush=True)
        started = time.perf_counter()
        module.run(report)
        print(f"  ({time.perf_counter() - started:.1f}s)", flush=True)
    if report.failures:
        print("\nbenchmark failures:", *report.failures, sep="\n  ")
        return 1
    print("\nall benchmark checks passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
