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
from zcp.workflow.vocabulary import ToolVocabulary

__all__ = [
    "calls_in",
    "lint_atom_documents",
    "lint_atoms",
    "reachability_problems",
    "tool_call_problems",
    "tool_calls",
]

_CODE_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_TOOL = re.compile(r"\bzerops_[a-z_]+\b")
_ARG = re.compile(r"""(?:^|\s)([A-Za-z][A-Za-z0-9]*)=("(?:[^"\\]|\\.)*"|\[[^\]]*\]|\{[^}]*\}|[^\s`]+)""")


def _from_error(error: CorpusError) -> LintProblem:
    head, _, message = str(error).partition(": ")
    path, _, line = head.rpartition(":")
    if path and line.isdigit():
        return LintProblem(path, int(line), message)
    return LintProblem(head, 1, message)


def tool_calls(text: str) -> list[tuple[int, str, dict[str, str]]]:
    """``(line offset, tool, {arg: raw value})`` for every tool call in inline code outside fences."""
    calls: list[tuple[int, str, dict[str, str]]] = []
    in_fence = False
    for offset, line in enumerate(text.split("\n")):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for span in _CODE_SPAN.finditer(line):
            calls += [(offset, tool, args) for tool, args in calls_in(span.group(1).strip())]
    return calls


def calls_in(code: str) -> list[tuple[str, dict[str, str]]]:
    """The tool names in a piece of code, each with the ``key=value`` arguments that follow it."""
    found = []
    matches = list(_TOOL.finditer(code))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(code)
        rest = code[match.end() : end]
        args: dict[str, str] = {}
        position = 0
        for arg in _ARG.finditer(rest):
            if rest[position : arg.start()].strip():
                break  # the call ended; what follows is prose
            args[arg.group(1)] = arg.group(2).strip('"')
            position = arg.end()
        found.append((match.group(0), args))
    return found


def tool_call_problems(doc: Document, vocabulary: ToolVocabulary) -> list[LintProblem]:
    """Tool names, argument names and workflow actions in inline code that do not exist."""
    problems: list[LintProblem] = []
    for offset, tool, args in tool_calls(doc.body):
        for problem in vocabulary.problems(tool, args):
            problems.append(LintProblem(doc.provenance.path, doc.body_line + offset, problem))
    return problems


def lint_atom_documents(
    documents: Iterable[Document], vocabulary: ToolVocabulary | None = None
) -> list[LintProblem]:
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
        if vocabulary is not None:
            problems.extend(tool_call_problems(doc, vocabulary))
    return sorted(set(problems))


def lint_atoms(corpus: Corpus, vocabulary: ToolVocabulary | None = None) -> list[LintProblem]:
    """The atom lints for ``zcp corpus lint`` (tool calls are checked when a vocabulary is given)."""
    return lint_atom_documents(corpus.of_kind(Kind.ATOM), vocabulary)


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
