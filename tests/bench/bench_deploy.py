"""Deploy plumbing: native push throughput on a 50 MB tree beside `tar | gzip`, and SSH round trips.

* archive: :func:`zcp.ops.archive.stream_archive` over a generated 50 MB tree (half incompressible,
  half text, 400 files), consumed as a stream, in MB/s of input; beside it ``tar -cf - . | gzip -6``
  on the same tree (what zcli's pipeline amounts to);
* push: :func:`zcp.ops.push.push` of the same tree to a sandbox (validation, app version, streamed
  upload written to disk by the sandbox, build-and-deploy), MB/s of input;
* SSH: a ``true`` round trip on a warm connection to the sandbox's SSH server (median and p95), and
  the first command on a fresh connection (connect, key exchange, auth, exec).
"""

from __future__ import annotations

import random
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

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
