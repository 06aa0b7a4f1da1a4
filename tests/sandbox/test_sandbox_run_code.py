"""``--run-code``: pushed code is built and started on this machine and served through the subdomain gateway."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest

from tests.plugins.sandbox import ContainersHandle
from zcp.ops.push import PushRequest, PushResult, push
from zcp.platform.client import ZeropsClient
from zcp.remote import commands
from zcp.remote.shell import all_of, quote
from zcp.sandbox.children import alive, listening_ports
from zcp.sandbox.coderun import free_port
from zcp.sandbox.lifecycle import subdomain_url

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

APP = """\
import http.server, json, os

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health" and os.path.exists("unhealthy"):
            self.send_response(500)
            self.end_headers()
            return
        body = json.dumps({
            "message": open("message.txt").read().strip(),
            "greeting": os.environ.get("GREETING"),
            "db": os.environ.get("DB"),
            "path": self.path,
        }).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        print("served", self.path, flush=True)

print("listening on", os.environ["PORT"], flush=True)
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""

YAML = """\
zerops:
  - setup: appdev
    build:
      base: nodejs@22
      buildCommands:
        - echo "{message}" > message.txt
        - echo compiled
      deployFiles: ./
    deploy:
      readinessCheck:
        httpGet:
          port: 3000
          path: /health
        failureTimeout: 5
        retryPeriod: 0.1
    run:
      base: nodejs@22
      envVariables:
        GREETING: hello from ${{hostname}}
        DB: ${{db_connectionString}}
      ports:
        - port: 3000
          httpSupport: true
      start: {start}
"""


def _source(
    root: Path, *, message: str = "v1", start: str = "python3 app.py", yaml: str | None = None
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(APP)
    (root / "zerops.yaml").write_text(yaml or YAML.format(message=message, start=start))
    return root


@pytest.fixture
async def client(containers: ContainersHandle) -> AsyncIterator[ZeropsClient]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield containers.client(http)


async def _deploy(
    containers: ContainersHandle, client: ZeropsClient, source: Path, hostname: str = "appdev"
) -> PushResult:
    result = await push(client, PushRequest(containers.service(hostname).id, source))
    await containers.wait_builds()
    return result


def _state(containers: ContainersHandle, result: PushResult) -> tuple[str, str, str | None]:
    with containers.sandbox.lock:
        version = containers.sandbox.state.app_versions[result.app_version.id]
        process = containers.sandbox.state.processes[result.process.id]
        return version.status, process.status, process.fail_reason


def _logs(containers: ContainersHandle, *, tag: str | None = None, hostname: str | None = None) -> list[str]:
    with containers.sandbox.lock:
        service_id = containers.service(hostname).id if hostname else None
        return [
            e.message
            for e in containers.sandbox.state.logs
            if (tag is None or e.tag == tag) and (service_id is None or e.service_id == service_id)
        ]


def _url(containers: ContainersHandle, hostname: str = "appdev") -> str:
    with containers.sandbox.lock:
        url = subdomain_url(containers.sandbox, containers.service(hostname))
    assert url
    return url


@pytest.mark.containers(seed="standard", run_code=True)
async def test_pushed_code_is_built_started_and_served_on_its_subdomain(
    containers: ContainersHandle, client: ZeropsClient, tmp_path: Path
) -> None:
    result = await _deploy(containers, client, _source(tmp_path / "app"))
    assert _state(containers, result) == ("ACTIVE", "FINISHED", None)
    async with httpx.AsyncClient(timeout=10) as http:
        reply = await http.get(_url(containers) + "/hello?x=1")
    assert reply.status_code == 200
    body = reply.json()
    db = containers.service("db").env_var("connectionString")
    assert body == {
        "message": "v1",
        "greeting": "hello from appdev",
        "db": db.content if db else None,
        "path": "/hello?x=1",
    }
    build_log = _logs(containers, tag=f"zbuilder@{result.app_version.id}")
    assert '> echo "v1" > message.txt' in build_log
    assert "compiled" in build_log
    assert build_log[-1] == "BUILD ARTEFACTS READY TO DEPLOY"
    runtime = _logs(containers, hostname="appdev")
    assert any(line.startswith("listening on ") for line in runtime)
    assert "served /hello?x=1" in runtime
    assert (containers.tree("appdev") / "message.txt").read_text() == "v1\n"


@pytest.mark.containers(seed="standard", run_code=True)
async def test_a_failing_build_command_fails_the_build_with_its_output_in_the_build_log(
    containers: ContainersHandle, client: ZeropsClient, tmp_path: Path
) -> None:
    yaml = YAML.format(message="v1", start="python3 app.py").replace(
        "        - echo compiled\n", "        - \"echo compiling; echo 'syntax error: boom' >&2; exit 3\"\n"
    )
    result = await _deploy(containers, client, _source(tmp_path / "app", yaml=yaml))
    status, process, reason = _state(containers, result)
    assert (status, process) == ("BUILD_FAILED", "FAILED")
    assert reason == "build failed: a build command exited with status 3"
    build_log = _logs(containers, tag=f"zbuilder@{result.app_version.id}")
    assert {"compiling", "syntax error: boom", "Command failed with exit code 3"} <= set(build_log)
    with containers.sandbox.lock:
        version = containers.sandbox.state.app_versions[result.app_version.id]
        assert version.build is not None
        assert version.build.pipeline_failed is not None


@pytest.mark.containers(seed="standard", run_code=True)
async def test_a_start_command_that_exits_fails_the_deploy_and_the_old_version_keeps_serving(
    containers: ContainersHandle, client: ZeropsClient, tmp_path: Path
) -> None:
    good = await _deploy(containers, client, _source(tmp_path / "good", message="good"))
    bad = await _deploy(
        containers,
        client,
        _source(tmp_path / "bad", start="echo starting up; echo missing module >&2; exit 4"),
    )
    assert _state(containers, bad) == ("DEPLOY_FAILED", "FAILED", "deploy failed: the start command exited")
    runtime = _logs(containers, hostname="appdev")
    assert "missing module" in runtime
    assert "echo starting up; echo missing module >&2; exit 4: process exited with code 4" in runtime
    assert _state(containers, good)[0] == "ACTIVE"
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(_url(containers))).json()["message"] == "good"


@pytest.mark.containers(seed="standard", run_code=True)
async def test_a_readiness_check_that_never_passes_fails_the_deploy(
    containers: ContainersHandle, client: ZeropsClient, tmp_path: Path
) -> None:
    yaml = YAML.format(message="v1", start="python3 app.py").replace("failureTimeout: 5", "failureTimeout: 1")
    source = _source(tmp_path / "app", yaml=yaml)
    (source / "unhealthy").write_text("yes")
    result = await _deploy(containers, client, source)
    assert _state(containers, result) == (
        "DEPLOY_FAILED",
        "FAILED",
        "deploy failed: the readiness check did not pass",
    )


@pytest.mark.containers(seed="adoptable", run_code=True)
async def test_a_built_in_web_server_serves_the_document_root_as_static_files(
    containers: ContainersHandle, client: ZeropsClient, tmp_path: Path
) -> None:
    root = tmp_path / "site"
    (root / "public").mkdir(parents=True)
    (root / "public" / "index.html").write_text("<h1>shop</h1>")
    (root / "public" / "info.php").write_text("<?php phpinfo();")
    (root / "zerops.yaml").write_text(
        "zerops:\n  - setup: web\n    build:\n      base: php@8.4\n      deployFiles: ./\n"
        "    run:\n      base: php-nginx@8.4\n      documentRoot: public\n"
    )
    result = await _deploy(containers, client, root, "web")
    assert _state(containers, result)[:2] == ("ACTIVE", "FINISHED")
    await client.enable_subdomain(containers.service("web").id)
    containers.advance(30)
    async with httpx.AsyncClient(timeout=10) as http:
        page = await http.get(_url(containers, "web") + "/")
        php = await http.get(_url(containers, "web") + "/info.php")
        missing = await http.get(_url(containers, "web") + "/nope.css")
    assert (page.status_code, page.text) == (200, "<h1>shop</h1>")
    assert php.status_code == 501
    assert missing.status_code == 404


@pytest.mark.containers(seed="standard", run_code=True)
async def test_an_earlier_version_is_deployed_again_from_its_kept_artefact(
    containers: ContainersHandle, client: ZeropsClient, tmp_path: Path
) -> None:
    first = await _deploy(containers, client, _source(tmp_path / "one", message="one"))
    await _deploy(containers, client, _source(tmp_path / "two", message="two"))
    process = await client.deploy_app_version(first.app_version.id)
    await containers.wait_builds()
    with containers.sandbox.lock:
        assert containers.sandbox.state.processes[process.id].status == "FINISHED"
        assert containers.sandbox.state.app_versions[first.app_version.id].status == "ACTIVE"
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(_url(containers))).json()["message"] == "one"


@pytest.mark.containers(seed="standard", run_code=True)
async def test_a_deploy_replaces_the_services_processes_and_ssh_sees_the_new_env(
    containers: ContainersHandle, client: ZeropsClient, tmp_path: Path
) -> None:
    runner = containers.runner()
    try:
        started = await runner.run("appdev", commands.dev_server_start("sleep 300"), timeout=20)
        dev_pid = int(started.stdout.strip())
        assert alive(dev_pid)
        await _deploy(containers, client, _source(tmp_path / "app"))
        env = await runner.run("appdev", quote(["printenv", "GREETING"]), timeout=20)
    finally:
        await runner.aclose()
    assert env.stdout == "hello from appdev\n"

    with anyio.fail_after(10):
        while alive(dev_pid):
            await anyio.sleep(0.05)


@pytest.mark.containers(seed="standard", run_code=True)
async def test_no_app_process_survives_the_sandbox(
    containers: ContainersHandle, client: ZeropsClient, tmp_path: Path
) -> None:
    await _deploy(containers, client, _source(tmp_path / "app"))
    app = containers.host.apps[containers.service("appdev").id]
    assert app.pid is not None
    assert alive(app.pid)
    containers.server.stop()
    assert not alive(app.pid)
    assert containers.host.children.pids() == []


@pytest.mark.containers(seed="standard", run_code=True)
async def test_a_self_deploy_over_ssh_loses_its_session_like_on_the_platform(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    source = _source(containers.tree("appdev"))
    assert source == containers.tree("appdev")
    runner = containers.runner()
    service_id = containers.service("appdev").id
    push_there = commands.zcli_push(service_id, setup="appdev", deploy_git_folder=True)
    try:
        result = await runner.run(
            "appdev",
            all_of(commands.ensure_git_repo(), commands.commit_all(), push_there),
            env={"ZEROPS_TOKEN": containers.token, "ZCP_ZCLI_POLL_INTERVAL": "0.05"},
            timeout=90,
        )
    finally:
        await runner.aclose()
    await containers.wait_builds()
    # The new version replaced the old containers, the SSH session with them: a non-zero exit whose
    # output shows the push got as far as "Deploying service" (what zcp reads as BUILD_TRIGGERED).
    assert result.exit_status != 0
    assert "• Deploying service" in result.stdout
    with containers.sandbox.lock:
        versions = [v for v in containers.sandbox.state.app_versions.values() if v.service_id == service_id]
        assert max(versions, key=lambda v: v.sequence).status == "ACTIVE"


@pytest.mark.containers(seed="standard", run_code=True)
async def test_the_app_a_new_version_replaces_ends_without_an_error_line(
    containers: ContainersHandle, client: ZeropsClient, tmp_path: Path
) -> None:
    await _deploy(containers, client, _source(tmp_path / "one", message="one"))
    await _deploy(containers, client, _source(tmp_path / "two", message="two"))
    service_id = containers.service("appdev").id
    with anyio.fail_after(10):
        while not any("replaced by a new version" in line for line in _logs(containers, hostname="appdev")):
            await anyio.sleep(0.02)
    with containers.sandbox.lock:
        errors = [
            e.message for e in containers.sandbox.state.logs if e.service_id == service_id and e.severity <= 3
        ]
    assert errors == []


#: A dev server the agent would start over SSH: it listens on the port it is given, like ``npm run dev``.
DEV_SERVER = """\
import http.server, sys

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"from the dev server " + self.path.encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def _dev_source(root: Path, port: int) -> Path:
    """A dev setup whose start is ``zsc noop``: the deploy starts nothing, the code waits in the tree."""
    yaml = YAML.format(message="dev", start="zsc noop --silent").replace("port: 3000", f"port: {port}")
    root = _source(root, yaml=_without_readiness(yaml))
    (root / "dev.py").write_text(DEV_SERVER)
    return root


def _without_readiness(yaml: str) -> str:
    """A dev setup has no readiness check (nothing listens until the dev server runs)."""
    start = yaml.index("    deploy:\n")
    end = yaml.index("    run:\n")
    return yaml[:start] + yaml[end:]


async def _gateway(url: str, *, until: int | None = None) -> httpx.Response:
    """GET ``url`` (polling until it answers ``until``, within 10 s, when given)."""
    async with httpx.AsyncClient(timeout=10) as http:
        with anyio.fail_after(10):
            while True:
                reply = await http.get(url)
                if until is None or reply.status_code == until:
                    return reply
                await anyio.sleep(0.05)


@pytest.mark.containers(seed="standard", run_code=True)
async def test_a_dev_server_started_over_ssh_on_the_declared_port_serves_the_subdomain(
    containers: ContainersHandle, client: ZeropsClient, tmp_path: Path
) -> None:
    port = free_port()
    result = await _deploy(containers, client, _dev_source(tmp_path / "app", port))
    assert _state(containers, result)[:2] == ("ACTIVE", "FINISHED")
    idle = await _gateway(_url(containers) + "/")
    assert idle.status_code == 502  # zsc noop listens nowhere
    assert f"on port {port}" in idle.json()["error"]["message"]
    runner = containers.runner()
    try:
        started = await runner.run("appdev", commands.dev_server_start(f"python3 dev.py {port}"), timeout=20)
        assert started.ok, started
        reply = await _gateway(_url(containers) + "/hello?x=1", until=200)
        assert reply.text == "from the dev server /hello?x=1"
        # A redeploy replaces the container: the dev server goes, and the subdomain has nothing again.
        await _deploy(containers, client, _dev_source(tmp_path / "again", port))
        assert (await _gateway(_url(containers) + "/", until=502)).status_code == 502
    finally:
        await runner.aclose()


@pytest.mark.containers(seed="standard", run_code=True)
async def test_a_process_of_no_service_on_the_declared_port_is_never_taken_for_the_dev_server(
    containers: ContainersHandle, client: ZeropsClient, tmp_path: Path
) -> None:
    port = free_port()
    await _deploy(containers, client, _dev_source(tmp_path / "app", port))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as stranger:
        stranger.bind(("127.0.0.1", port))
        stranger.listen()
        reply = await _gateway(_url(containers) + "/")
    assert reply.status_code == 502


def test_listening_ports_are_read_per_process() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert port in (listening_ports([os.getpid()]) or set())
    assert port not in (listening_ports([os.getpid()]) or set())
    assert listening_ports([2**22 + 7]) in (set(), None)  # no such process
