"""Editing files that also belong to the user: zcp's part only, written atomically.

Markdown files get zcp's text between :data:`BEGIN` and :data:`END` markers; everything outside
the markers is the user's and is kept byte for byte. JSON files have no comments, so zcp's part
is named by keys instead (see :func:`merge_mcp_config` and :func:`merge_claude_settings`). A file
that cannot be parsed is never overwritten: the edit raises :class:`~zcp.errors.ConfigError`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zcp.errors import ConfigError
from zcp.state.fs import atomic_write_text

__all__ = [
    "BEGIN",
    "END",
    "SERVER_NAME",
    "atomic_write",
    "merge_claude_settings",
    "merge_mcp_config",
    "replace_block",
]

BEGIN = "<!-- zcp:begin (written by `zcp init`; edit outside these markers) -->"
END = "<!-- zcp:end -->"
_BEGIN_PREFIX = "<!-- zcp:begin"
#: The MCP server name zcp registers under; Claude Code names its tools ``mcp__zcp__<tool>``.
SERVER_NAME = "zcp"
_PERMISSION_PREFIX = f"mcp__{SERVER_NAME}__"


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (:mod:`zcp.state.fs`); an existing file keeps its mode."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    atomic_write_text(path, text, mode=mode)


def replace_block(existing: str | None, block: str, *, path: Path) -> str:
    """``existing`` with zcp's block set to ``block`` (appended when there is no block yet)."""
    wrapped = f"{BEGIN}\n{block.rstrip()}\n{END}\n"
    if not existing:
        return wrapped
    start = existing.find(_BEGIN_PREFIX)
    if start == -1:
        if END in existing:
            raise ConfigError(
                f"{path} has a zcp end marker but no begin marker",
                suggestion=f"Remove the stray `{END}` line (or restore the begin marker) and run `zcp init` again.",
            )
        separator = "" if existing.endswith("\n\n") else ("\n" if existing.endswith("\n") else "\n\n")
        return f"{existing}{separator}{wrapped}"
    end = existing.find(END, start)
    if end == -1 or existing.find(_BEGIN_PREFIX, start + 1) != -1:
        raise ConfigError(
            f"{path} has an unbalanced zcp block (one begin and one end marker expected)",
            suggestion="Fix or delete the markers by hand, then run `zcp init` again.",
        )
    tail = existing[end + len(END) :]
    tail = tail[1:] if tail.startswith("\n") else tail
    return existing[:start] + wrapped + tail


def _load_json_object(existing: str | None, path: Path) -> dict[str, Any]:
    if existing is None or not existing.strip():
        return {}
    try:
        data = json.loads(existing)
    except ValueError as error:
        raise ConfigError(
            f"{path} is not valid JSON ({error}); zcp leaves it untouched",
            suggestion="Fix the file (or move it aside) and run `zcp init` again.",
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path} does not hold a JSON object", suggestion="Fix the file and run `zcp init` again."
        )
    return data


def _section(data: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = data.setdefault(key, {})
    if not isinstance(value, dict):
        raise ConfigError(
            f"{path}: `{key}` is not an object", suggestion=f"Fix `{key}` and run `zcp init` again."
        )
    return value


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def merge_mcp_config(existing: str | None, command: str, args: Sequence[str], *, path: Path) -> str:
    """``.mcp.json`` with ``mcpServers.zcp`` running zcp over STDIO; other servers and keys are kept.

    Within zcp's own entry only ``command``, ``args`` and ``type`` are zcp's: an ``env`` the user
    added (for example ``ZCP_API_KEY``) survives a re-run.
    """
    data = _load_json_object(existing, path)
    servers = _section(data, "mcpServers", path)
    entry = servers.get(SERVER_NAME)
    entry = dict(entry) if isinstance(entry, dict) else {}
    entry.update({"type": "stdio", "command": command, "args": list(args)})
    servers[SERVER_NAME] = entry
    return _dump(data)


def merge_claude_settings(existing: str | None, tool_names: Sequence[str], *, path: Path) -> str:
    """``.claude/settings.local.json`` allowing zcp's tools and enabling its ``.mcp.json`` server.

    zcp's part is every ``mcp__zcp__…`` rule in ``permissions.allow`` (stale ones are dropped) and
    ``zcp`` in ``enabledMcpjsonServers``; every other rule and key is the user's.
    """
    data = _load_json_object(existing, path)
    permissions = _section(data, "permissions", path)
    allow = permissions.get("allow", [])
    if not isinstance(allow, list):
        raise ConfigError(
            f"{path}: `permissions.allow` is not a list", suggestion="Fix it and run `zcp init` again."
        )
    kept = [rule for rule in allow if not (isinstance(rule, str) and rule.startswith(_PERMISSION_PREFIX))]
    permissions["allow"] = kept + [f"{_PERMISSION_PREFIX}{name}" for name in tool_names]
    enabled = data.get("enabledMcpjsonServers", [])
    if not isinstance(enabled, list):
        raise ConfigError(
            f"{path}: `enabledMcpjsonServers` is not a list", suggestion="Fix it and run `zcp init` again."
        )
    if SERVER_NAME not in enabled:
        enabled = [*enabled, SERVER_NAME]
    data["enabledMcpjsonServers"] = enabled
    return _dump(data)
