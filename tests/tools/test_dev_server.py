"""zerops_dev_server over the sandbox's SSH: real processes on this machine, real HTTP probes."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.deploy.harness import container_session, local_session
from tests.plugins.sandbox import ContainersHandle
from tests.tools.harness import commands, error_payload
from zcp.clock import SYSTEM_CLOCK

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
TOOL = "zerops_dev_server"

SERVER = """\
import http.server, sys
code = int(sys.argv[2]) if len(sys.argv) > 2 else 200
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(code); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a):
        print("served", self.path, flush=True)
print("listening", flush=True)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server_app(containers: ContainersHandle) -> None:
    (containers.tree("appdev") / "server.py").write_text(SERVER)


@pytest.mark.containers(seed="standard")
async def test_a_dev_server_starts_answers_logs_and_stops(
    containers: ContainersHandle, tmp_path: Path, server_app: None
) -> None:
    port = free_port()
    start = {"action": "start", "hostname": "appdev", "command": f"python3 server.py {port}", "port": port}
    async with container_session(containers, tmp_path, clock=SYSTEM_CLOCK) as session:
        started = await session.ok(TOOL, start)
        status = await session.ok(TOOL, {"action": "status", "hostname": "appdev", "port": port})
        logs = await session.ok(TOOL, {"action": "logs", "hostname": "appdev", "logLines": 5})
        restarted = await session.ok(TOOL, {**start, "action": "RESTART"})
        stopped = await session.ok(TOOL, {"action": "stop", "hostname": "appdev"})
        after = await session.ok(TOOL, {"action": "status", "hostname": "appdev"})
    assert (started["running"], started["healthStatus"], started["port"]) == (True, 200, port)
    assert started["startMillis"] >= 0 and started["pid"] > 0
    assert "reason" not in started
    assert (status["running"], status["healthStatus"]) == (True, 200)
    assert "listening" in logs["logTail"]
    assert restarted["running"] and "stopped" in restarted["message"]
    assert stopped["running"] is False
    assert (after["running"], after["reason"]) == (False, "not_running")


@pytest.mark.containers(seed="standard")
async def test_a_command_that_exits_is_post_spawn_exit_with_its_log(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    command = "python3 -c 'import sys; print(\"boom: no module named flask\"); sys.exit(3)'"
    async with container_session(containers, tmp_path, clock=SYSTEM_CLOCK) as session:
        data = await session.ok(
            TOOL, {"action": "start", "hostname": "appdev", "command": command, "port": 9}
        )
    assert (data["running"], data["reason"]) == (False, "post_spawn_exit")
    assert any("no module named flask" in line for line in data["logTail"])
    assert commands(data) == ['zerops_dev_server action="logs" hostname="appdev" logLines=100']


@pytest.mark.containers(seed="standard")
async def test_a_process_that_never_answers_or_answers_an_error_says_which(
    containers: ContainersHandle, tmp_path: Path, server_app: None
) -> None:
    silent, failing = free_port(), free_port()
    async with container_session(containers, tmp_path, clock=SYSTEM_CLOCK) as session:
        quiet = await session.ok(
            TOOL,
            {
                "action": "start",
                "hostname": "appdev",
                "command": "sleep 30",
                "port": silent,
                "waitSeconds": 1,
            },
        )
        erroring = await session.ok(
            TOOL,
            {
                "action": "start",
                "hostname": "appdev",
                "command": f"python3 server.py {failing} 500",
                "port": failing,
                "waitSeconds": 3,
                "logFile": "/tmp/other.log",
            },
        )
        plain = await session.ok(
            TOOL,
            {
                "action": "start",
                "hostname": "appdev",
                "command": "sleep 30",
                "noHttpProbe": "true",
                "logFile": "/tmp/w.log",
            },
        )
        for log in ("/tmp/zcp-dev-server.log", "/tmp/other.log", "/tmp/w.log"):
            await session.ok(TOOL, {"action": "stop", "hostname": "appdev", "logFile": log})
    assert (quiet["running"], quiet["reason"]) == (True, "health_probe_timeout")
    assert (erroring["running"], erroring["reason"], erroring["healthStatus"]) == (
        True,
        "health_probe_status",
        500,
    )
    assert plain["running"] is True and "reason" not in plain


@pytest.mark.containers(seed="standard")
async def test_a_command_that_cannot_be_launched_is_spawn_error(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    async with container_session(containers, tmp_path, clock=SYSTEM_CLOCK) as session:
        data = await session.ok(
            TOOL,
            {
                "action": "start",
                "hostname": "appdev",
                "command": "true",
                "port": 9,
                "workDir": "/nonexistent/dir",
            },
        )
    assert (data["running"], data["reason"]) == (False, "spawn_error")


@pytest.mark.containers(seed="standard")
async def test_dev_server_input_is_checked_before_anything_runs(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    async with container_session(containers, tmp_path, clock=SYSTEM_CLOCK) as session:
        no_command = error_payload(
            await session.call(TOOL, {"action": "start", "hostname": "appdev", "port": 3000})
        )
        no_port = error_payload(
            await session.call(TOOL, {"action": "start", "hostname": "appdev", "command": "x"})
        )
        managed = error_payload(await session.call(TOOL, {"action": "status", "hostname": "db"}))
        itself = error_payload(await session.call(TOOL, {"action": "status", "hostname": "zcp"}))
        bad_log = error_payload(
            await session.call(TOOL, {"action": "logs", "hostname": "appdev", "logFile": "x.log"})
        )
        too_long = error_payload(
            await session.call(
                TOOL, {"action": "start", "hostname": "appdev", "command": "x", "port": 1, "waitSeconds": 99}
            )
        )
    assert no_command["code"] == no_port["code"] == managed["code"] == "INVALID_PARAMETER"
    assert itself["code"] == "SELF_SERVICE_BLOCKED"
    assert bad_log["code"] == too_long["code"] == "INVALID_PARAMETER"


@pytest.mark.containers(seed="standard")
async def test_an_unreachable_service_is_ssh_failed(containers: ContainersHandle, tmp_path: Path) -> None:
    port = free_port()
    async with container_session(
        containers,
        tmp_path,
        clock=SYSTEM_CLOCK,
        ssh_port=port,
        ssh_host_key_policy="tofu",
        ssh_connect_timeout=2.0,
    ) as session:
        error = error_payload(await session.call(TOOL, {"action": "status", "hostname": "appdev"}))
    assert error["code"] == "SSH_FAILED"
    assert error["details"]["reason"] == "unreachable"


@pytest.mark.containers(seed="standard")
async def test_outside_a_container_dev_servers_are_not_available(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    async with local_session(containers, tmp_path) as session:
        error = error_payload(await session.call(TOOL, {"action": "status", "hostname": "appdev"}))
    assert error["code"] == "NOT_IMPLEMENTED"
