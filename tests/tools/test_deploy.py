"""zerops_deploy inside a Zerops container: zcli push over the sandbox's real SSH server, builds simulated.

zcp runs as the sandbox's ``zcp`` service (``tests/deploy/harness.py``); every deploy goes over
asyncssh to the source service's tree, where the sandbox's zcli stand-in pushes through the API.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.harness import (
    APP_YAML,
    container_session,
    new_runtime,
    open_develop,
    versions_of,
    write_app,
    write_meta,
)
from tests.plugins.core import result_text
from tests.plugins.sandbox import ContainersHandle
from tests.tools.harness import Progress, commands, error_payload
from zcp.remote.runner import FakeRunner, RemoteCall, RemoteResult

pytestmark = pytest.mark.anyio
TOOL = "zerops_deploy"


class Recording:
    """Wraps the session's runner and keeps every call (command text, stdin, env)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[RemoteCall] = []

    async def run(self, hostname: str, command: Any, **kw: Any) -> RemoteResult:
        self.calls.append(
            RemoteCall(hostname, command.text, kw.get("stdin"), dict(kw.get("env") or {}), kw["timeout"])
        )
        result: RemoteResult = await self.inner.run(hostname, command, **kw)
        return result

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.containers(seed="standard")
async def test_a_self_deploy_pushes_over_ssh_on_the_service_and_waits_for_the_build(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    write_app(containers.tree("appdev"))
    before = versions_of(containers, "appdev")
    async with container_session(containers, tmp_path) as session:
        recording = Recording(session.app.remote())
        session.app.use_remote(recording)
        progress = Progress()
        data = await session.ok(TOOL, {"targetService": "appdev"}, progress=progress)
    assert data["status"] == "DEPLOYED"
    assert (data["mode"], data["pushedWith"], data["sourceService"]) == ("ssh", "ssh", "appdev")
    assert data["setup"] == "dev"  # no setup named appdev: the dev role's setup
    assert data["sshReady"] is True
    assert [c["name"] for c in data["preflight"]] == [
        "zerops_yaml_exists",
        "appdev_setup",
        "appdev_schema",
        "appdev_env_refs",
    ]
    assert {c["status"] for c in data["preflight"]} == {"pass"}
    assert commands(data)[0] == 'zerops_verify serviceHostname="appdev"'
    after = versions_of(containers, "appdev")
    assert len(after) == len(before) + 1
    assert after[-1][1:] == ("ACTIVE", "dev")
    assert data["appVersionId"]
    assert progress.messages  # the build was watched with progress
    push = next(c for c in recording.calls if "zcli push" in c.command)
    assert push.hostname == "appdev"
    assert "-g" in push.command.split()  # a self-deploy keeps .git
    assert "--setup=dev" in push.command
    # The token travels on stdin (zcli's cli.data), never in a command line or the result.
    assert containers.token not in push.command
    assert isinstance(push.stdin, bytes) and containers.token.encode() in push.stdin
    assert all(containers.token not in c.command for c in recording.calls)
    assert containers.token not in json.dumps(data)


@pytest.mark.containers(seed="standard")
async def test_a_cross_deploy_builds_the_dev_code_with_the_prod_setup_on_the_stage(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    write_app(containers.tree("appdev"))
    async with container_session(containers, tmp_path) as session:
        recording = Recording(session.app.remote())
        session.app.use_remote(recording)
        data = await session.ok(
            TOOL, {"sourceService": "appdev", "targetService": "appstage", "setup": "prod"}
        )
    assert (data["status"], data["sourceService"], data["targetService"], data["setup"]) == (
        "DEPLOYED",
        "appdev",
        "appstage",
        "prod",
    )
    assert versions_of(containers, "appstage")[-1][1:] == ("ACTIVE", "prod")
    push = next(c for c in recording.calls if "zcli push" in c.command)
    assert push.hostname == "appdev"  # built where the code is
    assert f"--service-id={containers.service('appstage').id}" in push.command
    assert "-g" not in push.command.split()


@pytest.mark.containers(seed="standard")
async def test_a_failing_build_is_a_result_with_its_phase_log_tail_classification_and_next_call(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    write_app(
        containers.tree("appdev"), yaml=APP_YAML.format(marker="v1").replace("echo building v1", "exit 1")
    )
    async with container_session(containers, tmp_path) as session:
        open_develop(session, ["appdev"])
        data = await session.ok(TOOL, {"targetService": "appdev", "setup": "dev"})
        result = await session.call(TOOL, {"targetService": "appdev", "setup": "dev"})
    assert (data["status"], data["failedPhase"]) == ("BUILD_FAILED", "build")
    assert data["failureClassification"]["category"] == "build"
    assert data["buildLogs"] and data["buildLogsSource"] == f"zbuilder@{data['appVersionId']}"
    assert commands(data)[0].startswith('zerops_logs serviceHostname="appdev" buildId=')
    assert data["workSessionState"]["recorded"] is True
    text = result_text(result)
    assert "untrusted" in text  # the log tail is fenced
    assert "failure class: build" in text


@pytest.mark.containers(seed="standard")
async def test_a_start_command_that_fails_is_deploy_failed_with_the_runtime_log(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    yaml = APP_YAML.format(marker="v1").replace("start: python3 app.py", "start: exit 1", 1)
    write_app(containers.tree("appdev"), yaml=yaml)
    async with container_session(containers, tmp_path) as session:
        data = await session.ok(TOOL, {"targetService": "appdev", "setup": "dev"})
    assert (data["status"], data["failedPhase"]) == ("DEPLOY_FAILED", "init")
    assert data["failureClassification"]["category"] == "start"
    assert data["runtimeLogsSource"] == "runtime log of appdev"
    assert "buildLogs" not in data


@pytest.mark.parametrize(
    ("files", "args", "failed", "detail"),
    [
        ({}, {}, "zerops_yaml_exists", "no zerops.yaml"),
        (None, {"setup": "staging"}, "appdev_setup", "no setup 'staging'"),
        (
            {
                "zerops.yaml": "zerops:\n  - setup: dev\n    build:\n      base: python@3.12\n      deployFiles: ./\n    run:\n      base: python@3.12\n      startz: x\n"
            },
            {},
            "appdev_schema",
            "startz",
        ),
        (
            {
                "zerops.yaml": APP_YAML.format(marker="v1").replace(
                    "db_connectionString", "cache_connectionString"
                )
            },
            {"setup": "dev"},
            "appdev_env_refs",
            "no service 'cache'",
        ),
        (
            {"zerops.yaml": APP_YAML.format(marker="v1").replace("db_connectionString", "db_nosuchvar")},
            {"setup": "dev"},
            "appdev_env_refs",
            "db has no nosuchvar",
        ),
    ],
    ids=["no-zerops-yaml", "unknown-setup", "schema", "unknown-service", "unknown-variable"],
)
@pytest.mark.containers(seed="standard")
async def test_preflight_stops_a_deploy_before_anything_moves(
    containers: ContainersHandle,
    tmp_path: Path,
    files: dict[str, str] | None,
    args: dict[str, str],
    failed: str,
    detail: str,
) -> None:
    tree = containers.tree("appdev")
    if files is None:
        write_app(tree)
    else:
        for name, text in files.items():
            (tree / name).write_text(text)
    before = versions_of(containers, "appdev")
    async with container_session(containers, tmp_path) as session:
        open_develop(session, ["appdev"])
        error = error_payload(await session.call(TOOL, {"targetService": "appdev", **args}))
        session_file = session.app.state.work_session()
    assert error["code"] == "PREFLIGHT_FAILED"
    checks = {c["name"]: c for c in error["checks"]}
    assert checks[failed]["status"] == "fail"
    assert detail in checks[failed]["detail"]
    assert all(c["kind"] == "preflight" for c in error["checks"])
    assert versions_of(containers, "appdev") == before  # nothing moved
    assert containers.hits("create_app_version") == 0
    assert session_file is not None and not session_file.deploys  # not an attempt


@pytest.mark.containers(seed="standard")
async def test_an_unreachable_source_is_ssh_deploy_failed_classified_network_and_recorded(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with container_session(
        containers, tmp_path, ssh_port=port, ssh_connect_timeout=2.0, ssh_host_key_policy="tofu"
    ) as session:
        open_develop(session, ["appdev"])
        error = error_payload(await session.call(TOOL, {"targetService": "appdev"}))
        work = session.app.state.work_session()
    assert error["code"] == "SSH_DEPLOY_FAILED"
    assert error["failureClassification"]["category"] == "network"
    assert work is not None and work.deploys is not None
    (attempt,) = work.deploys["appdev"]
    assert (attempt.succeeded_at, attempt.failure_class) == (None, "network")


@pytest.mark.containers(seed="standard")
async def test_an_unpinned_host_key_is_refused(containers: ContainersHandle, tmp_path: Path) -> None:
    write_app(containers.tree("appdev"))
    async with container_session(containers, tmp_path, ssh_known_hosts=None) as session:
        error = error_payload(await session.call(TOOL, {"targetService": "appdev"}))
    assert error["code"] == "HOST_KEY_REJECTED"
    assert containers.hits("create_app_version") == 0


@pytest.mark.containers(seed="standard")
async def test_a_push_the_api_refuses_is_ssh_deploy_failed_with_zclis_output(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    write_app(containers.tree("appdev"))
    containers.fault("create_app_version", status=400, code="serviceStackIsNotReady", message="not ready")
    async with container_session(containers, tmp_path) as session:
        open_develop(session, ["appdev"])
        error = error_payload(await session.call(TOOL, {"targetService": "appdev", "setup": "dev"}))
        work = session.app.state.work_session()
    assert error["code"] == "SSH_DEPLOY_FAILED"
    assert "✗" in error["untrusted"]["diagnostic"]  # zcli's own output
    assert error["failureClassification"]["category"] == "other"
    assert work is not None and work.deploys and work.deploys["appdev"][-1].succeeded_at is None


@pytest.mark.containers(seed="standard")
async def test_the_first_deploy_of_a_service_enables_its_subdomain(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    new_runtime(containers, "apidev")
    write_app(containers.tree("apidev"))
    async with container_session(containers, tmp_path) as session:
        first = await session.ok(TOOL, {"targetService": "apidev", "setup": "dev"})
        await session.ok("zerops_subdomain", {"serviceHostname": "apidev", "action": "disable"})
        second = await session.ok(TOOL, {"targetService": "apidev", "setup": "dev"})
    assert first["subdomainAccessEnabled"] is True
    assert first["subdomainUrl"]
    assert "subdomainAccessEnabled" not in second  # a later deploy leaves a disabled subdomain off
    assert containers.service("apidev").subdomain_access is False


@pytest.mark.containers(seed="standard")
async def test_deploy_refuses_what_is_not_a_managed_runtime_target(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    async with container_session(containers, tmp_path) as session:
        managed = error_payload(await session.call(TOOL, {"targetService": "db"}))
        unknown = error_payload(await session.call(TOOL, {"targetService": "apdev"}))
        itself = error_payload(await session.call(TOOL, {"targetService": "zcp"}))
        mistaken = error_payload(await session.call(TOOL, {"targetService": "appdev", "strategy": "manual"}))
        remote = error_payload(await session.call(TOOL, {"targetService": "appdev", "remoteUrl": "x"}))
        write_meta(session, "appstage")
        unmanaged = error_payload(await session.call(TOOL, {"targetService": "appdev"}))
    assert managed["code"] == "INVALID_PARAMETER"
    assert unknown["code"] == "SERVICE_NOT_FOUND" and "appdev" in unknown["suggestion"]
    assert itself["code"] == "SELF_SERVICE_BLOCKED"
    assert mistaken["code"] == "INVALID_PARAMETER" and "git-push" in mistaken["suggestion"]
    assert remote["code"] == "INVALID_PARAMETER"
    assert unmanaged["code"] == "SERVICE_NOT_FOUND" and unmanaged["recovery"]["tool"] == "zerops_workflow"


@pytest.mark.containers(seed="standard")
async def test_workingdir_must_be_a_folder_on_the_source_not_this_workspaces_mount(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    async with container_session(containers, tmp_path) as session:
        mount = error_payload(
            await session.call(TOOL, {"targetService": "appdev", "workingDir": "/var/www/appdev"})
        )
        relative = error_payload(await session.call(TOOL, {"targetService": "appdev", "workingDir": "src"}))
    assert mount["code"] == relative["code"] == "INVALID_PARAMETER"


@pytest.mark.containers(seed="standard")
async def test_a_deploy_in_a_develop_session_is_recorded_and_stamps_the_first_deploy(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    write_app(containers.tree("appdev"))
    async with container_session(containers, tmp_path) as session:
        write_meta(session, "appdev")
        open_develop(session, ["appdev"])
        data = await session.ok(TOOL, {"targetService": "appdev"})
        meta = session.app.state.meta("appdev")
        work = session.app.state.work_session()
    state = data["workSessionState"]
    assert (state["status"], state["recorded"]) == ("open", True)
    assert state["progress"]["pending"] == ["appdev"]  # deployed, not verified yet
    assert meta is not None and meta.first_deployed_at
    assert work is not None and work.deploys and work.deploys["appdev"][-1].succeeded_at
    assert work.deploys["appdev"][-1].setup == "dev"


@pytest.mark.containers(seed="standard")
async def test_a_fake_runner_sees_only_quoted_commands_and_the_token_on_stdin(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    fake = FakeRunner()
    fake.reply("/var/www/zerops.yaml", RemoteResult(0, APP_YAML.format(marker="x")))
    fake.reply("zcli push", RemoteResult(1, "", "✗ something broke before the build"))
    async with container_session(containers, tmp_path) as session:
        session.app.use_remote(fake)
        error = error_payload(await session.call(TOOL, {"targetService": "appdev", "setup": "dev"}))
    assert error["code"] == "SSH_DEPLOY_FAILED"
    assert "something broke" in error["untrusted"]["diagnostic"]
    push = next(c for c in fake.calls if "zcli push" in c.command)
    assert containers.token not in push.command and push.stdin is not None


@pytest.mark.containers(seed="standard", time_scale=1.0)
async def test_a_build_that_outlasts_the_wait_is_build_triggered_and_settled_by_the_next_deploy(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    write_app(containers.tree("appdev"))
    async with container_session(containers, tmp_path) as session:
        write_meta(session, "appdev")
        open_develop(session, ["appdev"])
        waited = await session.ok(TOOL, {"targetService": "appdev", "setup": "dev", "waitSeconds": 0})
        work = session.app.state.work_session()
        note = session.app.settings.state_dir / "deploys" / "appdev.json"
        assert note.is_file()
        containers.advance(60)  # the build finishes on the platform meanwhile
        events = await session.ok("zerops_events", {"serviceHostname": "appdev", "limit": 3})
        again = await session.ok(TOOL, {"targetService": "appdev", "setup": "dev", "waitSeconds": 0})
        work_after = session.app.state.work_session()
    assert (waited["status"], waited["timedOut"]) == ("BUILD_TRIGGERED", True)
    assert commands(waited)[1] == 'zerops_workflow action="record-deploy" targetService="appdev"'
    assert waited["workSessionState"]["recorded"] is False
    assert work is not None and not work.deploys  # no phantom success, no phantom failure
    build = next(e for e in events["events"] if e["type"] == "build")
    assert build["status"] == "ACTIVE"
    previous = again["previousDeploy"]
    assert (previous["status"], previous["recorded"]) == ("ACTIVE", True)
    assert previous["appVersionId"] == waited["appVersionId"]
    assert work_after is not None and work_after.deploys
    assert work_after.deploys["appdev"][0].succeeded_at  # settled from the platform's answer


@pytest.mark.containers(seed="standard", time_scale=1.0)
async def test_a_timed_out_deploy_settled_by_record_deploy_is_not_recorded_again_by_the_next_deploy(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    write_app(containers.tree("appdev"))
    async with container_session(containers, tmp_path) as session:
        write_meta(session, "appdev")
        open_develop(session, ["appdev"])
        await session.ok(TOOL, {"targetService": "appdev", "setup": "dev", "waitSeconds": 0})
        containers.advance(60)
        await session.ok("zerops_workflow", {"action": "record-deploy", "targetService": "appdev"})
        note = session.app.settings.state_dir / "deploys" / "appdev.json"
        assert not note.exists()
        again = await session.ok(TOOL, {"targetService": "appdev", "setup": "dev", "waitSeconds": 0})
        work = session.app.state.work_session()
    assert "previousDeploy" not in again
    assert work is not None and work.deploys is not None
    assert len(work.deploys["appdev"]) == 1  # record-deploy's, not a second copy


@pytest.mark.containers(seed="standard")
async def test_app_version_latest_rolls_back_to_the_build_before_without_rebuilding(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    new_runtime(containers, "apidev")
    async with container_session(containers, tmp_path) as session:
        none_yet = error_payload(
            await session.call(TOOL, {"targetService": "apidev", "appVersion": "latest"})
        )
        write_app(containers.tree("apidev"), marker="v1")
        first = await session.ok(TOOL, {"targetService": "apidev", "setup": "dev"})
        write_app(containers.tree("apidev"), marker="v2")
        await session.ok(TOOL, {"targetService": "apidev", "setup": "dev"})
        builds = len(versions_of(containers, "apidev"))
        rolled = await session.ok(TOOL, {"targetService": "apidev", "appVersion": "latest"})
        unknown = error_payload(await session.call(TOOL, {"targetService": "apidev", "appVersion": "nope"}))
        mixed = error_payload(
            await session.call(TOOL, {"targetService": "apidev", "appVersion": "latest", "setup": "dev"})
        )
    assert none_yet["code"] == "PREREQUISITE_MISSING"
    assert (rolled["status"], rolled["mode"], rolled["appVersionId"]) == (
        "DEPLOYED",
        "redeploy",
        first["appVersionId"],
    )
    assert len(versions_of(containers, "apidev")) == builds  # no new build
    with containers.sandbox.lock:
        assert containers.sandbox.state.app_versions[first["appVersionId"]].status == "ACTIVE"
    assert unknown["code"] == "INVALID_PARAMETER" and first["appVersionId"] in unknown["suggestion"]
    assert mixed["code"] == "INVALID_PARAMETER"
