"""The `make run` demo: a real MCP client session against `zcp serve`, printed step by step.

It spawns ``zcp serve`` over STDIO exactly as an agent's host would, lists the tools and runs a
few knowledge calls, printing what came back. Later capabilities extend the script.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

_WIDTH = 100


def _banner(text: str) -> None:
    print(f"\n\033[1m▶ {text}\033[0m" if sys.stdout.isatty() else f"\n▶ {text}", flush=True)


def _show(result: Any, max_lines: int = 24) -> None:
    text = "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")
    lines = text.splitlines()
    for line in lines[:max_lines]:
        print(textwrap.shorten(line, _WIDTH, placeholder=" …") if len(line) > _WIDTH else line)
    if len(lines) > max_lines:
        print(f"… ({len(lines) - max_lines} more lines)")
    if result.is_error:
        print("(tool returned an error result)")


def server_parameters() -> StdioServerParameters:
    """How to start `zcp serve`: this interpreter, with the settings that matter passed through."""
    passthrough = {
        k: v for k, v in os.environ.items() if k.startswith(("ZCP_", "XDG_")) or k in ("HOME", "PATH", "LANG")
    }
    return StdioServerParameters(command=sys.executable, args=["-m", "zcp", "serve"], env=passthrough)


async def run_demo() -> None:
    async with Client(server_parameters(), read_timeout_seconds=60) as client:
        info = client.server_info if hasattr(client, "server_info") else None
        _banner("Connected to zcp serve over STDIO" + (f" ({info.name} {info.version})" if info else ""))

        tools = await client.list_tools()
        _banner(f"tools/list → {len(tools.tools)} tool(s)")
        for tool in tools.tools:
            hints = tool.annotations
            flags = "read-only" if hints and hints.read_only_hint else "mutating"
            print(f"  {tool.name:<22} {flags:<10} {textwrap.shorten(tool.description or '', 64)}")

        calls: list[tuple[str, dict[str, Any]]] = [
            ("search", {"query": "postgres connection string", "limit": 3}),
            ("search with an alias", {"query": "redis cache port", "limit": 2}),
            ("a stack briefing", {"runtime": "nodejs@22", "services": ["postgresql@16"]}),
            ("a recipe, tailored to a mode", {"recipe": "python", "mode": "dev"}),
            ("a section by URI", {"uri": "zerops://themes/services#valkey"}),
            ("a typo gets suggestions", {"query": "postgrse"}),
            ("a bad call gets a structured error", {"query": "ports", "recipe": "nodejs"}),
        ]
        for label, args in calls:
            _banner(f"zerops_knowledge {json.dumps(args)}  — {label}")
            _show(await client.call_tool("zerops_knowledge", args))

        resources = await client.list_resources()
        _banner(f"resources/list → {len(resources.resources)} knowledge documents as zerops:// resources")
        for resource in resources.resources[:5]:
            print(f"  {resource.uri}  {resource.title}")
        print("  …")


def main() -> int:
    anyio.run(run_demo)
    print("\ndemo finished", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
