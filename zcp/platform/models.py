"""Response shapes of the Zerops REST API, with the exact wire names as aliases.

Python attributes are snake_case; :class:`WireModel` maps them to the API's camelCase (``memoryGBytes``,
``serviceStackTypeVersionName``) so ``model_validate`` reads a raw response and ``model_dump(by_alias=True)``
writes one back. Every model ignores fields it does not name, so a newer API generation still decodes.

Enums are plain strings: the API's vocabularies are open sets (``DONE`` and ``CANCELLED`` appear on the wire
although no SDK lists them), so the known values live as constants in :mod:`zcp.platform.status` instead.
Timestamps stay the RFC 3339 strings the API sent (their fractions vary between 4 and 9 digits); parse
them with :func:`zcp.platform.status.parse_timestamp` where arithmetic is needed.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from zcp.platform import status as _status

__all__ = [
    "AppVersion",
    "AppVersionBuild",
    "ClientLight",
    "ClientUser",
    "CustomAutoscaling",
    "ExportYaml",
    "HorizontalAutoscaling",
    "ImportResult",
    "ImportServiceError",
    "ImportedService",
    "LogAccess",
    "LogItem",
    "LogPage",
    "MinFreeResource",
    "Process",
    "ProcessNil",
    "ProcessUser",
    "Project",
    "ProjectEnv",
    "Resource",
    "SearchPage",
    "ServiceEnv",
    "ServiceEnvList",
    "ServicePort",
    "ServiceStack",
    "ServiceStackLight",
    "ServiceStackType",
    "ServiceStackTypeInfo",
    "ServiceStackTypeVersion",
    "UserInfo",
    "ValidationSuccess",
    "VerticalAutoscaling",
    "WireModel",
]

ItemT = TypeVar("ItemT")


class WireModel(BaseModel):
    """Base of every API shape: camelCase aliases, unknown fields ignored, immutable once read."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON object with wire names; unset optional fields are sent as ``null`` like the SDK does."""
        return self.model_dump(by_alias=True, mode="json")


class SearchPage(WireModel, Generic[ItemT]):
    """The envelope every ``…/search`` endpoint answers with."""

    limit: int | None = None
    offset: int | None = None
    total_hits: int = 0
    items: list[ItemT] = Field(default_factory=list)


# --- user and organisation ---------------------------------------------------------------------


class ClientLight(WireModel):
    id: str
    account_name: str | None = None


class ClientUser(WireModel):
    """One membership of the user in a client (organisation)."""

    id: str = ""
    client_id: str = ""
    user_id: str = ""
    status: str = ""
    role_code: str = ""
    client: ClientLight | None = None


class UserInfo(WireModel):
    """``GET /user/info``: the token's user and the organisations it belongs to."""

    id: str = ""
    email: str = ""
    full_name: str = ""
    first_name: str | None = None
    last_name: str | None = None
    status: str = ""
    client_user_list: list[ClientUser] = Field(default_factory=list)

    @property
    def client_id(self) -> str:
        """The organisation id every search filters on (``clientUserList[0].clientId``, ``""`` if none)."""
        return self.client_user_list[0].client_id if self.client_user_list else ""


# --- projects ----------------------------------------------------------------------------------


class ProjectEnv(WireModel):
    """A project-level environment variable (``envList[]`` of a project search hit)."""

    id: str
    key: str
    content: str = ""
    type: str = ""
    sensitive: bool = False
    editable: bool | None = None
    project_id: str | None = None
    client_id: str | None = None
    created: str | None = None
    last_update: str | None = None


class Project(WireModel):
    """A project, from ``GET /project/{id}`` or a project search hit (which adds ``envList``)."""

    id: str
    name: str = ""
    status: str = ""
    client_id: str | None = None
    mode: str | None = None
    description: str | None = None
    zerops_subdomain_host: str | None = None
    created: str | None = None
    last_update: str | None = None
    env_list: list[ProjectEnv] = Field(default_factory=list)


# --- services ----------------------------------------------------------------------------------


class ServicePort(WireModel):
    protocol: str = "tcp"
    port: int
    description: str | None = None
    port_routing: bool | None = None
    http_routing: bool | None = None
    scheme: str | None = None
    service_id: str | None = None

    @property
    def public(self) -> bool:
        """Reachable from outside the project (port or HTTP routing)."""
        return bool(self.port_routing or self.http_routing)


class Resource(WireModel):
    cpu_core_count: int | None = None
    memory_g_bytes: float | None = None
    disk_g_bytes: float | None = None


class MinFreeResource(WireModel):
    cpu_core_count: float | None = None
    cpu_core_percent: float | None = None
    memory_g_bytes: float | None = None
    memory_percent: float | None = None


class VerticalAutoscaling(WireModel):
    cpu_mode: str | None = None
    min_resource: Resource | None = None
    max_resource: Resource | None = None
    min_free_resource: MinFreeResource | None = None
    start_cpu_core_count: int | None = None
    swap_enabled: bool | None = None


class HorizontalAutoscaling(WireModel):
    min_container_count: int | None = None
    max_container_count: int | None = None


class CustomAutoscaling(WireModel):
    """Scaling limits; the same shape is read from a service and sent to ``…/autoscaling``."""

    vertical_autoscaling: VerticalAutoscaling | None = None
    horizontal_autoscaling: HorizontalAutoscaling | None = None


class ServiceStackTypeInfo(WireModel):
    service_stack_type_name: str | None = None
    service_stack_type_category: str | None = None
    service_stack_type_version_name: str | None = None


class ServiceStack(WireModel):
    """A service, from ``GET /service-stack/{id}`` or a service search hit."""

    id: str
    name: str
    project_id: str = ""
    client_id: str | None = None
    status: str = ""
    mode: str | None = None
    service_stack_type_id: str | None = None
    service_stack_type_version_id: str | None = None
    service_stack_type_info: ServiceStackTypeInfo | None = None
    subdomain_access: bool = False
    ports: list[ServicePort] = Field(default_factory=list)
    custom_autoscaling: CustomAutoscaling | None = None
    current_autoscaling: CustomAutoscaling | None = None
    is_system: bool | None = None
    created: str | None = None
    last_update: str | None = None

    @property
    def hostname(self) -> str:
        return self.name

    @property
    def type_version(self) -> str:
        """The ``base@version`` name (e.g. ``nodejs@22``), ``""`` when the API did not say."""
        info = self.service_stack_type_info
        return (info.service_stack_type_version_name or "") if info else ""

    @property
    def category(self) -> str:
        info = self.service_stack_type_info
        return (info.service_stack_type_category or "") if info else ""

    @property
    def is_system_service(self) -> bool:
        """True for platform plumbing (build, core, balancer…) that users never manage."""
        return _status.is_system_category(self.category)


class ServiceStackLight(WireModel):
    id: str
    name: str = ""
    project_id: str | None = None


# --- processes ---------------------------------------------------------------------------------


class ProcessUser(WireModel):
    type: str | None = None
    id: str | None = None
    email: str | None = None
    full_name: str | None = None


class Process(WireModel):
    """An asynchronous platform operation (returned by every mutating call, read by id or search)."""

    id: str
    action_name: str = ""
    status: str = ""
    project_id: str | None = None
    client_id: str | None = None
    service_stack_id: str | None = None
    service_stacks: list[ServiceStackLight] = Field(default_factory=list)
    sequence: int | None = None
    created: str | None = None
    last_update: str | None = None
    started: str | None = None
    finished: str | None = None
    public_meta: dict[str, Any] | None = None
    created_by_user: ProcessUser | None = None
    created_by_system: bool | None = None

    @property
    def normalized_status(self) -> str:
        """The status with the API's alternative spellings folded (``DONE`` → ``FINISHED``…)."""
        return _status.normalize_process_status(self.status)

    @property
    def in_progress(self) -> bool:
        return _status.process_in_progress(self.status)

    @property
    def fail_reason(self) -> str | None:
        reason = (self.public_meta or {}).get("failReason")
        return reason if isinstance(reason, str) and reason else None


class ProcessNil(WireModel):
    """``PUT …/autoscaling``: ``process`` is ``null`` when the change applied synchronously."""

    process: Process | None = None


# --- env, export, import, validation -----------------------------------------------------------


class ServiceEnv(WireModel):
    """One service environment variable; ``id`` is the user-data id deletes are addressed by."""

    id: str
    key: str
    content: str = ""
    type: str = ""
    sensitive: bool = False
    service_stack_id: str | None = None
    project_id: str | None = None
    client_id: str | None = None
    created: str | None = None
    last_update: str | None = None


class ServiceEnvList(WireModel):
    items: list[ServiceEnv] = Field(default_factory=list)


class ExportYaml(WireModel):
    yaml: str


class ImportServiceError(WireModel):
    code: str = ""
    message: str = ""
    meta: Any = None


class ImportedService(WireModel):
    id: str = ""
    name: str = ""
    error: ImportServiceError | None = None
    processes: list[Process] = Field(default_factory=list)


class ImportResult(WireModel):
    """``POST /project/{id}/service-stack/import``: one entry per service, each with its processes."""

    project_id: str = ""
    project_name: str = ""
    service_stacks: list[ImportedService] = Field(default_factory=list)


class ValidationSuccess(WireModel):
    success: bool = True


# --- app versions and builds -------------------------------------------------------------------


class AppVersionBuild(WireModel):
    service_stack_id: str | None = None
    service_stack_name: str | None = None
    service_stack_type_version_id: str | None = None
    pipeline_start: str | None = None
    pipeline_finish: str | None = None
    pipeline_failed: str | None = None
    container_creation_start: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    cache_snapshot_id: str | None = None


class AppVersion(WireModel):
    """One deploy of a runtime service (``POST /app-version/search`` hit)."""

    id: str
    project_id: str = ""
    service_stack_id: str = ""
    client_id: str | None = None
    source: str = ""
    status: str = ""
    sequence: int = 0
    build: AppVersionBuild | None = None
    created: str | None = None
    last_update: str | None = None

    @property
    def is_start_without_code(self) -> bool:
        """The placeholder record of a runtime imported with ``startWithoutCode`` (no build)."""
        return self.source == "NONE" and self.build is None


# --- stack types -------------------------------------------------------------------------------


class ServiceStackTypeVersion(WireModel):
    id: str
    name: str
    service_stack_type_id: str | None = None
    is_build: bool = False
    status: str = ""
    release_date: str | None = None


class ServiceStackType(WireModel):
    id: str
    name: str
    category: str = ""
    description: str | None = None
    default_service_stack_version_id: str | None = None
    service_stack_type_version_list: list[ServiceStackTypeVersion] = Field(default_factory=list)
    created: str | None = None
    last_update: str | None = None


# --- logs --------------------------------------------------------------------------------------


class LogAccess(WireModel):
    """``GET /project/{id}/log``: a signed log-backend URL (its query string is the credential)."""

    access_token: str = ""
    expiration: str | None = None
    url: str
    url_info: str | None = None
    url_plain: str | None = None

    @property
    def fetch_url(self) -> str:
        """The URL to GET: the ``"GET "`` prefix removed and a scheme added when missing."""
        url = self.url.strip()
        if url.startswith("GET "):
            url = url[4:].strip()
        if not url.startswith(("http://", "https://")):
            url = "https://" + url
        return url


class LogItem(WireModel):
    id: str = ""
    timestamp: str = ""
    hostname: str = ""
    container_id: str = ""
    message: str = ""
    severity: int | None = None
    severity_label: str = ""
    facility: int | None = None
    facility_label: str = ""
    tag: str = ""
    app_name: str | None = None


class LogPage(WireModel):
    items: list[LogItem] = Field(default_factory=list)
