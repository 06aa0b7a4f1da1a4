"""Deploy-side paths the main tests leave out: ``run.initCommands`` under ``--run-code``, a rollback to a
named app version, the dev-server failure reasons only a broken service produces, UNMOUNT_FAILED, and
INVALID_ZEROPS_YML from the platform through zerops_deploy."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from tests.deploy.harness import (
    APP_YAML,
    container_session,
    local_session,
    new_runtime,
    open_develop,
    versions_of,
    write_app,
)
from tests.plugins.sandbox import ContainersHandle, SandboxHandle
from tests.tools.harness import ToolSession, commands, error_payload, in_container, tool_session
from zcp.clock import SYSTEM_CLOCK, FunctionClock
from zcp.errors import SshError
from zcp.remote.mounts import SshfsMounter
from zcp.remote.runner import FakeRunner, RemoteCall, RemoteResult
from zcp.sandbox.scenarios import add_zcp_service

pytestmark = pytest.mark.anyio
DEPLOY = "zerops_deploy"
DEV_SERVER = "zerops_dev_server"

# --- run.initCommands under --run-code -----------------------------------------------------------

INIT_YAML = APP_YAML.format(marker="v1").replace(
    "      start: python3 app.py\n",
    "      initCommands:\n"
    "        - echo init-marker-3f9 in $PWD\n"
    "        - echo written by init > message.txt\n"
    "      start: python3 app.py\n",
    1,
)


@pytest.mark.slow
@pytest.mark.containers(seed="standard", run_code=True)
async def test_init_commands_run_in_the_deployed_tree_before_the_app_starts(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    assert INIT_YAML.count("initCommands") == 1
    new_runtime(containers, "apidev")
    write_app(containers.tree("apidev"), yaml=INIT_YAML)  # message.txt says "v1" until init rewrites it
    # Real waits (the build really runs), the sandbox's wall time (its log entries carry it).
    clock = FunctionClock(now_fn=containers.clock.now)
    async with container_session(containers, tmp_path, clock=clock) as session:
        data = await session.ok(DEPLOY, {"targetService": "apidev", "setup": "dev"})
        logs = await session.ok("zerops_logs", {"serviceHostname": "apidev"})
        async with httpx.AsyncClient(timeout=10) as http:
            page = await http.get(data["subdomainUrl"])
    assert data["status"] == "DEPLOYED", data
    assert (page.status_code, page.text) == (200, "written by init\n")
    assert (containers.tree("apidev") / "message.txt").read_text() == "written by init\n"
    messages = [entry["message"] for entry in logs["entries"]]
    assert "> echo init-marker-3f9 in $PWD" in messages  # the command, as the runtime log shows it
    assert any(m.startswith("init-marker-3f9 in /") for m in messages), messages  # and what it printed


@pytest.mark.slow
@pytest.mark.containers(seed="standard", run_code=True)
async def test_a_failing_init_command_fails_the_deploy_and_keeps_the_running_version(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    new_runtime(containers, "apidev")
    write_app(containers.tree("apidev"), marker="good")
    failing = APP_YAML.format(marker="bad").replace(
        "      start: python3 app.py\n",
        "      initCommands:\n        - echo migrating && exit 4\n      start: python3 app.py\n",
        1,
    )
    async with container_session(containers, tmp_path, clock=SYSTEM_CLOCK) as session:
        good = await session.ok(DEPLOY, {"targetService": "apidev", "setup": "dev"})
        write_app(containers.tree("apidev"), marker="bad", yaml=failing)
        bad = await session.ok(DEPLOY, {"targetService": "apidev", "setup": "dev"})
        async with httpx.AsyncClient(timeout=10) as http:
            page = await http.get(good["subdomainUrl"])
    assert good["status"] == "DEPLOYED"
    assert (bad["status"], bad["failedPhase"]) == ("DEPLOY_FAILED", "init"), bad
    assert any("RUN.INIT COMMANDS FINISHED WITH ERROR" in line for line in bad["runtimeLogs"]), bad
    with containers.sandbox.lock:
        versions = containers.sandbox.state.app_versions
        assert versions[good["appVersionId"]].status == "ACTIVE"  # the version before stays deployed
        assert versions[bad["appVersionId"]].status != "ACTIVE"
    # ...and its process keeps serving (a self-deploy edits the live tree, so it serves the new file).
    assert (page.status_code, page.text) == (200, "bad\n")


# --- rollback to a named app version -------------------------------------------------------------


@pytest.mark.containers(seed="standard")
async def test_app_version_with_an_id_redeploys_exactly_that_build(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    new_runtime(containers, "apidev")
    async with container_session(containers, tmp_path) as session:
        built = []
        for marker in ("v1", "v2", "v3"):
            write_app(containers.tree("apidev"), marker=marker)
            built.append(
                (await session.ok(DEPLOY, {"targetService": "apidev", "setup": "dev"}))["appVersionId"]
            )
        count = len(versions_of(containers, "apidev"))
        oldest = await session.ok(DEPLOY, {"targetService": "apidev", "appVersion": built[0]})
        with containers.sandbox.lock:
            statuses = {v: containers.sandbox.state.app_versions[v].status for v in built}
        newest = await session.ok(DEPLOY, {"targetService": "apidev", "appVersion": built[2]})
        with containers.sandbox.lock:
            back = {v: containers.sandbox.state.app_versions[v].status for v in built}
    assert len(set(built)) == 3
    assert (oldest["status"], oldest["mode"], oldest["appVersionId"]) == ("DEPLOYED", "redeploy", built[0])
    assert statuses[built[0]] == "ACTIVE" and statuses[built[2]] != "ACTIVE"
    assert newest["appVersionId"] == built[2] and back[built[2]] == "ACTIVE" and back[built[0]] != "ACTIVE"
    assert len(versions_of(containers, "apidev")) == count  # neither built anything new


# --- dev-server reasons a real process cannot produce here ---------------------------------------


def _dev_runner(*, spawn: RemoteResult, alive: RemoteResult | SshError, probe: RemoteResult) -> FakeRunner:
    """A service whose dev-server commands answer as given (the log holds two lines)."""

    def respond(call: RemoteCall) -> RemoteResult:
        text = call.command
        if "setsid" in text:
            return spawn
        if "kill -0" in text:
            if isinstance(alive, SshError):
                raise alive
            return alive
        if "curl" in text:
            return probe
        if text.startswith("tail"):
            return RemoteResult(0, "starting dev server\nlistening on :3000\n")
        return RemoteResult(1)  # the stop of a server that was not running

    return FakeRunner(respond=respond)


@pytest.fixture
def zcp_service(sandbox: SandboxHandle) -> None:
    with sandbox.sandbox.lock:
        add_zcp_service(sandbox.sandbox, sandbox.project())


async def _start(sandbox: SandboxHandle, runner: FakeRunner) -> tuple[dict[str, object], FakeRunner]:
    async with tool_session(sandbox, runtime=in_container(sandbox, "zcp")) as session:
        session.app.use_remote(runner)
        data = await session.ok(
            DEV_SERVER,
            {
                "action": "start",
                "hostname": "appdev",
                "command": "npm run dev",
                "port": 3000,
                "waitSeconds": 5,
            },
        )
    return data, runner


@pytest.mark.sandbox(seed="standard", time_scale=0)
async def test_a_start_command_that_does_not_return_is_spawn_timeout(
    sandbox: SandboxHandle, zcp_service: None
) -> None:
    runner = _dev_runner(
        spawn=RemoteResult(-1, timed_out=True), alive=RemoteResult(0), probe=RemoteResult(0, "200")
    )
    data, _ = await _start(sandbox, runner)
    assert (data["running"], data["reason"]) == (False, "spawn_timeout")
    assert data["message"] == "appdev: the start command did not return in time."
    assert data["logTail"] == ["starting dev server", "listening on :3000"]
    assert "pid" not in data
    assert not any("kill -0" in c.command or "curl" in c.command for c in runner.calls)  # nothing after
    assert commands(data) == ['zerops_dev_server action="logs" hostname="appdev" logLines=100']


@pytest.mark.sandbox(seed="standard", time_scale=0)
async def test_a_liveness_check_that_cannot_reach_the_service_is_liveness_check_error(
    sandbox: SandboxHandle, zcp_service: None
) -> None:
    lost = SshError("the SSH connection to appdev dropped", details={"reason": "disconnected"})
    runner = _dev_runner(spawn=RemoteResult(0, "4242\n"), alive=lost, probe=RemoteResult(0, "200"))
    data, _ = await _start(sandbox, runner)
    assert (data["running"], data["reason"], data["pid"]) == (False, "liveness_check_error", 4242)
    assert data["message"] == "appdev: the SSH connection to appdev dropped."
    assert data["logTail"] == ["starting dev server", "listening on :3000"]
    assert not any("curl" in c.command for c in runner.calls)


@pytest.mark.sandbox(seed="standard", time_scale=0)
async def test_a_probe_that_cannot_run_on_the_service_is_health_probe_error(
    sandbox: SandboxHandle, zcp_service: None
) -> None:
    no_curl = RemoteResult(127, "", "bash: curl: command not found")
    runner = _dev_runner(spawn=RemoteResult(0, "4242\n"), alive=RemoteResult(0), probe=no_curl)
    data, _ = await _start(sandbox, runner)
    assert (data["reason"], data["pid"]) == ("health_probe_error", 4242)
    assert data["running"] is True  # the liveness check just passed: the process lives
    assert "healthStatus" not in data
    assert data["message"] == "appdev: the HTTP probe could not run (curl?)."
    assert sum("curl" in c.command for c in runner.calls) == 1  # no retrying a probe that cannot run


# --- UNMOUNT_FAILED ------------------------------------------------------------------------------


class StuckMount:
    """Local commands on zcp's machine: the mount is listed in /proc/mounts and no unmount removes it."""

    def __init__(self, proc: Path) -> None:
        self.proc = proc
        self.calls: list[list[str]] = []

    async def run(self, argv: Sequence[str], *, timeout: float) -> tuple[int, str, str]:
        self.calls.append(list(argv))
        return 1, "", f"{argv[-1]}: target is busy"


@pytest.mark.containers(seed="standard")
async def test_a_mount_that_cannot_be_removed_is_unmount_failed_with_the_tools_output(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    proc = tmp_path / "proc-mounts"
    root = tmp_path / "mnt"
    proc.write_text(f"zerops@appdev:/var/www {root / 'appdev'} fuse.sshfs rw 0 0\n")
    (root / "appdev").mkdir(parents=True)
    local = StuckMount(proc)
    async with container_session(containers, tmp_path) as session:
        session.app.use_mounter(
            SshfsMounter(root=root, self_hostname="zcp", commands=local, proc_mounts=proc, mount_timeout=2)
        )
        open_develop(session, ["appdev"])
        error = error_payload(
            await session.call("zerops_mount", {"action": "unmount", "serviceHostname": "appdev"})
        )
        status = await session.ok("zerops_mount", {"action": "status"})
    assert error["code"] == "UNMOUNT_FAILED"
    assert error["error"] == f"{root / 'appdev'} is still mounted."
    assert error["suggestion"] == "Close programs using it and retry."
    assert error["untrusted"]["diagnostic"] == f"{root / 'appdev'}: target is busy"  # fenced as data
    tried = [argv[:2] for argv in local.calls]
    assert ["fusermount3", "-u"] in tried and ["fusermount3", "-uz"] in tried  # the lazy retry too
    assert {m["hostname"]: m["mounted"] for m in status["mounts"]}["appdev"] is True  # still there


# --- INVALID_ZEROPS_YML through zerops_deploy ----------------------------------------------------


@pytest.mark.containers(seed="standard")
async def test_a_zerops_yaml_the_platform_refuses_is_invalid_zerops_yml_before_any_build(
    containers: ContainersHandle, tmp_path: Path, no_zcli: None
) -> None:
    # Valid against the schema (so preflight passes), but a python runtime has no built-in web server:
    # the platform's validation wants run.start.
    no_start = APP_YAML.format(marker="v1").replace("      start: python3 app.py\n", "", 1)
    write_app(tmp_path / "work", yaml=no_start)
    before = versions_of(containers, "appdev")
    async with local_session(containers, tmp_path) as session:
        error = await _deploy_error(session)
    assert error["code"] == "INVALID_ZEROPS_YML", error
    assert "run.start" in str(error)
    assert versions_of(containers, "appdev") == before
    assert containers.hits("create_app_version") == 0


async def _deploy_error(session: ToolSession) -> dict[str, object]:
    return error_payload(await session.call(DEPLOY, {"targetService": "appdev", "setup": "dev"}))
