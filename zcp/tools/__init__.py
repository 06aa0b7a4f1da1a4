"""One module per MCP tool: input, annotations, call into the core, shape the output.

:data:`TOOL_MODULES` is the registry, in ``tools/list`` order: each entry names a module and its
factory, which takes the :class:`~zcp.app.App` and returns a
:class:`~zcp.tools.base.ToolDefinition`. The modules are imported by :func:`tool_factories` when the
server first needs its tools (not at start-up, so ``initialize`` is answered fast). Meta-tests
enumerate the registry, so a tool added here without annotations, an output schema, a README entry
or a behaviour test fails the suite.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.tools.base import ToolDefinition

ToolFactory = Callable[["App"], "ToolDefinition"]

TOOL_MODULES: tuple[tuple[str, str], ...] = (
    ("zcp.tools.workflow", "workflow_tool"),
    ("zcp.tools.knowledge", "knowledge_tool"),
    ("zcp.tools.discover", "discover_tool"),
    ("zcp.tools.logs", "logs_tool"),
    ("zcp.tools.events", "events_tool"),
    ("zcp.tools.process", "process_tool"),
    ("zcp.tools.export", "export_tool"),
    ("zcp.tools.verify", "verify_tool"),
    ("zcp.tools.manage", "manage_tool"),
    ("zcp.tools.scale", "scale_tool"),
    ("zcp.tools.subdomain", "subdomain_tool"),
    ("zcp.tools.env", "env_tool"),
    ("zcp.tools.importing", "import_tool"),
    ("zcp.tools.delete", "delete_tool"),
    ("zcp.tools.deploy", "deploy_tool"),
    ("zcp.tools.deploy_batch", "deploy_batch_tool"),
    ("zcp.tools.mount", "mount_tool"),
    ("zcp.tools.dev_server", "dev_server_tool"),
)


def tool_factories() -> tuple[ToolFactory, ...]:
    """Import every tool module and return its factory, in registry order."""
    factories: list[ToolFactory] = []
    for module, name in TOOL_MODULES:
        factories.append(getattr(importlib.import_module(module), name))
    return tuple(factories)
