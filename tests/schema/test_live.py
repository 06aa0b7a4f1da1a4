"""The schema cache: fresh copies, expiry, stale fallback, bundled fallback, one download at a time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import httpx
import pytest

from zcp.config import Settings
from zcp.schema.bundled import bundled_schema
from zcp.schema.live import LiveSchemas
from zcp.schema.sources import IMPORT_SCHEMA_PATH, ZEROPS_SCHEMA_PATH, SchemaKind, SchemaSources

pytestmark = pytest.mark.anyio

START = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
HOST = "http://schemas.test"


class FakeNow:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


class FakeSchemaServer:
    """Answers the two schema URLs; ``mode`` switches between healthy and broken answers."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.version = 1
        self.requests: list[str] = []
        self.gate: anyio.Event | None = None

    def schema(self, path: str) -> dict[str, object]:
        kind = SchemaKind.ZEROPS if path == ZEROPS_SCHEMA_PATH else SchemaKind.IMPORT
        return {**bundled_schema(kind), "title": f"live v{self.version}"}

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.url.path)
        if self.gate is not None:
            await self.gate.wait()
        if self.mode == "offline":
            raise httpx.ConnectError("connection refused", request=request)
        if self.mode == "error":
            return httpx.Response(503, text="maintenance")
        if self.mode == "html":
            return httpx.Response(200, text="<html>not json</html>")
        if self.mode == "huge":
            return httpx.Response(200, content=b" " * 300_000)
        return httpx.Response(200, json=self.schema(request.url.path))


@pytest.fixture
def server() -> FakeSchemaServer:
    return FakeSchemaServer()


@pytest.fixture
def now() -> FakeNow:
    return FakeNow()


def make_store(tmp_path: Path, server: FakeSchemaServer, now: FakeNow, **kwargs: object) -> LiveSchemas:
    sources = SchemaSources(HOST + ZEROPS_SCHEMA_PATH, HOST + IMPORT_SCHEMA_PATH, tmp_path / "cache")
    client = httpx.AsyncClient(transport=httpx.MockTransport(server.handle))
    return LiveSchemas(sources, client=client, now=now, **kwargs)  # type: ignore[arg-type]


async def test_first_get_downloads_and_stores_the_schema(
    tmp_path: Path, server: FakeSchemaServer, now: FakeNow
) -> None:
    store = make_store(tmp_path, server, now)
    loaded = await store.get(SchemaKind.ZEROPS)
    assert loaded.origin == "live"
    assert loaded.document["title"] == "live v1"
    assert loaded.fetched_at == START
    assert server.requests == [ZEROPS_SCHEMA_PATH]
    cached = json.loads(store.cache_file(SchemaKind.ZEROPS).read_text(encoding="utf-8"))
    assert cached["url"] == HOST + ZEROPS_SCHEMA_PATH
    assert cached["document"]["title"] == "live v1"


async def test_a_copy_within_the_ttl_is_served_without_a_request(
    tmp_path: Path, server: FakeSchemaServer, now: FakeNow
) -> None:
    store = make_store(tmp_path, server, now)
    await store.get(SchemaKind.IMPORT)
    now.advance(hours=23, minutes=59)
    loaded = await store.get(SchemaKind.IMPORT)
    assert loaded.origin == "cache"
    assert server.requests == [IMPORT_SCHEMA_PATH]


async def test_the_disk_copy_serves_a_new_process(
    tmp_path: Path, server: FakeSchemaServer, now: FakeNow
) -> None:
    await make_store(tmp_path, server, now).get(SchemaKind.ZEROPS)
    server.requests.clear()
    loaded = await make_store(tmp_path, server, now).get(SchemaKind.ZEROPS)
    assert (loaded.origin, server.requests) == ("cache", [])


async def test_an_expired_copy_is_downloaded_again(
    tmp_path: Path, server: FakeSchemaServer, now: FakeNow
) -> None:
    store = make_store(tmp_path, server, now)
    await store.get(SchemaKind.ZEROPS)
    now.advance(hours=24, seconds=1)
    server.version = 2
    loaded = await store.get(SchemaKind.ZEROPS)
    assert loaded.origin == "live"
    assert loaded.document["title"] == "live v2"
    assert len(server.requests) == 2


@pytest.mark.parametrize("mode", ["offline", "error", "html", "huge"])
async def test_a_failed_refresh_serves_the_stale_copy_and_says_why(
    tmp_path: Path, server: FakeSchemaServer, now: FakeNow, mode: str
) -> None:
    store = make_store(tmp_path, server, now, max_bytes=200_000)
    await store.get(SchemaKind.ZEROPS)
    now.advance(days=2)
    server.mode = mode
    loaded = await store.get(SchemaKind.ZEROPS)
    assert loaded.origin == "stale"
    assert loaded.document["title"] == "live v1"
    assert loaded.problem is not None and "zerops.yaml schema" in loaded.problem


async def test_with_no_copy_and_no_network_the_bundled_schema_is_served(
    tmp_path: Path, server: FakeSchemaServer, now: FakeNow
) -> None:
    server.mode = "offline"
    loaded = await make_store(tmp_path, server, now).get(SchemaKind.IMPORT)
    assert loaded.origin == "bundled"
    assert loaded.document is bundled_schema(SchemaKind.IMPORT)
    assert "ConnectError" in (loaded.problem or "")


async def test_after_a_failure_the_download_is_not_retried_until_retry_after(
    tmp_path: Path, server: FakeSchemaServer, now: FakeNow
) -> None:
    server.mode = "error"
    store = make_store(tmp_path, server, now, retry_after=timedelta(minutes=5))
    await store.get(SchemaKind.ZEROPS)
    await store.get(SchemaKind.ZEROPS)
    assert len(server.requests) == 1
    server.mode = "ok"
    now.advance(minutes=5, seconds=1)
    assert (await store.get(SchemaKind.ZEROPS)).origin == "live"
    assert len(server.requests) == 2


async def test_concurrent_callers_share_one_download(
    tmp_path: Path, server: FakeSchemaServer, now: FakeNow
) -> None:
    store = make_store(tmp_path, server, now)
    server.gate = anyio.Event()
    origins: list[str] = []

    async def call() -> None:
        origins.append((await store.get(SchemaKind.ZEROPS)).origin)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(call)
            while not server.requests:
                await anyio.sleep(0)
            server.gate.set()
    assert server.requests == [ZEROPS_SCHEMA_PATH]
    assert sorted(origins) == ["cache"] * 4 + ["live"]


async def test_refresh_downloads_even_when_the_copy_is_fresh(
    tmp_path: Path, server: FakeSchemaServer, now: FakeNow
) -> None:
    store = make_store(tmp_path, server, now)
    await store.get(SchemaKind.ZEROPS)
    server.version = 3
    assert (await store.refresh(SchemaKind.ZEROPS)).document["title"] == "live v3"


async def test_a_corrupt_cache_file_is_ignored(
    tmp_path: Path, server: FakeSchemaServer, now: FakeNow
) -> None:
    store = make_store(tmp_path, server, now)
    path = store.cache_file(SchemaKind.ZEROPS)
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    assert store.peek(SchemaKind.ZEROPS).origin == "bundled"
    assert (await store.get(SchemaKind.ZEROPS)).origin == "live"


async def test_peek_never_touches_the_network_and_reports_age(
    tmp_path: Path, server: FakeSchemaServer, now: FakeNow
) -> None:
    store = make_store(tmp_path, server, now)
    assert store.peek(SchemaKind.ZEROPS).origin == "bundled"
    await store.get(SchemaKind.ZEROPS)
    assert store.peek(SchemaKind.ZEROPS).origin == "cache"
    now.advance(days=3)
    assert store.peek(SchemaKind.ZEROPS).origin == "stale"
    assert server.requests == [ZEROPS_SCHEMA_PATH]


async def test_enums_come_from_the_current_schemas(
    tmp_path: Path, server: FakeSchemaServer, now: FakeNow
) -> None:
    enums = await make_store(tmp_path, server, now).enums()
    assert "nodejs@22" in enums.build_bases
    assert enums.modes == ("HA", "NON_HA")


async def test_without_an_injected_client_a_real_http_request_is_made_to_the_configured_url(
    tmp_path: Path, now: FakeNow
) -> None:
    """Against a closed loopback port: the failure is reported, never raised."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sources = SchemaSources(f"http://127.0.0.1:{port}/z.json", f"http://127.0.0.1:{port}/i.json", tmp_path)
    loaded = await LiveSchemas(sources, now=now, timeout=2).get(SchemaKind.ZEROPS)
    assert loaded.origin == "bundled"
    assert loaded.problem is not None


def test_sources_default_to_the_api_hosts_public_endpoints(tmp_path: Path) -> None:
    sources = SchemaSources.from_settings(Settings(schema_cache_dir=tmp_path))
    assert sources.zerops_url == (
        "https://api.app-prg1.zerops.io/api/rest/public/settings/zerops-yml-json-schema.json"
    )
    assert sources.import_url == (
        "https://api.app-prg1.zerops.io/api/rest/public/settings/import-project-yml-json-schema.json"
    )
    assert sources.ttl == timedelta(hours=24)
    assert sources.cache_dir == tmp_path


def test_sources_follow_the_api_host_and_explicit_urls_win() -> None:
    settings = Settings(api_host="http://127.0.0.1:8765", schema_import_url="http://x/i.json", schema_ttl=60)
    sources = SchemaSources.from_settings(settings)
    assert sources.url(SchemaKind.ZEROPS) == "http://127.0.0.1:8765" + ZEROPS_SCHEMA_PATH
    assert sources.url(SchemaKind.IMPORT) == "http://x/i.json"
    assert sources.ttl == timedelta(seconds=60)
    assert sources.cache_dir.name == "schemas"
