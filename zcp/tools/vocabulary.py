"""The vocabulary of calls guidance may name, read from the tool registry."""

from __future__ import annotations

from functools import lru_cache

from zcp.workflow.vocabulary import ToolVocabulary

__all__ = ["registry_vocabulary"]


@lru_cache(maxsize=1)
def registry_vocabulary() -> ToolVocabulary:
    """Every registered tool with its published parameters, and zerops_workflow's actions and workflows."""
    from zcp.app import App
    from zcp.config import Settings
    from zcp.tools import tool_factories
    from zcp.tools.base import ZcpTool

    app = App(Settings())
    tools: dict[str, frozenset[str]] = {}
    actions: frozenset[str] = frozenset()
    workflows: frozenset[str] = frozenset()
    for factory in tool_factories():
        tool = ZcpTool.create(factory(app), app)
        properties = tool.parameters.get("properties", {})
        tools[tool.name] = frozenset(properties)
        if tool.name == "zerops_workflow":
            actions = frozenset(properties["action"].get("enum", ()))
            workflows = frozenset(properties["workflow"].get("enum", ()))
    return ToolVocabulary(tools=tools, actions=actions, workflows=workflows)
