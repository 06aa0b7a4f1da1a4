"""The dependencies pyproject.toml declares are exactly the ones zcp imports."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: Declared ahead of the code that imports them, while that code is being written elsewhere.
#: Remove an entry as soon as the import lands (the last test says when).
DECLARED_AHEAD: dict[str, str] = {}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {_normalise(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0]) for spec in project["dependencies"]}


def imported_modules() -> set[str]:
    """Top-level modules imported anywhere in zcp (lazy imports inside functions included)."""
    found: set[str] = set()
    for path in (REPO / "zcp").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m != "zcp" and m not in sys.stdlib_module_names}


def imported_distributions() -> dict[str, set[str]]:
    """Distribution → the modules of it that zcp imports."""
    owners = importlib.metadata.packages_distributions()
    result: dict[str, set[str]] = {}
    for module in imported_modules():
        dists = owners.get(module)
        assert dists, f"zcp imports {module!r}, which no installed distribution provides"
        for dist in dists:
            result.setdefault(_normalise(dist), set()).add(module)
    return result


def test_every_imported_distribution_is_declared() -> None:
    missing = {d: m for d, m in imported_distributions().items() if d not in declared()}
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_every_declared_distribution_is_imported() -> None:
    unused = declared() - set(imported_distributions()) - set(DECLARED_AHEAD)
    assert not unused, f"declared in pyproject.toml but never imported: {sorted(unused)}"


def test_the_declared_ahead_list_stays_honest() -> None:
    assert set(DECLARED_AHEAD) <= declared()
    landed = set(DECLARED_AHEAD) & set(imported_distributions())
    assert not landed, f"{sorted(landed)} are imported now: remove them from DECLARED_AHEAD"
