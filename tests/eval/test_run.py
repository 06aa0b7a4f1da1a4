"""Whole runs: zcp serve spawned over STDIO against a sandbox world, as make eval does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.__main__ import main
from eval.runner import run_scenario, sandbox_worlds
from eval.scenario import SCENARIO_DIR, load_scenario
from tests.eval.helpers import scenario

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_the_adoption_story_passes_with_the_calls_zcp_suggested(tmp_path: Path) -> None:
    story = load_scenario(SCENARIO_DIR / "adopt-legacy-shop.md")
    result = await run_scenario(story, tmp_path, sandbox_worlds)
    assert result.passed, (result.failure, result.unmet)
    assert [t.args.get("action") for t in result.turns] == ["status", "start", "complete", "complete"]
    assert result.turns[1].args["route"] == "adopt" and result.turns[1].origin.startswith("primary:")
    assert result.stop == "zcp asks for the next task and the user has none left"


async def test_a_killed_zcp_is_replaced_and_the_new_process_finishes_the_bootstrap(tmp_path: Path) -> None:
    story = scenario(
        environment="local",
        runCode=False,
        answers={
            "route": "classic",
            "plan": [{"runtime": {"devHostname": "api", "type": "python@3.12", "bootstrapMode": "simple"}}],
        },
        interrupt={"tool": "zerops_workflow", "args": {"step": "provision"}, "whenRoute": "import_services"},
        expect={"services": {"api": "ACTIVE"}, "metas": ["api"], "atoms": ["bootstrap-resume-continue"]},
    )
    result = await run_scenario(story, tmp_path, sandbox_worlds)
    assert result.passed, (result.failure, result.unmet)
    died = [t for t in result.turns if t.outcome.startswith("no answer")]
    assert len(died) == 1 and "a new zcp serve takes over" in died[0].notes[0]
    assert (tmp_path / "runs" / "a-story" / "zcp-serve.2.log").is_file()


async def test_a_choice_zcp_does_not_offer_fails_with_the_turn_that_showed_it(tmp_path: Path) -> None:
    story = scenario(answers={"route": "recipe", "recipe": "no-such-recipe"}, runCode=False)
    result = await run_scenario(story, tmp_path, sandbox_worlds)
    assert not result.passed
    assert result.failure is not None and "does not offer" in result.failure
    assert result.failing_turn == 2 and result.failing_answer and "Routes:" in result.failing_answer


def test_the_command_line_lists_and_refuses_unknown_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    assert "adopt-legacy-shop" in capsys.readouterr().out
    assert main(["--scenario", "no-such-story"]) == 2


def test_one_scenario_runs_alone_and_writes_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--scenario", "adopt-legacy-shop", "--reports", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("eval: 1/1 scenarios passed")
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["scenarios"][0]["id"] == "adopt-legacy-shop"
    assert not (tmp_path / "runs" / "adopt-legacy-shop").exists()  # passing run folders are removed
