"""The snapshot suite: one readable markdown file per scenario, plus what the scenario set must cover.

Each ``snapshots/test_guidance_snapshots/test_scenario_guidance[<name>].md`` holds the scenario's
plan branch, the ordered ids of the atoms it matched and the status block an agent would read.
Re-record with ``make snapshots`` (or ``pytest tests/workflow --snapshot-update``) and review the diff.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import pytest

from tests.plugins.workflow import REPO_ROOT, SCENARIO_DIR
from zcp.axes import Environment, ExportStatus, FailureClass, Mode, Phase
from zcp.workflow.atoms import AtomSet
from zcp.workflow.pipeline import StatusReport, status_report
from zcp.workflow.scenarios import Scenario

SCENARIO_NAMES = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))

#: The largest status block a tool result should carry (the original engine's MCP output cap).
MAX_STATUS_BYTES = 28 * 1024

_PLACEHOLDER_SHAPED = re.compile(r"(?<!\$)\{[A-Za-z][A-Za-z0-9_-]*\}")


def snapshot_text(scenario: Scenario, report: StatusReport) -> str:
    """The snapshot file: scenario, plan branch, matched atom ids in order, the status block."""
    lines = [f"# Scenario: {scenario.name}", ""]
    if scenario.description:
        lines += [scenario.description, ""]
    lines += [f"Plan branch: `{report.plan.branch}`", "", "## Matched atoms", ""]
    lines += [f"{n}. {atom_id}" for n, atom_id in enumerate(report.atom_ids, 1)] or ["(none)"]
    lines += ["", "---", ""]
    return "\n".join(lines) + "\n" + report.text


@pytest.fixture(scope="module")
def reports(scenarios: tuple[Scenario, ...], real_atoms: AtomSet) -> dict[str, tuple[Scenario, StatusReport]]:
    return {s.name: (s, status_report(s.envelope, real_atoms)) for s in scenarios}


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_scenario_guidance(
    name: str, reports: dict[str, tuple[Scenario, StatusReport]], snapshot_md: Any
) -> None:
    scenario, report = reports[name]
    assert snapshot_text(scenario, report) == snapshot_md


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_no_scenario_renders_a_placeholder_or_an_oversized_status(
    name: str, reports: dict[str, tuple[Scenario, StatusReport]]
) -> None:
    _, report = reports[name]
    assert _PLACEHOLDER_SHAPED.findall(report.text) == []
    assert len(report.text.encode("utf-8")) <= MAX_STATUS_BYTES


def test_there_are_at_least_sixty_scenarios(scenarios: tuple[Scenario, ...]) -> None:
    assert len(scenarios) >= 60


def test_scenarios_cover_every_phase_environment_and_export_status(scenarios: tuple[Scenario, ...]) -> None:
    envelopes = [s.envelope for s in scenarios]
    assert {e.phase for e in envelopes} == set(Phase)
    assert {e.environment for e in envelopes} == set(Environment)
    assert {e.export_status for e in envelopes if e.export_status} == set(ExportStatus)


def test_scenarios_cover_failures_of_every_class_and_both_close_reasons(
    scenarios: tuple[Scenario, ...],
) -> None:
    classes: set[FailureClass] = set()
    reasons: set[str] = set()
    for scenario in scenarios:
        session = scenario.envelope.work_session
        if session is None:
            continue
        if session.close_reason:
            reasons.add(session.close_reason)
        for history in (*session.deploys.values(), *session.verifies.values()):
            classes.update(a.effective_failure_class for a in history if a.result == "failed")
    assert classes == set(FailureClass)
    assert reasons == {"auto-complete", "iteration-cap"}


def test_scenarios_cover_multi_service_projects_pairs_and_every_mode(scenarios: tuple[Scenario, ...]) -> None:
    envelopes = [s.envelope for s in scenarios]
    assert any(len([s for s in e.candidates if s.is_runtime]) >= 3 for e in envelopes)
    assert any(
        any(s.stage_hostname for s in e.services) for e in envelopes if e.phase is Phase.DEVELOP_ACTIVE
    )
    assert {s.mode for e in envelopes for s in e.services if s.mode} == set(Mode)


@pytest.mark.slow
def test_equal_envelopes_give_identical_bytes_in_any_process(
    reports: dict[str, tuple[Scenario, StatusReport]],
) -> None:
    expected = "\0".join(snapshot_text(*reports[name]) for name in SCENARIO_NAMES).encode("utf-8")
    script = (
        "import sys\n"
        "from tests.plugins.workflow import CORPUS_DIR, SCENARIO_DIR\n"
        "from tests.workflow.test_guidance_snapshots import SCENARIO_NAMES, snapshot_text\n"
        "from zcp.knowledge.corpus import load_corpus\n"
        "from zcp.workflow.atoms import compile_atoms\n"
        "from zcp.workflow.pipeline import status_report\n"
        "from zcp.workflow.scenario_files import load_scenarios\n"
        "atoms = compile_atoms(load_corpus(CORPUS_DIR), strict=True)\n"
        "by_name = {s.name: s for s in load_scenarios(SCENARIO_DIR)}\n"
        "texts = [snapshot_text(by_name[n], status_report(by_name[n].envelope, atoms)) for n in SCENARIO_NAMES]\n"
        "sys.stdout.buffer.write('\\0'.join(texts).encode('utf-8'))\n"
    )
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            check=True,
            timeout=120,
        )
        assert result.stdout == expected, f"output differs with PYTHONHASHSEED={seed}"
