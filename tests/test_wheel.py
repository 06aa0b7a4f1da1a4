"""An installed wheel carries the corpus and the scenarios: `pip install` it into a fresh venv and
search, `zcp preview --list` and the README's preview example work without a checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Installed:
    python: Path
    site: Path
    home: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.home),
            "XDG_CACHE_HOME": str(self.home / "cache"),
        }
        return subprocess.run(
            [str(self.python), *args],
            cwd=self.home,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp_path = tmp_path_factory.mktemp("wheel")
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(dist)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("zcp-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # Install the wheel itself with this interpreter's pip; its dependencies come from the test
    # environment (added after the venv's own site-packages, so the wheel's zcp wins). A plain path
    # line in a .pth does not run the editable install's own .pth hooks.
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    (site / "zz_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    return Installed(python=python, site=site, home=home)


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Installed) -> None:
    located = installed.run("-c", "import zcp.knowledge.paths as p; print(p.__file__)")
    assert located.stdout.startswith(str(installed.site)), located


def test_a_wheel_installed_in_a_fresh_venv_answers_knowledge_queries(installed: Installed) -> None:
    done = installed.run("-m", "zcp", "knowledge", "postgres")
    assert done.returncode == 0, done.stderr
    assert "zerops://themes/services#postgresql" in done.stdout
    assert (installed.home / "cache" / "zcp" / "index" / "CURRENT").is_file()


def test_preview_lists_the_shipped_scenarios_from_a_wheel(installed: Installed) -> None:
    done = installed.run("-m", "zcp", "preview", "--list")
    assert done.returncode == 0, done.stderr
    shipped = sorted(p.stem for p in (REPO / "tests" / "workflow" / "scenarios").glob("*.yaml"))
    assert [line.split(":", 1)[0].removeprefix("- ") for line in done.stdout.splitlines()] == shipped


def test_the_readme_preview_example_works_from_a_wheel(installed: Installed) -> None:
    done = installed.run("-m", "zcp", "preview", "develop-first-deploy-dev-dynamic", "--explain")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("## Status")
    assert "## Matched atoms" in done.stdout and "## Not matched" in done.stdout
