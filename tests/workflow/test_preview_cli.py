"""``zcp preview`` through the real entry point: scenarios, files, flags, --explain, --atom, errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.plugins.workflow import CORPUS_DIR, SCENARIO_DIR
from zcp.cli import main
from zcp.workflow.envelope import parse_envelope

Capture = pytest.CaptureFixture[str]


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(["preview", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_scenario_name_prints_its_status_block(capsys: Capture) -> None:
    code, out, err = run(capsys, "idle-empty")
    assert code == 0, err
    assert out.startswith("## Status\n\nPhase: idle (empty)\n")
    assert "Primary: Create services" in out


def test_an_envelope_file_is_previewed(capsys: Capture, tmp_path: Path) -> None:
    envelope = tmp_path / "mine.yaml"
    envelope.write_text(
        "phase: export-active\nexportStatus: publish-ready\nservices:\n"
        "  - {hostname: app, typeVersion: go@1, bootstrapped: true, mode: simple, gitPushState: configured}\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, str(envelope))
    assert code == 0
    assert "Phase: export-active — status: publish-ready" in out


def test_axis_flags_build_an_envelope_with_a_standard_pair(capsys: Capture) -> None:
    code, out, _ = run(
        capsys, "--phase", "develop-active", "--mode", "standard", "--env", "container", "--runtime", "dynamic",
        "--deploy-state", "deployed", "--close-mode", "auto",
    )  # fmt: skip
    assert code == 0
    assert "- appdev (nodejs@22) — mode=standard, stage=appstage, closeMode=auto" in out
    assert "- appstage (nodejs@22) — mode=stage" in out


def test_show_envelope_prints_yaml_that_parses_back(capsys: Capture) -> None:
    code, out, _ = run(capsys, "--phase", "idle", "--runtime", "static", "--show-envelope")
    assert code == 0
    envelope = parse_envelope(out)
    assert [s.type_version for s in envelope.services] == ["static"]


def test_explain_lists_matches_and_the_first_axis_that_excluded_each_other_atom(capsys: Capture) -> None:
    code, out, _ = run(capsys, "idle-empty", "--explain")
    assert code == 0
    assert "## Matched atoms (" in out
    assert "- idle-empty-start-bootstrap [priority" in out
    assert "- idle-adopt-untracked-runtimes: idleScenarios: needs adopt; envelope has empty" in out
    assert "- develop-verify-matrix: phases: needs develop-active; envelope has idle" in out


def test_atom_lists_the_scenarios_that_render_it(capsys: Capture) -> None:
    code, out, _ = run(capsys, "--atom", "idle-empty-start-bootstrap")
    assert code == 0
    reached = out[out.index("## Reached") : out.index("## Not reached")]
    assert "- idle-empty\n" in reached
    assert "- idle-adopt-only: idleScenarios: needs empty; envelope has adopt" in out


def test_list_names_every_scenario_with_its_description(capsys: Capture) -> None:
    code, out, _ = run(capsys, "--list")
    assert code == 0
    assert len(out.splitlines()) == len(list(SCENARIO_DIR.glob("*.yaml")))
    assert "- idle-empty: An empty project" in out


def test_an_unknown_scenario_fails_with_a_suggestion(capsys: Capture) -> None:
    code, _, err = run(capsys, "idle-empt")
    assert code == 1
    assert "error: no scenario named 'idle-empt'" in err
    assert "hint: Did you mean idle-empty" in err


def test_without_a_scenario_folder_a_name_cannot_be_resolved(capsys: Capture, tmp_path: Path) -> None:
    code, _, err = run(capsys, "idle-empty", "--scenarios", str(tmp_path / "missing"))
    assert code == 1
    assert "no scenario folder was found" in err
    assert "--scenarios DIR" in err


def test_an_invalid_envelope_file_names_the_field(capsys: Capture, tmp_path: Path) -> None:
    envelope = tmp_path / "bad.yaml"
    envelope.write_text("phase: idle\nservices:\n  - {hostname: app, mood: happy}\n", encoding="utf-8")
    code, _, err = run(capsys, str(envelope))
    assert code == 1
    assert "bad.yaml:3: services.0.mood: unknown field" in err


def test_an_unknown_atom_fails_with_a_suggestion(capsys: Capture) -> None:
    code, _, err = run(capsys, "--atom", "idle-empty-start")
    assert code == 1
    assert "no atom with id 'idle-empty-start'" in err


@pytest.mark.parametrize(
    "argv",
    [[], ["idle-empty", "--phase", "idle"], ["--mode", "dev"], ["idle-empty", "--atom", "x"]],
)
def test_exactly_one_way_to_pick_the_state_is_required(capsys: Capture, argv: list[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert err.startswith("error: ")


def test_a_malformed_atom_is_reported_by_file_and_line_and_the_rest_still_renders(
    capsys: Capture, tmp_path: Path
) -> None:
    atoms = tmp_path / "atoms"
    atoms.mkdir()
    (atoms / "good.md").write_text(
        "---\nid: good\ntitle: Good\nphases: [idle]\n---\nAll fine.\n", encoding="utf-8"
    )
    (atoms / "bad.md").write_text(
        "---\nid: bad\ntitle: Bad\nphases: [idle]\n---\nfine\nport {port}\n", encoding="utf-8"
    )
    code, out, err = run(capsys, "idle-empty", "--corpus", str(tmp_path))
    assert code == 0
    assert "warning: atoms/bad.md:7: unknown placeholder {port}" in err
    assert "All fine." in out


def test_on_a_terminal_the_output_is_rendered_pretty(
    capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, _ = run(capsys, "idle-empty", "--corpus", str(CORPUS_DIR))
    assert code == 0
    assert "Status" in out
    assert "## Status" not in out
