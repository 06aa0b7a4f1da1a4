"""`make release`: refuse a dirty tree or a failing check, bump one version, build, check the wheel, tag."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from zcp import __version__
from zcp.release import ReleaseError, bump, release_changelog, set_version, wheel_problems

REPO = Path(__file__).resolve().parents[2]
TODAY = datetime.date(2026, 3, 14)
CHANGELOG = (
    "# Changelog\n\nIntro.\n\n## Unreleased\n\n- Added a thing.\n\n## 0.1.0 — 2026-01-01\n\n- First.\n"
)


def test_bumps_follow_semver() -> None:
    assert bump("0.3.1", "minor") == "0.4.0"
    assert bump("0.3.1", "patch") == "0.3.2"
    assert bump("1.9.9", "minor") == "1.10.0"


def test_the_version_lives_in_one_place() -> None:
    text = (REPO / "zcp" / "__init__.py").read_text(encoding="utf-8")
    assert f'__version__ = "{__version__}"' in text
    assert set_version(text, "9.8.7").count('"9.8.7"') == 1
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and "\nversion =" not in pyproject


def test_the_unreleased_entries_become_the_dated_release_entry() -> None:
    text = release_changelog(CHANGELOG, "0.2.0", TODAY)
    assert text == (
        "# Changelog\n\nIntro.\n\n## Unreleased\n\n## 0.2.0 — 2026-03-14\n\n- Added a thing.\n\n"
        "## 0.1.0 — 2026-01-01\n\n- First.\n"
    )


def test_an_empty_unreleased_section_refuses_the_release() -> None:
    with pytest.raises(ReleaseError, match="empty"):
        release_changelog(release_changelog(CHANGELOG, "0.2.0", TODAY), "0.3.0", TODAY)


def test_a_wheel_without_the_scenarios_is_incomplete(tmp_path: Path) -> None:
    wheel = tmp_path / "zcp-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path in sorted((REPO / "corpus").rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                archive.writestr(f"zcp/_corpus/{path.relative_to(REPO / 'corpus').as_posix()}", "")
    problems = wheel_problems(wheel, REPO)
    assert len(problems) == 1 and "scenarios" in problems[0]


def _clone(tmp_path: Path) -> Path:
    if not (REPO / ".git").exists():
        pytest.skip("releases are cut from a git checkout")
    clone = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    # The clone has what is committed; a release needs an entry to release.
    (clone / "CHANGELOG.md").write_text(CHANGELOG, encoding="utf-8")
    subprocess.run(["git", "commit", "-qam", "changelog entry"], cwd=clone, check=True, env=_git_env())
    return clone


def _git_env() -> dict[str, str]:
    return {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }


def _release(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zcp.release", *args],
        cwd=clone,
        env=_git_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _tags(clone: Path) -> list[str]:
    return subprocess.run(
        ["git", "tag"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout.split()


@pytest.mark.slow
def test_a_patch_release_bumps_builds_checks_the_wheel_and_tags(tmp_path: Path) -> None:
    clone = _clone(tmp_path)
    done = _release(clone, "patch", "--check", "true")
    expected = bump(__version__, "patch")
    assert done.returncode == 0, done.stderr
    assert _tags(clone) == [f"v{expected}"]
    assert f'__version__ = "{expected}"' in (clone / "zcp" / "__init__.py").read_text(encoding="utf-8")
    assert f"## {expected} — " in (clone / "CHANGELOG.md").read_text(encoding="utf-8")
    built = sorted(p.name for p in (clone / "dist").iterdir())
    assert built == [f"zcp-{expected}-py3-none-any.whl", f"zcp-{expected}.tar.gz"]
    subject = subprocess.run(
        ["git", "log", "-1", "--format=%s"], cwd=clone, capture_output=True, text=True
    ).stdout
    assert subject.strip() == f"Release v{expected}"
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=clone, capture_output=True, text=True
    )
    assert status.stdout == ""


@pytest.mark.slow
def test_a_failing_check_aborts_before_anything_changes(tmp_path: Path) -> None:
    clone = _clone(tmp_path)
    done = _release(clone, "minor", "--check", "true", "--check", "false")
    assert done.returncode == 1 and "`false` failed" in done.stderr
    assert _tags(clone) == []
    assert f'__version__ = "{__version__}"' in (clone / "zcp" / "__init__.py").read_text(encoding="utf-8")
    assert not (clone / "dist").exists()


@pytest.mark.slow
def test_a_dirty_tree_is_refused(tmp_path: Path) -> None:
    clone = _clone(tmp_path)
    with (clone / "README.md").open("a", encoding="utf-8") as handle:
        handle.write("\nlocal edit\n")
    done = _release(clone, "minor", "--check", "true")
    assert done.returncode == 1 and "uncommitted changes" in done.stderr and "README.md" in done.stderr
    assert _tags(clone) == []


def test_zcp_version_prints_the_one_version() -> None:
    import importlib.metadata

    done = subprocess.run(
        [sys.executable, "-m", "zcp", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == f"zcp {__version__}"
    assert importlib.metadata.version("zcp") == __version__
