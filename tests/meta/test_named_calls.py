"""Guidance may name only what exists: every ``zerops_*`` tool, workflow action and parameter mentioned
in the corpus, in tool descriptions and in any string of zcp's code (suggestions, next actions,
recoveries, prompts) is checked against the tool registry itself.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from zcp.app import App
from zcp.config import Settings
from zcp.tools import tool_factories
from zcp.tools.base import ZcpTool
from zcp.tools.vocabulary import registry_vocabulary
from zcp.workflow.lint import calls_in, tool_calls

REPO = Path(__file__).resolve().parents[2]
#: Identifiers that start like a tool but are not one (check names, env names, file stems).
NOT_TOOLS = frozenset({"zerops_yml", "zerops_yaml", "zerops_yml_exists", "zerops_yaml_exists"})
_NAME = re.compile(r"\bzerops_[a-z_]+\b")


def _problems(text: str, where: str, *, code_only: bool) -> list[str]:
    vocabulary = registry_vocabulary()
    found: list[str] = []
    calls = [(0, t, a) for t, a in calls_in(text)] if not code_only else tool_calls(text)
    for offset, tool, args in calls:
        if tool in NOT_TOOLS:
            continue
        found += [f"{where}:{offset + 1}: {p}" for p in vocabulary.problems(tool, args)]
    if code_only:  # tool names in prose must exist too
        for name in set(_NAME.findall(text)) - NOT_TOOLS:
            if name not in vocabulary.tools:
                found.append(f"{where}: unknown tool {name}")
    return found


@pytest.mark.parametrize("kind", ["atoms", "recipes", "themes", "bases"])
def test_every_call_in_the_corpus_names_a_registered_tool_action_and_parameters(kind: str) -> None:
    problems: list[str] = []
    for path in sorted((REPO / "corpus" / kind).glob("*.md")):
        problems += _problems(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)), code_only=True)
    assert problems == []


def test_every_call_in_tool_descriptions_exists() -> None:
    app = App(Settings())
    problems: list[str] = []
    for factory in tool_factories():
        tool = ZcpTool.create(factory(app), app)
        texts = [tool.description or ""]
        texts += [p.get("description", "") for p in tool.parameters.get("properties", {}).values()]
        for text in texts:
            problems += _problems(text, tool.name, code_only=False)
    assert problems == []


def _string_constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "zerops_" in node.value:
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(
                v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "<x>"
                for v in node.values
            )
            if "zerops_" in text:
                found.append((node.lineno, text))
    return found


def test_every_call_suggested_in_zcp_code_exists() -> None:
    problems: list[str] = []
    for path in sorted((REPO / "zcp").rglob("*.py")):
        rel = path.relative_to(REPO)
        if rel.parts[:2] == ("zcp", "sandbox"):
            continue  # the emulator speaks the API, not the tools
        for line, text in _string_constants(path):
            for tool, args in calls_in(text):
                if tool in NOT_TOOLS or tool == "zerops_":
                    continue
                problems += [f"{rel}:{line}: {p}" for p in registry_vocabulary().problems(tool, args)]
    assert problems == []


def _literal_calls(path: Path) -> list[tuple[int, str, dict[str, str]]]:
    """Tool calls built in code: ``ToolCall.of("zerops_x", k=v)``, ``ToolCall(tool=…, args={…})``,
    ``NextAction(tool=…, args={…})`` and the workflow helper ``_workflow_call(label, why, k=v)``.

    Only literal names are checked (``**spread`` and computed keys are skipped); a literal string
    value is kept so workflow actions and workflows are checked too.
    """

    def value_of(node: ast.expr) -> str:
        return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else "<x>"

    found: list[tuple[int, str, dict[str, str]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        keywords = {k.arg: k.value for k in node.keywords if k.arg is not None}
        if isinstance(func, ast.Attribute) and func.attr == "of" and node.args:
            tool = value_of(node.args[0])
            args = {key: value_of(value) for key, value in keywords.items()}
        elif isinstance(func, ast.Name) and func.id in ("ToolCall", "NextAction") and "tool" in keywords:
            tool = value_of(keywords["tool"])
            literal = keywords.get("args")
            if not isinstance(literal, ast.Dict):
                args = {}
            else:
                args = {
                    k.value: value_of(v)
                    for k, v in zip(literal.keys, literal.values, strict=True)
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)
                }
        elif isinstance(func, ast.Name) and func.id == "_workflow_call":
            tool, args = "zerops_workflow", {key: value_of(value) for key, value in keywords.items()}
        else:
            continue
        if tool.startswith("zerops_"):
            found.append((node.lineno, tool, args))
    return found


def test_every_tool_call_built_in_zcp_code_names_real_parameters_and_actions() -> None:
    vocabulary = registry_vocabulary()
    problems: list[str] = []
    checked = 0
    for path in sorted((REPO / "zcp").rglob("*.py")):
        rel = path.relative_to(REPO)
        if rel.parts[:2] == ("zcp", "sandbox"):
            continue
        for line, tool, args in _literal_calls(path):
            checked += 1
            problems += [f"{rel}:{line}: {p}" for p in vocabulary.problems(tool, args)]
    assert checked > 80  # the scan really sees the calls (there are over a hundred)
    assert problems == []
