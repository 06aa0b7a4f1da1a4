"""App versions and the build pipeline — what ``zcli push`` drives on the platform.

The API side of a deploy: create an app version (``UPLOADING``, with an upload URL), receive the
archive, then ``build-and-deploy`` starts a ``stack.build`` process while the version walks
``WAITING_TO_BUILD → BUILDING → WAITING_TO_DEPLOY → DEPLOYING → ACTIVE`` on the clock, with ``build.*``
timestamps, build log lines tagged ``zbuilder@<appVersionId>`` on a persistent build service, and finally
the target service active with the ports from zerops.yaml.

:func:`start_build` is the one entry point: the REST endpoints call it, the control API calls it to
inject a deploy, and an in-process SSH ``zcli push`` can call it the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from zcp.sandbox.failures import ApiFailure, not_found
from zcp.sandbox.lifecycle import apply_subdomain
from zcp.sandbox.model import AppVersion, Build, Grant, Process, Service, ServicePort
from zcp.sandbox.sandbox import Sandbox
from zcp.sandbox.zerops_yaml import SetupSpec, read_setup

BuildOutcome = Literal["success", "build_failed", "deploy_failed"]
OUTCOMES: Final = ("success", "build_failed", "deploy_failed")

#: Seconds after build-and-deploy (at time scale 1.0) when each phase begins.
_BUILDING_AT: Final = 1.0
_BUILT_AT: Final = 9.0
_DEPLOYING_AT: Final = 10.0
_DONE_AT: Final = 14.0


def _next_sequence(sandbox: Sandbox, service: Service) -> int:
    sequences = [v.sequence for v in sandbox.state.app_versions.values() if v.service_id == service.id]
    return max(sequences, default=0) + 1


def create_app_version(
    sandbox: Sandbox,
    service: Service,
    *,
    source: str = "CLI",
    name: str | None = None,
    user_id: str | None = None,
) -> AppVersion:
    """A new ``UPLOADING`` app version for a runtime service."""
    if not service.stack_type.is_runtime:
        raise ApiFailure(
            400, "userApplicationRuntimeServiceStackRequired", "Only runtime services take deploys."
        )
    now = sandbox.now()
    version = AppVersion(
        id=sandbox.ids.new(),
        client_id=service.client_id,
        project_id=service.project_id,
        service_id=service.id,
        source=source,
        status="UPLOADING",
        sequence=_next_sequence(sandbox, service),
        created=now,
        last_update=now,
        name=name,
        user_id=user_id,
    )
    sandbox.state.app_versions[version.id] = version
    return version


def placeholder_version(sandbox: Sandbox, service: Service, at: datetime) -> AppVersion:
    """The ``source: NONE``, build-less ``ACTIVE`` record a ``startWithoutCode`` import leaves behind."""
    version = AppVersion(
        id=sandbox.ids.new(),
        client_id=service.client_id,
        project_id=service.project_id,
        service_id=service.id,
        source="NONE",
        status="ACTIVE",
        sequence=_next_sequence(sandbox, service),
        created=at,
        last_update=at,
    )
    sandbox.state.app_versions[version.id] = version
    return version


def app_version_for(sandbox: Sandbox, grant: Grant, version_id: str) -> AppVersion:
    version = sandbox.state.app_versions.get(version_id)
    if version is None or not grant.sees_project(version.client_id, version.project_id):
        raise not_found("appVersionNotFound", "App version")
    return version


def check_uploadable(version: AppVersion) -> None:
    if version.status != "UPLOADING" or version.upload_size is not None:
        raise ApiFailure(400, "appVersionIsNotBeingUploaded", "The app version is not waiting for an upload.")


def receive_upload(sandbox: Sandbox, version: AppVersion, size: int) -> None:
    check_uploadable(version)
    version.upload_size = size
    version.last_update = sandbox.now()


def decide_outcome(setup: SetupSpec) -> BuildOutcome:
    """How a build of ``setup`` ends: commands that visibly fail (``exit 1``, ``false``) fail their phase."""

    def fails(command: str | None) -> bool:
        if not command:
            return False
        return any(part.strip() in ("false", "exit 1") for part in command.replace("&&", ";").split(";"))

    if any(fails(c) for c in setup.build_commands):
        return "build_failed"
    if fails(setup.start):
        return "deploy_failed"
    return "success"


def _build_service(sandbox: Sandbox, service: Service) -> Service:
    """The persistent BUILD-category service that runs this service's builds (created on first use)."""
    from zcp.sandbox.catalogue import CATALOGUE

    name = f"{service.name}-build"
    for candidate in sandbox.state.services.values():
        if (
            candidate.project_id == service.project_id
            and candidate.name == name
            and candidate.stack_type.is_system
        ):
            return candidate
    build_type = next(t for t in CATALOGUE if t.category == "BUILD")
    version = next((v for v in build_type.versions if v.name == service.version.name), build_type.versions[0])
    now = sandbox.now()
    builder = Service(
        id=sandbox.ids.new(),
        client_id=service.client_id,
        project_id=service.project_id,
        name=name,
        stack_type=build_type,
        version=version,
        created=now,
        last_update=now,
        status="ACTIVE",
    )
    sandbox.state.services[builder.id] = builder
    return builder


def start_build(
    sandbox: Sandbox,
    grant: Grant,
    version: AppVersion,
    zerops_yaml: str,
    setup_name: str | None = None,
    *,
    outcome: BuildOutcome | None = None,
) -> Process:
    """Validate zerops.yaml, then run the pipeline for ``version``; returns its ``stack.build`` process."""
    sandbox.require_write(grant)
    if version.process_id is not None:
        raise ApiFailure(400, "deployProcessAlreadyCreated", "This app version is already being built.")
    if version.status != "UPLOADING":
        raise ApiFailure(400, "appVersionInvalidStatus", f"The app version is {version.status}.")
    service = sandbox.state.services[version.service_id]
    setup_name = setup_name or service.name
    setup = read_setup(zerops_yaml, setup_name, service_base=service.version.name)
    if outcome is None and sandbox.host is not None and sandbox.host.run_code:
        return _start_real_build(sandbox, grant, version, service, zerops_yaml, setup_name)
    ending = outcome or decide_outcome(setup)
    builder = _build_service(sandbox, service)
    project = sandbox.state.projects[service.project_id]
    now = sandbox.now()
    tag = f"zbuilder@{version.id}"
    version.zerops_yaml = zerops_yaml
    version.setup = setup_name
    version.status = "WAITING_TO_BUILD"
    version.last_update = now
    build = Build(service_id=builder.id, service_name=builder.name, version_id=service.version.id)
    version.build = build
    failure = {
        "build_failed": "build failed: a build command exited with status 1",
        "deploy_failed": "deploy failed: the application did not start",
    }.get(ending)
    process = sandbox.run_process(
        "stack.build",
        project,
        [service],
        user_id=grant.user_id,
        fail_reason=failure,
        run_seconds=(_BUILT_AT if ending == "build_failed" else _DONE_AT) - 0.5,
        app_version_id=version.id,
    )
    version.process_id = process.id

    def log(at: datetime, message: str, severity: int = 6) -> None:
        sandbox.emit_log(builder, message, at=at, severity=severity, tag=tag, app_name="zbuilder")

    def building(at: datetime) -> None:
        if not process.in_progress:
            return
        version.status = "BUILDING"
        build.start_date = build.pipeline_start = version.last_update = at
        log(at, f"Building {service.name} ({', '.join(setup.build_bases) or service.version.name})")
        for command in setup.build_commands:
            log(at, f"> {command}")

    def built(at: datetime) -> None:
        if version.status != "BUILDING":
            return
        version.last_update = at
        if ending == "build_failed":
            version.status = "BUILD_FAILED"
            build.pipeline_failed = at
            log(at, "Command failed with exit code 1", severity=3)
            return
        version.status = "WAITING_TO_DEPLOY"
        build.end_date = build.pipeline_finish = at
        log(at, "BUILD ARTEFACTS READY TO DEPLOY")

    def deploying(at: datetime) -> None:
        if version.status != "WAITING_TO_DEPLOY":
            return
        version.status = "DEPLOYING"
        build.container_creation_start = version.last_update = at
        sandbox.emit_log(service, f"Deploying service {service.name}", at=at)

    def done(at: datetime) -> None:
        if version.status != "DEPLOYING":
            return
        version.last_update = at
        if ending == "deploy_failed":
            version.status = "DEPLOY_FAILED"
            build.pipeline_failed = at
            sandbox.emit_log(service, f"{setup.start}: process exited with code 1", at=at, severity=3)
            return
        activate(sandbox, service, version, setup, at)
        sandbox.emit_log(service, f"{setup.start or 'web server'} started", at=at)

    sandbox.events.at(now + sandbox.scaled(_BUILDING_AT), building)
    sandbox.events.at(now + sandbox.scaled(_BUILT_AT), built)
    sandbox.events.at(now + sandbox.scaled(_DEPLOYING_AT), deploying)
    sandbox.events.at(now + sandbox.scaled(_DONE_AT), done)

    def cancelled(at: datetime) -> None:
        if version.status not in ("ACTIVE", "BUILD_FAILED", "DEPLOY_FAILED"):
            version.status = "CANCELLED"
            version.last_update = at

    sandbox.state.cancel_hooks[process.id] = cancelled
    return process


def activate(sandbox: Sandbox, service: Service, version: AppVersion, setup: SetupSpec, at: datetime) -> None:
    """A deploy succeeded: the version serves (the previous one is kept as BACKUP), ports from zerops.yaml."""
    for other in sandbox.state.app_versions.values():
        if other.service_id == service.id and other.status == "ACTIVE" and other is not version:
            other.status = "BACKUP"
            other.last_update = at
    version.status = "ACTIVE"
    version.last_update = at
    service.status = "ACTIVE"
    service.last_update = at
    if setup.ports:
        service.ports = [
            ServicePort(
                port=p.port,
                scheme="http" if p.http else p.protocol,
                protocol=p.protocol,
                http_routing=p.http,
            )
            for p in setup.ports
        ]
    if service.subdomain_requested and any(p.http_routing for p in service.ports):
        apply_subdomain(sandbox, service, at)


def _start_real_build(
    sandbox: Sandbox, grant: Grant, version: AppVersion, service: Service, zerops_yaml: str, setup_name: str
) -> Process:
    """``--run-code``: the host runs the pipeline for real and moves the version and process itself."""
    assert sandbox.host is not None
    builder = _build_service(sandbox, service)
    project = sandbox.state.projects[service.project_id]
    version.zerops_yaml = zerops_yaml
    version.setup = setup_name
    version.status = "WAITING_TO_BUILD"
    version.last_update = sandbox.now()
    version.build = Build(service_id=builder.id, service_name=builder.name, version_id=service.version.id)
    process = sandbox.open_process(
        "stack.build", project, [service], user_id=grant.user_id, app_version_id=version.id
    )
    version.process_id = process.id
    sandbox.host.run_build(version, process, zerops_yaml, setup_name)
    return process


#: Action of the process that activates an earlier app version (a sandbox choice: not in the sources).
REDEPLOY_ACTION: Final = "stack.deploy"
_REDEPLOY_SECONDS: Final = 4.0


def redeploy_version(sandbox: Sandbox, grant: Grant, version: AppVersion) -> Process:
    """``PUT /app-version/{id}/deploy``: deploy an earlier build again, without building."""
    sandbox.require_write(grant)
    service = sandbox.state.services.get(version.service_id)
    if service is None or service.deleted:
        raise not_found("serviceStackNotFound", "Service stack")
    if version.status not in ("ACTIVE", "BACKUP") or not version.zerops_yaml or version.build is None:
        raise ApiFailure(
            400,
            "appVersionInvalidStatus",
            f"App version {version.id} is {version.status} and cannot be deployed.",
        )
    setup = read_setup(version.zerops_yaml, version.setup or service.name, service_base=service.version.name)
    project = sandbox.state.projects[service.project_id]
    host = sandbox.host
    if host is not None and host.run_code and host.has_artifact(version.id):
        process = sandbox.open_process(
            REDEPLOY_ACTION, project, [service], user_id=grant.user_id, app_version_id=version.id
        )
        host.run_redeploy(version, process)
        return process
    previous = version.status

    def begin(at: datetime) -> None:
        version.status = "DEPLOYING"
        version.last_update = at

    def done(at: datetime) -> None:
        activate(sandbox, service, version, setup, at)
        sandbox.emit_log(service, f"App version {version.id} deployed again", at=at)

    def undo(at: datetime) -> None:
        version.status = previous

    return sandbox.run_process(
        REDEPLOY_ACTION,
        project,
        [service],
        user_id=grant.user_id,
        on_start=begin,
        on_finish=done,
        on_cancel=undo,
        run_seconds=_REDEPLOY_SECONDS,
        app_version_id=version.id,
    )


def deploy(
    sandbox: Sandbox,
    grant: Grant,
    service: Service,
    zerops_yaml: str,
    setup_name: str | None = None,
    *,
    outcome: BuildOutcome | None = None,
) -> tuple[AppVersion, Process]:
    """Everything ``zcli push`` does in one call: version, upload, build-and-deploy."""
    version = create_app_version(sandbox, service, user_id=grant.user_id)
    receive_upload(sandbox, version, 0)
    return version, start_build(sandbox, grant, version, zerops_yaml, setup_name, outcome=outcome)
