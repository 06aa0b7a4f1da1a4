"""`zcp doctor` against the sandbox: every check says ok, warn or problem, and problems carry a fix."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.plugins.knowledge import FIXTURE_CORPUS
from tests.plugins.sandbox import SandboxHandle
from zcp.config import Settings
from zcp.doctor.checks import Check, DoctorEnv, run_checks
from zcp.doctor.cli import exit_code, render
from zcp.doctor.ssh import TcpSshProbe
from zcp.knowledge.index import ensure_index
from zcp.knowledge.paths import resolve_paths
from zcp.sandbox.app import SERVE_EXTENSIONS
from zcp.schema import LiveSchemas, SchemaKind, SchemaSources

pytestmark = pytest.mark.anyio


def _settings(base: Settings, tmp_path: Path, **changes: object) -> Settings:
    return base.with_overrides(
        corpus_dir=FIXTURE_CORPUS,
        index_dir=tmp_path / "index",
        state_dir=tmp_path / "work" / ".zcp" / "state",
        schema_cache_dir=tmp_path / "schemas",
        **changes,
    )


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def _which(found: set[str]) -> Callable[[str], str | None]:
    return lambda name: f"/usr/bin/{name}" if name in found else None


@pytest.mark.sandbox(seed="standard")
async def test_a_good_local_setup_reports_the_project_and_no_problem(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    settings = _settings(sandbox.settings(), tmp_path)
    ensure_index(resolve_paths(settings))
    checks = await run_checks(DoctorEnv(settings, which=_which({"git", "zcli"})))
    assert [c.name for c in checks] == [
        "credentials",
        "api",
        "environment",
        "state",
        "git",
        "zcli",
        "ssh",
        "index",
        "schemas",
    ]
    found = _by_name(checks)
    assert found["credentials"].status == "ok" and "ZCP_API_KEY" in found["credentials"].detail
    assert found["api"].status == "ok" and "project `demo`" in found["api"].detail
    assert "3 service(s)" in found["api"].detail
    assert found["ssh"].status == "skip"
    assert found["index"].status == "ok"
    assert found["schemas"].status == "warn" and "zcp schema refresh" in found["schemas"].fix
    assert exit_code(checks) == 0
    text = "\n".join(render(checks))
    assert sandbox.token not in text


async def test_missing_credentials_are_a_problem_with_the_mcp_config_fix(tmp_path: Path) -> None:
    settings = _settings(Settings(zcli_data_dir=tmp_path / "no-zcli"), tmp_path)
    checks = await run_checks(DoctorEnv(settings, which=_which({"git"})))
    found = _by_name(checks)
    assert found["credentials"].status == "problem" and ".mcp.json" in found["credentials"].fix
    assert found["api"].status == "skip" and found["ssh"].status == "skip"
    assert found["zcli"].status == "warn"
    assert found["index"].status == "warn" and found["index"].fix == "run `zcp index build` now"
    assert exit_code(checks) == 1


@pytest.mark.sandbox(seed="standard")
async def test_a_rejected_token_is_an_api_problem_that_never_shows_the_token(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    token = "a-wrong-token-0123456789"
    settings = _settings(sandbox.settings(api_key=token), tmp_path)
    checks = await run_checks(DoctorEnv(settings, which=_which({"git"})))
    found = _by_name(checks)
    assert found["api"].status == "problem" and found["api"].fix
    assert token not in "\n".join(render(checks))
    assert exit_code(checks) == 1


async def test_an_unreachable_api_is_a_problem(tmp_path: Path) -> None:
    settings = _settings(Settings(api_key="some-token-value", api_host="http://127.0.0.1:9"), tmp_path)
    found = _by_name(await run_checks(DoctorEnv(settings, which=_which({"git"}))))
    assert found["api"].status == "problem"


@contextmanager
def _listening() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.sandbox(seed="standard")
async def test_in_a_container_each_runtime_service_must_answer_on_its_ssh_port(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    settings = _settings(sandbox.settings(service_id="zcp-service-id", self_hostname="zcp"), tmp_path)
    closed = _closed_port()
    with _listening() as port:
        ports = {"appdev": port, "appstage": closed}
        probe = TcpSshProbe(timeout=2.0, address_for=lambda host: ("127.0.0.1", ports[host]))
        found = _by_name(await run_checks(DoctorEnv(settings, which=_which({"git"}), ssh=probe)))
        assert found["environment"].detail.startswith("inside a Zerops container: service `zcp`")
        ssh = found["ssh"]
        assert ssh.status == "problem" and "appstage" in ssh.detail and "appdev:" not in ssh.detail
        assert "port 22" in ssh.detail and ssh.fix
        ports["appstage"] = port
        healed = _by_name(await run_checks(DoctorEnv(settings, which=_which({"git"}), ssh=probe)))
        assert healed["ssh"].status == "ok" and "appdev, appstage" in healed["ssh"].detail


@pytest.mark.parametrize("make", ["file", "readonly"])
async def test_a_state_folder_zcp_cannot_write_is_a_problem(tmp_path: Path, make: str) -> None:
    if make == "readonly" and os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    blocker = tmp_path / "blocked"
    if make == "file":
        blocker.write_text("not a folder", encoding="utf-8")
        state = blocker
    else:
        blocker.mkdir(mode=0o500)
        state = blocker / "state"
    settings = _settings(Settings(), tmp_path).with_overrides(state_dir=state)
    found = _by_name(await run_checks(DoctorEnv(settings, which=_which({"git"}))))
    assert found["state"].status == "problem" and "ZCP_STATE_DIR" in found["state"].fix


async def test_missing_git_is_a_problem(tmp_path: Path) -> None:
    found = _by_name(await run_checks(DoctorEnv(_settings(Settings(), tmp_path), which=_which(set()))))
    assert found["git"].status == "problem" and found["git"].fix == "install git"


async def test_a_stale_index_is_a_warning(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    settings = _settings(Settings(), tmp_path).with_overrides(corpus_dir=corpus)
    ensure_index(resolve_paths(settings))
    theme = next(corpus.glob("themes/*.md"))
    theme.write_text(theme.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    found = _by_name(await run_checks(DoctorEnv(settings, which=_which({"git"}))))
    assert found["index"].status == "warn" and "older than the corpus" in found["index"].detail


async def test_cached_live_schemas_are_ok(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    handle = sandbox_factory("empty", extensions=SERVE_EXTENSIONS)
    settings = _settings(handle.settings(), tmp_path)
    live = LiveSchemas(SchemaSources.from_settings(settings))
    for kind in SchemaKind:
        await live.refresh(kind)
    found = _by_name(await run_checks(DoctorEnv(settings, which=_which({"git"}))))
    assert found["schemas"].status == "ok" and "zerops.yaml from" in found["schemas"].detail


@pytest.mark.slow
@pytest.mark.sandbox(seed="standard")
def test_zcp_doctor_prints_one_line_per_check_and_exits_by_problems(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "ZCP_API_KEY": sandbox.token,
        "ZCP_API_HOST": sandbox.url,
        "ZCP_CORPUS_DIR": str(FIXTURE_CORPUS),
        "ZCP_INDEX_DIR": str(tmp_path / "index"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "zcp", "doctor"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    statuses = [line.split()[0] for line in lines[:-2]]
    assert len(statuses) == 9 and set(statuses) <= {"ok", "warn", "problem", "skip"}
    assert done.returncode == (1 if "problem" in statuses else 0), done.stdout
    assert lines[-1] in ("no problems found", f"{statuses.count('problem')} problem(s)")
    assert sandbox.token not in done.stdout + done.stderr
