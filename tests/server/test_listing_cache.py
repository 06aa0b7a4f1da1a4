"""tools/list from the disk cache is the listing the tools would give, and never a stale one."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp.types import Tool

from tests.plugins.knowledge import FIXTURE_CORPUS
from tests.server.http_server import serve_env
from zcp.app import App
from zcp.config import load_settings
from zcp.server.app import build_server
from zcp.server.listing_cache import ToolListingCache, listing_key

pytestmark = pytest.mark.anyio
VARIANT = {"container": False, "read_only": False, "platform": "knowledge-only"}


def _dump(tools: Sequence[Tool]) -> str:
    return json.dumps([t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools])


async def test_a_cached_listing_is_byte_for_byte_the_built_one(tmp_path: Path) -> None:
    cache = ToolListingCache(tmp_path, VARIANT)
    built = await build_server(App(load_settings({})), listing_cache=cache).list_tools()
    assert cache.path.is_file()
    second = build_server(App(load_settings({})), listing_cache=ToolListingCache(tmp_path, VARIANT))
    cached = await second.list_tools()
    assert second._tools is None, "answered from the cache without building the tools"
    assert _dump(cached) == _dump(built)


async def test_after_a_cached_listing_a_call_builds_only_the_tool_it_calls(tmp_path: Path) -> None:
    cache = ToolListingCache(tmp_path, VARIANT)
    await build_server(App(load_settings({})), listing_cache=cache).list_tools()
    # The fixture corpus, indexed under tmp_path: the checkout's own index/ is never written by a test.
    env = {"ZCP_CORPUS_DIR": str(FIXTURE_CORPUS), "ZCP_INDEX_DIR": str(tmp_path / "index")}
    server = build_server(App(load_settings(env)), listing_cache=ToolListingCache(tmp_path, VARIANT))
    async with Client(server, mode="legacy") as client:
        listed = await client.list_tools()
        result = await client.call_tool("zerops_knowledge", {"uri": "zerops://themes/services"})
        unknown = await client.call_tool("zerops_nope", {})
    assert not result.is_error and len(listed.tools) == 18
    assert server._tools is None and set(server._built) == {"zerops_knowledge"}
    assert unknown.is_error and "zerops_knowledge" in str(unknown.content)  # names come from the registry


async def test_an_unreadable_cache_file_is_rebuilt(tmp_path: Path) -> None:
    cache = ToolListingCache(tmp_path, VARIANT)
    cache.path.write_text("{ broken", encoding="utf-8")
    listed = await build_server(App(load_settings({})), listing_cache=cache).list_tools()
    assert listed and json.loads(cache.path.read_text(encoding="utf-8"))[0]["name"] == listed[0].name


def test_the_key_changes_with_the_code_and_the_process_variant(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    module = package / "tool.py"
    module.write_text("x = 1\n", encoding="utf-8")
    first = listing_key(VARIANT, package=package)
    assert listing_key(VARIANT, package=package) == first
    assert listing_key({**VARIANT, "container": True}, package=package) != first
    module.write_text("x = 22\n", encoding="utf-8")
    assert listing_key(VARIANT, package=package) != first
    touched = listing_key(VARIANT, package=package)
    stat = module.stat()
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert listing_key(VARIANT, package=package) != touched


def test_an_unwritable_cache_folder_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    ToolListingCache(blocker / "tools", VARIANT).store([])


@pytest.mark.slow
async def test_zcp_serve_answers_a_later_tools_list_from_the_user_cache(tmp_path: Path) -> None:
    env = {**serve_env(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    params = StdioServerParameters(command=sys.executable, args=["-m", "zcp", "serve"], env=env)
    listings = []
    for _ in range(2):
        async with Client(params, mode="legacy", read_timeout_seconds=30) as client:
            listings.append(_dump((await client.list_tools()).tools))
    assert listings[0] == listings[1]
    assert len(list((tmp_path / "cache" / "zcp" / "tools").glob("tools-*.json"))) == 1
