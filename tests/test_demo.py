"""`make run`'s demo, run end to end as a user runs it: a subprocess that spawns `zcp serve`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


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
