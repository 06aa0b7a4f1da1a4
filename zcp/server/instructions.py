"""The MCP ``instructions`` string: what this server is and how to start, in a few lines.

Only facts known at start-up and true for the whole session go here (environment, mode); the
detailed, state-aware guidance comes from the tools. Kept under 2 KB and deterministic.
"""

from __future__ import annotations

from zcp.app import App


def build_instructions(app: App) -> str:
    """Instructions for this process, derived from settings only (no network)."""
    settings = app.settings
    where = (
        f"inside the Zerops project (service `{settings.self_hostname}`)"
        if settings.in_container
        else "on a developer machine, next to the Zerops project"
    )
    lines = [
        f"zcp controls one Zerops project (zerops.io PaaS). It runs {where}.",
        "",
        "- Ask `zerops_knowledge` before writing zerops.yaml or import YAML: query= to search, "
        'runtime=/services= for a stack briefing, recipe= for a starter, scope="infrastructure" '
        "for the platform reference, uri= to read a hit in full.",
    ]
    if app.platform is None:
        lines.append(
            "- Knowledge-only mode: no Zerops credentials are configured, so tools that touch the project "
            "answer AUTH_REQUIRED with how to set a token (ZCP_API_KEY) or point zcp at the local sandbox."
        )
    else:
        lines.append("- Start with `zerops_discover` to see the project's services before changing anything.")
    if settings.read_only:
        lines.append("- Read-only mode: tools that change the project refuse with READ_ONLY.")
    if settings.state_dir.exists():  # only then is there workflow state to report (and to import for)
        from zcp.ops.workflow.boot import state_hint

        lines += state_hint(app.state)
    lines.append(
        "- Every tool error is JSON with code, error and suggestion; follow the suggestion (or `recovery`) "
        "rather than guessing."
    )
    return "\n".join(lines)
