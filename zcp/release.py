"""``make release`` / ``make release-patch``: cut a release from a clean tree, or refuse.

Steps, in order; any failure stops the release before the tag:

1. refuse a tree with changes to tracked files, an existing tag for the new version, or a
   ``CHANGELOG.md`` whose "Unreleased" section is empty;
2. run the checks (``make lint`` and ``make test``) — a failing test aborts with nothing changed;
3. bump ``__version__`` in ``zcp/__init__.py`` (the one place the version lives) and date the
   changelog entry;
4. build the sdist and the wheel into ``dist/`` and check the wheel carries the corpus, the
   recipes and the workflow scenarios;
5. commit "Release vX.Y.Z" and tag ``vX.Y.Z`` (annotated). Pushing is left to the person.

A developer tool: it runs from a checkout (``python -m zcp.release minor|patch``), not from a wheel.
"""

from __future__ import annotations

import argparse
import datetime
import re
import shlex
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

__all__ = ["ReleaseError", "bump", "main", "release_changelog", "set_version", "wheel_problems"]

VERSION_FILE = Path("zcp") / "__init__.py"
CHANGELOG = Path("CHANGELOG.md")
DEFAULT_CHECKS = ("make lint", "make test")
_VERSION = re.compile(r'^__version__ = "(\d+)\.(\d+)\.(\d+)"$', re.MULTILINE)
_UNRELEASED = re.compile(r"^## Unreleased[ \t]*\n", re.MULTILINE)

Part = Literal["minor", "patch"]


class ReleaseError(Exception):
    """A reason not to release, said so the person can fix it."""


def current_version(text: str) -> str:
    """The ``__version__`` in the text of ``zcp/__init__.py``."""
    match = _VERSION.search(text)
    if match is None:
        raise ReleaseError(f'{VERSION_FILE} has no line `__version__ = "X.Y.Z"`')
    return ".".join(match.groups())


def bump(version: str, part: Part) -> str:
    """``0.3.1`` → ``0.4.0`` (minor) or ``0.3.2`` (patch)."""
    major, minor, patch = (int(p) for p in version.split("."))
    return f"{major}.{minor + 1}.0" if part == "minor" else f"{major}.{minor}.{patch + 1}"


def set_version(text: str, version: str) -> str:
    """The text of ``zcp/__init__.py`` with ``__version__`` set to ``version``."""
    current_version(text)
    return _VERSION.sub(f'__version__ = "{version}"', text, count=1)


def release_changelog(text: str, version: str, date: datetime.date) -> str:
    """Turn the "Unreleased" entries into the ``version`` entry, leaving an empty "Unreleased" on top."""
    match = _UNRELEASED.search(text)
    if match is None:
        raise ReleaseError(f"{CHANGELOG} has no '## Unreleased' section to release")
    following = re.search(r"^## ", text[match.end() :], re.MULTILINE)
    end = match.end() + following.start() if following else len(text)
    entries = text[match.end() : end].strip()
    if not entries:
        raise ReleaseError(
            f"the '## Unreleased' section of {CHANGELOG} is empty: write what this release changes first"
        )
    released = f"## Unreleased\n\n## {version} — {date.isoformat()}\n\n{entries}\n\n"
    return text[: match.start()] + released + text[end:].lstrip("\n")


def wheel_problems(wheel: Path, root: Path) -> list[str]:
    """What the wheel lacks of the corpus, the recipes and the scenarios in the checkout."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    expected = {
        "corpus": [
            f"zcp/_corpus/{p.relative_to(root / 'corpus').as_posix()}" for p in _files(root / "corpus")
        ],
        "recipes": [f"zcp/_corpus/recipes/{p.name}" for p in _files(root / "corpus" / "recipes")],
        "scenarios": [
            f"zcp/_scenarios/{p.name}"
            for p in sorted((root / "tests" / "workflow" / "scenarios").glob("*.yaml"))
        ],
    }
    problems = []
    for what, wanted in expected.items():
        if not wanted:
            problems.append(f"the checkout has no {what} to ship")
            continue
        missing = [name for name in wanted if name not in names]
        if missing:
            problems.append(f"the wheel lacks {len(missing)} {what} file(s), e.g. {missing[0]}")
    return problems


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def _step(message: str) -> None:
    print(f"==> {message}", flush=True)


def release(root: Path, part: Part, checks: Sequence[str], today: datetime.date) -> str:
    """Cut the release in ``root``; returns the tag. Raises :class:`ReleaseError` to refuse."""
    dirty = _git(root, "status", "--porcelain", "--untracked-files=no").strip()
    if dirty:
        raise ReleaseError(f"the work tree has uncommitted changes to tracked files:\n{dirty}")
    version_path, changelog_path = root / VERSION_FILE, root / CHANGELOG
    version_text = version_path.read_text(encoding="utf-8")
    changelog_text = changelog_path.read_text(encoding="utf-8") if changelog_path.is_file() else ""
    new = bump(current_version(version_text), part)
    tag = f"v{new}"
    if _git(root, "tag", "--list", tag).strip():
        raise ReleaseError(f"the tag {tag} exists already")
    new_changelog = release_changelog(changelog_text, new, today)  # refuses an empty entry early

    for command in checks:
        _step(command)
        if subprocess.run(shlex.split(command), cwd=root, check=False).returncode != 0:
            raise ReleaseError(f"`{command}` failed: nothing was changed, no tag was made")

    _step(f"version {new}")
    version_path.write_text(set_version(version_text, new), encoding="utf-8")
    changelog_path.write_text(new_changelog, encoding="utf-8")
    try:
        _step("build sdist and wheel")
        dist = root / "dist"
        dist.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory() as scratch:
            built = subprocess.run(
                [sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-t", "wheel", "-d", scratch],
                cwd=root,
                capture_output=True,
                text=True,
                check=False,
            )
            if built.returncode != 0:
                raise ReleaseError(f"the build failed:\n{built.stderr.strip()}")
            artefacts = sorted(Path(scratch).iterdir())
            wheel = next((p for p in artefacts if p.name == f"zcp-{new}-py3-none-any.whl"), None)
            if wheel is None:
                raise ReleaseError(f"no wheel for {new} was built: {[p.name for p in artefacts]}")
            problems = wheel_problems(wheel, root)
            if problems:
                raise ReleaseError("the wheel is incomplete: " + "; ".join(problems))
            for artefact in artefacts:
                artefact.replace(dist / artefact.name)
    except BaseException:
        version_path.write_text(version_text, encoding="utf-8")
        changelog_path.write_text(changelog_text, encoding="utf-8")
        raise
    _step(f"commit and tag {tag}")
    _git(root, "add", str(VERSION_FILE), str(CHANGELOG))
    _git(root, "commit", "-q", "-m", f"Release {tag}")
    _git(root, "tag", "-a", tag, "-m", f"zcp {new}")
    return tag


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m zcp.release minor|patch [--check CMD …]``."""
    parser = argparse.ArgumentParser(prog="python -m zcp.release", description="Cut a zcp release.")
    parser.add_argument("part", choices=["minor", "patch"])
    parser.add_argument(
        "--check",
        action="append",
        help=f"a command that must pass first (repeatable; default: {', '.join(DEFAULT_CHECKS)})",
    )
    args = parser.parse_args(argv)
    try:
        tag = release(Path.cwd(), args.part, args.check or list(DEFAULT_CHECKS), datetime.date.today())
    except ReleaseError as error:
        print(f"release refused: {error}", file=sys.stderr)
        return 1
    print(f"released {tag}: artefacts in dist/; publish with `git push && git push origin {tag}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
