"""Atom lints that need the synthesizer's view: bodies, ids, tool calls, and reachability.

``zcp corpus lint`` calls :func:`lint_atoms` next to the knowledge lints (which already cover
frontmatter and ``referencesAtoms``). The test suite adds :func:`reachability_problems`, which
needs the scenario fixtures: every atom must be reached by at least one scenario unless it says
why not (``coverageExempt``). Every problem prints as ``path:line: message``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from zcp.errors import CorpusError
from zcp.knowledge.corpus import Corpus
from zcp.knowledge.documents import AtomMeta, Document, Kind
from zcp.knowledge.lint import LintProblem
from zcp.workflow.atoms import AtomSet, compile_atom
from zcp.workflow.vocabulary import TOOL_ARGUMENTS, WORKFLOW_ACTIONS, WORKFLOW_NAMES

__all__ = ["lint_atom_documents", "lint_atoms", "reachability_problems", "tool_call_problems"]

_CODE_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_TOOL = re.compile(r"\bzerops_[a-z_]+\b")
_ARG = re.compile(r"""(?:^|\s)([A-Za-z][A-Za-z0-9]*)=("(?:[^"\\]|\\.)*"|\[[^\]]*\]|\{[^}]*\}|[^\s`]+)""")


def _from_error(error: CorpusError) -> LintProblem:
    head, _, message = str(error).partition(": ")
    path, _, line = head.rpartition(":")
    if path and line.isdigit():
        return LintProblem(path, int(line), message)
    return LintProblem(head, 1, message)


def tool_call_problems(doc: Document) -> list[LintProblem]:
    """Tool names, argument names and workflow actions in inline code that do not exist."""
    problems: list[LintProblem] = []
    path = doc.provenance.path
    in_fence = False
    for offset, line in enumerate(doc.body.split("\n")):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        line_no = doc.body_line + offset
        for span in _CODE_SPAN.finditer(line):
            code = span.group(1).strip()
            for tool in _TOOL.findall(code):
                if tool not in TOOL_ARGUMENTS:
                    problems.append(LintProblem(path, line_no, f"unknown tool {tool}"))
            head = code.split(" ", 1)[0]
            if head not in TOOL_ARGUMENTS:
                continue
            for match in _ARG.finditer(code[len(head) :]):
                key, value = match.group(1), match.group(2).strip('"')
                if key not in TOOL_ARGUMENTS[head]:
                    problems.append(LintProblem(path, line_no, f"{head} has no argument {key!r}"))
                elif head == "zerops_workflow" and key == "action" and value not in WORKFLOW_ACTIONS:
                    problems.append(LintProblem(path, line_no, f"zerops_workflow has no action {value!r}"))
                elif head == "zerops_workflow" and key == "workflow" and value not in WORKFLOW_NAMES:
                    problems.append(LintProblem(path, line_no, f"zerops_workflow has no workflow {value!r}"))
    return problems


def lint_atom_documents(documents: Iterable[Document]) -> list[LintProblem]:
    """Body templates (placeholders, for-each-service blocks), duplicate ids and tool calls."""
    problems: list[LintProblem] = []
    seen: dict[str, str] = {}
    for doc in documents:
        if doc.kind is not Kind.ATOM or not isinstance(doc.meta, AtomMeta):
            continue
        path = doc.provenance.path
        try:
            compile_atom(doc)
        except CorpusError as exc:
            problems.append(_from_error(exc))
        atom_id = doc.meta.id
        if atom_id in seen:
            problems.append(
                LintProblem(path, 2, f"id: duplicate atom id {atom_id!r} (also in {seen[atom_id]})")
            )
        else:
            seen[atom_id] = path
        problems.extend(tool_call_problems(doc))
    return sorted(set(problems))


def lint_atoms(corpus: Corpus) -> list[LintProblem]:
    """The atom lints for ``zcp corpus lint``."""
    return lint_atom_documents(corpus.of_kind(Kind.ATOM))


def reachability_problems(atoms: AtomSet, reached: Mapping[str, Iterable[str]]) -> list[LintProblem]:
    """Atoms no scenario reaches (unless exempt), and exemptions that are no longer true.

    ``reached`` maps atom id → the scenarios whose synthesis included it.
    """
    problems: list[LintProblem] = []
    for atom in sorted(atoms.atoms, key=lambda a: a.id):
        scenarios = sorted(reached.get(atom.id, ()))
        exempt = atom.meta.coverageExempt
        if not scenarios and not exempt:
            problems.append(
                LintProblem(
                    atom.path,
                    1,
                    "no scenario reaches this atom: add a scenario under tests/workflow/scenarios/ "
                    "(`zcp preview --explain` shows what excludes it) or a coverageExempt reason",
                )
            )
        elif scenarios and exempt:
            problems.append(
                LintProblem(
                    atom.path,
                    1,
                    f"coverageExempt, but scenario {scenarios[0]} reaches this atom: drop the exemption",
                )
            )
    return problems
