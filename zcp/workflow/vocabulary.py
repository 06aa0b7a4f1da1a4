"""The tool calls guidance may name, as data: tool names, their parameters, workflow actions.

:class:`ToolVocabulary` is filled from the tool registry itself (:func:`zcp.tools.vocabulary.
registry_vocabulary`), so atoms, recipes, plans and suggestions are checked against what is really
registered — there is no hand-kept copy to drift, and guidance may name only registered tools.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ToolVocabulary"]


@dataclass(frozen=True)
class ToolVocabulary:
    """What exists: ``tools`` maps each tool to its parameter names."""

    tools: dict[str, frozenset[str]]
    actions: frozenset[str] = frozenset()
    workflows: frozenset[str] = frozenset()

    def problems(self, tool: str, args: dict[str, str]) -> list[str]:
        """What is wrong with a call of ``tool`` with these arguments (raw values, quotes stripped)."""
        if tool not in self.tools:
            return [f"unknown tool {tool}"]
        found = []
        for key, value in args.items():
            if key not in self.tools[tool]:
                found.append(f"{tool} has no argument {key!r}")
            elif (
                tool == "zerops_workflow"
                and key == "action"
                and value not in self.actions
                and not value.startswith("<")
            ):
                found.append(f"zerops_workflow has no action {value!r}")
            elif (
                tool == "zerops_workflow"
                and key == "workflow"
                and value not in self.workflows
                and not value.startswith("<")
            ):
                found.append(f"zerops_workflow has no workflow {value!r}")
        return found
