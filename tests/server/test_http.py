"""`zcp serve --http`: the same server over streamable HTTP, loopback-only, rebinding-safe, token-gated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from mcp import Client

from tests.server.http_server import http_server, serve_env, text_of
from zcp.errors import ConfigError, InvalidUsage
from zcp.server.http import HttpOptions, parse_listen_address, validate_options

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "0"},
    },
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
TOKEN = "t" * 40


@pytest.mark.slow
@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_an_http_session_serves_the_same_tools_in_both_protocol_eras(tmp_path: Path, mode: str) -> None:
    with http_server(tmp_path) as url:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/mcp")
        async with Client(url, mode=mode, read_timeout_seconds=30) as client:
            assert client.protocol_version == ("2025-11-25" if mode == "legacy" else mode)
            names = {t.name for t in (await client.list_tools()).tools}
            assert {"zerops_knowledge", "zerops_discover"} <= names
            result = await client.call_tool("zerops_knowledge", {"query": "valkey port"})
            assert result.structured_content["hits"][0]["uri"] == "zerops://themes/services#valkey"
            section = await client.read_resource("zerops://themes/services#valkey")
            assert text_of(section.contents[0]).startswith("## Valkey")


@pytest.mark.slow
def test_requests_from_a_rebinding_host_or_origin_are_refused(tmp_path: Path) -> None:
    with http_server(tmp_path) as url:
        port = url.split(":")[2].split("/")[0]
        evil_host = httpx.post(url, json=INITIALIZE, headers={**HEADERS, "Host": "evil.example.com"})
        assert evil_host.status_code == 421
        evil_origin = httpx.post(
            url, json=INITIALIZE, headers={**HEADERS, "Origin": "http://evil.example.com"}
        )
        assert evil_origin.status_code == 403
        local = httpx.post(
            url,
            json=INITIALIZE,
            headers={**HEADERS, "Host": f"localhost:{port}", "Origin": f"http://localhost:{port}"},
        )
        assert local.status_code == 200


@pytest.mark.slow
def test_with_a_token_set_every_request_needs_it(tmp_path: Path) -> None:
    with http_server(tmp_path, ZCP_HTTP_TOKEN=TOKEN) as url:
        assert httpx.post(url, json=INITIALIZE, headers=HEADERS).status_code == 401
        wrong = httpx.post(url, json=INITIALIZE, headers={**HEADERS, "Authorization": "Bearer " + "x" * 40})
        assert wrong.status_code == 401 and TOKEN not in wrong.text
        right = httpx.post(url, json=INITIALIZE, headers={**HEADERS, "Authorization": f"Bearer {TOKEN}"})
        assert right.status_code == 200


def _serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zcp", "serve", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=serve_env(tmp_path, **env),
        timeout=60,
        check=False,
    )


def test_a_non_loopback_address_is_refused_without_allow_remote(tmp_path: Path) -> None:
    done = _serve(tmp_path, "--http", "0.0.0.0:8765")
    assert done.returncode == 1 and done.stdout == ""
    assert "loopback" in done.stderr and "--allow-remote" in done.stderr


def test_allow_remote_needs_a_token_and_the_token_never_comes_from_the_command_line(tmp_path: Path) -> None:
    done = _serve(tmp_path, "--http", "10.0.0.1:8765", "--allow-remote")
    assert done.returncode == 1
    assert "ZCP_HTTP_TOKEN" in done.stderr
    usage = _serve(tmp_path, "--http", "127.0.0.1:0", "--token", TOKEN)
    assert usage.returncode == 2


@pytest.mark.parametrize(
    ("options", "error"),
    [
        (HttpOptions("192.168.1.5", 1), InvalidUsage),
        (HttpOptions("192.168.1.5", 1, allow_remote=True), ConfigError),
        (HttpOptions("192.168.1.5", 1, allow_remote=True, token="short"), ConfigError),
        (HttpOptions("0.0.0.0", 1, allow_remote=True, token=TOKEN), InvalidUsage),
        (HttpOptions("127.0.0.1", 1, token="short"), ConfigError),
    ],
)
def test_unsafe_http_setups_are_refused_before_anything_listens(
    options: HttpOptions, error: type[Exception]
) -> None:
    with pytest.raises(error):
        validate_options(options)


def test_safe_http_setups_pass() -> None:
    validate_options(HttpOptions("127.0.0.1", 0))
    validate_options(HttpOptions("::1", 0))
    validate_options(HttpOptions("192.168.1.5", 1, allow_remote=True, token=TOKEN))
    validate_options(HttpOptions("0.0.0.0", 1, allow_remote=True, token=TOKEN, allowed_hosts=("zcp.lan:1",)))


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("127.0.0.1:8765", ("127.0.0.1", 8765)),
        ("[::1]:0", ("::1", 0)),
        ("9000", ("127.0.0.1", 9000)),
        ("localhost:1", ("localhost", 1)),
    ],
)
def test_listen_addresses_parse(text: str, parsed: tuple[str, int]) -> None:
    assert parse_listen_address(text) == parsed


@pytest.mark.parametrize("text", ["nohost", "127.0.0.1:", "127.0.0.1:99999", ":80", "[::1]"])
def test_malformed_listen_addresses_are_usage_errors(text: str) -> None:
    with pytest.raises(InvalidUsage):
        parse_listen_address(text)
