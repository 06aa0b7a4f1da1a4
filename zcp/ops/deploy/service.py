"""One deploy of one service: preflight, push, watch the build, report, record.

:func:`deploy_service` is what ``zerops_deploy`` (and each entry of ``zerops_deploy_batch``) runs:

1. the target (and source) are found, must be runtimes zcp manages (once it manages any), and the
   target may not be zcp's own service;
2. a note a previous deploy of the target left behind is settled (:mod:`.journal`);
3. **preflight** on the source's zerops.yaml (:mod:`.preflight`) — nothing moves when it fails;
4. the **push**: inside a Zerops container over SSH on the source service (self-deploy, or
   cross-deploy dev → stage); locally with zcli when it is on PATH, else zcp's native push
   (:mod:`.pushers`); the result says which (``pushedWith``);
5. the **build** is watched through the API with progress, within the call's wait budget
   (:mod:`.watch`);
6. the **outcome**: ``DEPLOYED`` (the first deploy enables the subdomain; over SSH the target is
   checked to accept commands again; the next call is ``zerops_verify``, after a
   ``zerops_dev_server`` start when the deployed setup starts no app — ``run.start: zsc noop`` on a
   dev service, see :func:`.devserver.start_after_deploy`), a failed pipeline (its status, phase, a
   bounded build or runtime log tail, a classification and the next call), ``BUILD_TRIGGERED`` with ``timedOut``
   (the build goes on), or a transport failure raised as SSH_DEPLOY_FAILED / DEPLOY_FAILED with the
   push's output in ``diagnostic`` and a classification;
7. the attempt is **recorded** in the work session (``workSessionState``) — except when the call
   stopped waiting: the outcome is unknown then, and it is settled later (journal, or
   ``record-deploy``).
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

import anyio.to_thread

from zcp.calls import ToolCall
from zcp.errors import (
    DeployFailed,
    HostKeyRejected,
    InputError,
    InvalidParameter,
    PlatformError,
    PrerequisiteMissing,
    SshDeployFailed,
    SshError,
    ZcpError,
)
from zcp.ops.deploy import journal
from zcp.ops.deploy.classify import Classification, classify_build, classify_ssh_error, classify_transport
from zcp.ops.deploy.preflight import Preflight, SourceYaml, run_preflight
from zcp.ops.deploy.pushers import (
    LocalZcliPusher,
    NativePusher,
    Pusher,
    PushRun,
    SshPusher,
    ssh_push_command,
    zcli_address,
)
from zcp.ops.deploy.watch import Driven, drive
from zcp.platform import status as st

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.auth import PlatformConnection
    from zcp.ops.workflow.develop import WorkSessionState
    from zcp.platform.models import AppVersion, LogItem, Process, ServiceStack
    from zcp.state.models import ServiceMeta

__all__ = [
    "DEFAULT_WORK_DIR",
    "DeployReport",
    "DeployRequest",
    "Waiting",
    "deploy_service",
    "find_runtime",
    "record",
]

DEFAULT_WORK_DIR: Final = "/var/www"
#: How long an upload (or zcli's part before the build) may take, on top of the wait budget.
PUSH_TIMEOUT: Final = 300.0
#: Log lines a failed deploy carries (the newest, errors included).
LOG_TAIL: Final = 30
#: How long a deployed service gets to accept SSH commands again.
SSH_READY_SECONDS: Final = 10.0


class WaitedProcess(Protocol):
    @property
    def process(self) -> Process: ...

    @property
    def still_running(self) -> bool: ...

    @property
    def succeeded(self) -> bool: ...


class Waiting(Protocol):
    """The tool layer's waiter (:class:`zcp.tools.waiting.ProcessWaiter` fits): budget, progress, waits."""

    @property
    def remaining(self) -> float: ...

    async def notify(self, message: str) -> None: ...

    async def wait(self, process: Process, *, label: str = "") -> WaitedProcess: ...

    async def wait_for(self, check: Callable[[], Awaitable[Any]], *, at_most: float) -> Any: ...


@dataclass(frozen=True)
class DeployRequest:
    target: str
    source: str | None = None
    setup: str | None = None
    working_dir: str | None = None


@dataclass
class DeployReport:
    """What one deploy did (the fields of ``zerops_deploy``'s result)."""

    status: str
    mode: Literal["ssh", "local", "redeploy", "git-push"]
    pushed_with: Literal["ssh", "zcli", "native"] | None
    target_service: str
    target_service_id: str
    message: str
    source_service: str | None = None
    target_service_type: str | None = None
    setup: str | None = None
    app_version_id: str | None = None
    build_status: str | None = None
    build_duration: float | None = None
    failed_phase: str | None = None
    timed_out: bool | None = None
    monitor_hint: str | None = None
    suggestion: str | None = None
    ssh_ready: bool | None = None
    subdomain_access_enabled: bool | None = None
    subdomain_url: str | None = None
    build_logs: list[str] | None = None
    build_logs_source: str | None = None
    runtime_logs: list[str] | None = None
    runtime_logs_source: str | None = None
    failure_classification: dict[str, Any] | None = None
    preflight: list[dict[str, Any]] = field(default_factory=list)
    previous_deploy: dict[str, Any] | None = None
    remote_url: str | None = None
    branch: str | None = None
    warnings: list[str] = field(default_factory=list)
    next_actions: list[ToolCall] = field(default_factory=list)
    work_session_state: dict[str, Any] | None = None


def find_runtime(services: Sequence[ServiceStack], hostname: str, what: str) -> ServiceStack:
    """The runtime service ``hostname`` (SERVICE_NOT_FOUND listing services; INVALID_PARAMETER for a managed one)."""
    from zcp.ops.targets import find_service

    service = find_service(services, hostname)
    if service.category and service.category != st.CATEGORY_RUNTIME:
        runtimes = sorted(s.name for s in services if s.category == st.CATEGORY_RUNTIME)
        raise InvalidParameter(
            f"{hostname} is a managed service ({service.type_version or service.category}); only runtime "
            f"services take code as the {what}",
            suggestion=f"Deploy to a runtime: {', '.join(runtimes) or '(none in this project)'}.",
        )
    return service


async def record(
    app: App,
    host: str,
    *,
    succeeded: bool,
    setup: str | None,
    strategy: str = "zcli",
    error: str | None = None,
    failure_class: str | None = None,
    starts_app: bool | None = None,
) -> WorkSessionState:
    """Record one deploy attempt (the one seam: :func:`zcp.ops.workflow.develop.record_deploy_attempt`)."""
    from zcp.ops.workflow.develop import record_deploy_attempt

    return await record_deploy_attempt(
        app,
        host,
        succeeded=succeeded,
        strategy=strategy,
        setup=setup,
        error=error,
        failure_class=failure_class,
        starts_app=starts_app,
    )


async def current_state(app: App) -> WorkSessionState:
    from zcp.ops.workflow.develop import work_session_state

    return await anyio.to_thread.run_sync(work_session_state, app.state)


# --- reading the source's zerops.yaml -----------------------------------------------------------------


def container_work_dir(value: str | None, services: Sequence[ServiceStack]) -> str:
    """The folder on the source service to push (default ``/var/www``); never this workspace's mount path."""
    if value is None or not value.strip():
        return DEFAULT_WORK_DIR
    text = value.strip().rstrip("/") or "/"
    path = PurePosixPath(text)
    if not path.is_absolute() or ".." in path.parts:
        raise InvalidParameter(
            f"workingDir {value!r} must be an absolute folder on the source service",
            suggestion="Omit workingDir (the service's /var/www is the default), or pass e.g. /var/www/api.",
        )
    names = {s.name for s in services}
    if len(path.parts) == 4 and path.parts[:3] == ("/", "var", "www") and path.parts[3] in names:
        raise InvalidParameter(
            f"workingDir {value!r} is this workspace's mount of {path.parts[3]}, not a folder on the service",
            suggestion="Omit workingDir: the push runs on the source service, whose code is in /var/www.",
        )
    return text


async def read_container_yaml(app: App, source: str, work_dir: str) -> SourceYaml | None:
    """The source's zerops.yaml: through its mount when it is mounted, else over SSH."""
    from zcp.ops.workflow.sources import MAX_SOURCE_BYTES, SourceTree
    from zcp.remote import commands

    if work_dir == DEFAULT_WORK_DIR:
        tree = SourceTree(app.settings.mount_root / source, "mount")

        def from_mount() -> tuple[str, str] | None:
            try:
                return tree.zerops_yaml() if tree.root.is_dir() else None
            except OSError:
                return None

        found = await anyio.to_thread.run_sync(from_mount)
        if found is not None:
            return SourceYaml(found[0], found[1], "mount")
    runner = app.remote()
    for name in ("zerops.yaml", "zerops.yml"):
        result = await runner.run(
            source, commands.read_file(f"{work_dir}/{name}", max_bytes=MAX_SOURCE_BYTES), timeout=30
        )
        if result.ok and result.stdout.strip():
            return SourceYaml(name, result.stdout, "ssh")
    return None


def local_working_dir(app: App, value: str | None) -> Path:
    """The local folder to push: ``workingDir`` inside zcp's working directory (default: the directory)."""
    base = app.settings.work_dir.resolve()
    folder = (base / (value or ".")).resolve()
    if not folder.is_relative_to(base):
        raise InvalidParameter(
            f"workingDir {value!r} is outside zcp's working directory {base}",
            suggestion="Pass a folder inside the project (relative paths are resolved from it), or omit it.",
        )
    if not folder.is_dir():
        raise InvalidParameter(f"workingDir {value!r} is not a folder", suggestion="Pass an existing folder.")
    return folder


def read_local_yaml(folder: Path) -> SourceYaml | None:
    from zcp.ops.workflow.sources import SourceTree

    found = SourceTree(folder, "local").zerops_yaml()
    return SourceYaml(found[0], found[1], "local") if found else None


# --- the deploy -------------------------------------------------------------------------------------


def _role(meta: ServiceMeta | None, host: str) -> Literal["dev", "stage", "simple"] | None:
    """The target's role: from its meta, else guessed from the naming convention (``…dev``, ``…stage``)."""
    if meta is not None and meta.complete:
        return meta.role_of(host)
    if host.endswith("stage"):
        return "stage"
    if host.endswith("dev"):
        return "dev"
    return None


def _first_deploy(before: Sequence[AppVersion]) -> bool:
    """No earlier build of this service ever went live (per service: a pair's meta is shared)."""
    return not any(v.status in ("ACTIVE", "BACKUP") and not v.is_start_without_code for v in before)


def _lines(items: Sequence[LogItem]) -> list[str]:
    from zcp.ops.logs import severity_name

    return [
        f"{item.timestamp[11:19]} {severity_name(item).upper():<7} {item.message}".rstrip() for item in items
    ][-LOG_TAIL:]


async def _build_log(platform: PlatformConnection, version: AppVersion) -> tuple[list[str], list[str], str]:
    """(tail lines, messages errors-first, source) of a version's build log."""
    from zcp.platform.logs import LogQuery

    tag = f"zbuilder@{version.id}"
    builder = version.build.service_stack_id if version.build else None
    try:
        items = await platform.client.fetch_logs(
            platform.project.id,
            LogQuery(service_id=builder, tags=(tag,), limit=200, facility=None),
        )
    except ZcpError:
        return [], [], tag
    ordered = sorted(items, key=lambda i: i.severity if i.severity is not None else 6)
    return _lines(items), [i.message for i in ordered], tag


async def _runtime_log(
    platform: PlatformConnection, service: ServiceStack, since: str | None
) -> tuple[list[str], list[str], str]:
    from zcp.platform.logs import LogQuery

    moment = st.parse_timestamp(since)
    try:
        items = await platform.client.fetch_logs(
            platform.project.id, LogQuery(service_id=service.id, limit=200, since=moment, severity="all")
        )
    except ZcpError:
        return [], [], f"runtime log of {service.name}"
    ordered = sorted(items, key=lambda i: i.severity if i.severity is not None else 6)
    return _lines(items), [i.message for i in ordered], f"runtime log of {service.name}"


async def _fail_reason(platform: PlatformConnection, run: PushRun | None) -> str | None:
    if run is None or not run.process_id:
        return None
    try:
        return (await platform.client.get_process(run.process_id)).fail_reason
    except ZcpError:
        return None


_PHASE_ADVICE: Final = {
    "build": "A build command failed: the build log below shows where. Fix zerops.yaml or the code, then deploy again.",
    "prepare": "run.prepareCommands failed while preparing the runtime (packages must exist for the base; use sudo).",
    "init": "The new version did not start: read the runtime log below, fix run.start / run.ports / initCommands.",
    "other": "The pipeline ended without the new version active; read the log below.",
}


async def _enable_subdomain(
    app: App, platform: PlatformConnection, service: ServiceStack, waiting: Waiting, report: DeployReport
) -> None:
    """Turn on the public subdomain after a service's first deploy (a no-op for services without HTTP)."""
    from zcp.errors import ApiError, InvalidUsage
    from zcp.ops.subdomain import published_url, request_enable, subdomain_urls

    try:
        fresh = await platform.client.get_service(service.id)
        if fresh.subdomain_access:
            report.subdomain_access_enabled = True
        else:
            process = await request_enable(platform, fresh, clock=app.clock)
            waited = await waiting.wait(process, label=f"{service.name} subdomain")
            if waited.still_running:
                report.warnings.append(
                    "the subdomain is still being enabled; zerops_discover shows it when done"
                )
                return
            report.subdomain_access_enabled = (await platform.client.get_service(service.id)).subdomain_access
        if not report.subdomain_access_enabled:
            return

        async def url() -> str | None:
            try:
                return await published_url(platform.client, fresh)
            except PlatformError:
                return None

        report.subdomain_url = await waiting.wait_for(url, at_most=5.0) or next(
            iter(subdomain_urls(platform.project, fresh)), None
        )
    except InvalidUsage:
        report.warnings.append(f"{service.name} has no HTTP port, so no subdomain was enabled")
    except ApiError as error:
        if error.api_code != "serviceStackIsNotHttp":
            report.warnings.append(f"enabling the subdomain failed: {error.code} {error.message}")


async def _ssh_ready(app: App, host: str, waiting: Waiting) -> bool:
    from zcp.remote import commands

    runner = app.remote()
    limit = app.clock.monotonic() + min(SSH_READY_SECONDS, waiting.remaining + 1.0)
    while True:
        try:
            if (await runner.run(host, commands.ready(), timeout=10)).ok:
                return True
        except SshError:
            pass
        if app.clock.monotonic() >= limit:
            return False
        await app.clock.sleep(min(app.settings.poll_interval, 1.0))


def _seconds(value: float | None) -> str:
    return f"{value:.1f}s" if value is not None else "?"


@dataclass
class Prepared:
    """A deploy that passed preflight: what goes where, and what was checked."""

    request: DeployRequest
    platform: PlatformConnection
    services: Sequence[ServiceStack]
    source: ServiceStack
    target: ServiceStack
    meta: ServiceMeta | None
    preflight: Preflight
    work_dir: str = DEFAULT_WORK_DIR
    local_dir: Path | None = None


async def resolve_targets(
    app: App, request: DeployRequest, services: Sequence[ServiceStack]
) -> tuple[ServiceStack, ServiceStack, ServiceMeta | None]:
    """(source, target, target's meta) after the checks every deploy shares."""
    from zcp.ops.targets import guard_self
    from zcp.ops.workflow.gates import require_managed

    platform = app.require_platform()
    target = find_runtime(services, request.target, "target")
    if request.source and not app.in_container and request.source != request.target:
        raise InvalidParameter(
            "sourceService only applies inside a Zerops container (a local deploy pushes this working directory)",
            suggestion=f'Deploy the working directory: zerops_deploy targetService="{target.name}".',
        )
    source = find_runtime(services, request.source, "source") if request.source else target
    guard_self(platform, target, "deploy over")
    await require_managed(app, {target.name, source.name})
    meta = await anyio.to_thread.run_sync(app.state.meta, target.name)
    if meta is not None and meta.mode == "local-only":
        raise PrerequisiteMissing(
            f"{target.name} is linked to no stage service (local-only), so there is nothing to deploy to",
            suggestion='Link one (zerops_workflow action="adopt-local" targetService="<stage>") or deliver by '
            f'git push (zerops_deploy targetService="{target.name}" strategy="git-push").',
        )
    return source, target, meta


async def prepare_deploy(app: App, request: DeployRequest, services: Sequence[ServiceStack]) -> Prepared:
    """Resolve the services and run preflight; nothing has moved when this raises."""
    platform = app.require_platform()
    source, target, meta = await resolve_targets(app, request, services)
    local_dir: Path | None = None
    work_dir = DEFAULT_WORK_DIR
    try:
        if app.in_container:
            work_dir = container_work_dir(request.working_dir, services)
            where = f"{work_dir} on {source.name}"
            source_yaml = await read_container_yaml(app, source.name, work_dir)
        else:
            local_dir = local_working_dir(app, request.working_dir)
            where = str(local_dir)
            source_yaml = await anyio.to_thread.run_sync(read_local_yaml, local_dir)
    except SshError as error:
        classification = await _record_transport(app, target.name, request.setup, error)
        raise _ssh_failure(error, source.name, classification) from None
    preflight = await run_preflight(
        app,
        target=target.name,
        source_yaml=source_yaml,
        requested_setup=request.setup,
        role=_role(meta, target.name),
        services=services,
        where=where,
    )
    return Prepared(request, platform, services, source, target, meta, preflight, work_dir, local_dir)


def claim(hosts: Sequence[str]) -> None:
    """Mark ``hosts`` as being deployed by this process (INVALID_PARAMETER when one already is)."""
    taken: list[str] = []
    for host in hosts:
        if not journal.claim(host):
            for done in taken:
                journal.release(done)
            raise InvalidParameter(
                f"{host} is being deployed by another call of this zcp right now",
                suggestion="Wait for that deploy's answer, then deploy again if needed.",
            )
        taken.append(host)


def release(hosts: Sequence[str]) -> None:
    for host in hosts:
        journal.release(host)


async def deploy_service(app: App, request: DeployRequest, waiting: Waiting) -> DeployReport:
    """Deploy one service (see the module docstring)."""
    from zcp.ops.targets import project_services

    services = await project_services(app.require_platform())
    claim([request.target])
    try:
        prepared = await prepare_deploy(app, request, services)
        return await execute_deploy(app, prepared, waiting)
    finally:
        release([request.target])


async def execute_deploy(app: App, prepared: Prepared, waiting: Waiting) -> DeployReport:
    """Push a prepared deploy, watch its build, report and record it (the target is claimed)."""
    platform, source, target, meta = prepared.platform, prepared.source, prepared.target, prepared.meta
    preflight, work_dir, local_dir = prepared.preflight, prepared.work_dir, prepared.local_dir
    container = app.in_container
    client = platform.client
    previous = await journal.resolve(app, target.name)
    report = DeployReport(
        status="PENDING",
        mode="ssh" if container else "local",
        pushed_with=None,
        target_service=target.name,
        target_service_id=target.id,
        target_service_type=target.type_version or None,
        source_service=source.name if container else None,
        message="",
        previous_deploy=previous.wire() if previous else None,
    )
    report.setup = preflight.setup
    report.preflight = [c.wire() for c in preflight.checks]
    before = await client.search_service_app_versions(target.id, limit=10)
    after_sequence = max((v.sequence for v in before), default=0)
    pusher: Pusher
    if container:
        from zcp.remote.commands import zcli_login_file

        credentials = platform.credentials
        pusher = SshPusher(
            app.remote(),
            source.name,
            ssh_push_command(
                target.id, work_dir=work_dir, setup=preflight.setup, self_deploy=source.id == target.id
            ),
            login=zcli_login_file(
                credentials.token.reveal(),
                region=credentials.region,
                address=zcli_address(credentials.api_host),
            ),
            timeout=PUSH_TIMEOUT + waiting.remaining,
        )
    else:
        assert local_dir is not None
        zcli = shutil.which("zcli")
        if zcli:
            pusher = LocalZcliPusher(
                zcli,
                target.id,
                platform.project.id,
                local_dir,
                preflight.setup,
                platform.credentials,
                timeout=PUSH_TIMEOUT + waiting.remaining,
            )
        else:

            async def stage(name: str) -> None:
                await waiting.notify(name)

            pusher = NativePusher(client, target.id, local_dir, preflight.setup, on_stage=stage)
    report.pushed_with = pusher.via
    await journal.begin(
        app,
        journal.InFlight(
            target=target.name,
            target_id=target.id,
            after_sequence=after_sequence,
            started_at=app.clock.now().astimezone(UTC).isoformat(timespec="seconds"),
            pid=app.state.pid,
            source=source.name if container else None,
            setup=preflight.setup,
            via=pusher.via,
        ),
    )
    from zcp.platform.polling import PollSchedule

    driven = await drive(
        pusher,
        client=client,
        service_id=target.id,
        after_sequence=after_sequence,
        schedule=PollSchedule.from_settings(app.settings),
        clock=app.clock,
        budget=waiting.remaining,
        notify=waiting.notify,
    )
    if driven.settled:
        await _outcome(app, platform, target, meta, before, driven, waiting, report, preflight)
        await journal.finish(app, target.name)
        return report
    if driven.timed_out:
        version = driven.build.app_version
        report.status = "BUILD_TRIGGERED"
        report.timed_out = True
        report.app_version_id = version.id if version else None
        report.build_status = version.status if version else None
        report.message = (
            f"{target.name}: the build is still {report.build_status or 'running'} after "
            f"{_seconds(driven.elapsed)}; zcp stopped waiting (the build goes on)."
        )
        report.monitor_hint = (
            f'Follow it with zerops_events serviceHostname="{target.name}"; once it is ACTIVE, '
            f'record it with zerops_workflow action="record-deploy" targetService="{target.name}".'
        )
        report.next_actions = [
            ToolCall.of("zerops_events", serviceHostname=target.name),
            ToolCall.of("zerops_workflow", action="record-deploy", targetService=target.name),
        ]
        report.work_session_state = (await current_state(app)).wire()
        return report
    await journal.finish(app, target.name)
    raise await _transport_failure(app, target, source, preflight.setup, driven, container)


async def _outcome(
    app: App,
    platform: PlatformConnection,
    target: ServiceStack,
    meta: ServiceMeta | None,
    before: Sequence[AppVersion],
    driven: Driven,
    waiting: Waiting,
    report: DeployReport,
    preflight: Preflight,
) -> None:
    build = driven.build
    version = build.app_version
    assert version is not None
    report.app_version_id = version.id
    report.build_status = version.status
    report.build_duration = build.duration
    if build.state == "deployed":
        report.status = "DEPLOYED"
        if _first_deploy(before):
            await _enable_subdomain(app, platform, target, waiting, report)
        if report.mode == "ssh":
            report.ssh_ready = await _ssh_ready(app, target.name, waiting)
            if not report.ssh_ready:
                report.warnings.append(f"{target.name} does not accept SSH commands yet")
        active = f"{target.name}: the new version is ACTIVE (setup {report.setup}, build {_seconds(build.duration)})."
        from zcp.ops.deploy.devserver import start_after_deploy

        entry = _deployed_setup(report, preflight)
        target_type = report.target_service_type or ""
        dev_server = None if entry is None else start_after_deploy(target.name, target_type, entry)
        if dev_server is None:
            report.message = f"{active} That the app answers is for zerops_verify to say."
            report.next_actions = []
        else:
            report.message = (
                f"{active} Its run.start starts no app (a dev setup): start the dev server with "
                "zerops_dev_server, then verify."
            )
            report.next_actions = [dev_server]
        report.next_actions += [
            ToolCall.of("zerops_verify", serviceHostname=target.name),
            ToolCall.of("zerops_logs", serviceHostname=target.name, severity="error", since="5m"),
        ]
        # The plan reads this to decide whether a dev server is the next step (it never sees zerops.yaml).
        starts_app = None if entry is None else dev_server is None
        state = await record(app, target.name, succeeded=True, setup=report.setup, starts_app=starts_app)
        report.work_session_state = state.wire()
        return
    phase = build.failure_phase or "other"
    report.status = version.status or "FAILED"
    report.failed_phase = phase
    if phase == "init":
        since = version.build.pipeline_start if version.build else None
        tail, lines, where = await _runtime_log(platform, target, since)
        report.runtime_logs, report.runtime_logs_source = tail or None, where
    else:
        tail, lines, where = await _build_log(platform, version)
        report.build_logs, report.build_logs_source = tail or None, where
    reason = await _fail_reason(platform, driven.push)
    classification = classify_build(version.status, reason, lines)
    report.failure_classification = classification.wire()
    report.suggestion = _PHASE_ADVICE[phase] + f" Likely: {classification.likely_cause}."
    report.message = f"{target.name}: the deploy ended {report.status} in the {phase} phase ({classification.likely_cause})."
    if phase == "init":
        report.next_actions = [
            ToolCall.of("zerops_logs", serviceHostname=target.name, severity="error", since="10m")
        ]
    else:
        report.next_actions = [
            ToolCall.of("zerops_logs", serviceHostname=target.name, source="build", buildId=version.id)
        ]
    report.next_actions.append(ToolCall.of("zerops_deploy", targetService=target.name))
    state = await record(
        app,
        target.name,
        succeeded=False,
        setup=report.setup,
        error=f"{report.status}: {classification.likely_cause}",
        failure_class=classification.category.value,
    )
    report.work_session_state = state.wire()


def _deployed_setup(report: DeployReport, preflight: Preflight) -> Mapping[str, Any] | None:
    """The zerops.yaml entry a container deploy built, or ``None`` when zcp did not read it (a local
    push: the dev server is not zcp's to start there)."""
    from zcp.ops.deploy.preflight import setup_entry

    if report.mode != "ssh" or preflight.source is None or report.setup is None:
        return None
    return setup_entry(preflight.document, report.setup)


async def _record_transport(app: App, host: str, setup: str | None, error: ZcpError) -> Classification:
    if isinstance(error, SshError):
        reason = "host-key" if isinstance(error, HostKeyRejected) else (error.details or {}).get("reason")
        classification = classify_ssh_error(str(reason) if reason else None)
    elif isinstance(error, InputError):
        classification = classify_transport(f"{error.code} {error.message}", 1)
    else:
        classification = classify_transport(f"{error.code} {error.message}", 1)
    await record(
        app,
        host,
        succeeded=False,
        setup=setup,
        error=f"{error.code}: {error.message}"[:300],
        failure_class=classification.category.value,
    )
    return classification


def _ssh_failure(error: SshError, source: str, classification: Classification) -> ZcpError:
    if isinstance(error, HostKeyRejected):
        return error
    return SshDeployFailed(
        f"cannot deploy from {source}: {error.message}",
        suggestion=error.suggestion,
        classification=classification.wire(),
        details=error.details,
    )


async def _transport_failure(
    app: App,
    target: ServiceStack,
    source: ServiceStack,
    setup: str | None,
    driven: Driven,
    container: bool,
) -> ZcpError:
    if driven.push_error is not None:
        error = driven.push_error
        classification = await _record_transport(app, target.name, setup, error)
        if isinstance(error, SshError):
            return _ssh_failure(error, source.name, classification)
        if isinstance(error, DeployFailed) and error.classification is None:
            error.classification = classification.wire()
        return error
    run = driven.push
    assert run is not None
    classification = classify_transport(run.output, run.exit_status, timed_out=run.timed_out)
    what = "zcli push over SSH" if container else ("zcli push" if run.via == "zcli" else "the push")
    await record(
        app,
        target.name,
        succeeded=False,
        setup=setup,
        error=f"{what} failed (exit {run.exit_status}): {classification.likely_cause}"[:300],
        failure_class=classification.category.value,
    )
    tail = run.tail(5)
    error_cls = SshDeployFailed if container else DeployFailed
    return error_cls(
        f"{what} to {target.name} failed before a build started (exit {run.exit_status}): "
        f"{classification.likely_cause}" + (f"\n{tail}" if tail else ""),
        suggestion=classification.suggested_action,
        diagnostic=run.output[-20_000:] or None,
        classification=classification.wire(),
        details={"exitStatus": run.exit_status, "timedOut": run.timed_out}
        if run.timed_out
        else {"exitStatus": run.exit_status},
    )
