"""File inputs (``zerops_import filePath``, ``zerops_env generate-dotenv path``) stay inside the working
directory, open only regular files without blocking, read at most a byte cap, and never echo the
content of a file that is not what it was named as; heavy parsing runs off the event loop."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.plugins.core import result_text
from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import error_payload, mutating_hits, tool_session

pytestmark = pytest.mark.anyio

SECRET_LINES = "DB_PASSWORD=hunter2-very-secret\nAPI_TOKEN=tok-abcdef123456\n"
#: A guard against a hang (the bug being tested), not a pause.
HANG_GUARD = 20


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (tmp_path / "outside.yml").write_text(
        "services:\n  - hostname: leak\n    type: nodejs@22\n    secretNote: top-secret-outside\n",
        encoding="utf-8",
    )
    return root


def _options(project: Path, tmp_path: Path) -> dict[str, Any]:
    return {"work_dir": project, "schema_cache_dir": tmp_path / "schemas"}


async def _import_error(sandbox: SandboxHandle, project: Path, tmp_path: Path, path: str) -> dict[str, Any]:
    async with tool_session(sandbox, in_workflow=True, **_options(project, tmp_path)) as session:
        with anyio.fail_after(HANG_GUARD):
            result = await session.call("zerops_import", {"filePath": path})
    payload = error_payload(result)
    assert mutating_hits(sandbox) == 0
    return payload


@pytest.mark.sandbox(seed="empty")
@pytest.mark.parametrize(
    "path", ["/etc/passwd", "../outside.yml", "sub/../../outside.yml", "~/../outside.yml"]
)
async def test_a_file_outside_the_working_directory_is_refused_unread(
    sandbox: SandboxHandle, project: Path, tmp_path: Path, path: str
) -> None:
    (project / "sub").mkdir()
    payload = await _import_error(sandbox, project, tmp_path, path)
    assert payload["code"] == "INVALID_PARAMETER" and "working directory" in payload["error"]
    text = json.dumps(payload)
    assert "root:" not in text and "top-secret-outside" not in text and "leak" not in text


@pytest.mark.sandbox(seed="empty")
@pytest.mark.parametrize("target", ["../outside.yml", "/etc/passwd", "/dev/zero"])
async def test_a_symlink_that_leads_outside_is_refused(
    sandbox: SandboxHandle, project: Path, tmp_path: Path, target: str
) -> None:
    (project / "import.yml").symlink_to(target)
    payload = await _import_error(sandbox, project, tmp_path, "import.yml")
    assert payload["code"] == "INVALID_PARAMETER" and "working directory" in payload["error"]
    assert "top-secret-outside" not in json.dumps(payload)


@pytest.mark.sandbox(seed="empty")
async def test_a_named_pipe_is_refused_without_blocking(
    sandbox: SandboxHandle, project: Path, tmp_path: Path
) -> None:
    os.mkfifo(project / "pipe.yml")
    payload = await _import_error(sandbox, project, tmp_path, "pipe.yml")
    assert payload["code"] == "INVALID_PARAMETER" and "not a regular file" in payload["error"]


@pytest.mark.sandbox(seed="empty")
async def test_a_folder_is_not_an_import_file(sandbox: SandboxHandle, project: Path, tmp_path: Path) -> None:
    (project / "dir.yml").mkdir()
    payload = await _import_error(sandbox, project, tmp_path, "dir.yml")
    assert payload["code"] in ("INVALID_PARAMETER", "FILE_NOT_FOUND")


@pytest.mark.sandbox(seed="empty")
async def test_a_file_over_the_cap_is_refused_without_reading_it(
    sandbox: SandboxHandle, project: Path, tmp_path: Path
) -> None:
    with (project / "huge.yml").open("wb") as handle:
        handle.truncate(10 * 1024**3)  # sparse: 10 GiB that were never written
    payload = await _import_error(sandbox, project, tmp_path, "huge.yml")
    assert payload["code"] == "INVALID_IMPORT_YML" and "larger than" in payload["error"]


@pytest.mark.sandbox(seed="empty")
@pytest.mark.parametrize(
    "content",
    [SECRET_LINES, "key: [unclosed\n" + SECRET_LINES, "- " + SECRET_LINES, "\x89PNG\r\n" + SECRET_LINES],
    ids=["dotenv", "broken-yaml", "a-list", "binary-ish"],
)
async def test_a_file_that_is_not_an_import_yaml_is_refused_without_echoing_it(
    sandbox: SandboxHandle, project: Path, tmp_path: Path, content: str
) -> None:
    (project / "secrets.env").write_text(content, encoding="utf-8")
    payload = await _import_error(sandbox, project, tmp_path, "secrets.env")
    assert payload["code"] == "INVALID_IMPORT_YML"
    text = json.dumps(payload)
    assert "hunter2" not in text and "tok-abcdef" not in text and "DB_PASSWORD" not in text


@pytest.mark.sandbox(seed="empty")
async def test_a_relative_path_inside_the_working_directory_is_read(
    sandbox: SandboxHandle, project: Path, tmp_path: Path
) -> None:
    (project / "infra").mkdir()
    for name in ("db", "cache"):
        (project / "infra" / f"{name}.yml").write_text(
            f"services:\n  - hostname: {name}\n    type: valkey@7.2\n    mode: NON_HA\n", encoding="utf-8"
        )
    async with tool_session(sandbox, in_workflow=True, **_options(project, tmp_path)) as session:
        relative = await session.ok("zerops_import", {"filePath": "infra/db.yml"})
        absolute = await session.ok("zerops_import", {"filePath": str(project / "infra" / "cache.yml")})
    assert [s["hostname"] for s in relative["services"]] == ["db"]
    assert [s["hostname"] for s in absolute["services"]] == ["cache"]


@pytest.mark.sandbox(seed="empty")
@pytest.mark.parametrize("depth", [900, 5000])
async def test_deeply_nested_yaml_is_an_import_error_not_a_crash(
    sandbox: SandboxHandle, project: Path, tmp_path: Path, depth: int
) -> None:
    async with tool_session(sandbox, in_workflow=True, **_options(project, tmp_path)) as session:
        for content in ("services: " + "[" * depth, "services: " + "[" * depth + "]" * depth):
            payload = error_payload(await session.call("zerops_import", {"content": content}))
            assert payload["code"] == "INVALID_IMPORT_YML", payload
    assert mutating_hits(sandbox) == 0


@pytest.mark.sandbox(seed="empty")
async def test_a_large_import_is_checked_off_the_event_loop(
    sandbox: SandboxHandle, project: Path, tmp_path: Path
) -> None:
    """Pings keep being answered while a 390 KB import is parsed and validated (seconds of work).

    The platform then refuses the import, so the call's time is the checking; a ping that had to wait
    for the check would take about as long as the whole call.
    """
    import time

    sandbox.fault("import_services", status=400, code="projectImportInvalidParameter")
    entry = "  - hostname: s{n}\n    type: nodejs@22\n    startWithoutCode: true\n"
    content = "services:\n" + "".join(entry.format(n=n) for n in range(6000))
    latencies: list[float] = []
    call_time: list[float] = []
    async with tool_session(sandbox, in_workflow=True, **_options(project, tmp_path)) as session:

        async def big_import(done: anyio.Event) -> None:
            started = time.monotonic()
            result = await session.call("zerops_import", {"content": content, "waitSeconds": 0})
            call_time.append(time.monotonic() - started)
            assert result.is_error
            done.set()

        async def keep_pinging(done: anyio.Event) -> None:
            while not done.is_set():
                started = time.monotonic()
                await session.ping()
                latencies.append(time.monotonic() - started)

        done = anyio.Event()
        with anyio.fail_after(120):
            async with anyio.create_task_group() as group:
                group.start_soon(big_import, done)
                group.start_soon(keep_pinging, done)
    assert len(latencies) > 10
    assert max(latencies) < call_time[0] / 3, (max(latencies), call_time[0])


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize("path", ["/etc", "../outside.yml", "/tmp"])
async def test_generate_dotenv_reads_and_writes_only_inside_the_working_directory(
    sandbox: SandboxHandle, project: Path, tmp_path: Path, path: str
) -> None:
    async with tool_session(sandbox, in_workflow=True, **_options(project, tmp_path)) as session:
        payload = error_payload(
            await session.call(
                "zerops_env", {"action": "generate-dotenv", "serviceHostname": "appdev", "path": path}
            )
        )
    assert payload["code"] == "INVALID_PARAMETER" and "working directory" in payload["error"]
    assert not (tmp_path / ".env").exists()


@pytest.mark.sandbox(seed="standard")
async def test_generate_dotenv_refuses_a_zerops_yaml_symlinked_from_outside(
    sandbox: SandboxHandle, project: Path, tmp_path: Path
) -> None:
    (tmp_path / "zerops.yaml").write_text("zerops:\n  - setup: appdev\n", encoding="utf-8")
    (project / "zerops.yaml").symlink_to(tmp_path / "zerops.yaml")
    async with tool_session(sandbox, in_workflow=True, **_options(project, tmp_path)) as session:
        result = await session.call("zerops_env", {"action": "generate-dotenv", "serviceHostname": "appdev"})
    payload = error_payload(result)
    assert payload["code"] == "INVALID_PARAMETER" and "working directory" in payload["error"]
    assert not (tmp_path / ".env").exists() and not (project / ".env").exists()


@pytest.mark.sandbox(seed="standard")
async def test_generate_dotenv_does_not_echo_a_zerops_yaml_that_is_not_yaml(
    sandbox: SandboxHandle, project: Path, tmp_path: Path
) -> None:
    (project / "zerops.yaml").write_text("zerops: [\n" + SECRET_LINES, encoding="utf-8")
    async with tool_session(sandbox, in_workflow=True, **_options(project, tmp_path)) as session:
        result = await session.call("zerops_env", {"action": "generate-dotenv", "serviceHostname": "appdev"})
    payload = error_payload(result)
    assert payload["code"] == "INVALID_ZEROPS_YML"
    assert "hunter2" not in result_text(result)
