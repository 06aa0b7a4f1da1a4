"""zerops_deploy on a developer's machine: the working directory is pushed, by zcli when it is on PATH
(here the sandbox's zcli stand-in) or by zcp's own push."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.deploy.harness import APP_YAML, local_session, versions_of, write_app
from tests.plugins.sandbox import ContainersHandle
from tests.tools.harness import Progress, error_payload
from zcp.auth import Credentials
from zcp.ops.deploy.pushers import LocalZcliPusher
from zcp.secrets import SecretToken

pytestmark = pytest.mark.anyio
TOOL = "zerops_deploy"


@pytest.mark.containers(seed="standard")
async def test_without_zcli_the_working_directory_is_pushed_by_zcps_own_push(
    containers: ContainersHandle, tmp_path: Path, no_zcli: None
) -> None:
    write_app(tmp_path / "work")
    async with local_session(containers, tmp_path) as session:
        progress = Progress()
        data = await session.ok(TOOL, {"targetService": "appdev", "setup": "dev"}, progress=progress)
    assert (data["status"], data["mode"], data["pushedWith"]) == ("DEPLOYED", "local", "native")
    assert "sourceService" not in data and "sshReady" not in data
    assert versions_of(containers, "appdev")[-1][1:] == ("ACTIVE", "dev")
    assert any(m.endswith("uploading") for m in progress.messages)


@pytest.mark.containers(seed="standard")
async def test_a_subfolder_is_pushed_and_a_folder_outside_the_project_is_refused(
    containers: ContainersHandle, tmp_path: Path, no_zcli: None
) -> None:
    write_app(tmp_path / "work" / "api")
    async with local_session(containers, tmp_path) as session:
        data = await session.ok(TOOL, {"targetService": "appdev", "setup": "dev", "workingDir": "api"})
        outside = error_payload(await session.call(TOOL, {"targetService": "appdev", "workingDir": "../.."}))
        source = error_payload(
            await session.call(TOOL, {"targetService": "appstage", "sourceService": "appdev"})
        )
        missing = error_payload(await session.call(TOOL, {"targetService": "appdev"}))
    assert data["status"] == "DEPLOYED"
    assert outside["code"] == source["code"] == "INVALID_PARAMETER"
    assert missing["code"] == "PREFLIGHT_FAILED"  # no zerops.yaml at the project root


@pytest.mark.containers(seed="standard")
async def test_with_zcli_on_path_zcli_pushes_with_a_login_that_never_touches_its_command_line(
    containers: ContainersHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", f"{containers.host.trees.root / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin")
    monkeypatch.delenv("ZEROPS_TOKEN", raising=False)
    write_app(tmp_path / "work")
    async with local_session(containers, tmp_path) as session:
        data = await session.ok(TOOL, {"targetService": "appdev", "setup": "dev"})
    assert (data["status"], data["pushedWith"]) == ("DEPLOYED", "zcli")
    assert versions_of(containers, "appdev")[-1][1:] == ("ACTIVE", "dev")


def test_the_local_zcli_command_line_carries_ids_and_paths_but_no_token(tmp_path: Path) -> None:
    credentials = Credentials(
        token=SecretToken("secret-token-123"), api_host="https://api", region="prg1", source="env"
    )
    pusher = LocalZcliPusher("zcli", "svc1", "proj1", tmp_path, "prod", credentials, timeout=10)
    argv = pusher.argv()
    assert argv == [
        "zcli",
        "push",
        "--service-id=svc1",
        "--project-id=proj1",
        f"--working-dir={tmp_path}",
        "--no-git",
        "--setup=prod",
    ]
    assert all("secret-token-123" not in arg for arg in argv)


@pytest.mark.containers(seed="standard")
async def test_a_failed_local_build_reports_the_build_log(
    containers: ContainersHandle, tmp_path: Path, no_zcli: None
) -> None:
    write_app(tmp_path / "work", yaml=APP_YAML.format(marker="v1").replace("echo building v1", "exit 1"))
    async with local_session(containers, tmp_path) as session:
        data = await session.ok(TOOL, {"targetService": "appdev", "setup": "dev"})
    assert (data["status"], data["failedPhase"], data["pushedWith"]) == ("BUILD_FAILED", "build", "native")
    assert data["buildLogs"]


@pytest.mark.containers(seed="standard")
async def test_an_oversized_zerops_yaml_is_reported_as_too_large_not_missing(
    containers: ContainersHandle, tmp_path: Path, no_zcli: None
) -> None:
    folder = tmp_path / "work" / "big"
    write_app(folder)
    with (folder / "zerops.yaml").open("a", encoding="utf-8") as handle:
        handle.write("# padding\n" * 120_000)  # ~1.2 MB
    before = versions_of(containers, "appdev")
    async with local_session(containers, tmp_path) as session:
        error = error_payload(await session.call(TOOL, {"targetService": "appdev", "workingDir": "big"}))
    assert error["code"] == "INVALID_ZEROPS_YML"
    assert "more than" in error["error"] and error["suggestion"]
    assert versions_of(containers, "appdev") == before  # nothing was pushed


@pytest.mark.containers(seed="standard")
@pytest.mark.parametrize(
    "deep",
    [
        "a: [" * 5000,
        "- " * 5000 + "x",
        "zerops:\n  - setup: dev\n    run:\n      envVariables:\n        X: " + "[" * 900 + "]" * 900,
    ],
    ids=["open-flow", "dashes", "deep-value"],
)
async def test_a_deeply_nested_zerops_yaml_stops_preflight_with_a_structured_error(
    containers: ContainersHandle, tmp_path: Path, no_zcli: None, deep: str
) -> None:
    """Used to be UNKNOWN: PyYAML's pure-Python parser recursed once per level (RecursionError)."""
    write_app(tmp_path / "work", yaml=deep)
    before = versions_of(containers, "appdev")
    async with local_session(containers, tmp_path) as session:
        payload = error_payload(await session.call(TOOL, {"targetService": "appdev", "setup": "dev"}))
        await session.ping()
    assert payload["code"] == "PREFLIGHT_FAILED", payload
    assert payload["suggestion"].startswith("Fix zerops.yaml in ") and "deploy again" in payload["suggestion"]
    failed = [c for c in payload["checks"] if c["status"] == "fail"]
    assert [c["name"] for c in failed] == ["appdev_setup"]
    assert "did not load" in failed[0]["detail"] and "nested" in failed[0]["detail"]
    assert versions_of(containers, "appdev") == before  # nothing was pushed
