"""Seed scenarios: ready-made accounts to start a sandbox from.

Every scenario has one organisation (``Acme``) and its owner (Jane Doe) whose token is the sandbox's
token, plus a ``READ_ONLY`` token (``<token>-readonly``) for permission tests. Then:

* ``empty`` — one project with no services (a fresh start for bootstrap);
* ``standard`` — a bootstrapped standard pair: ``appdev`` + ``appstage`` (Node.js 22, deployed, public
  on port 3000) and ``db`` (PostgreSQL 16), with deploy history, processes and logs;
* ``adoptable`` — services zcp did not create: a Python API, a PHP site, Valkey, object and shared
  storage, and a stopped worker, for the adoption flows;
* ``failed_build`` — ``appdev`` whose latest deploy failed in the build phase (build logs included),
  next to a healthy ``db``;
* ``multi_project`` — two projects (the token sees both: zcp must refuse to pick one);
* ``no_project`` — an organisation without projects.

History is written directly as finished records, dated before the clock's current time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from zcp.sandbox.catalogue import CATALOGUE, find_version
from zcp.sandbox.envs import generated_env
from zcp.sandbox.lifecycle import subdomain_url
from zcp.sandbox.model import (
    AppVersion,
    Build,
    EnvVar,
    Organisation,
    Process,
    Project,
    Service,
    ServicePort,
    User,
)
from zcp.sandbox.sandbox import Sandbox

READ_ONLY_SUFFIX: Final = "-readonly"

_NODE_YAML: Final = """\
zerops:
  - setup: {setup}
    build:
      base: nodejs@22
      buildCommands:
        - npm ci
      deployFiles: ./
    run:
      base: nodejs@22
      ports:
        - port: 3000
          httpSupport: true
      start: node server.js
"""


class _Seeder:
    """Small helpers for writing finished history."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sb = sandbox
        self.now = sandbox.now()
        self.org: Organisation | None = None
        self.user: User | None = None

    def ago(self, **delta: float) -> datetime:
        return self.now - timedelta(**delta)

    def account(self) -> None:
        sb = self.sb
        self.org = Organisation(sb.ids.new(), "Acme")
        self.user = User(sb.ids.new(), "jane@example.com", "Jane", "Doe", self.ago(days=30))
        sb.state.organisations[self.org.id] = self.org
        sb.state.users[self.user.id] = self.user
        sb.add_token(sb.token, user_id=self.user.id, client_id=self.org.id, role="OWNER")
        sb.add_token(
            sb.token + READ_ONLY_SUFFIX, user_id=self.user.id, client_id=self.org.id, role="READ_ONLY"
        )

    def project(self, name: str, subdomain_prefix: str) -> Project:
        assert self.org is not None
        project = Project(
            id=self.sb.ids.new(),
            client_id=self.org.id,
            name=name,
            created=self.ago(days=2),
            last_update=self.ago(days=2),
            subdomain_host=f"{subdomain_prefix}.prg1.zerops.app",
        )
        self.sb.state.projects[project.id] = project
        return project

    def service(
        self,
        project: Project,
        hostname: str,
        type_version: str,
        *,
        status: str = "ACTIVE",
        mode: str = "NON_HA",
        ports: tuple[int, ...] | None = None,
        subdomain: bool = False,
        secrets: dict[str, str] | None = None,
        priority: int = 0,
        start_without_code: bool = False,
    ) -> Service:
        found = find_version(type_version)
        assert found is not None, type_version
        stack_type, version = found
        created = self.ago(days=1, hours=23)
        service = Service(
            id=self.sb.ids.new(),
            client_id=project.client_id,
            project_id=project.id,
            name=hostname,
            stack_type=stack_type,
            version=version,
            created=created,
            last_update=self.ago(hours=1),
            status=status,
            mode=mode,
            priority=priority,
            start_without_code=start_without_code,
        )
        if ports is not None:
            service.ports = [ServicePort(port=p) for p in ports]
        elif not stack_type.is_runtime or stack_type.ports:
            service.ports = [ServicePort.from_catalogue(p) for p in stack_type.ports]
            if stack_type.is_managed:
                for port in service.ports:
                    port.http_routing = False
        service.env = generated_env(self.sb, service, created)
        for key, value in (secrets or {}).items():
            service.env.append(EnvVar(self.sb.ids.new(), key, value, "SECRET", False, created, created))
        self.sb.state.services[service.id] = service
        if subdomain:
            service.subdomain_access = True
            url = subdomain_url(self.sb, service)
            if url:
                service.env.append(
                    EnvVar(self.sb.ids.new(), "zeropsSubdomain", url, "READ_ONLY", False, created, created)
                )
        self.finished("stack.import", project, [service], at=created)
        return service

    def finished(
        self,
        action: str,
        project: Project,
        services: list[Service],
        *,
        at: datetime,
        seconds: float = 6.0,
        status: str = "FINISHED",
        fail_reason: str | None = None,
        app_version_id: str | None = None,
    ) -> Process:
        assert self.user is not None
        self.sb.state.process_sequence += 1
        process = Process(
            id=self.sb.ids.new(),
            client_id=project.client_id,
            project_id=project.id,
            action=action,
            service_ids=[s.id for s in services],
            created=at,
            last_update=at + timedelta(seconds=seconds + 1),
            sequence=self.sb.state.process_sequence,
            user_id=self.user.id,
            status=status,
            started=at + timedelta(seconds=1),
            finished=at + timedelta(seconds=seconds + 1),
            fail_reason=fail_reason,
            app_version_id=app_version_id,
        )
        self.sb.state.processes[process.id] = process
        return process

    def deploy(self, project: Project, service: Service, *, at: datetime, failed: bool = False) -> AppVersion:
        """A finished deploy of ``service`` at ``at`` (ACTIVE, or BUILD_FAILED with build logs)."""
        sb = self.sb
        builder = self._builder(service)
        sequence = (
            max((v.sequence for v in sb.state.app_versions.values() if v.service_id == service.id), default=0)
            + 1
        )
        for other in sb.state.app_versions.values():
            if other.service_id == service.id and other.status == "ACTIVE" and not failed:
                other.status = "BACKUP"
        version = AppVersion(
            id=sb.ids.new(),
            client_id=service.client_id,
            project_id=service.project_id,
            service_id=service.id,
            source="CLI",
            status="BUILD_FAILED" if failed else "ACTIVE",
            sequence=sequence,
            created=at,
            last_update=at + timedelta(seconds=40),
            zerops_yaml=_NODE_YAML.format(setup=service.name),
            setup=service.name,
        )
        version.build = Build(
            service_id=builder.id,
            service_name=builder.name,
            version_id=service.version.id,
            start_date=at + timedelta(seconds=1),
            pipeline_start=at + timedelta(seconds=1),
            pipeline_finish=None if failed else at + timedelta(seconds=25.4412),
            pipeline_failed=at + timedelta(seconds=21.07) if failed else None,
            end_date=None if failed else at + timedelta(seconds=25.4412),
            container_creation_start=None if failed else at + timedelta(seconds=26.5),
        )
        sb.state.app_versions[version.id] = version
        tag = f"zbuilder@{version.id}"
        lines = [("> npm ci", 6), ("npm warn deprecated inflight@1.0.6", 4)]
        lines += (
            [("npm error code ERESOLVE", 3), ("Command failed with exit code 1", 3)]
            if failed
            else [
                ("added 212 packages in 9s", 6),
                ("BUILD ARTEFACTS READY TO DEPLOY", 6),
            ]
        )
        for offset, (message, severity) in enumerate(lines):
            sb.emit_log(
                builder,
                message,
                at=at + timedelta(seconds=2 + offset * 4.7),
                severity=severity,
                tag=tag,
                app_name="zbuilder",
            )
        self.finished(
            "stack.build",
            project,
            [service],
            at=at,
            seconds=20 if failed else 38,
            status="FAILED" if failed else "FINISHED",
            fail_reason="build failed: a build command exited with status 1" if failed else None,
            app_version_id=version.id,
        )
        if not failed:
            sb.emit_log(service, "Server listening on http://0.0.0.0:3000", at=at + timedelta(seconds=39.5))
        return version

    def _builder(self, service: Service) -> Service:
        build_type = next(t for t in CATALOGUE if t.category == "BUILD")
        name = f"{service.name}-build"
        for existing in self.sb.state.services.values():
            if existing.name == name and existing.project_id == service.project_id:
                return existing
        builder = Service(
            id=self.sb.ids.new(),
            client_id=service.client_id,
            project_id=service.project_id,
            name=name,
            stack_type=build_type,
            version=build_type.versions[0],
            created=service.created,
            last_update=service.created,
        )
        builder.status = "ACTIVE"
        self.sb.state.services[builder.id] = builder
        return builder


def _empty(seeder: _Seeder) -> None:
    """One project, no services: a fresh start for bootstrap."""
    seeder.project("demo", "1df2")


def _standard(seeder: _Seeder) -> None:
    """A bootstrapped standard pair (appdev + appstage on Node.js 22) with PostgreSQL, history and logs."""
    project = seeder.project("demo", "1df2")
    db = seeder.service(project, "db", "postgresql@16", priority=10)
    wiring = {
        "DB_HOST": "${db_hostname}",
        "DB_PORT": "${db_port}",
        "DB_USER": "${db_user}",
        "DB_PASS": "${db_password}",
    }
    for name in ("appdev", "appstage"):
        service = seeder.service(
            project, name, "nodejs@22", ports=(3000,), subdomain=True, secrets=dict(wiring)
        )
        service.start_without_code = name == "appdev"
        seeder.deploy(project, service, at=seeder.ago(hours=20 if name == "appdev" else 19))
    for offset in range(3):
        seeder.sb.emit_log(
            db, f"database system is ready to accept connections ({offset})", at=seeder.ago(hours=3 - offset)
        )


def _adoptable(seeder: _Seeder) -> None:
    """Services zcp did not create: Python API, PHP site, Valkey, object and shared storage, a stopped worker."""
    project = seeder.project("legacy-shop", "7c3a")
    files = seeder.service(project, "files", "shared-storage")
    api = seeder.service(
        project, "api", "python@3.12", ports=(8000,), subdomain=True, secrets={"SECRET_KEY": "s3cr3t-api"}
    )
    api.mounts.add(files.id)
    seeder.deploy(project, api, at=seeder.ago(hours=30))
    seeder.service(project, "web", "php-nginx@8.4", subdomain=True)
    seeder.service(project, "cache", "valkey@7.2")
    seeder.service(project, "storage", "object-storage")
    seeder.service(project, "worker", "go@1", status="STOPPED", ports=())


def _failed_build(seeder: _Seeder) -> None:
    """appdev whose latest deploy failed in the build phase, next to a healthy db."""
    project = seeder.project("demo", "1df2")
    seeder.service(project, "db", "postgresql@16", priority=10)
    app = seeder.service(project, "appdev", "nodejs@22", status="READY_TO_DEPLOY", ports=())
    seeder.deploy(project, app, at=seeder.ago(minutes=10), failed=True)


def _multi_project(seeder: _Seeder) -> None:
    """Two projects visible to the token (zcp must refuse to pick one)."""
    first = seeder.project("shop", "2a1b")
    second = seeder.project("blog", "3c4d")
    seeder.service(first, "app", "nodejs@22", ports=(3000,))
    seeder.service(second, "app", "python@3.12", ports=(8000,))


def _no_project(seeder: _Seeder) -> None:
    """An organisation without any project."""


SCENARIOS: Final[dict[str, Callable[[_Seeder], None]]] = {
    "empty": _empty,
    "standard": _standard,
    "adoptable": _adoptable,
    "failed_build": _failed_build,
    "multi_project": _multi_project,
    "no_project": _no_project,
}


def describe(name: str) -> str:
    """One line saying what scenario ``name`` contains."""
    return (SCENARIOS[name].__doc__ or "").strip()


def seed_scenario(sandbox: Sandbox, name: str) -> None:
    """Fill an empty sandbox with the scenario ``name``."""
    try:
        build = SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(sorted(SCENARIOS))}") from None
    seeder = _Seeder(sandbox)
    seeder.account()
    build(seeder)


def add_zcp_service(sandbox: Sandbox, project: Project, hostname: str = "zcp") -> Service:
    """zcp's own service in ``project`` (an Ubuntu runtime started without code), or the one there already.

    ``zcp sandbox serve --container`` makes a ``zcp serve`` act as this service. Call with the lock held.
    """
    for service in sandbox.project_services(project.id):
        if service.name == hostname:
            return service
    seeder = _Seeder(sandbox)
    grant = sandbox.grant_for(sandbox.token)
    seeder.user = sandbox.state.users.get(grant.user_id) if grant else None
    service = seeder.service(project, hostname, "ubuntu@24.04", start_without_code=True)
    from zcp.sandbox.builds import placeholder_version

    placeholder_version(sandbox, service, seeder.now)
    sandbox.service_created(service)
    return service
