"""``zcp schema validate|enums|refresh`` driven through argparse, against a loopback server."""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from zcp.schema.bundled import bundled_schema_text
from zcp.schema.cli import guess_kind, register
from zcp.schema.sources import IMPORT_SCHEMA_PATH, ZEROPS_SCHEMA_PATH, SchemaKind


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="zcp")
    register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    result: int = args.handler(args)
    return result


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("ZCP_SCHEMA_CACHE_DIR", str(cache))
    return cache


class _SchemaHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        kinds = {ZEROPS_SCHEMA_PATH: SchemaKind.ZEROPS, IMPORT_SCHEMA_PATH: SchemaKind.IMPORT}
        kind = kinds.get(self.path)
        body = bundled_schema_text(kind).encode() if kind else b"{}"
        self.send_response(200 if kind else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def schema_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SchemaHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    host = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("ZCP_API_HOST", host)
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_validate_prints_file_line_path_message_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "zerops.yaml"
    path.write_text("zerops:\n  - setup: app\n    run:\n      bse: nodejs@22\n", encoding="utf-8")
    assert run_cli("schema", "validate", str(path), "--offline") == 1
    out = capsys.readouterr().out
    assert out.startswith(
        f"{path}:4: zerops[0].run.bse: unknown key 'bse' under zerops[0].run — Did you mean 'base'?"
    )


def test_validate_a_good_import_file_exits_0_and_guesses_the_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text("services:\n  - hostname: app\n    type: nodejs@22\n", encoding="utf-8")
    assert run_cli("schema", "validate", str(path), "--offline") == 0
    assert "valid import.yaml (schema: bundled)" in capsys.readouterr().out


def test_validate_prints_notes_for_a_legacy_managed_type_and_still_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "import.yaml"
    path.write_text(
        "services:\n  - hostname: db\n    type: postgresql@16\n    mode: NON_HA\n", encoding="utf-8"
    )
    assert run_cli("schema", "validate", str(path), "--offline") == 0
    out = capsys.readouterr().out
    assert f"{path}: note: services[0].type: postgresql@16 with mode is the legacy form" in out
    assert "postgresql:single@16" in out


def test_validate_json_output_is_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "zerops.yml"
    path.write_text("zerops:\n  - setup: app\n", encoding="utf-8")
    assert run_cli("schema", "validate", str(path), "--offline", "--setup", "api", "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == "zerops"
    assert report["problems"][0]["message"] == "no setup named 'api'"


def test_validate_an_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    from zcp.errors import InvalidParameter

    with pytest.raises(InvalidParameter):
        run_cli("schema", "validate", str(tmp_path / "missing.yaml"), "--offline")


def test_enums_lists_compact_values(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("schema", "enums", "--offline") == 0
    out = capsys.readouterr().out
    assert "modes: HA, NON_HA" in out
    assert "nodejs@{18,20,22,24,latest}" in out


def test_refresh_downloads_both_schemas_into_the_cache(
    schema_host: str, isolated_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("schema", "refresh") == 0
    assert (isolated_cache / "zerops_yml.json").is_file()
    assert (isolated_cache / "import_yml.json").is_file()
    assert schema_host in capsys.readouterr().out
    assert run_cli("schema", "enums", "--json") == 0


def test_refresh_against_a_dead_host_keeps_the_fallback_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ZCP_API_HOST", "http://127.0.0.1:9")
    assert run_cli("schema", "refresh") == 1
    assert "keeping the bundled copy" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [
        ("zerops-import.yml", "", "import"),
        ("x.yaml", "#yamlPreprocessor=on\nproject:\n  name: a\n", "import"),
        ("zerops.yaml", "zerops:\n  - setup: a\n", "zerops"),
    ],
)
def test_the_kind_is_guessed_from_name_or_top_level_keys(name: str, text: str, kind: str) -> None:
    assert guess_kind(Path(name), text) == kind
