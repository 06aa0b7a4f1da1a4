"""YAML zcp did not write is parsed only by :mod:`zcp.safe_yaml`: no other code in zcp calls PyYAML's
loaders (``yaml.safe_load``, ``yaml.load``, ``yaml.compose``, a ``Loader`` class, the parser modules),
so no caller can forget the size and depth limits or catch only ``YAMLError`` (a deep document is a
``RecursionError``, which used to surface as ``UNKNOWN``).

Dumping (``yaml.safe_dump``) and node types (``yaml.MappingNode``) are fine anywhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ZCP = REPO / "zcp"

#: What parses YAML in PyYAML: functions, loader classes and the modules they live in.
LOADING_NAMES = frozenset(
    {
        "load",
        "load_all",
        "safe_load",
        "safe_load_all",
        "full_load",
        "full_load_all",
        "unsafe_load",
        "unsafe_load_all",
        "compose",
        "compose_all",
        "parse",
        "scan",
        "Loader",
        "SafeLoader",
        "FullLoader",
        "UnsafeLoader",
        "BaseLoader",
        "CLoader",
        "CSafeLoader",
        "CFullLoader",
        "CUnsafeLoader",
        "CBaseLoader",
        "CParser",
        "Parser",
        "Composer",
        "Scanner",
        "Reader",
        "Constructor",
        "SafeConstructor",
        "BaseConstructor",
        "FullConstructor",
        "UnsafeConstructor",
    }
)
LOADING_MODULES = frozenset(
    {"loader", "cyaml", "parser", "composer", "scanner", "reader", "constructor", "_yaml"}
)

#: Files allowed to load YAML themselves, and why.
ALLOWED: dict[str, str] = {
    "zcp/safe_yaml.py": "the one loader",
    "zcp/sandbox": "the fake Zerops platform: it parses what zcp sent it, and runs only in tests and demos",
    "zcp/knowledge/parsing.py": "the corpus frontmatter loader, the hot path of the index build; the corpus "
    "is bundled or written by `zcp sync pull`, which reads pulled pages through zcp.safe_yaml",
}


def loader_uses(source: str) -> list[tuple[int, str]]:
    """``(line, what)`` for every use of PyYAML's loading machinery in ``source``."""
    tree = ast.parse(source)
    yaml_names: set[str] = set()  # local names bound to the yaml module
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "yaml":
                    yaml_names.add(alias.asname or "yaml")
                elif alias.name.startswith("yaml.") and alias.name.split(".")[1] in LOADING_MODULES:
                    found.append((node.lineno, f"import {alias.name}"))
                    if alias.asname is None:
                        yaml_names.add("yaml")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "yaml":
                continue
            if len(parts) > 1 and parts[1] in LOADING_MODULES:
                found.append((node.lineno, f"from {node.module} import …"))
                continue
            found += [
                (node.lineno, f"from yaml import {a.name}")
                for a in node.names
                if a.name in LOADING_NAMES | LOADING_MODULES or a.name == "*"
            ]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in yaml_names
            and node.attr in LOADING_NAMES | LOADING_MODULES
        ):
            found.append((node.lineno, f"yaml.{node.attr}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in yaml_names
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in LOADING_NAMES | LOADING_MODULES
        ):
            found.append((node.lineno, f"getattr(yaml, {node.args[1].value!r})"))
    return sorted(set(found))


def _allowed(relative: str) -> bool:
    return any(relative == key or relative.startswith(key + "/") for key in ALLOWED)


def _zcp_files() -> dict[str, str]:
    return {
        str(path.relative_to(REPO)): path.read_text(encoding="utf-8") for path in sorted(ZCP.rglob("*.py"))
    }


def test_no_code_outside_the_one_loader_parses_yaml_itself() -> None:
    problems = [
        f"{relative}:{line}: {what} — parse with zcp.safe_yaml.load_yaml (or compose_yaml) instead"
        for relative, source in _zcp_files().items()
        if not _allowed(relative)
        for line, what in loader_uses(source)
    ]
    assert problems == []


def test_the_scan_sees_every_way_of_reaching_a_loader() -> None:
    source = """
import yaml
import yaml as y
import yaml.constructor
from yaml import CSafeLoader, safe_dump
from yaml.cyaml import CParser

yaml.safe_load(text)
y.load(text, Loader=y.SafeLoader)
yaml.compose(text)
getattr(yaml, "CSafeLoader", None)
yaml.safe_dump(data)
isinstance(node, yaml.MappingNode)
"""
    found = {what for _, what in loader_uses(source)}
    assert found == {
        "import yaml.constructor",
        "from yaml import CSafeLoader",
        "from yaml.cyaml import …",
        "yaml.safe_load",
        "yaml.load",
        "yaml.SafeLoader",
        "yaml.compose",
        "getattr(yaml, 'CSafeLoader')",
    }


def test_every_allowance_is_still_needed() -> None:
    files = _zcp_files()
    stale = []
    for key in ALLOWED:
        covered = [
            source for relative, source in files.items() if relative == key or relative.startswith(key + "/")
        ]
        assert covered, f"{key} does not exist any more: drop it from ALLOWED"
        if not any(loader_uses(source) for source in covered):
            stale.append(key)
    assert stale == [], f"{stale} no longer parse YAML themselves: drop them from ALLOWED"
