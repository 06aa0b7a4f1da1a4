"""`make run`'s demo, run end to end as a user runs it: a subprocess that spawns `zcp serve`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from zcp import demo

REPO_ROOT = Path(__file__).resolve().parents[1]
#: A build event's duration as the events tool prints it: whole seconds or one decimal.
ROUNDED = re.compile(r"\s\d+(\.\d)?s(\s|$)")


def _result(text: str, *, is_error: bool = False) -> SimpleNamespace:
    return SimpleNamespace(content=[SimpleNamespace(type="text", text=text)], is_error=is_error)


def _section(out: str, banner: str) -> list[str]:
    """The lines printed for the step whose banner starts with ``banner``, up to the next banner."""
    start = out.index("▶ " + banner)
    end = out.find("\n▶ ", start + 1)
    return out[start : end if end != -1 else len(out)].splitlines()[1:]


def _unwrapped(lines: list[str]) -> list[str]:
    """Undo the demo's wrapping: a continuation line is indented two spaces more than its line."""
    joined: list[str] = []
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if joined and line.strip():
            head = joined[-1]
            if indent == len(head) - len(head.lstrip()) + 2:
                joined[-1] = head + " " + line.strip()
                continue
        joined.append(line)
    return joined


def test_bold_markers_become_terminal_bold_or_vanish_when_piped() -> None:
    assert demo._styled("a **bold** word", False, tty=False) == ("a bold word", False)
    text, bold = demo._styled("a **bold** word", False, tty=True)
    assert text == "a \033[1mbold\033[0m word" and not bold
    # Bold that spans a wrap stays on for the next piece and is closed at the end of each one.
    first, bold = demo._styled("starts **here and", False, tty=True)
    assert first.endswith("\033[0m") and bold
    second, bold = demo._styled("ends** there", bold, tty=True)
    assert second.startswith("\033[1m") and "**" not in first + second and not bold


def test_long_lines_are_wrapped_whole_never_cut(capsys: pytest.CaptureFixture[str]) -> None:
    words = " ".join(f"word{n}" for n in range(60))
    text = f"- **Variables:** {words}\n    {words}"
    demo._show(_result(text))
    printed = capsys.readouterr().out.splitlines()
    assert "**" not in "\n".join(printed) and "…" not in "\n".join(printed)
    assert all(len(line) <= demo._WIDTH for line in printed), printed
    assert printed[1].startswith("  word") and printed[-1].startswith("      word")  # indent kept
    assert _unwrapped(printed) == [f"- Variables: {words}", f"    {words}"]


def test_only_the_line_count_is_capped_and_it_says_how_many_were_left_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    demo._show(_result("\n".join(f"line {n}" for n in range(30))), max_lines=5)
    printed = capsys.readouterr().out.splitlines()
    assert printed == [*(f"line {n}" for n in range(5)), "… (25 more lines)"]


@pytest.mark.slow
def test_the_demo_walks_through_knowledge_the_sandbox_project_and_a_deploy_and_exits_zero(
    tmp_path: Path,
) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-m", "zcp.demo"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "sandbox: scenario 'standard' at http://127.0.0.1:" in out
    for step in (
        "zerops_knowledge",
        "zerops_discover",
        "zerops_logs",
        "zerops_events",
        "zerops_scale",
        "zerops_verify",
        "zerops_deploy",
    ):
        assert f"▶ {step} " in out, step
    assert "Project demo (ACTIVE" in out
    assert "⋯ scale appdev: appdev RUNNING after" in out  # progress printed as it arrived
    assert "scaling now: minRam=0.5, maxRam=2, maxContainers=2" in out
    # The deploy story: mounted after provision, deployed and verified, promoted, served, closed itself.
    assert "Mounted apidev under" in out
    assert "⋯ deploy apidev: " in out  # build progress as it arrived
    assert "DEPLOYED: apidev: the new version is ACTIVE" in out
    assert "DEPLOYED: apistage: the new version is ACTIVE (setup prod" in out
    assert "HTTP 200: Hello from apistage - PostgreSQL at db" in out
    assert "Develop session closed (auto-complete)" in out
    # …then the broken build, classified, with its log.
    assert "BUILD_FAILED: apidev: the deploy ended BUILD_FAILED in the build phase" in out
    assert "failure class: build" in out
    assert "SyntaxError" in out
    assert out.rstrip().endswith("demo finished")
    _assert_readable(out)


def _assert_readable(out: str) -> None:
    """What a new user saw go wrong: raw **bold** markers, cut lines, raw build statuses."""
    assert "**" not in out
    # A long card line (over the width) arrives whole: wrapped, nothing cut off, markers gone.
    card = (REPO_ROOT / "corpus" / "themes" / "services.md").read_text(encoding="utf-8")
    valkey = card[card.index("## Valkey") :]
    long_line = next(line for line in valkey.splitlines() if len(line) > demo._WIDTH)
    shown = _unwrapped(_section(out, 'zerops_knowledge {"uri": "zerops://themes/services#valkey"}'))
    assert long_line.replace("**", "") in shown
    # Build events read "deployed" with a rounded duration, not ACTIVE with four decimals.
    builds = [line for line in _section(out, "zerops_events ") if "  build  " in line]
    assert builds, "the standard sandbox has build events"
    for line in builds:
        assert " deployed " in line and " ACTIVE " not in line, line
        assert ROUNDED.search(line) and not re.search(r"\d\.\d{2,}s", line), line
