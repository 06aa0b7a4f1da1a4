"""``--run-code``: builds that really run, and the apps they start.

For a pushed app version the pipeline is the platform's, on this machine:

1. **build** (``BUILDING``): the uploaded archive is unpacked into ``<data>/builds/<id>/source``
   (paths that would leave it are refused), every ``build.buildCommands`` entry runs there with
   ``bash -c`` and the build environment, each with a timeout; its output goes to the build log
   (tagged ``zbuilder@<appVersionId>``). A non-zero exit fails the build: ``BUILD_FAILED``, the
   process ``FAILED``. ``build.deployFiles`` then select the artifact (``<data>/artifacts/<id>``,
   kept for redeploys);
2. **deploy** (``DEPLOYING``): the service's tree gets exactly the artifact, ``run.initCommands`` run in
   it, then ``run.start`` starts with the runtime environment plus ``PORT`` — a free loopback port
   chosen for this process, because several services may want the same port on one machine. This is
   a sandbox-only convention: an app that should run here reads ``PORT`` (the declared
   ``run.ports[0].port`` maps to it; further ports get ``ZCP_SANDBOX_PORT_<declared>``). Its stdout
   and stderr become the service's runtime log (plain lines are informational, as on the platform; a
   syslog ``<N>`` prefix sets the severity). The version is ``ACTIVE`` once
   ``deploy.readinessCheck`` (else ``run.healthCheck``) passes — ``httpGet`` on the mapped port, or
   ``exec`` — or, without a check, once the port accepts connections (``zsc noop``, a dev setup's
   start that opens no port, only has to stay up for a moment). A start command that exits, a
   check that never passes, or a failing init command is ``DEPLOY_FAILED`` and the previous version
   keeps serving. A service with a built-in web server (php-nginx, php-apache, nginx, static) and no
   start command serves its ``run.documentRoot`` (default the tree itself) as static files — PHP is
   not executed.

On success the service's other processes end (SSH sessions, dev servers, the previous app): the
platform replaces containers on a deploy. The subdomain gateway proxies to :attr:`RunningApp.port`,
or to a dev server of the service on :attr:`RunningApp.declared_port` (see :mod:`.subdomains`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import socket
import tarfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from zcp.axes import is_noop_start
from zcp.sandbox.deploy_files import DeployFilesError, collect
from zcp.sandbox.failures import ApiFailure
from zcp.sandbox.model import AppVersion, Process, Service
from zcp.sandbox.sandbox import Sandbox
from zcp.sandbox.service_env import build_env, runtime_env, section_variables, setup_section
from zcp.sandbox.trees import CONTAINER_TMP, CONTAINER_WWW, PathMap
from zcp.sandbox.zerops_yaml import SetupSpec, read_setup

if TYPE_CHECKING:
    from zcp.sandbox.containers import ContainerHost

log = logging.getLogger(__name__)

IMPLICIT_WEBSERVERS: Final = ("php-apache", "php-nginx", "static", "nginx")
MAX_LINE: Final = 8192
KEPT_ARTIFACTS: Final = 10
_SYSLOG_PREFIX: Final = re.compile(r"^<([0-7])>")


@dataclass
class RunningApp:
    """What serves a service's subdomain now."""

    service_id: str
    version_id: str
    port: int | None = None  # the loopback port the app listens on
    declared_port: int | None = None
    static_root: Path | None = None  # a built-in web server: files from here
    pid: int | None = None  # the start command's process group
    exit_code: int | None = None  # set once the start command ended
    replaced: bool = False  # a newer version took over: its end is planned, not a crash

    @property
    def running(self) -> bool:
        return self.static_root is not None or (self.pid is not None and self.exit_code is None)


class _Failed(Exception):
    """Ends the pipeline: ``phase`` is ``build`` or ``deploy``."""

    def __init__(self, phase: str, reason: str) -> None:
        super().__init__(reason)
        self.phase = phase
        self.reason = reason


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


def _severity(line: str, default: int) -> tuple[int, str]:
    match = _SYSLOG_PREFIX.match(line)
    if match:
        return int(match.group(1)), line[match.end() :]
    return default, line


async def _lines(stream: asyncio.StreamReader, emit: Callable[[str], None]) -> None:
    buffer = b""
    while chunk := await stream.read(65536):
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        for raw in complete:
            emit(raw[:MAX_LINE].decode("utf-8", "replace").rstrip("\r"))
        if len(buffer) > MAX_LINE:
            emit(buffer[:MAX_LINE].decode("utf-8", "replace"))
            buffer = b""
    if buffer:
        emit(buffer[:MAX_LINE].decode("utf-8", "replace").rstrip("\r"))


class Pipeline:
    """One app version's build and deploy (see the module docstring)."""

    def __init__(
        self,
        host: ContainerHost,
        sandbox: Sandbox,
        version: AppVersion,
        process: Process,
        zerops_yaml: str,
        setup: str,
    ) -> None:
        self.host = host
        self.sandbox = sandbox
        self.version = version
        self.process = process
        self.zerops_yaml = zerops_yaml
        self.setup_name = setup
        with sandbox.lock:
            self.service: Service = sandbox.state.services[version.service_id]
            self.builder = sandbox.state.services.get(version.build.service_id) if version.build else None
            self.section = setup_section(zerops_yaml, setup)
            self.spec: SetupSpec = read_setup(zerops_yaml, setup, service_base=self.service.version.name)
        self.tag = f"zbuilder@{version.id}"
        self.work = host.trees.root / "builds" / version.id
        self.artifact = host.trees.root / "artifacts" / version.id

    # --- logs and state --------------------------------------------------------------------------

    def build_log(self, message: str, severity: int = 6) -> None:
        with self.sandbox.lock:
            target = self.builder or self.service
            self.sandbox.emit_log(target, message, severity=severity, tag=self.tag, app_name="zbuilder")

    def runtime_log(self, message: str, severity: int = 6) -> None:
        level, text = _severity(message, severity)
        with self.sandbox.lock:
            self.sandbox.emit_log(self.service, text, severity=level)

    def _now(self) -> datetime:
        return self.sandbox.now()

    def _cancelled(self) -> bool:
        return self.process.status not in ("PENDING", "RUNNING")

    # --- the pipeline ----------------------------------------------------------------------------

    async def run(self, *, build: bool = True) -> None:
        try:
            if build:
                await self._build()
            await self._deploy()
        except _Failed as failure:
            self._fail(failure)
        except asyncio.CancelledError:
            self._end_pipeline_children()
            with self.sandbox.lock:
                if self.version.status not in ("ACTIVE", "BUILD_FAILED", "DEPLOY_FAILED"):
                    self.version.status = "CANCELLED"
                    self.version.last_update = self._now()
            raise
        except Exception as error:  # a sandbox bug must not leave the version hanging
            log.exception("sandbox run-code pipeline failed")
            self._fail(_Failed("build" if build else "deploy", f"sandbox error: {type(error).__name__}"))
        finally:
            shutil.rmtree(self.work, ignore_errors=True)

    def _end_pipeline_children(self) -> None:
        groups = self.host.children.groups(self.service.id, kinds=("build", "init", "check"))
        self.host.children.end_groups(groups, wait=False)

    async def _build(self) -> None:
        with self.sandbox.lock:
            now = self._now()
            self.process.status = "RUNNING"
            self.process.started = self.process.last_update = now
            self.version.status = "BUILDING"
            self.version.last_update = now
            if self.version.build:
                self.version.build.start_date = self.version.build.pipeline_start = now
            self.sandbox.state.cancel_hooks[self.process.id] = self._on_cancel
        bases = ", ".join(self.spec.build_bases) or self.service.version.name
        self.build_log(f"Building {self.service.name} ({bases}) on this machine (sandbox --run-code)")
        source = self.work / "source"
        self._unpack(source)
        paths = PathMap((("/build/source", source), (CONTAINER_TMP, self.work / "tmp")))
        (self.work / "tmp").mkdir(parents=True, exist_ok=True)
        with self.sandbox.lock:
            env = self.host.process_env(self.service, build_env(self.sandbox, self.service, self.section))
        env["TMPDIR"] = str(self.work / "tmp")
        for command in self.spec.build_commands:
            self.build_log(f"> {command}")
            code = await self._run(
                paths.translate(command),
                cwd=source,
                env=env,
                kind="build",
                timeout=self.host.timeouts.build,
                emit=self.build_log,
            )
            if code is None:
                self.build_log(f"Command timed out after {self.host.timeouts.build:g}s", severity=3)
                raise _Failed("build", f"build failed: {command!r} timed out")
            if code != 0:
                self.build_log(f"Command failed with exit code {code}", severity=3)
                raise _Failed("build", f"build failed: a build command exited with status {code}")
        shutil.rmtree(self.artifact, ignore_errors=True)
        try:
            count = collect(source, self.spec.deploy_files, self.artifact)
        except DeployFilesError as problem:
            self.build_log(str(problem), severity=3)
            raise _Failed("build", f"build failed: {problem}") from None
        self._prune_artifacts()
        with self.sandbox.lock:
            now = self._now()
            self.version.status = "WAITING_TO_DEPLOY"
            self.version.last_update = now
            if self.version.build:
                self.version.build.end_date = self.version.build.pipeline_finish = now
        self.build_log(f"deployFiles: {count} file(s)")
        self.build_log("BUILD ARTEFACTS READY TO DEPLOY")

    def _unpack(self, source: Path) -> None:
        archive = self.host.upload_path(self.version.id)
        source.mkdir(parents=True, exist_ok=True)
        if not archive.exists():
            self.build_log("no archive was uploaded; building an empty folder", severity=4)
            return
        try:
            with tarfile.open(archive, mode="r:*") as tar:
                tar.extractall(source, filter="data")
        except (tarfile.TarError, OSError, EOFError) as error:
            self.build_log(f"the uploaded archive cannot be unpacked: {error}", severity=3)
            raise _Failed("build", "build failed: the uploaded archive is not a valid tar.gz") from None
        finally:
            archive.unlink(missing_ok=True)

    def _prune_artifacts(self) -> None:
        folder = self.artifact.parent
        kept = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEPT_ARTIFACTS:]:
            shutil.rmtree(old, ignore_errors=True)

    def _on_cancel(self, at: datetime) -> None:
        loop = self.host.loop
        task = self.host.task_for(self.version.id)
        if loop is not None and task is not None:
            loop.call_soon_threadsafe(task.cancel)
        self._end_pipeline_children()

    async def _deploy(self) -> None:
        with self.sandbox.lock:
            now = self._now()
            if self.process.status == "PENDING":
                self.process.status = "RUNNING"
                self.process.started = self.process.last_update = now
            self.sandbox.state.cancel_hooks.pop(self.process.id, None)  # a deploy cannot be cancelled
            self.version.status = "DEPLOYING"
            self.version.last_update = now
            if self.version.build:
                self.version.build.container_creation_start = now
            run_vars = section_variables(self.section, "run")
            env = self.host.process_env(self.service, runtime_env(self.sandbox, self.service, run_vars))
        self.runtime_log(f"Deploying service {self.service.name} (app version {self.version.id})")
        if not self.artifact.is_dir():
            raise _Failed("deploy", "deploy failed: the build artefact of this version is gone")
        previous = self.host.trees.replace_contents(self.service.id, self.artifact)
        try:
            await self._deploy_in_place(env)
        except BaseException:
            self.host.trees.restore(self.service.id, previous)  # the old version keeps its files
            raise
        self.host.trees.discard(previous)

    async def _deploy_in_place(self, env: dict[str, str]) -> None:
        www = self.host.trees.www(self.service.id)
        paths = self.host.trees.paths(self.service.id)
        run = _mapping(self.section.get("run"))
        for command in _strings(run.get("initCommands")):
            self.runtime_log(f"> {command}")
            code = await self._run(
                paths.translate(command),
                cwd=www,
                env=env,
                kind="init",
                timeout=self.host.timeouts.init,
                emit=self.runtime_log,
            )
            if code != 0:
                self.runtime_log("RUN.INIT COMMANDS FINISHED WITH ERROR", severity=3)
                raise _Failed("deploy", "deploy failed: an init command failed")
        app = await self._start(run, env, paths, www)
        self._activate(app)

    async def _start(
        self, run: Mapping[str, Any], env: dict[str, str], paths: PathMap, www: Path
    ) -> RunningApp:
        app = RunningApp(self.service.id, self.version.id)
        base = self.spec.run_base or self.service.version.name
        if not self.spec.start:
            if not base.startswith(IMPLICIT_WEBSERVERS):
                raise _Failed("deploy", "deploy failed: no start command")
            root = www / str(run.get("documentRoot") or "").strip("/")
            app.static_root = root
            self.runtime_log(
                f"web server serving {CONTAINER_WWW}/{str(run.get('documentRoot') or '').strip('/')}"
            )
            return app
        declared = [p.port for p in self.spec.ports]
        if declared:
            app.declared_port = declared[0]
            app.port = free_port()
            env["PORT"] = str(app.port)
            env[f"ZCP_SANDBOX_PORT_{declared[0]}"] = str(app.port)
            for other in declared[1:]:
                env[f"ZCP_SANDBOX_PORT_{other}"] = str(free_port())
        self.runtime_log(f"> {self.spec.start}" + (f"   (PORT={app.port})" if app.port else ""))
        child = await self.host.children.spawn(
            ["bash", "-c", paths.translate(self.spec.start)],
            service_id=self.service.id,
            kind="start",
            cwd=www,
            env=env,
        )
        app.pid = child.pid
        assert child.stdout is not None
        assert child.stderr is not None
        self.host.keep(asyncio.ensure_future(_lines(child.stdout, self.runtime_log)))
        self.host.keep(asyncio.ensure_future(_lines(child.stderr, self.runtime_log)))
        exited = asyncio.ensure_future(child.wait())

        def ended(task: asyncio.Future[int]) -> None:
            if task.cancelled():
                return
            app.exit_code = task.result()
            if app.replaced:  # the platform stops old containers on a deploy: not an error of the app
                self.runtime_log(f"{self.spec.start}: stopped (replaced by a new version)", severity=6)
            else:
                self.runtime_log(f"{self.spec.start}: process exited with code {app.exit_code}", severity=3)

        exited.add_done_callback(ended)
        self.host.keep(exited)
        try:
            await self._ready(app, exited, run, env, paths, www)
        except _Failed:
            self.host.children.end_groups([child.pid], wait=False)
            raise
        return app

    async def _ready(
        self,
        app: RunningApp,
        exited: asyncio.Future[int],
        run: Mapping[str, Any],
        env: dict[str, str],
        paths: PathMap,
        www: Path,
    ) -> None:
        deploy = _mapping(self.section.get("deploy"))
        check = deploy.get("readinessCheck") or run.get("healthCheck")
        check = check if isinstance(check, dict) else {}
        timeouts = self.host.timeouts
        limit = _number(check.get("failureTimeout"), timeouts.ready)
        period = _number(check.get("retryPeriod") or check.get("execPeriod"), timeouts.retry)
        started = time.monotonic()
        deadline = started + limit

        async def attempt() -> bool:
            http = check.get("httpGet")
            if isinstance(http, dict):
                return await _http_ok(app, http)
            probe = check.get("exec")
            if isinstance(probe, dict) and isinstance(probe.get("command"), str):
                code = await self._run(
                    paths.translate(probe["command"]),
                    cwd=www,
                    env=env,
                    kind="check",
                    timeout=5.0,
                    emit=lambda _: None,
                )
                return code == 0
            if app.port is not None and not is_noop_start(self.spec.start):
                return await _accepts(app.port) or (
                    app.declared_port is not None and await _accepts(app.declared_port, adopt=app)
                )
            return time.monotonic() >= started + timeouts.start_grace

        while True:
            if exited.done():
                raise _Failed("deploy", "deploy failed: the start command exited")
            if await attempt():
                return
            if time.monotonic() >= deadline:
                if check:
                    self.runtime_log(f"readiness check did not pass within {limit:g}s", severity=3)
                    raise _Failed("deploy", "deploy failed: the readiness check did not pass")
                self.runtime_log(
                    f"no answer on port {app.port} after {limit:g}s; marking the deploy done", severity=4
                )
                return
            await asyncio.wait({exited}, timeout=period)

    def _activate(self, app: RunningApp) -> None:
        from zcp.sandbox.builds import activate

        with self.sandbox.lock:
            now = self._now()
            activate(self.sandbox, self.service, self.version, self.spec, now)
            self.sandbox.end_process(self.process)
            previous = self.host.apps.get(self.service.id)
            if previous is not None and previous is not app:
                previous.replaced = True
            self.host.apps[self.service.id] = app
        self.runtime_log(f"{self.spec.start or 'web server'} started")
        if self.host.replace_on_deploy:
            # The old containers go: their processes end (a self-deploy's SSH session included).
            self.host.children.end(self.service.id, keep=[app.pid] if app.pid else [], wait=False)

    def _fail(self, failure: _Failed) -> None:
        with self.sandbox.lock:
            now = self._now()
            self.version.status = "BUILD_FAILED" if failure.phase == "build" else "DEPLOY_FAILED"
            self.version.last_update = now
            if self.version.build:
                self.version.build.pipeline_failed = now
            self.sandbox.end_process(self.process, failure.reason)

    async def _run(
        self,
        script: str,
        *,
        cwd: Path,
        env: Mapping[str, str],
        kind: str,
        timeout: float,
        emit: Callable[[str], None],
    ) -> int | None:
        """Run ``bash -c script``; its output line by line to ``emit``; the exit code, None on timeout."""
        child = await self.host.children.spawn(
            ["bash", "-c", script], service_id=self.service.id, kind=kind, cwd=cwd, env=env
        )
        assert child.stdout is not None
        assert child.stderr is not None
        pumps = [
            asyncio.ensure_future(_lines(child.stdout, emit)),
            asyncio.ensure_future(_lines(child.stderr, emit)),
        ]
        try:
            async with asyncio.timeout(timeout):
                code = await child.wait()
                await asyncio.gather(*pumps)
                return code
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, 9)
            return None
        finally:
            for pump in pumps:
                pump.cancel()
            self.host.children.forget(child.pid)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _number(value: Any, default: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return default


async def _accepts(port: int, *, adopt: RunningApp | None = None) -> bool:
    """True when something listens on ``127.0.0.1:port`` (``adopt``: the app ignored PORT; use this one)."""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout=1.0)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
    if adopt is not None:
        adopt.port = port
    return True


async def _http_ok(app: RunningApp, check: Mapping[str, Any]) -> bool:
    """One ``httpGet`` attempt: 2xx after following redirects, 5 s per attempt (the platform's rule)."""
    import httpx

    declared = check.get("port")
    port = app.port if declared in (None, app.declared_port) else declared
    if not isinstance(port, int):
        return False
    path = str(check.get("path") or "/")
    scheme = "https" if str(check.get("scheme") or "").lower() == "https" else "http"
    headers = {"Host": str(check["host"])} if check.get("host") else None
    try:
        async with httpx.AsyncClient(timeout=5.0, follow_redirects=True, verify=False) as client:
            reply = await client.get(
                f"{scheme}://127.0.0.1:{port}{path if path.startswith('/') else '/' + path}", headers=headers
            )
    except httpx.HTTPError:
        return False
    return 200 <= reply.status_code < 300


async def run_pipeline(
    host: ContainerHost, sandbox: Sandbox, version: AppVersion, process: Process, zerops_yaml: str, setup: str
) -> None:
    """Build and deploy ``version`` for real (scheduled by :meth:`ContainerHost.run_build`)."""
    try:
        pipeline = Pipeline(host, sandbox, version, process, zerops_yaml, setup)
    except ApiFailure as failure:  # validated before, so only a changed catalogue gets here
        with sandbox.lock:
            version.status = "BUILD_FAILED"
            sandbox.end_process(process, f"build failed: {failure.message}")
        return
    await pipeline.run(build=True)


async def redeploy(host: ContainerHost, sandbox: Sandbox, version: AppVersion, process: Process) -> None:
    """Deploy a kept artefact again (an app version activated without a build)."""
    assert version.zerops_yaml is not None
    pipeline = Pipeline(host, sandbox, version, process, version.zerops_yaml, version.setup or "")
    await pipeline.run(build=False)
