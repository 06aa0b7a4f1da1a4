"""The JSON schema endpoints: zcp.schema fetches its live schemas from a sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.sandbox.app import SERVE_EXTENSIONS
from zcp.schema import LiveSchemas, SchemaKind, SchemaSources, bundled_schema_text
from zcp.schema.sources import IMPORT_SCHEMA_PATH, ZEROPS_SCHEMA_PATH


@pytest.mark.parametrize(
    ("path", "kind"), [(ZEROPS_SCHEMA_PATH, SchemaKind.ZEROPS), (IMPORT_SCHEMA_PATH, SchemaKind.IMPORT)]
)
def test_both_schemas_are_served_without_a_token(
    sandbox_factory: Callable[..., SandboxHandle], path: str, kind: SchemaKind
) -> None:
    handle = sandbox_factory("empty", extensions=SERVE_EXTENSIONS)
    reply = httpx.get(handle.url + path, timeout=5)
    assert reply.status_code == 200
    assert reply.json() == json.loads(bundled_schema_text(kind))


@pytest.mark.anyio
async def test_live_schemas_download_from_the_sandbox_and_fall_back_when_it_fails(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    handle = sandbox_factory("empty", extensions=SERVE_EXTENSIONS)
    sources = SchemaSources.from_settings(handle.settings(schema_cache_dir=tmp_path))
    loaded = await LiveSchemas(sources).get(SchemaKind.ZEROPS)
    assert loaded.origin == "live" and handle.hits("zerops_yml_schema") == 1
    handle.fault("import_yml_schema", status=503)
    fallback = await LiveSchemas(sources).get(SchemaKind.IMPORT)
    assert fallback.origin == "bundled" and "503" in (fallback.problem or "")
