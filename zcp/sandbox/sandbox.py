"""The sandbox itself: state, clock, event queue, faults, and the helpers every operation shares.

One :class:`Sandbox` is one emulated Zerops account. Route handlers call into it under :attr:`lock`
(the HTTP server runs in its own thread), after :meth:`advance` has applied every state change the
clock has passed. Operations live in their own modules (:mod:`.lifecycle`, :mod:`.envs`,
:mod:`.importer`, :mod:`.builds`…) and work through the helpers here.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, Protocol

from zcp.sandbox.clock import Clock, ManualClock
from zcp.sandbox.failures import ApiFailure, insufficient_privileges, not_found
from zcp.sandbox.faults import FaultInjector
from zcp.sandbox.ids import IdFactory, stable_id
from zcp.sandbox.model import (
    AppVersion,
    Grant,
    LogEntry,
    Process,
    Project,
    SandboxState,
    Service,
    User,
)
from zcp.sandbox.scheduler import Scheduler

DEFAULT_TOKEN: Final = "zsbx-7Rk2mQ9vXcL4pN8sT1wY6bH3"

#: Seconds each kind of process spends RUNNING at time scale 1.0 (PENDING lasts :data:`PENDING_SECONDS`).
RUN_SECONDS: Final = {
    "stack.start": 3.0,
    "stack.stop": 2.0,
    "stack.restart": 4.0,
    "stack.reload": 2.0,
    "stack.delete": 3.0,
    "stack.import": 6.0,
    "stack.enableSubdomainAccess": 1.5,
    "stack.disableSubdomainAccess": 1.0,
    "stack.updateAutoscaling": 2.0,
    "stack.userDataFile": 1.0,
    "stack.sharedStorageConnect": 2.0,
    "stack.sharedStorageDisconnect": 2.0,
    "project.envCreate": 1.0,
    "project.envDelete": 1.0,
    "stack.build": 14.0,
}
PENDING_SECONDS: Final = 0.5
_DEFAULT_RUN_SECONDS: Final = 2.0

Hook = Callable[[datetime], None]


class ServiceHost(Protocol):
    """What hosts the services' files and processes (:class:`zcp.sandbox.containers.ContainerHost`)."""

    run_code: bool

    def service_created(self, service: Service) -> None: ...

    def service_deleted(self, service: Service) -> None: ...

    def state_reset(self) -> None: ...

    def upload_path(self, version_id: str) -> Path: ...

    def run_build(self, version: AppVersion, process: Process, zerops_yaml: str, setup: str) -> None: ...

    def run_redeploy(self, version: AppVersion, process: Process) -> None: ...

    def has_artifact(self, version_id: str) -> bool: ...


@dataclass(frozen=True)
class RequestRecord:
    """One request the sandbox saw (for tests that count retries, and the control API)."""

    method: str
    path: str
    route: str
    status: int
    fault: str | None = None


class Sandbox:
    """One emulated Zerops account with its projects, services, processes and logs."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        time_scale: float = 1.0,
        seed: int = 0,
        token: str = DEFAULT_TOKEN,
        scenario: str | None = "empty",
    ) -> None:
        if time_scale < 0:
            raise ValueError("time_scale must not be negative")
        self.lock = threading.RLock()
        self.clock: Clock = clock or ManualClock()
        self.time_scale = time_scale
        self.seed = seed
        self.token = token
        self.faults = FaultInjector(seed=seed)
        self.requests: deque[RequestRecord] = deque(maxlen=10_000)
        self.state = SandboxState()
        self.ids = IdFactory(seed)
        self.events = Scheduler()
        self.scenario = scenario
        #: Where the sandbox is served (``http://127.0.0.1:port``), set by whoever serves it.
        self.served_at: str | None = None
        #: Base of loopback subdomain URLs while the subdomain gateway runs (see :mod:`.subdomains`);
        #: ``None`` keeps the platform's ``https://{host}-{prefix}-{port}.{zone}`` form.
        self.subdomain_base: str | None = None
        #: Service files and processes while the containers extension runs (None: API only).
        self.host: ServiceHost | None = None
        self.reset(scenario)

    # --- lifecycle of the whole sandbox ----------------------------------------------------------

    def reset(self, scenario: str | None = "empty", *, time_scale: float | None = None) -> None:
        """Forget everything (state, faults, request log) and seed ``scenario`` afresh."""
        from zcp.sandbox.scenarios import seed_scenario

        with self.lock:
            if time_scale is not None:
                self.time_scale = time_scale
            if isinstance(self.clock, ManualClock):
                self.clock.reset()
            self.state = SandboxState()
            self.ids = IdFactory(self.seed)
            self.events = Scheduler()
            self.faults.reset()
            self.requests.clear()
            self.scenario = scenario
            if scenario:
                seed_scenario(self, scenario)
            if self.host is not None:
                self.host.state_reset()

    def advance(self) -> int:
        """Apply every scheduled change the clock has passed; return how many were applied."""
        with self.lock:
            return self.events.run_until(self.clock.now())

    def now(self) -> datetime:
        return self.clock.now()

    def scaled(self, seconds: float) -> timedelta:
        return timedelta(seconds=seconds * self.time_scale)

    # --- access ----------------------------------------------------------------------------------

    def grant_for(self, token: str | None) -> Grant | None:
        return self.state.grants.get(token) if token else None

    def add_token(
        self,
        token: str,
        *,
        user_id: str,
        client_id: str,
        role: str = "OWNER",
        project_ids: set[str] | None = None,
    ) -> Grant:
        grant = Grant(
            token=token,
            user_id=user_id,
            client_id=client_id,
            role=role,
            project_ids=frozenset(project_ids) if project_ids is not None else None,
        )
        self.state.grants[token] = grant
        return grant

    def scope_token(self, token: str, project_ids: set[str] | None) -> None:
        """Restrict (or with ``None`` widen) which projects a token sees."""
        with self.lock:
            grant = self.state.grants[token]
            self.state.grants[token] = replace(
                grant, project_ids=frozenset(project_ids) if project_ids is not None else None
            )

    @staticmethod
    def require_write(grant: Grant) -> None:
        if grant.read_only:
            raise insufficient_privileges()

    def user(self, grant: Grant) -> User:
        return self.state.users[grant.user_id]

    def visible_projects(self, grant: Grant) -> list[Project]:
        return [p for p in self.state.projects.values() if grant.sees_project(p.client_id, p.id)]

    def project(self, grant: Grant, project_id: str) -> Project:
        project = self.state.projects.get(project_id)
        if project is None or not grant.sees_project(project.client_id, project.id):
            raise not_found("projectNotFound", "Project")
        return project

    def service(self, grant: Grant, service_id: str) -> Service:
        service = self.state.services.get(service_id)
        if (
            service is None
            or service.deleted
            or not grant.sees_project(service.client_id, service.project_id)
        ):
            raise not_found("serviceStackNotFound", "Service stack")
        return service

    def process(self, grant: Grant, process_id: str) -> Process:
        process = self.state.processes.get(process_id)
        if process is None or not grant.sees_project(process.client_id, process.project_id):
            raise not_found("processNotFound", "Process")
        return process

    def service_created(self, service: Service) -> None:
        """Tell the host a service now exists (importers call this once it is in the state)."""
        if self.host is not None:
            self.host.service_created(service)

    def service_deleted(self, service: Service) -> None:
        """Tell the host a service is gone (its files and processes go with it)."""
        if self.host is not None:
            self.host.service_deleted(service)

    def project_services(self, project_id: str) -> list[Service]:
        return [s for s in self.state.services.values() if s.project_id == project_id and not s.deleted]

    # --- processes -------------------------------------------------------------------------------

    def run_process(
        self,
        action: str,
        project: Project,
        services: list[Service],
        *,
        user_id: str | None,
        on_start: Hook | None = None,
        on_finish: Hook | None = None,
        on_fail: Hook | None = None,
        on_cancel: Hook | None = None,
        fail_reason: str | None = None,
        run_seconds: float | None = None,
        app_version_id: str | None = None,
    ) -> Process:
        """Create a PENDING process that starts and ends on the clock, running the hooks as it does.

        ``on_finish`` runs when it ends FINISHED; ``fail_reason`` makes it end FAILED (then ``on_fail``
        runs instead). ``on_cancel`` undoes early effects when it is cancelled before it ended.
        """
        now = self.now()
        self.state.process_sequence += 1
        process = Process(
            id=self.ids.new(),
            client_id=project.client_id,
            project_id=project.id,
            action=action,
            service_ids=[s.id for s in services],
            created=now,
            last_update=now,
            sequence=self.state.process_sequence,
            user_id=user_id,
            app_version_id=app_version_id,
        )
        self.state.processes[process.id] = process
        running_for = self.scaled(
            run_seconds if run_seconds is not None else RUN_SECONDS.get(action, _DEFAULT_RUN_SECONDS)
        )

        def finish(at: datetime) -> None:
            if process.status != "RUNNING":
                return
            process.finished = process.last_update = at
            if fail_reason:
                process.status = "FAILED"
                process.fail_reason = fail_reason
                if on_fail:
                    on_fail(at)
            else:
                process.status = "FINISHED"
                if on_finish:
                    on_finish(at)

        def start(at: datetime) -> None:
            if process.status != "PENDING":
                return
            process.status = "RUNNING"
            process.started = process.last_update = at
            if on_start:
                on_start(at)
            self.events.at(at + running_for, finish)

        self.events.at(now + self.scaled(PENDING_SECONDS), start)
        if on_cancel:
            self.state.cancel_hooks[process.id] = on_cancel
        return process

    def open_process(
        self,
        action: str,
        project: Project,
        services: list[Service],
        *,
        user_id: str | None,
        app_version_id: str | None = None,
    ) -> Process:
        """A PENDING process that nothing schedules: whoever opened it moves it (:meth:`end_process`)."""
        now = self.now()
        self.state.process_sequence += 1
        process = Process(
            id=self.ids.new(),
            client_id=project.client_id,
            project_id=project.id,
            action=action,
            service_ids=[s.id for s in services],
            created=now,
            last_update=now,
            sequence=self.state.process_sequence,
            user_id=user_id,
            app_version_id=app_version_id,
        )
        self.state.processes[process.id] = process
        return process

    def end_process(self, process: Process, fail_reason: str | None = None) -> None:
        """Finish (or with ``fail_reason`` fail) an opened process that is still in progress."""
        if not process.in_progress:
            return
        now = self.now()
        if process.started is None:
            process.started = now
        process.finished = process.last_update = now
        process.status = "FAILED" if fail_reason else "FINISHED"
        process.fail_reason = fail_reason
        self.state.cancel_hooks.pop(process.id, None)

    def cancel(self, process: Process) -> Process:
        """Cancel a PENDING or RUNNING process (reported as ``CANCELLED``, a spelling seen live)."""
        if not process.in_progress:
            raise ApiFailure(400, "processIsAlreadyOver", "The process has already finished.")
        now = self.now()
        process.status = "CANCELLED"
        process.finished = process.last_update = now
        hook = self.state.cancel_hooks.pop(process.id, None)
        if hook is not None:
            hook(now)
        return process

    # --- logs ------------------------------------------------------------------------------------

    def container_id(self, service: Service, index: int = 1) -> str:
        return stable_id(f"container:{service.id}:{index}")

    def emit_log(
        self,
        service: Service,
        message: str,
        *,
        at: datetime | None = None,
        severity: int = 6,
        facility: int = 16,
        tag: str | None = None,
        app_name: str | None = None,
        hostname: str | None = None,
        container_id: str | None = None,
    ) -> LogEntry:
        entry = LogEntry(
            id=self.ids.new(),
            timestamp=at or self.now(),
            project_id=service.project_id,
            service_id=service.id,
            hostname=hostname or f"{service.name}-1",
            container_id=container_id or self.container_id(service),
            message=message,
            severity=severity,
            facility=facility,
            tag=tag if tag is not None else service.name,
            app_name=app_name if app_name is not None else service.name,
        )
        self.state.logs.append(entry)
        return entry

    def record_request(self, record: RequestRecord) -> None:
        with self.lock:
            self.requests.append(record)

    def requests_to(self, route: str) -> list[RequestRecord]:
        """Every recorded request to the named route, oldest first."""
        with self.lock:
            return [r for r in self.requests if r.route == route]
