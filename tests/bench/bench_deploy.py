"""Deploy plumbing: native push throughput on a 50 MB tree beside `tar | gzip`, and SSH round trips.

* archive: :func:`zcp.ops.archive.stream_archive` over a generated 50 MB tree (half incompressible,
  half text, 400 files), consumed as a stream, in MB/s of input; beside it ``tar -cf - . | gzip -6``
  on the same tree (what zcli's pipeline amounts to);
* push: :func:`zcp.ops.push.push` of the same tree to a sandbox (validation, app version, streamed
  upload written to disk by the sandbox, build-and-deploy), MB/s of input;
* SSH: a ``true`` round trip on a warm connection to the sandbox's SSH server (median and p95), and
  the first command on a fresh connection (connect, key exchange, auth, exec);
* deploy overhead: a whole ``deploy_service`` (what ``zerops_deploy`` runs) of a small Python app to
  a ``--run-code`` sandbox — locally (zcp's native push) and from a container (zcli over SSH) —, the
  total beside the time covered by zcp's API calls, the SSH push and the build (the union of those
  intervals: polls during the build overlap it); the rest is zcp's own time (preflight, schema
  validation, archive, waiting between polls). Median of a few runs, poll interval 0.1 s.
"""

from __future__ import annotations

import functools
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx

from tests.bench import Report, percentile
from zcp.ops.archive import ArchiveOptions, ArchiveStats, stream_archive
from zcp.ops.push import PushRequest, push
from zcp.platform import RetryPolicy, ZeropsClient
from zcp.remote.hostkeys import HostKeyStore
from zcp.remote.runner import SshOptions, SshRunner
from zcp.remote.shell import quote
from zcp.sandbox import Sandbox, SandboxServer, SystemClock
from zcp.sandbox.app import SERVE_EXTENSIONS
from zcp.sandbox.containers import ContainerHost

TREE_MB = 50
FILES = 400
SSH_ROUNDS = 60
YAML = """\
zerops:
  - setup: appdev
    build:
      base: nodejs@22
      deployFiles: ./
    run:
      base: nodejs@22
      ports: [{port: 3000, httpSupport: true}]
      start: node server.js
"""


def _make_tree(root: Path) -> int:
    rng = random.Random(0)
    size = TREE_MB * 1024 * 1024 // FILES
    words = b"deploy build archive service zerops python node static index route handler "
    total = 0
    for index in range(FILES):
        folder = root / f"pkg{index % 20:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        data = rng.randbytes(size) if index % 2 else (words * (size // len(words) + 1))[:size]
        (folder / f"file{index:03d}.bin").write_bytes(data)
        total += len(data)
    (root / "zerops.yaml").write_text(YAML)
    return total


async def _stream_seconds(root: Path) -> tuple[float, ArchiveStats]:
    stats = ArchiveStats()
    started = time.perf_counter()
    async for _ in stream_archive(root, ArchiveOptions(), stats=stats):
        pass
    return time.perf_counter() - started, stats


def _tar_gzip_seconds(root: Path) -> float | None:
    if not shutil.which("tar") or not shutil.which("gzip"):
        return None
    started = time.perf_counter()
    subprocess.run("tar -cf - --exclude=.git . | gzip -6 > /dev/null", shell=True, cwd=root, check=True)
    return time.perf_counter() - started


async def _push_seconds(url: str, token: str, service_id: str, root: Path) -> float:
    async with httpx.AsyncClient(timeout=120) as http:
        client = ZeropsClient(http, base_url=url, token=token, retry=RetryPolicy.none())
        started = time.perf_counter()
        await push(client, PushRequest(service_id, root))
        return time.perf_counter() - started


async def _ssh_figures(host: ContainerHost, state: Path) -> tuple[list[float], float]:
    endpoint = host.endpoint
    assert endpoint is not None
    options = SshOptions(
        host_template=endpoint.host,
        port=endpoint.port,
        user_template="{hostname}",
        key_path=endpoint.client_key_path,
    )
    keys = HostKeyStore(pin_file=state / "pins", explicit=endpoint.known_hosts_path)
    cold = SshRunner(options, keys)
    started = time.perf_counter()
    await cold.run("appdev", quote(["true"]), timeout=30)
    first = (time.perf_counter() - started) * 1000
    await cold.aclose()
    warm = SshRunner(options, keys)
    samples = []
    try:
        for _ in range(SSH_ROUNDS):
            started = time.perf_counter()
            result = await warm.run("appdev", quote(["true"]), timeout=30)
            samples.append((time.perf_counter() - started) * 1000)
            assert result.ok
    finally:
        await warm.aclose()
    return samples, first


APP = """\
import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
"""
APP_YAML = """\
zerops:
  - setup: dev
    build:
      base: python@3.12
      buildCommands: [python3 -m py_compile app.py]
      deployFiles: ./
    run:
      base: python@3.12
      ports: [{port: 8000, httpSupport: true}]
      start: python3 app.py
"""
DEPLOY_RUNS = 3


def _union(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


class _TimedRunner:
    def __init__(self, inner: SshRunner, spans: list[tuple[float, float]]) -> None:
        self.inner, self.spans = inner, spans

    async def run(self, hostname: str, command: object, **kw: object) -> object:
        started = time.perf_counter()
        try:
            return await self.inner.run(hostname, command, **kw)  # type: ignore[arg-type]
        finally:
            self.spans.append((started, time.perf_counter()))

    async def aclose(self) -> None:
        await self.inner.aclose()


async def _deploy_once(
    url: str, sandbox: Sandbox, host: ContainerHost, state: Path, *, container: bool, tree: Path
) -> dict[str, float]:
    from zcp.app import App
    from zcp.auth import Credentials, PlatformConnection, discover_project
    from zcp.config import Settings
    from zcp.ops.deploy.service import DeployRequest, deploy_service
    from zcp.runtime import RuntimeInfo
    from zcp.sandbox.scenarios import add_zcp_service
    from zcp.secrets import SecretToken
    from zcp.tools.waiting import ProcessWaiter

    api: list[tuple[float, float]] = []
    ssh: list[tuple[float, float]] = []
    starts: dict[int, float] = {}

    async def on_request(request: httpx.Request) -> None:
        starts[id(request)] = time.perf_counter()

    async def on_response(response: httpx.Response) -> None:
        api.append((starts.pop(id(response.request), time.perf_counter()), time.perf_counter()))

    endpoint = host.endpoint
    assert endpoint is not None
    with sandbox.lock:
        project = next(iter(sandbox.state.projects.values()))
        me = add_zcp_service(sandbox, project)
    settings = Settings(
        api_key=sandbox.token,
        api_host=url,
        state_dir=state,
        work_dir=tree,
        poll_interval=0.1,
        poll_max_interval=0.2,
        ssh_host_template=endpoint.host,
        ssh_port=endpoint.port,
        ssh_user_template="{hostname}",
        ssh_key_path=endpoint.client_key_path,
        ssh_known_hosts=endpoint.known_hosts_path,
        mount_mode="link",
        mount_root=state / "mnt",
        sandbox_data_dir=host.trees.root,
        service_id=me.id if container else None,
        self_hostname="zcp" if container else None,
    )
    hooks: dict[str, list[Callable[..., Any]]] = {"request": [on_request], "response": [on_response]}
    async with httpx.AsyncClient(timeout=60, event_hooks=hooks) as http:
        client = ZeropsClient(http, base_url=url, token=sandbox.token, retry=RetryPolicy.none())
        credentials = Credentials(token=SecretToken(sandbox.token), api_host=url, region="prg1", source="env")
        found = await discover_project(client, credentials)
        runtime = RuntimeInfo(in_container=container, service_id=me.id, hostname="zcp", project_id=project.id)
        app = App(
            settings,
            platform=PlatformConnection(
                client, found.project, found.client_id, found.user, credentials, runtime
            ),
        )
        runner = _TimedRunner(app.remote(), ssh)  # type: ignore[arg-type]
        app.use_remote(runner)  # type: ignore[arg-type]
        api.clear()
        started = time.perf_counter()
        report = await deploy_service(
            app,
            DeployRequest(target="appdev", setup="dev"),
            ProcessWaiter(app, None, wait_seconds=120, subject="bench"),
        )
        total = time.perf_counter() - started
        await runner.aclose()
    assert report.status == "DEPLOYED", report.message
    with sandbox.lock:
        version = sandbox.state.app_versions[report.app_version_id or ""]
        build = version.build
        assert build is not None and build.pipeline_start and build.pipeline_finish
        offset = time.time() - time.perf_counter()
        build_span = (build.pipeline_start.timestamp() - offset, build.pipeline_finish.timestamp() - offset)
    covered = _union([*api, *ssh, build_span])
    return {
        "total": total,
        "api": _union(api),
        "calls": float(len(api)),
        "ssh": _union(ssh),
        "build": build_span[1] - build_span[0],
        "overhead": total - covered,
    }


def _deploy_figures(report: Report, base: Path) -> None:
    from tests.deploy.harness import write_app

    host = ContainerHost(data_dir=base / "sandbox-run", run_code=True)
    sandbox = Sandbox(clock=SystemClock(), scenario="standard", time_scale=0)
    with SandboxServer(sandbox, extensions=(*SERVE_EXTENSIONS, host)) as server:
        sandbox.served_at = server.url
        with sandbox.lock:
            tree = host.trees.www(next(s.id for s in sandbox.state.services.values() if s.name == "appdev"))
        for container in (False, True):
            runs = []
            for index in range(DEPLOY_RUNS):
                folder = tree if container else base / f"local-{index}"
                write_app(folder, yaml=APP_YAML)
                (folder / "app.py").write_text(APP)
                once = functools.partial(
                    _deploy_once,
                    server.url,
                    sandbox,
                    host,
                    base / f"state-{container}-{index}",
                    container=container,
                    tree=folder,
                )
                runs.append(anyio.run(once))
                anyio.run(_wait_idle, host)
            label = "container, zcli over SSH" if container else "local, native push"
            median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            report.figure(f"deploy ({label}): total", median["total"] * 1000, " ms")
            report.figure(
                f"deploy ({label}): zcp's API calls ({median['calls']:.0f})", median["api"] * 1000, " ms"
            )
            if container:
                report.figure(f"deploy ({label}): SSH commands", median["ssh"] * 1000, " ms")
            report.figure(f"deploy ({label}): the build (pipeline)", median["build"] * 1000, " ms")
            report.figure(f"deploy ({label}): zcp's own time (overhead)", median["overhead"] * 1000, " ms")


async def _wait_idle(host: ContainerHost) -> None:
    import asyncio

    assert host.loop is not None
    future = asyncio.run_coroutine_threadsafe(host.wait_idle(60), host.loop)
    await anyio.to_thread.run_sync(lambda: future.result(65))


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory(prefix="zcp-bench-deploy-") as folder:
        base = Path(folder)
        tree = base / "tree"
        size = _make_tree(tree)
        megabytes = size / 1_048_576
        seconds, stats = anyio.run(_stream_seconds, tree)
        report.note(
            f"tree: {FILES} files, {megabytes:.0f} MB (half random, half text); archive {stats.bytes_out / 1_048_576:.1f} MB"
        )
        report.figure("native archive stream (tar+gzip in Python)", megabytes / seconds, " MB/s")
        shell = _tar_gzip_seconds(tree)
        if shell is not None:
            report.figure("tar -cf - . | gzip -6", megabytes / shell, " MB/s")
            report.figure("native / tar|gzip", (megabytes / seconds) / (megabytes / shell), "x")

        host = ContainerHost(data_dir=base / "sandbox")
        sandbox = Sandbox(clock=SystemClock(), scenario="standard", time_scale=0)
        with SandboxServer(sandbox, extensions=(*SERVE_EXTENSIONS, host)) as server:
            service_id = next(s.id for s in sandbox.state.services.values() if s.name == "appdev")
            pushed = anyio.run(_push_seconds, server.url, sandbox.token, service_id, tree)
            report.figure(
                "native push to the sandbox (validate, create, upload, deploy)", megabytes / pushed, " MB/s"
            )
            samples, first = anyio.run(_ssh_figures, host, base / "state")
            report.figure("SSH round trip, warm connection (median)", statistics.median(samples), " ms")
            report.figure("SSH round trip, warm connection (p95)", percentile(samples, 95), " ms")
            report.figure("SSH first command on a new connection", first, " ms")
        _deploy_figures(report, base)
