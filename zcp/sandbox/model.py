"""The sandbox's state: plain mutable records, one per platform object.

Records hold Python values (datetimes, sets); :mod:`zcp.sandbox.wire` renders them in the API's JSON
shapes. Everything is reachable from one :class:`SandboxState`, which a sandbox replaces wholesale on
reset, and which operations only mutate after validating their whole input (nothing is half-applied).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from zcp.sandbox.catalogue import Port, StackType, StackVersion


@dataclass
class Organisation:
    id: str
    name: str


@dataclass
class User:
    id: str
    email: str
    first_name: str
    last_name: str
    created: datetime

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class Grant:
    """What one token may see and do."""

    token: str
    user_id: str
    client_id: str
    role: str = "OWNER"  # OWNER, ADMIN, BASIC_USER, READ_ONLY
    project_ids: frozenset[str] | None = None  # a project-scoped token; None = the whole organisation

    @property
    def read_only(self) -> bool:
        return self.role == "READ_ONLY"

    def sees_project(self, client_id: str, project_id: str) -> bool:
        return client_id == self.client_id and (self.project_ids is None or project_id in self.project_ids)


@dataclass
class ProjectEnvVar:
    id: str
    key: str
    content: str
    sensitive: bool
    created: datetime
    last_update: datetime


@dataclass
class Project:
    id: str
    client_id: str
    name: str
    created: datetime
    last_update: datetime
    status: str = "ACTIVE"
    mode: str = "LIGHT"
    description: str | None = None
    subdomain_host: str = ""
    env: list[ProjectEnvVar] = field(default_factory=list)


@dataclass
class EnvVar:
    """A service variable; ``id`` is the user-data id that deletes address."""

    id: str
    key: str
    content: str
    type: str  # SECRET for user-set values, READ_ONLY for generated ones
    sensitive: bool
    created: datetime
    last_update: datetime

    @property
    def user_editable(self) -> bool:
        return self.type in ("SECRET", "EDITABLE", "ENV")


@dataclass
class ServicePort:
    port: int
    scheme: str = "http"
    protocol: str = "tcp"
    http_routing: bool = True
    port_routing: bool = False
    description: str = ""

    @classmethod
    def from_catalogue(cls, port: Port) -> ServicePort:
        return cls(port=port.port, scheme=port.scheme, protocol=port.protocol, http_routing=port.http)


@dataclass
class Service:
    id: str
    client_id: str
    project_id: str
    name: str
    stack_type: StackType
    version: StackVersion
    created: datetime
    last_update: datetime
    status: str = "CREATING"
    mode: str = "NON_HA"
    subdomain_access: bool = False
    subdomain_requested: bool = False  # enableSubdomainAccess waiting for HTTP ports (first deploy)
    ports: list[ServicePort] = field(default_factory=list)
    autoscaling: dict[str, Any] | None = None  # customAutoscaling in wire shape
    env: list[EnvVar] = field(default_factory=list)
    mounts: set[str] = field(default_factory=set)  # ids of connected shared storages
    priority: int = 0
    start_without_code: bool = False
    object_storage_size: int | None = None
    object_storage_policy: str | None = None
    zerops_setup: str | None = None
    build_from_git: str | None = None
    deleted: bool = False

    @property
    def category(self) -> str:
        return self.stack_type.category

    def env_var(self, key: str) -> EnvVar | None:
        return next((var for var in self.env if var.key == key), None)


@dataclass
class Process:
    id: str
    client_id: str
    project_id: str
    action: str
    service_ids: list[str]
    created: datetime
    last_update: datetime
    sequence: int
    user_id: str | None = None
    status: str = "PENDING"
    started: datetime | None = None
    finished: datetime | None = None
    fail_reason: str | None = None
    app_version_id: str | None = None

    @property
    def in_progress(self) -> bool:
        return self.status in ("PENDING", "RUNNING")


@dataclass
class Build:
    service_id: str
    service_name: str
    version_id: str
    start_date: datetime | None = None
    end_date: datetime | None = None
    pipeline_start: datetime | None = None
    pipeline_finish: datetime | None = None
    pipeline_failed: datetime | None = None
    container_creation_start: datetime | None = None


@dataclass
class AppVersion:
    id: str
    client_id: str
    project_id: str
    service_id: str
    source: str
    status: str
    sequence: int
    created: datetime
    last_update: datetime
    name: str | None = None
    build: Build | None = None
    zerops_yaml: str | None = None
    setup: str | None = None
    upload_size: int | None = None
    process_id: str | None = None
    user_id: str | None = None  # who created it (pushed)


@dataclass
class LogEntry:
    id: str
    timestamp: datetime
    project_id: str
    service_id: str
    hostname: str
    container_id: str
    message: str
    severity: int = 6
    facility: int = 16
    tag: str = ""
    app_name: str = ""


@dataclass
class SandboxState:
    """Every record of one sandbox, indexed by id."""

    organisations: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)
    app_versions: dict[str, AppVersion] = field(default_factory=dict)
    logs: list[LogEntry] = field(default_factory=list)
    log_tokens: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # token → (project id, expiry)
    import_failures: dict[str, tuple[str, str]] = field(default_factory=dict)  # hostname → (code, message)
    process_sequence: int = 0
    cancel_hooks: dict[str, Callable[[datetime], None]] = field(default_factory=dict)  # process id → undo
