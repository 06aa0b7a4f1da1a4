"""The project a scenario runs against: the sandbox on loopback, in this process.

:class:`SandboxWorld` starts a sandbox seeded with the scenario's ``seed`` on an ephemeral loopback
port, with the subdomain gateway, the schema endpoints and the containers extension (service file
trees, SSH, the zcli stand-in, real builds with ``runCode``). In the container environment it adds
zcp's own service and hands ``zcp serve`` the exports that make it act as that service (the
``--container`` exports); locally zcp gets only the API address and token.

The world also plays the parts outside zcp a story needs: a bare git repository on this machine for
``remoteUrl: local-bare``, and the Zerops webhook that builds what is pushed there (``webhook``).
"""

from __future__ import annotations

import asyncio
import io
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx

from eval.agent import Answer, Call
from eval.git import git
from eval.scenario import Scenario

__all__ = ["RUNNING_ALIASES", "SandboxWorld", "World"]

#: Statuses treated alike when a scenario expects a runtime to be up.
RUNNING_ALIASES = {"RUNNING": "ACTIVE"}


class World:
    """What the runner needs from a project, whatever backs it."""

    env: dict[str, str]
    #: The scenario as this world runs it (the live world renames its hostnames).
    scenario: Scenario
    mount_root: Path | None = None
    bare_repo: Path | None = None
    #: How long the agent may repeat an unchanged read-only call while the platform works, and how often.
    patience: float = 30.0
    poll_seconds: float = 1.0

    @property
    def bare_url(self) -> str | None:
        return self.bare_repo.as_uri() if self.bare_repo else None

    def hits(self, route: str) -> int:
        raise NotImplementedError

    async def services(self) -> dict[str, str]:
        """Hostname → status of the project's services (zcp's own and build services left out)."""
        raise NotImplementedError

    async def fetch(self, hostname: str) -> tuple[int, str]:
        """Status and body of ``hostname``'s public subdomain (``(0, reason)`` when it has none)."""
        raise NotImplementedError

    async def after_call(self, call: Call, answer: Answer) -> str | None:
        """Play the outside world's part after a call (a webhook build); returns a note for the report."""
        return None

    def make_bare_repo(self, root: Path) -> Path:
        self.bare_repo = root / "remote.git"
        if not self.bare_repo.exists():
            git("init", "-q", "--bare", "-b", "main", str(self.bare_repo))
        return self.bare_repo


class SandboxWorld(World):
    """A sandbox server for one scenario (see the module docstring); use as an async context manager."""

    def __init__(self, scenario: Scenario, run_dir: Path, *, time_scale: float = 0.0) -> None:
        self.scenario = scenario
        self.run_dir = run_dir
        self.time_scale = time_scale
        self.env = {}
        self._server: Any = None
        self._host: Any = None
        self._project_id = ""
        self._own_hostname: str | None = None
        self._http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> SandboxWorld:
        await anyio.to_thread.run_sync(self._start)
        self._http = httpx.AsyncClient(timeout=10.0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.aclose()
        await anyio.to_thread.run_sync(self._stop)

    def _start(self) -> None:
        from zcp.sandbox import Sandbox, SandboxServer, SystemClock
        from zcp.sandbox.app import SERVE_EXTENSIONS
        from zcp.sandbox.containers import ContainerHost, Timeouts
        from zcp.sandbox.scenarios import add_zcp_service

        sandbox = Sandbox(scenario=self.scenario.seed, clock=SystemClock(), time_scale=self.time_scale)
        timeouts = Timeouts(build=120.0, init=60.0, ready=8.0, retry=0.1, start_grace=0.5, kill_grace=2.0)
        self._host = ContainerHost(
            run_code=self.scenario.run_code, data_dir=self.run_dir / "sandbox", timeouts=timeouts
        )
        self._server = SandboxServer(sandbox, extensions=(*SERVE_EXTENSIONS, self._host))
        self._server.start()
        with sandbox.lock:
            project = next(iter(sandbox.state.projects.values()))
            self._project_id = project.id
            if self.scenario.environment == "container":
                own = add_zcp_service(sandbox, project)
                self._own_hostname = own.name
                self.env = dict(self._host.exports(own))
                self.mount_root = Path(self.env["ZCP_MOUNT_ROOT"])
                self.mount_root.mkdir(parents=True, exist_ok=True)
            else:
                self.env = {"ZCP_API_HOST": self._server.url, "ZCP_API_KEY": sandbox.token}

    def _stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    @property
    def sandbox(self) -> Any:
        return self._server.sandbox

    def hits(self, route: str) -> int:
        return len(self.sandbox.requests_to(route))

    async def services(self) -> dict[str, str]:
        with self.sandbox.lock:
            found = {
                s.name: s.status
                for s in self.sandbox.project_services(self._project_id)
                if s.category != "BUILD" and s.name != self._own_hostname
            }
        return dict(sorted(found.items()))

    def _service(self, hostname: str) -> Any:
        for service in self.sandbox.project_services(self._project_id):
            if service.name == hostname:
                return service
        return None

    async def fetch(self, hostname: str) -> tuple[int, str]:
        from zcp.sandbox.lifecycle import subdomain_url

        with self.sandbox.lock:
            service = self._service(hostname)
            url = subdomain_url(self.sandbox, service) if service is not None else None
            enabled = service is not None and service.subdomain_access
        if service is None:
            return 0, f"no service {hostname}"
        if url is None or not enabled:
            return 0, f"{hostname} has no public subdomain"
        assert self._http is not None
        try:
            response = await self._http.get(url)
        except httpx.HTTPError as error:
            return 0, f"{url}: {error}"
        return response.status_code, response.text

    async def after_call(self, call: Call, answer: Answer) -> str | None:
        target = self.scenario.webhook
        if (
            target is None
            or call.tool != "zerops_deploy"
            or call.args.get("strategy") != "git-push"
            or answer.is_error
            or (answer.structured or {}).get("status") != "PUSHED"
            or self.bare_repo is None
        ):
            return None
        return await self._webhook_build(target)

    async def _webhook_build(self, hostname: str) -> str:
        """Build the bare repository's HEAD into ``hostname``, as a Zerops webhook would after a push."""
        from zcp.ops.push import PushRequest, push
        from zcp.platform.client import ZeropsClient

        assert self.bare_repo is not None
        archive = await anyio.to_thread.run_sync(
            lambda: (
                subprocess.run(
                    ["git", "--git-dir", str(self.bare_repo), "archive", "--format=tar", "HEAD"],
                    capture_output=True,
                    check=True,
                    timeout=60,
                ).stdout
            )
        )
        with tempfile.TemporaryDirectory(dir=self.run_dir) as folder:
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(folder, filter="data")
            with self.sandbox.lock:
                service = self._service(hostname)
                assert service is not None, hostname
                service_id = service.id
            async with httpx.AsyncClient(timeout=30.0) as http:
                client = ZeropsClient(http, base_url=self._server.url, token=self.sandbox.token)
                result = await push(client, PushRequest(service_id, Path(folder)))
            await self.wait_builds()
        return f"webhook: built the pushed HEAD into {hostname} (app version {result.app_version.id})"

    async def wait_builds(self, timeout: float = 120.0) -> None:
        """Wait until no real build or deploy runs (``runCode``)."""
        host = self._host
        if host is None or host.loop is None or not self.scenario.run_code:
            return
        future = asyncio.run_coroutine_threadsafe(host.wait_idle(timeout), host.loop)
        await anyio.to_thread.run_sync(lambda: future.result(timeout + 5))
