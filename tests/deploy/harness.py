"""Drive the deploy tools through MCP as the project's own zcp service, against the ``containers`` sandbox.

:func:`container_session` is what ``zcp serve`` does with the exports of ``zcp sandbox serve
--container``: zcp runs "in" the sandbox's ``zcp`` service, reaches the other services over the
sandbox's real SSH server (pinned host key) and mounts their trees through the link mounter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tests.plugins.sandbox import ContainersHandle
from tests.tools.harness import ToolSession, tool_session
from zcp.clock import Clock
from zcp.runtime import RuntimeInfo

#: A zerops.yaml for a tiny Python HTTP app (setups dev and prod; the sandbox maps the port to $PORT).
APP_YAML = """\
zerops:
  - setup: dev
    build:
      base: python@3.12
      buildCommands:
        - echo building {marker}
      deployFiles: ./
    run:
      base: python@3.12
      envVariables:
        DB_URL: ${{db_connectionString}}
      ports:
        - port: 8000
          httpSupport: true
      start: python3 app.py
  - setup: prod
    build:
      base: python@3.12
      buildCommands:
        - echo building prod {marker}
      deployFiles: ./
    run:
      base: python@3.12
      ports:
        - port: 8000
          httpSupport: true
      start: python3 app.py
"""

APP_PY = """\
import http.server, os

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = open("message.txt").read().encode() if os.path.exists("message.txt") else b"hello"
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), Handler).serve_forever()
"""


def write_app(folder: Path, *, marker: str = "v1", yaml: str | None = None) -> Path:
    """A small app with its zerops.yaml in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "zerops.yaml").write_text(yaml if yaml is not None else APP_YAML.format(marker=marker))
    (folder / "app.py").write_text(APP_PY)
    (folder / "message.txt").write_text(f"{marker}\n")
    return folder


def zcp_runtime(containers: ContainersHandle) -> RuntimeInfo:
    """The runtime of a zcp running as the sandbox's ``zcp`` service (added on first use)."""
    from zcp.sandbox.scenarios import add_zcp_service

    with containers.sandbox.lock:
        project = next(iter(containers.sandbox.state.projects.values()))
        service = add_zcp_service(containers.sandbox, project)
        return RuntimeInfo(
            in_container=True, service_id=service.id, hostname=service.name, project_id=service.project_id
        )


def container_settings(containers: ContainersHandle, tmp_path: Path, runtime: RuntimeInfo) -> dict[str, Any]:
    endpoint = containers.endpoint
    (tmp_path / "work").mkdir(exist_ok=True)
    return {
        "state_dir": tmp_path / "state",
        "work_dir": tmp_path / "work",
        "ssh_host_template": endpoint.host,
        "ssh_port": endpoint.port,
        "ssh_user_template": "{hostname}",
        "ssh_key_path": endpoint.client_key_path,
        "ssh_known_hosts": endpoint.known_hosts_path,
        "ssh_connect_timeout": 5.0,
        "mount_mode": "link",
        "mount_root": tmp_path / "mnt",
        "sandbox_data_dir": containers.host.trees.root,
        "service_id": runtime.service_id,
        "self_hostname": runtime.hostname,
        "container_project_id": runtime.project_id,
        "poll_interval": 0.05,
        "poll_max_interval": 0.2,
    }


@asynccontextmanager
async def container_session(
    containers: ContainersHandle, tmp_path: Path, *, clock: Clock | None = None, **settings: Any
) -> AsyncIterator[ToolSession]:
    """An MCP session of a zcp inside the sandbox project (see the module docstring)."""
    runtime = zcp_runtime(containers)
    options = {**container_settings(containers, tmp_path, runtime), **settings}
    async with tool_session(containers, runtime=runtime, clock=clock, **options) as session:
        try:
            yield session
        finally:
            await session.app.remote().aclose()


@asynccontextmanager
async def local_session(
    containers: ContainersHandle, tmp_path: Path, *, clock: Clock | None = None, **settings: Any
) -> AsyncIterator[ToolSession]:
    """An MCP session of a zcp on a developer's machine (working directory ``tmp_path/work``)."""
    (tmp_path / "work").mkdir(exist_ok=True)
    options: dict[str, Any] = {
        "state_dir": tmp_path / "state",
        "work_dir": tmp_path / "work",
        "poll_interval": 0.05,
        "poll_max_interval": 0.2,
        **settings,
    }
    async with tool_session(containers, clock=clock, **options) as session:
        yield session


def new_runtime(containers: ContainersHandle, hostname: str, type_version: str = "python@3.12") -> str:
    """A runtime service started without code (never deployed, no subdomain); returns its id."""
    from zcp.sandbox.builds import placeholder_version
    from zcp.sandbox.scenarios import _Seeder

    sandbox = containers.sandbox
    with sandbox.lock:
        project = next(iter(sandbox.state.projects.values()))
        seeder = _Seeder(sandbox)
        grant = sandbox.grant_for(sandbox.token)
        seeder.user = sandbox.state.users.get(grant.user_id) if grant else None
        service = seeder.service(project, hostname, type_version, start_without_code=True)
        placeholder_version(sandbox, service, seeder.now)
        sandbox.service_created(service)
        return service.id


def versions_of(containers: ContainersHandle, hostname: str) -> list[tuple[int, str, str | None]]:
    """(sequence, status, setup) of every app version of a service, oldest first."""
    with containers.sandbox.lock:
        service = containers.service(hostname)
        found = [v for v in containers.sandbox.state.app_versions.values() if v.service_id == service.id]
        return [(v.sequence, v.status, v.setup) for v in sorted(found, key=lambda v: v.sequence)]


def write_meta(session: ToolSession, hostname: str, **fields: Any) -> None:
    """A complete service meta (managed by zcp) for ``hostname``."""
    from zcp.state.models import ServiceMeta

    fields.setdefault("mode", "dev")
    fields.setdefault("bootstrapped_at", "2025-06-01")
    session.app.state.write_meta(ServiceMeta(hostname=hostname, **fields))


def open_develop(session: ToolSession, scope: list[str], intent: str = "change the app") -> None:
    """An open develop work session of this process over ``scope``."""
    from zcp.state.models import RegistryEntry, WorkSession

    store = session.app.state
    now = store.now_text()
    store.write_work_session(
        WorkSession(
            pid=store.pid,
            project_id="p",
            environment="container",
            intent=intent,
            services=sorted(scope),
            created_at=now,
            last_activity_at=now,
        )
    )
    store.register(RegistryEntry(session_id=f"work-{store.pid}", pid=store.pid, workflow="work"))
