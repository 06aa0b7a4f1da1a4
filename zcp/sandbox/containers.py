"""Containers for the sandbox: service file trees, SSH, a ``zcli`` on the PATH, and (optionally) running code.

:class:`ContainerHost` is a sandbox extension. Started with the server, it

* creates a data folder (or uses the one given) with a tree per runtime service
  (:mod:`.trees`), kept in step with the state: created with the service, removed on delete, wiped on
  reset;
* opens one SSH server for all services (:mod:`.ssh_server`) and publishes its keys
  (:attr:`endpoint`);
* puts stand-ins for ``zcli`` and ``zsc`` on every service's PATH (``<data>/bin``);
* with ``run_code=True``, makes builds real (:mod:`.coderun`): build commands, deploy files, init
  and start commands run on this machine, and the subdomain gateway proxies to the started app.

Every process it starts belongs to it (:mod:`.children`); :meth:`stop` ends them all. ``run_code``
runs whatever a deploy brings, on this machine, reachable on loopback only — use it with code you
would run yourself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from starlette.routing import BaseRoute

from zcp.sandbox.children import ChildProcesses
from zcp.sandbox.model import AppVersion, Process, Service
from zcp.sandbox.sandbox import Sandbox
from zcp.sandbox.service_env import session_env
from zcp.sandbox.trees import ServiceTrees

if TYPE_CHECKING:
    from zcp.sandbox.coderun import RunningApp
    from zcp.sandbox.ssh_server import SandboxSshServer, SshEndpoint

log = logging.getLogger(__name__)

#: Variables of this machine that service processes inherit (everything else stays out, so zcp's
#: own token and settings never leak into deployed code).
INHERITED: Final = ("PATH", "LANG", "LC_ALL", "TZ", "PYTHONPATH", "SSL_CERT_FILE", "SSL_CERT_DIR")
SANDBOX_API_ENV: Final = "ZCP_SANDBOX_API"


@dataclass
class Timeouts:
    """How long the code-running parts wait (seconds)."""

    build: float = 600.0  # each build command
    init: float = 120.0  # each init command
    ready: float = 60.0  # readiness of a started app when its zerops.yaml sets no failureTimeout
    retry: float = 0.25  # between readiness attempts when it sets no retryPeriod
    start_grace: float = 1.0  # a start command with no port must survive this long
    kill_grace: float = 3.0  # SIGTERM → SIGKILL


@dataclass
class ContainerHost:
    """The containers extension (see the module docstring)."""

    run_code: bool = False
    data_dir: Path | None = None
    ssh_address: str = "127.0.0.1"
    ssh_port: int = 0
    timeouts: Timeouts = field(default_factory=Timeouts)
    #: A deploy ends the service's other processes (SSH sessions, dev servers) once the new version
    #: is up — the platform replaces the containers, so a self-deploy's SSH session ends too.
    replace_on_deploy: bool = True
    #: Called once the extension runs (the CLI prints its exports from here).
    on_started: Callable[[ContainerHost], None] | None = None
    name: str = "containers"

    def __post_init__(self) -> None:
        self.sandbox: Sandbox | None = None
        self.trees = ServiceTrees(Path("/nonexistent"))
        self.children = ChildProcesses("", grace=self.timeouts.kill_grace)
        self.endpoint: SshEndpoint | None = None
        self.apps: dict[str, RunningApp] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ssh: SandboxSshServer | None = None
        self._owned_dir: Path | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self._by_version: dict[str, asyncio.Task[None]] = {}
        self._pipelines: set[asyncio.Task[None]] = set()

    # --- the extension ---------------------------------------------------------------------------

    def routes(self, sandbox: Sandbox) -> Sequence[BaseRoute]:
        return []

    async def start(self, sandbox: Sandbox) -> None:
        try:
            await self._start(sandbox)
        except BaseException:
            await self.stop(sandbox)  # nothing half-started stays behind (temporary folder, SSH port)
            raise

    async def _start(self, sandbox: Sandbox) -> None:
        from zcp.sandbox.ssh_server import SandboxSshServer

        ChildProcesses.end_leftovers()
        self.loop = asyncio.get_running_loop()
        if self.data_dir is None:
            self._owned_dir = Path(tempfile.mkdtemp(prefix="zcp-sandbox-"))
            root = self._owned_dir
        else:
            root = Path(self.data_dir).resolve()
            root.mkdir(parents=True, exist_ok=True)
        self.trees = ServiceTrees(root)
        self.children = ChildProcesses(os.urandom(8).hex(), grace=self.timeouts.kill_grace)
        self._write_standins(root / "bin")
        self._ssh = SandboxSshServer(self, root / "ssh", address=self.ssh_address, port=self.ssh_port)
        self.endpoint = await self._ssh.start()
        with sandbox.lock:
            self.sandbox = sandbox
            sandbox.host = self
            self.state_reset()
        if self.on_started is not None:
            self.on_started(self)

    async def stop(self, sandbox: Sandbox) -> None:
        with sandbox.lock:
            if sandbox.host is self:
                sandbox.host = None
        running = [*self._pipelines, *self._tasks]
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(BaseException):
                await task
        if self._ssh is not None:
            await self._ssh.stop()
        await asyncio.to_thread(self.children.end_all)
        self.apps.clear()
        if self._owned_dir is not None:
            shutil.rmtree(self._owned_dir, ignore_errors=True)
            self._owned_dir = None

    # --- hooks the sandbox calls (under its lock) ------------------------------------------------

    def service_created(self, service: Service) -> None:
        if service.stack_type.is_runtime:
            self.trees.create(service.id, service.name)

    def service_deleted(self, service: Service) -> None:
        self.apps.pop(service.id, None)
        self.children.end(service.id, wait=False)
        self.trees.remove(service.id, service.name)

    def state_reset(self) -> None:
        """After a reset: no builds, no processes, no trees but the live runtime services' (empty)."""
        if self.loop is not None:
            for task in list(self._pipelines):
                self.loop.call_soon_threadsafe(task.cancel)
        self.apps.clear()
        self.children.end(None, wait=False)
        self.trees.wipe()
        assert self.sandbox is not None
        for service in self.sandbox.state.services.values():
            if not service.deleted:
                self.service_created(service)

    def upload_path(self, version_id: str) -> Path:
        folder = self.trees.root / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{version_id}.tar.gz"

    def run_build(self, version: AppVersion, process: Process, zerops_yaml: str, setup: str) -> None:
        """Run a real build of ``version`` (``run_code``); called under the lock from any thread."""
        from zcp.sandbox.coderun import run_pipeline

        assert self.loop is not None
        assert self.sandbox is not None
        sandbox = self.sandbox

        self._schedule(version.id, lambda: run_pipeline(self, sandbox, version, process, zerops_yaml, setup))

    def run_redeploy(self, version: AppVersion, process: Process) -> None:
        """Deploy a kept artefact of ``version`` again (``run_code``); called under the lock."""
        from zcp.sandbox.coderun import redeploy

        assert self.sandbox is not None
        sandbox = self.sandbox
        self._schedule(version.id, lambda: redeploy(self, sandbox, version, process))

    def has_artifact(self, version_id: str) -> bool:
        return (self.trees.root / "artifacts" / version_id).is_dir()

    def _schedule(self, version_id: str, make: Callable[[], Coroutine[Any, Any, None]]) -> None:
        assert self.loop is not None

        def schedule() -> None:
            task = asyncio.ensure_future(make())
            self._by_version[version_id] = task
            self._pipelines.add(task)
            task.add_done_callback(self._pipelines.discard)
            task.add_done_callback(lambda _: self._by_version.pop(version_id, None))

        self.loop.call_soon_threadsafe(schedule)

    def task_for(self, version_id: str) -> asyncio.Task[None] | None:
        return self._by_version.get(version_id)

    def keep(self, task: asyncio.Future[Any]) -> None:
        """Hold on to a background task (an app's log pumps) until it ends or the host stops."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait until no build or deploy is running (for tests and benchmarks)."""
        async with asyncio.timeout(timeout):
            await asyncio.sleep(0)  # let pipelines scheduled from other threads start
            while self._pipelines:
                await asyncio.wait(set(self._pipelines))

    # --- services as processes see them ----------------------------------------------------------

    def find_service(self, username: str | None) -> Service | None:
        """The live runtime service an SSH username names: ``hostname`` or ``hostname.projectId``."""
        if not username or self.sandbox is None:
            return None
        hostname, _, project_id = username.partition(".")
        with self.sandbox.lock:
            matches = [
                s
                for s in self.sandbox.state.services.values()
                if not s.deleted
                and s.name == hostname
                and s.stack_type.is_runtime
                and (not project_id or s.project_id == project_id)
            ]
        return matches[0] if len(matches) == 1 else None

    def base_env(self, service: Service) -> dict[str, str]:
        """The sandbox's part of every service process's environment."""
        inherited = {k: os.environ[k] for k in INHERITED if k in os.environ}
        path = f"{self.trees.root / 'bin'}{os.pathsep}{inherited.get('PATH', os.defpath)}"
        base = {
            **inherited,
            "PATH": path,
            "HOME": str(self.trees.home(service.id)),
            "TMPDIR": str(self.trees.tmp(service.id)),
            "USER": "zerops",
            "LOGNAME": "zerops",
            "SHELL": "/bin/bash",
        }
        served = self.sandbox.served_at if self.sandbox else None
        if served:
            base[SANDBOX_API_ENV] = served
        return base

    def process_env(self, service: Service, service_env: Mapping[str, str]) -> dict[str, str]:
        return {**service_env, **self.base_env(service)}

    def session_for(
        self, username: str | None, command: str | None, client_env: Mapping[str, str]
    ) -> tuple[list[str], Path, dict[str, str], str]:
        """argv, working folder, environment and service id of an SSH session (LookupError: no service)."""
        service = self.find_service(username)
        if service is None:
            raise LookupError(f"no runtime service {username!r} in the sandbox")
        assert self.sandbox is not None
        with self.sandbox.lock:
            env = self.process_env(service, session_env(self.sandbox, service))
        www = self.trees.www(service.id)
        www.mkdir(parents=True, exist_ok=True)
        env.update(client_env)
        if command is None:
            return ["bash"], www, env, service.id
        return ["bash", "-c", self.trees.paths(service.id).translate(command)], www, env, service.id

    def exports(self, service: Service) -> dict[str, str]:
        """The environment that makes ``zcp serve`` act as ``service`` (zcp's own) in this sandbox."""
        assert self.sandbox is not None
        assert self.endpoint is not None
        endpoint = self.endpoint
        return {
            "ZCP_API_HOST": self.sandbox.served_at or "",
            "ZCP_API_KEY": self.sandbox.token,
            "serviceId": service.id,
            "hostname": service.name,
            "projectId": service.project_id,
            "ZCP_SSH_HOST": endpoint.host,
            "ZCP_SSH_PORT": str(endpoint.port),
            "ZCP_SSH_USER": endpoint.user_template,
            "ZCP_SSH_KEY": str(endpoint.client_key_path),
            "ZCP_SSH_KNOWN_HOSTS": str(endpoint.known_hosts_path),
            "ZCP_MOUNT_MODE": "link",
            "ZCP_MOUNT_ROOT": str(self.trees.root / "mnt"),
            "ZCP_SANDBOX_DATA_DIR": str(self.trees.root),
        }

    def _write_standins(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("zcli", "zsc"):
            script = folder / name
            script.write_text(
                f'#!/bin/sh\nexec {_sh_word(sys.executable)} -m zcp.sandbox.{name} "$@"\n', encoding="utf-8"
            )
            script.chmod(0o755)


def _sh_word(text: str) -> str:
    import shlex

    return shlex.quote(text)
