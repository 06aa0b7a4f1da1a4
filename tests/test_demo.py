"""`make run`'s demo, run end to end as a user runs it: a subprocess that spawns `zcp serve`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_demo_walks_through_knowledge_and_the_sandbox_project_and_exits_zero(tmp_path: Path) -> None:
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
    ):
        assert f"▶ {step} " in out, step
    assert "Project demo (ACTIVE" in out
    assert "⋯ scale appdev: appdev RUNNING after" in out  # progress printed as it arrived
    assert "scaling now: minRam=0.5, maxRam=2, maxContainers=2" in out
    assert out.rstrip().endswith("demo finished")
