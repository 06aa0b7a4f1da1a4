"""Gates that tie other tools to the workflow state.

* :func:`require_workflow_context` — tools that create infrastructure or mount code (``zerops_import``,
  ``zerops_mount``) work only inside a workflow session of this process: an open bootstrap, or an
  open develop session. Otherwise ``WORKFLOW_REQUIRED`` with the call that opens one.
* :func:`require_managed` — deploys go only to runtimes zcp manages (a complete service meta covers
  them), once any meta exists; before that (a project zcp never bootstrapped) nothing is gated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import anyio.to_thread

from zcp.calls import ToolCall
from zcp.errors import ServiceNotFound, WorkflowRequired
from zcp.ops.workflow.live import current_session
from zcp.workflow.actions import INTENT_FILL

if TYPE_CHECKING:
    from zcp.app import App

__all__ = ["require_managed", "require_workflow_context"]


async def require_workflow_context(app: App, tool: str) -> None:
    """Refuse ``tool`` unless this process has an open bootstrap or develop session."""
    store = app.state

    def has_context() -> bool:
        work = store.work_session()
        return (work is not None and not work.closed) or current_session(store) is not None

    if await anyio.to_thread.run_sync(has_context):
        return
    start = ToolCall.of("zerops_workflow", action="start", workflow="bootstrap", intent=INTENT_FILL)
    raise WorkflowRequired(
        f"{tool} runs inside a workflow session, and none is open in this zcp process",
        suggestion=f"Open a bootstrap to create services ({start.command}), or a develop session for "
        'code work (zerops_workflow action="start" workflow="develop" intent="…" scope=[…]).',
        recovery=start,
    )


async def require_managed(app: App, hostnames: Iterable[str]) -> None:
    """Refuse hosts that no complete service meta covers (only once zcp manages anything)."""
    store = app.state

    def unmanaged() -> list[str]:
        if not store.has_metas_folder():
            return []
        metas = [m for m in store.list_metas() if m.complete]
        return sorted(h for h in set(hostnames) if not any(h in m.hostnames for m in metas))

    missing = await anyio.to_thread.run_sync(unmanaged)
    if missing:
        adopt = ToolCall.of(
            "zerops_workflow",
            action="start",
            workflow="bootstrap",
            route="adopt",
            intent="adopt existing services",
        )
        raise ServiceNotFound(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not managed by zcp",
            suggestion=f"Adopt {'it' if len(missing) == 1 else 'them'} first: {adopt.command}.",
            recovery=adopt,
            details={"unmanaged": missing},
        )
