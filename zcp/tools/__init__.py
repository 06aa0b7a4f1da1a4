"""One module per MCP tool: input, annotations, call into the core, shape the output.

:data:`TOOL_FACTORIES` is the registry: each factory takes the :class:`~zcp.app.App` and returns a
:class:`~zcp.tools.base.ToolDefinition`. Meta-tests enumerate it, so a tool added here without
annotations, an output schema, a README entry or a behaviour test fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable

from zcp.tools.base import ToolDefinition
from zcp.tools.delete import delete_tool
from zcp.tools.discover import discover_tool
from zcp.tools.env import env_tool
from zcp.tools.events import events_tool
from zcp.tools.export import export_tool
from zcp.tools.importing import import_tool
from zcp.tools.knowledge import knowledge_tool
from zcp.tools.logs import logs_tool
from zcp.tools.manage import manage_tool
from zcp.tools.process import process_tool
from zcp.tools.scale import scale_tool
from zcp.tools.subdomain import subdomain_tool
from zcp.tools.verify import verify_tool

TOOL_FACTORIES: tuple[Callable[..., ToolDefinition], ...] = (
    knowledge_tool,
    discover_tool,
    logs_tool,
    events_tool,
    process_tool,
    export_tool,
    verify_tool,
    manage_tool,
    scale_tool,
    subdomain_tool,
    env_tool,
    import_tool,
    delete_tool,
)
