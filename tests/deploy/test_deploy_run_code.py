"""zerops_deploy against ``--run-code``: builds really run, the app really serves, the platform really
ends a self-deploy's SSH session (as it replaces the containers) — and the deploy still reports the truth."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.deploy.harness import APP_YAML, container_session, new_runtime, open_develop, write_app, write_meta
from tests.plugins.sandbox import ContainersHandle
from zcp.clock import SYSTEM_CLOCK
from zcp.ops.deploy.devserver import COMMAND_PLACEHOLDER
from zcp.ops.deploy.pushers import SshPusher
from zcp.sandbox.coderun import free_port

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
TOOL = "zerops_deploy"


@pytest.mark.containers(seed="standard", run_code=True)
async def test_a_self_deploy_whose_ssh_session_the_deploy_ends_is_still_deployed_and_serves_the_code(
    containers: ContainersHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_runtime(containers, "apidev")
    write_app(containers.tree("apidev"), marker="hello from the build")
    runs: list[int] = []
    original = SshPusher.__call__

    async def spy(self: SshPusher) -> object:
        run = await original(self)
        runs.append(run.exit_status)
        return run

    monkeypatch.setattr(SshPusher, "__call__", spy)
    async with container_session(containers, tmp_path, clock=SYSTEM_CLOCK) as session:
        write_meta(session, "apidev", close_deploy_mode="auto")
        open_develop(session, ["apidev"])
        data = await session.ok(TOOL, {"targetService": "apidev", "setup": "dev"})
        verified = await session.ok("zerops_verify", {"serviceHostname": "apidev"})
        url = data["subdomainUrl"]
        async with httpx.AsyncClient(timeout=10) as http:
            page = await http.get(url)
    assert data["status"] == "DEPLOYED", data
    assert data["subdomainAccessEnabled"] is True
    assert page.status_code == 200 and page.text.strip() == "hello from the build"
    assert verified["status"] == "healthy"
    assert verified["workSessionState"]["status"] == "auto-closed"  # deployed + verified, close mode auto
    assert runs in ([], [0], [143])  # stopped early, or the session ended by the deploy


@pytest.mark.containers(seed="standard", run_code=True)
async def test_a_real_build_failure_carries_the_commands_output(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    new_runtime(containers, "apidev")
    yaml = APP_YAML.format(marker="v1").replace(
        "- echo building v1",
        "- echo compiling the app\n        - echo SyntaxError in app.py line 3 && exit 2",
    )
    write_app(containers.tree("apidev"), yaml=yaml)
    async with container_session(containers, tmp_path, clock=SYSTEM_CLOCK) as session:
        data = await session.ok(TOOL, {"targetService": "apidev", "setup": "dev"})
    assert (data["status"], data["failedPhase"]) == ("BUILD_FAILED", "build")
    assert data["failureClassification"]["category"] == "build"
    assert any("SyntaxError in app.py line 3" in line for line in data["buildLogs"])
    assert any("compiling the app" in line for line in data["buildLogs"])


#: What the user runs as the dev server: it listens on the port it is given (``npm run dev`` would read
#: its config); the dev setup's own ``run.start`` is ``zsc noop``.
DEV_PY = """\
import http.server, sys

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello from the dev server"
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""

NOOP_YAML = """\
zerops:
  - setup: dev
    build:
      base: python@3.12
      deployFiles: ./
    run:
      base: python@3.12
      ports:
        - port: {port}
          httpSupport: true
      start: zsc noop --silent
"""


@pytest.mark.containers(seed="standard", run_code=True)
async def test_a_dev_setup_is_deployed_then_its_dev_server_started_then_verified_and_the_session_closes(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    """The agent follows the deploy's first next action, filling only the command it is asked for."""
    port = free_port()
    new_runtime(containers, "apidev")
    tree = containers.tree("apidev")
    tree.mkdir(parents=True, exist_ok=True)
    (tree / "zerops.yaml").write_text(NOOP_YAML.format(port=port))
    (tree / "dev.py").write_text(DEV_PY)
    async with container_session(containers, tmp_path, clock=SYSTEM_CLOCK) as session:
        write_meta(session, "apidev", close_deploy_mode="auto")
        open_develop(session, ["apidev"])
        deployed = await session.ok(TOOL, {"targetService": "apidev"})
        first = deployed["nextActions"][0]
        assert first["tool"] == "zerops_dev_server"
        assert first["args"] == {
            "action": "start",
            "command": COMMAND_PLACEHOLDER,
            "hostname": "apidev",
            "port": port,
        }
        started = await session.ok(first["tool"], {**first["args"], "command": f"python3 dev.py {port}"})
        assert started["nextActions"][0] == {"tool": "zerops_verify", "args": {"serviceHostname": "apidev"}}
        verified = await session.ok("zerops_verify", {"serviceHostname": "apidev"})
        async with httpx.AsyncClient(timeout=10) as http:
            page = await http.get(deployed["subdomainUrl"])
    assert deployed["status"] == "DEPLOYED"
    assert started["running"] is True and started["healthStatus"] == 200
    assert verified["status"] == "healthy", verified
    assert verified["workSessionState"]["status"] == "auto-closed"  # deployed + verified, close mode auto
    assert (page.status_code, page.text) == (200, "hello from the dev server")
