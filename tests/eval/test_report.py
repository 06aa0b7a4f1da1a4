"""The table, the failure details, the closing line and the JSON report."""

from __future__ import annotations

import json
from pathlib import Path

from eval.report import closing_line, failure_details, table, write_json
from eval.runner import Result, Turn


def _results() -> list[Result]:
    good = Result("good-story", passed=True, seconds=3.2, tools={"zerops_workflow": 4, "zerops_deploy": 1})
    good.turns = [Turn(1, "zerops_workflow", {"action": "status"}, "start", "idle", 0.1)]
    bad = Result(
        "bad-story", seconds=1.0, failure="zcp pointed at zerops_mount, a tool zcp serve does not offer"
    )
    bad.failing_turn, bad.failing_call = 3, 'zerops_workflow {"action": "status"}'
    bad.failing_answer, bad.suggested_call = "Phase develop-active\n" * 40, 'zerops_mount {"action": "mount"}'
    bad.unmet = ["service api is STOPPED, expected ACTIVE"]
    return [good, bad]


def test_the_table_has_a_row_per_scenario_and_the_closing_line_counts_passes() -> None:
    rows = table(_results()).splitlines()
    assert rows[2].startswith("good-story") and "pass" in rows[2] and "workflow×4, deploy×1" in rows[2]
    assert "FAIL" in rows[3]
    assert closing_line(_results()) == "eval: 1/2 scenarios passed"


def test_a_failure_shows_the_failing_turn_its_answer_and_how_to_reproduce_it() -> None:
    text = failure_details(_results()[1])
    assert "first failing turn #3" in text and "which suggested next: zerops_mount" in text
    assert "more lines in the JSON report" in text
    assert "make eval SCENARIO=bad-story" in text
    assert "unmet: service api is STOPPED" in text


def test_the_json_report_carries_every_transcript(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    write_json(_results(), path, meta={"seconds": 4.2})
    data = json.loads(path.read_text())
    assert (data["passed"], data["total"], data["seconds"]) == (1, 2, 4.2)
    assert data["scenarios"][0]["transcript"][0]["args"] == {"action": "status"}
    assert data["scenarios"][1]["suggestedCall"].startswith("zerops_mount")
