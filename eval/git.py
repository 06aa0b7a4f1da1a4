"""git for the eval's own needs (bare repositories, a user's checkout, the agent's commits)."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["git"]


def git(*args: str, cwd: Path | None = None) -> str:
    """Run git without prompts or the user's configuration; returns stdout (raises on failure)."""
    env = {
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_AUTHOR_NAME": "zcp eval",
        "GIT_AUTHOR_EMAIL": "eval@zcp.invalid",
        "GIT_COMMITTER_NAME": "zcp eval",
        "GIT_COMMITTER_EMAIL": "eval@zcp.invalid",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=60
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout
