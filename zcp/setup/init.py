"""``zcp init``: the files an MCP host reads, so the agent starts with zcp's rules and tools.

Four files in the working directory, each edited only in zcp's part (:mod:`zcp.setup.files`):

- ``AGENTS.md`` — the standing instructions (:mod:`zcp.setup.agents`), between markers;
- ``CLAUDE.md`` — a thin block pointing at ``AGENTS.md``, between markers;
- ``.mcp.json`` — zcp as a STDIO server (``mcpServers.zcp``);
- ``.claude/settings.local.json`` — Claude Code allowed to call zcp's tools.

Running it again updates zcp's parts and reports the files it left unchanged.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from zcp.errors import ConfigError
from zcp.setup.agents import Environment, agents_text, claude_text
from zcp.setup.files import atomic_write, merge_claude_settings, merge_mcp_config, replace_block

__all__ = ["FileResult", "InitPlan", "describe", "registered_tool_names", "run_init", "serve_command"]

Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class FileResult:
    path: Path
    outcome: Outcome


@dataclass(frozen=True)
class InitPlan:
    """What ``zcp init`` writes, decided before any file is touched."""

    working_dir: Path
    environment: Environment
    tool_names: tuple[str, ...]
    command: str
    args: tuple[str, ...]
    hostname: str | None = None


def serve_command(which: Callable[[str], str | None] = shutil.which) -> tuple[str, tuple[str, ...]]:
    """How an MCP host starts this zcp: ``zcp serve`` when it is on PATH, else this interpreter."""
    if which("zcp"):
        return "zcp", ("serve",)
    return sys.executable, ("-m", "zcp", "serve")


def registered_tool_names(*, include_destructive: bool = False) -> tuple[str, ...]:
    """zcp's tool names from the registry (no platform connection needed).

    Tools that can destroy data (``destructiveHint``) are left out unless asked for, so the host
    keeps asking the user before each such call.
    """
    from zcp.app import App
    from zcp.config import load_settings
    from zcp.tools import tool_factories

    app = App(load_settings({}))
    definitions = [factory(app) for factory in tool_factories()]
    return tuple(d.name for d in definitions if include_destructive or d.read_only or not d.destructive)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            f"cannot read {path} ({type(error).__name__}); zcp leaves it untouched",
            suggestion="Fix its permissions or encoding (UTF-8), then run `zcp init` again.",
        ) from None


def run_init(plan: InitPlan) -> list[FileResult]:
    """Write (or update) the four files; every new text is computed before the first write."""
    root = plan.working_dir
    edits: list[tuple[Path, Callable[[str | None, Path], str]]] = [
        (
            root / "AGENTS.md",
            lambda old, p: replace_block(old, agents_text(plan.environment, hostname=plan.hostname), path=p),
        ),
        (root / "CLAUDE.md", lambda old, p: replace_block(old, claude_text(), path=p)),
        (root / ".mcp.json", lambda old, p: merge_mcp_config(old, plan.command, plan.args, path=p)),
        (
            root / ".claude" / "settings.local.json",
            lambda old, p: merge_claude_settings(old, plan.tool_names, path=p),
        ),
    ]
    pending: list[tuple[Path, str | None, str]] = []
    for path, edit in edits:
        old = _read(path)
        pending.append((path, old, edit(old, path)))
    results: list[FileResult] = []
    for path, old, new in pending:
        if old == new:
            results.append(FileResult(path, "unchanged"))
            continue
        atomic_write(path, new)
        results.append(FileResult(path, "created" if old is None else "updated"))
    return results


def describe(results: Sequence[FileResult], working_dir: Path) -> list[str]:
    """One line per file for the terminal."""
    lines = []
    for result in results:
        try:
            shown = result.path.relative_to(working_dir)
        except ValueError:
            shown = result.path
        lines.append(f"{result.outcome:>9}  {shown}")
    return lines
