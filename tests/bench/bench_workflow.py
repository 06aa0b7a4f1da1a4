"""Guidance pipeline figures: synthesize+render latency per envelope over every scenario, plan time,
atom corpus load time, and the size of the largest status block."""

from __future__ import annotations

import time
from pathlib import Path

from tests.bench import Report, percentile, time_calls
from zcp.workflow.atoms import load_atoms
from zcp.workflow.plan import build_plan
from zcp.workflow.render import render_status
from zcp.workflow.scenario_files import load_scenarios
from zcp.workflow.synthesis import synthesize

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"
SCENARIOS = REPO / "tests" / "workflow" / "scenarios"
ROUNDS = 30


def run(report: Report) -> None:
    load_samples = time_calls(lambda: load_atoms(CORPUS, strict=True), 5)
    atoms = load_atoms(CORPUS, strict=True)
    scenarios = load_scenarios(SCENARIOS)
    report.note(f"{len(atoms)} atoms, {len(scenarios)} scenarios, {ROUNDS} rounds each")
    report.figure("atom corpus load + compile (median of 5)", sorted(load_samples)[2], "ms", target=500)

    pipeline: list[float] = []
    plan_only: list[float] = []
    largest = 0
    for _ in range(ROUNDS):
        for scenario in scenarios:
            env = scenario.envelope
            start = time.perf_counter()
            renders = synthesize(env, atoms)
            plan = build_plan(env)
            text = render_status(env, plan, [r.body for r in renders])
            pipeline.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            build_plan(env)
            plan_only.append((time.perf_counter() - start) * 1000)
            largest = max(largest, len(text.encode("utf-8")))
    report.figure("plan + synthesize + render per envelope p50", percentile(pipeline, 50), "ms")
    report.figure("plan + synthesize + render per envelope p95", percentile(pipeline, 95), "ms", target=2.0)
    report.figure("build_plan alone per envelope p95", percentile(plan_only, 95), "ms")
    report.figure("largest status block", largest / 1024, "KiB", target=28)
