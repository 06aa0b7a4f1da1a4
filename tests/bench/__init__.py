"""Benchmarks (`make bench`): speed, size and quality figures, printed; quality regressions fail.

Each ``bench_*.py`` module here defines ``run(report: Report) -> None``. Figures with a target are
marked ok/MISS; :meth:`Report.require` records a hard failure (used for checked-in baselines such
as retrieval quality), which makes ``make bench`` exit non-zero.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: float | None = None
    higher_is_better: bool = False

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        ok = self.value >= self.target if self.higher_is_better else self.value <= self.target
        sign = "≥" if self.higher_is_better else "≤"
        return f"{'ok' if ok else 'MISS'} (target {sign} {self.target:g}{self.unit})"


@dataclass
class Report:
    section: str = ""
    figures: list[tuple[str, Figure]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def figure(
        self,
        name: str,
        value: float,
        unit: str = "",
        *,
        target: float | None = None,
        higher_is_better: bool = False,
    ) -> Figure:
        fig = Figure(name, value, unit, target, higher_is_better)
        self.figures.append((self.section, fig))
        print(f"  {name:<58} {value:>10.3f}{unit:<4} {fig.verdict}", flush=True)
        return fig

    def note(self, text: str) -> None:
        print(f"  {text}", flush=True)

    def require(self, ok: bool, message: str) -> None:
        """A hard check: a failure makes `make bench` exit non-zero."""
        if not ok:
            self.failures.append(f"{self.section}: {message}")
            print(f"  FAIL: {message}", flush=True)


def time_calls(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock milliseconds of ``repeat`` calls of ``fn``."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def percentile(samples: list[float], pct: float) -> float:
    """The ``pct`` percentile (0-100) of ``samples`` by the inclusive method."""
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[int(pct) - 1]
