"""The scenario files: they load, and together they cover what issue 11 lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eval.scenario import Scenario, ScenarioError, UserCall, load_scenario, load_scenarios

SCENARIOS = load_scenarios()


def _plan(story: Scenario) -> list[Any]:
    return list(story.answers.plan or [])


def _types(story: Scenario) -> set[str]:
    found = set()
    for target in _plan(story):
        found.add(str(target["runtime"]["type"]).split("@")[0])
        found |= {str(d["type"]).split("@")[0] for d in target.get("dependencies") or []}
    return found


def _modes(story: Scenario) -> set[str]:
    return {str(t["runtime"]["bootstrapMode"]) for t in _plan(story)}


def _calls(story: Scenario) -> list[UserCall]:
    return [t for t in story.tasks if isinstance(t, UserCall)]


def test_there_are_at_least_sixteen_scenarios_with_unique_ids() -> None:
    ids = [s.id for s in SCENARIOS]
    assert len(ids) >= 16 and len(set(ids)) == len(ids)


def test_the_stacks_modes_environments_and_routes_of_the_issue_are_covered() -> None:
    types = set().union(*(_types(s) for s in SCENARIOS))
    for pair in (
        {"python", "postgresql"},
        {"nodejs", "valkey"},
        {"static"},
        {"php-nginx", "mariadb"},
        {"go"},
    ):
        assert any(pair <= _types(s) for s in SCENARIOS), pair
    assert types & {"bun", "deno"}
    assert any("go" in _types(s) and not s.run_code for s in SCENARIOS)  # Go: simulated build
    assert {"standard", "dev", "simple"} <= set().union(*(_modes(s) for s in SCENARIOS))
    assert {s.environment for s in SCENARIOS} == {"container", "local"}
    routes = {s.answers.route for s in SCENARIOS} | {"adopt" for s in SCENARIOS if s.seed == "adoptable"}
    assert {"classic", "adopt", "recipe"} <= routes
    assert any(s.interrupt is not None for s in SCENARIOS)  # resume after zcp is killed


def test_the_failures_and_deliveries_of_the_issue_are_covered() -> None:
    multi = [s for s in SCENARIOS if any(len(r) > 1 for r in s.files.values())]
    assert len(multi) >= 3  # build, start and verify failures fixed by a later revision
    assert any(s.expect.session == "iteration-cap" for s in SCENARIOS)
    assert any(s.webhook and s.expect.meta_fields for s in SCENARIOS)  # git push to a bare repository
    assert any(".github/workflows/zerops.yml" in s.expect.files for s in SCENARIOS)
    requested = {c.args.get("workflow") for s in SCENARIOS for c in _calls(s)}
    assert {"export", "cicd"} <= requested
    assert any("publish-ready" in s.expect.statuses for s in SCENARIOS)


def test_the_live_subset_is_local_only() -> None:
    live = [s for s in SCENARIOS if s.e2e]
    assert live and all(s.environment == "local" for s in live)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_bad_scenario_names_its_file_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad", "---\nid: bad\ntitle: t\nintent: i\nmaxTurns: 0\nsurprise: 1\n---\nbody\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert (
        "bad.md" in str(caught.value) and "maxTurns" in str(caught.value) and "surprise" in str(caught.value)
    )


def test_the_id_must_equal_the_file_name_and_the_frontmatter_must_be_closed(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file name"):
        load_scenario(_write(tmp_path, "other", "---\nid: one\ntitle: t\nintent: i\n---\n"))
    with pytest.raises(ScenarioError, match="not closed"):
        load_scenario(_write(tmp_path, "open", "---\nid: open\n"))


def test_file_paths_must_stay_inside_the_app(tmp_path: Path) -> None:
    text = "---\nid: esc\ntitle: t\nintent: i\nfiles:\n  app:\n    - {'../x': 'y'}\n---\n"
    with pytest.raises(ScenarioError, match="relative path"):
        load_scenario(_write(tmp_path, "esc", text))
