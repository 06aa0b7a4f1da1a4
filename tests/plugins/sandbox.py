"""Fixtures for anything that talks to the Zerops API: a live sandbox and a client pointed at it.

* ``sandbox`` — a :class:`SandboxHandle` on an in-process sandbox served over HTTP on an ephemeral
  loopback port. One server runs for the whole session; each test gets it freshly reset to its seed.
  Choose the seed and time scale with ``@pytest.mark.sandbox(seed="standard", time_scale=1.0)``
  (defaults: ``empty``, 1.0). The clock is manual: nothing moves until the test says so
  (``sandbox.advance(5)``), or a poller sleeps with ``sandbox.sleep``.
* ``platform_client`` — a :class:`ZeropsClient` for that sandbox with fast, non-waiting retries (the
  waits it would have made are recorded in ``sandbox.waits``).
* ``sandbox_factory`` — start extra, independent sandbox servers (closed after the test).
* ``containers`` — a sandbox with service file trees and SSH (``ContainerHost``) on its own server;
  ``@pytest.mark.containers(seed="standard", run_code=True, time_scale=0)`` picks the state. The
  handle adds ``host``, ``endpoint``, ``runner()`` (an :class:`SshRunner` pinned to the sandbox's host
  key), ``tree(hostname)`` and ``wait_builds()``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from zcp.auth import Credentials
from zcp.clock import FunctionClock
from zcp.config import Settings
from zcp.platform import RetryPolicy, SecretToken, ZeropsClient
from zcp.sandbox import READ_ONLY_SUFFIX, FaultRule, ManualClock, Sandbox, SandboxServer
from zcp.sandbox.app import SERVE_EXTENSIONS
from zcp.sandbox.containers import ContainerHost, Timeouts
from zcp.sandbox.model import Project, Service
from zcp.sandbox.ssh_server import SshEndpoint

#: Retries in tests: a few attempts, no real waiting.
TEST_RETRY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, budget=5.0)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sandbox(seed='empty', time_scale=1.0): seed scenario and time scale for the sandbox fixture",
    )
    config.addinivalue_line(
        "markers",
        "containers(seed='standard', run_code=False, time_scale=0.0): state of the containers fixture",
    )


@dataclass
class SandboxHandle:
    """A running sandbox as a test sees it."""

    sandbox: Sandbox
    server: SandboxServer
    waits: list[float] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def token(self) -> str:
        return self.sandbox.token

    @property
    def read_only_token(self) -> str:
        return self.sandbox.token + READ_ONLY_SUFFIX

    @property
    def clock(self) -> ManualClock:
        assert isinstance(self.sandbox.clock, ManualClock)
        return self.sandbox.clock

    def advance(self, seconds: float) -> None:
        """Move the sandbox clock forward and apply what became due."""
        self.clock.advance(seconds)
        self.sandbox.advance()

    async def sleep(self, seconds: float) -> None:
        """Use as a poller's ``sleep``: advances the sandbox clock instead of waiting."""
        self.advance(max(0.0, seconds))

    def monotonic(self) -> float:
        """Use as a poller's ``monotonic``: seconds on the sandbox clock."""
        return self.clock.now().timestamp()

    @property
    def poll_clock(self) -> FunctionClock:
        """A zcp clock for pollers: sleeping advances the sandbox, monotonic time is the sandbox's."""
        return FunctionClock(sleep_fn=self.sleep, monotonic_fn=self.monotonic)

    async def record_wait(self, seconds: float) -> None:
        """Use as a client's ``sleep``: remembers the delay, does not wait."""
        self.waits.append(seconds)

    def fault(self, endpoint: str = "*", **options: Any) -> FaultRule:
        """Inject a fault (see :class:`FaultRule`) into the running sandbox."""
        return self.sandbox.faults.add(FaultRule(endpoint=endpoint, **options))

    def hits(self, route: str) -> int:
        """How many requests reached ``route`` (faulted ones included)."""
        return len(self.sandbox.requests_to(route))

    def project(self, name: str | None = None) -> Project:
        with self.sandbox.lock:
            for project in self.sandbox.state.projects.values():
                if name is None or project.name == name:
                    return project
        raise LookupError(f"no project {name!r} in the sandbox")

    def service(self, hostname: str) -> Service:
        with self.sandbox.lock:
            for service in self.sandbox.state.services.values():
                if service.name == hostname and not service.deleted:
                    return service
        raise LookupError(f"no service {hostname!r} in the sandbox")

    def settings(self, **overrides: Any) -> Settings:
        """Settings that point zcp at this sandbox (token included)."""
        base = Settings(
            api_key=self.token, api_host=self.url, api_timeout=5.0, poll_interval=1.0, poll_max_interval=1.0
        )
        return base.with_overrides(**overrides) if overrides else base

    def credentials(self, token: str | None = None) -> Credentials:
        return Credentials(
            token=SecretToken(token or self.token), api_host=self.url, region="prg1", source="env"
        )

    def client(self, http: httpx.AsyncClient, *, token: str | None = None, **options: Any) -> ZeropsClient:
        """A client for this sandbox over ``http`` (fast retries that do not wait, unless overridden)."""
        options.setdefault("retry", TEST_RETRY)
        options.setdefault("clock", FunctionClock(sleep_fn=self.record_wait))
        options.setdefault("timeout", 5.0)
        return ZeropsClient(http, base_url=self.url, token=token or self.token, **options)


#: Code-running waits in tests: short, but long enough for a loaded two-core machine.
TEST_TIMEOUTS = Timeouts(build=60.0, init=30.0, ready=20.0, retry=0.05, start_grace=0.3, kill_grace=2.0)


@dataclass
class ContainersHandle(SandboxHandle):
    """A sandbox whose runtime services have file trees and SSH (see ``containers``)."""

    host: ContainerHost = field(default_factory=ContainerHost)
    state_dir: Path = field(default_factory=Path)

    @property
    def endpoint(self) -> SshEndpoint:
        assert self.host.endpoint is not None
        return self.host.endpoint

    def tree(self, hostname: str) -> Path:
        """The service's /var/www on this machine."""
        return self.host.trees.www(self.service(hostname).id)

    def runner(self, **store: Any) -> Any:
        """An SshRunner for this sandbox, trusting its published host key (``store`` overrides)."""
        from zcp.remote.hostkeys import HostKeyStore
        from zcp.remote.runner import SshOptions, SshRunner

        options = SshOptions(
            host_template=self.endpoint.host,
            port=self.endpoint.port,
            user_template="{hostname}",
            key_path=self.endpoint.client_key_path,
            connect_timeout=5.0,
        )
        store.setdefault("pin_file", self.state_dir / "ssh" / "project.known_hosts")
        store.setdefault("explicit", self.endpoint.known_hosts_path)
        return SshRunner(options, HostKeyStore(**store))

    async def wait_builds(self, timeout: float = 60.0) -> None:
        """Wait until no real build or deploy runs (``run_code``)."""
        import asyncio

        import anyio

        assert self.host.loop is not None
        future = asyncio.run_coroutine_threadsafe(self.host.wait_idle(timeout), self.host.loop)
        await anyio.to_thread.run_sync(lambda: future.result(timeout + 5))


@pytest.fixture
def containers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ContainersHandle]:
    """A sandbox server with the containers extension (trees, SSH, zcli; ``run_code`` on demand)."""
    marker = request.node.get_closest_marker("containers")
    options = dict(marker.kwargs) if marker else {}
    seed = options.pop("seed", "standard")
    time_scale = float(options.pop("time_scale", 0.0))
    run_code = bool(options.pop("run_code", False))
    if options:
        raise pytest.UsageError(f"unknown containers marker options: {sorted(options)}")
    host = ContainerHost(run_code=run_code, data_dir=tmp_path / "sandbox-data", timeouts=TEST_TIMEOUTS)
    server = SandboxServer(
        Sandbox(clock=ManualClock(), scenario=seed, time_scale=time_scale),
        extensions=(*SERVE_EXTENSIONS, host),
    )
    server.start()
    try:
        yield ContainersHandle(server.sandbox, server, host=host, state_dir=tmp_path / "state")
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    """One sandbox HTTP server for the session (tests reset its state through ``sandbox``)."""
    server = SandboxServer(Sandbox(clock=ManualClock(), scenario=None))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(request: pytest.FixtureRequest, sandbox_server: SandboxServer) -> Iterator[SandboxHandle]:
    marker = request.node.get_closest_marker("sandbox")
    options = dict(marker.kwargs) if marker else {}
    seed = options.pop("seed", "empty")
    time_scale = float(options.pop("time_scale", 1.0))
    if options:
        raise pytest.UsageError(f"unknown sandbox marker options: {sorted(options)}")
    sandbox_server.sandbox.reset(seed, time_scale=time_scale)
    yield SandboxHandle(sandbox_server.sandbox, sandbox_server)
    sandbox_server.sandbox.reset(None)


@pytest.fixture
async def platform_client(sandbox: SandboxHandle) -> AsyncIterator[ZeropsClient]:
    async with httpx.AsyncClient(timeout=5.0) as http:
        yield sandbox.client(http)


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxHandle]]:
    """Start independent sandbox servers: ``sandbox_factory(seed="standard", time_scale=0)``."""
    servers: list[SandboxServer] = []

    def start(seed: str = "empty", *, time_scale: float = 1.0, **options: Any) -> SandboxHandle:
        server = SandboxServer(Sandbox(clock=ManualClock(), scenario=seed, time_scale=time_scale), **options)
        servers.append(server.start())
        return SandboxHandle(server.sandbox, server)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def no_zcli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A PATH without zcli, so a local deploy uses zcp's own push."""
    empty = tmp_path / "no-zcli-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", f"{empty}{os.pathsep}/usr/bin{os.pathsep}/bin")


@pytest.fixture
def zcli_data_dir(tmp_path: Path) -> Path:
    """An empty folder to write a zcli ``zerops/cli.data`` into (``Settings.zcli_data_dir``)."""
    folder = tmp_path / "zcli"
    folder.mkdir()
    return folder
