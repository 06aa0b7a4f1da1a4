"""The MCP ``instructions`` string: runtime facts only, one per line.

The agent's standing rules (how to route a request, which tool first, how to read errors) are
static: ``zcp init`` writes them into ``AGENTS.md`` (:mod:`zcp.setup.agents`). What goes here is
what only this process knows at start-up — where it runs, which project it manages, its mode,
whether the standing instructions are missing — so the string stays small (under
:data:`MAX_BYTES`) and deterministic. More facts (for example the workflow sessions this process
has open) are appended as lines through ``extra_facts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from zcp.app import App

__all__ = ["MAX_BYTES", "build_instructions", "runtime_facts"]

MAX_BYTES = 2048


def runtime_facts(app: App, *, working_dir: Path | None = None) -> list[str]:
    """The facts of this process, one line each (settings and the platform connection; no network)."""
    settings = app.settings
    if settings.in_container:
        where = f"inside the Zerops project, in the service `{settings.self_hostname}`"
    else:
        where = "on a developer machine, outside the Zerops project"
    facts = [f"zcp runs {where}."]
    platform = app.platform
    if platform is None:
        facts.append(
            "Knowledge-only mode: no Zerops credentials are configured, so the tools that touch the "
            "project answer AUTH_REQUIRED saying how to add a token."
        )
    else:
        facts.append(f"Managing the Zerops project `{platform.project.name}` ({platform.project.id}).")
    if settings.read_only:
        facts.append("Read-only mode: tools that change the project refuse with READ_ONLY.")
    folder = working_dir if working_dir is not None else settings.work_dir
    if not (folder / "AGENTS.md").is_file():
        facts.append(
            "There is no AGENTS.md in the working directory: zcp's standing instructions are missing; "
            "`zcp init` writes them."
        )
    return facts


def build_instructions(app: App, *, working_dir: Path | None = None, extra_facts: Sequence[str] = ()) -> str:
    """The instructions for this process: :func:`runtime_facts` plus ``extra_facts``, one per line."""
    lines = [*runtime_facts(app, working_dir=working_dir), *extra_facts]
    if app.settings.state_dir.exists():  # only then is there workflow state to report (and to import for)
        from zcp.ops.workflow.boot import state_hint

        lines += state_hint(app.state)
    return "\n".join(f"- {line}" for line in lines)
