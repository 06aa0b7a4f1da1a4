"""One module per MCP tool: input, annotations, call into the core, shape the output.

:data:`TOOL_MODULES` is the registry, in ``tools/list`` order: each entry names the tool, its module
and its factory, which takes the :class:`~zcp.app.App` and returns a
:class:`~zcp.tools.base.ToolDefinition`. The modules are imported by :func:`tool_factories` when the
server first needs all its tools (not at start-up, so ``initialize`` is answered fast), or one at a
time by :func:`tool_factory` (a first call builds only the tool it calls). Meta-tests
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

TOOL_MODULES: tuple[tuple[str, str, str], ...] = (
    ("zerops_workflow", "zcp.tools.workflow", "workflow_tool"),
    ("zerops_knowledge", "zcp.tools.knowledge", "knowledge_tool"),
    ("zerops_discover", "zcp.tools.discover", "discover_tool"),
    ("zerops_logs", "zcp.tools.logs", "logs_tool"),
    ("zerops_events", "zcp.tools.events", "events_tool"),
    ("zerops_process", "zcp.tools.process", "process_tool"),
    ("zerops_export", "zcp.tools.export", "export_tool"),
    ("zerops_verify", "zcp.tools.verify", "verify_tool"),
    ("zerops_manage", "zcp.tools.manage", "manage_tool"),
    ("zerops_scale", "zcp.tools.scale", "scale_tool"),
    ("zerops_subdomain", "zcp.tools.subdomain", "subdomain_tool"),
    ("zerops_env", "zcp.tools.env", "env_tool"),
    ("zerops_import", "zcp.tools.importing", "import_tool"),
    ("zerops_delete", "zcp.tools.delete", "delete_tool"),
    ("zerops_deploy", "zcp.tools.deploy", "deploy_tool"),
    ("zerops_deploy_batch", "zcp.tools.deploy_batch", "deploy_batch_tool"),
    ("zerops_mount", "zcp.tools.mount", "mount_tool"),
    ("zerops_dev_server", "zcp.tools.dev_server", "dev_server_tool"),
)


#: Registered tool names, in ``tools/list`` order (known without importing any tool module).
TOOL_NAMES: tuple[str, ...] = tuple(name for name, _module, _factory in TOOL_MODULES)


def tool_factories() -> tuple[ToolFactory, ...]:
    """Import every tool module and return its factory, in registry order."""
    return tuple(getattr(importlib.import_module(module), factory) for _name, module, factory in TOOL_MODULES)


def tool_factory(name: str) -> ToolFactory | None:
    """The factory of the tool called ``name`` (importing only its module), or ``None``."""
    for registered, module, factory in TOOL_MODULES:
        if registered == name:
            found: ToolFactory = getattr(importlib.import_module(module), factory)
            return found
    return None
