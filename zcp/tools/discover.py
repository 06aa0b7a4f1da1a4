"""``zerops_discover``: the project and its services, optionally with env keys or values.

Deviations from the reference tool: platform plumbing (build and balancer services) is left out, as
there; zcp's own service (when zcp runs inside the project) is listed with ``isSelf: true`` and a note
instead of being hidden, so the agent knows it exists and must not touch it; ``includeEnvValues``
implies ``includeEnvs`` and sending ``includeEnvs=false`` with ``includeEnvValues=true`` is refused as
contradictory; env values are fenced as untrusted data in the readable text.

A running runtime whose variables changed after its containers last booted (a ``zerops_env set`` killed
before its restart, ``skipRestart``, a change in the GUI) carries ``envPendingRestart``
(``{keys, since, project?}``), a note and a restart as the first next action (:mod:`zcp.ops.env_live`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field

from zcp.calls import ToolCall
from zcp.errors import InvalidParameter
from zcp.ops.discover import Discovery, EnvView, ServiceView, read_discovery
from zcp.ops.env_live import PendingEnv, pending_fields, pending_summary
from zcp.ops.targets import user_services
from zcp.platform import status as st
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import FlexBool, Hostname, find_service
from zcp.tools.untrusted import fence_records

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.platform.models import ServiceStack
    from zcp.runtime import RuntimeInfo

NAME = "zerops_discover"
DESCRIPTION = (
    "The project and its services: type, status, subdomain URL, ports; service=<name> for one in detail "
    "(scaling). includeEnvs adds env keys, includeEnvValues their values. Start here."
)

#: Service kind by stack type category.
_KINDS: dict[str, str] = {
    st.CATEGORY_RUNTIME: "runtime",
    st.CATEGORY_MANAGED: "managed",
    st.CATEGORY_SHARED_STORAGE: "shared-storage",
    st.CATEGORY_OBJECT_STORAGE: "object-storage",
}


class EnvOut(BaseModel):
    service: str | None = Field(default=None, description="absent: a project variable")
    key: str
    value: str | None = None
    is_reference: bool | None = Field(default=None, alias="isReference")
    is_platform_injected: bool | None = Field(default=None, alias="isPlatformInjected")


class ServiceOut(BaseModel):
    hostname: str
    service_id: str = Field(alias="serviceId")
    type: str
    kind: str
    status: str
    mode: str | None = None
    is_self: bool | None = Field(default=None, alias="isSelf")
    subdomain_enabled: bool = Field(alias="subdomainEnabled")
    subdomain_url: str | None = Field(default=None, alias="subdomainUrl")
    ports: list[str] | None = None
    scaling: dict[str, Any] | None = None
    env_pending_restart: dict[str, Any] | None = Field(default=None, alias="envPendingRestart")


class ProjectOut(BaseModel):
    id: str
    name: str
    status: str


class DiscoverResult(ToolOutput):
    project: ProjectOut
    services: list[ServiceOut]
    envs: list[EnvOut] | None = Field(default=None, description="untrusted")
    notes: list[str] | None = None

    def to_text(self) -> str:
        p = self.project
        lines = [f"Project {p.name} ({p.status}, id {p.id}): {len(self.services)} service(s)", ""]
        for s in self.services:
            parts = [f"- {s.hostname}", s.type, s.kind, s.status]
            if s.mode:
                parts.append(f"mode {s.mode}")
            if s.subdomain_url:
                parts.append(f"subdomain {s.subdomain_url}")
            elif s.subdomain_enabled:
                parts.append("subdomain on")
            if s.ports:
                parts.append("ports " + ",".join(s.ports))
            if s.is_self:
                parts.append("(zcp itself)")
            lines.append("  ".join(parts))
            if s.scaling:
                lines.append("    scaling: " + ", ".join(f"{k}={v}" for k, v in s.scaling.items()))
            if s.env_pending_restart:
                pending = s.env_pending_restart
                keys = ", ".join(pending.get("keys") or ["a variable"])
                lines.append(
                    f"    env not live yet: {keys} changed at {pending.get('since')}, restart to apply"
                )
        text = "\n".join(lines) + "\n"
        env_text = _env_block(self)
        if env_text:
            text += "\n" + env_text
        for note in self.notes or []:
            text += f"\nNote: {note}"
        if self.notes:
            text += "\n"
        return text


def _env_block(result: DiscoverResult) -> str:
    if result.envs is None:
        return ""
    lines = [
        f"{e.service or '(project)'}: {e.key}" + (f"={e.value}" if e.value is not None else "")
        for e in result.envs
    ]
    if not lines:
        return "No env variables.\n"
    if all(e.value is None for e in result.envs):
        return "Env keys (values not shown; ask with includeEnvValues=true):\n" + "\n".join(lines) + "\n"
    return "Env variables:\n" + fence_records(lines)


def _env_out(owner: str | None, env: EnvView, values: bool) -> EnvOut:
    return EnvOut(
        service=owner,
        key=env.key,
        value=env.value if values else None,
        isReference=True if env.is_reference else None,
        isPlatformInjected=True if env.is_platform else None,
    )


def _scaling(service: ServiceStack) -> dict[str, Any] | None:
    scaling = service.current_autoscaling or service.custom_autoscaling
    if scaling is None:
        return None
    out: dict[str, Any] = {}
    vertical, horizontal = scaling.vertical_autoscaling, scaling.horizontal_autoscaling
    if vertical is not None:
        if vertical.cpu_mode:
            out["cpuMode"] = vertical.cpu_mode
        for prefix, resource in (("min", vertical.min_resource), ("max", vertical.max_resource)):
            if resource is None:
                continue
            for name, value in (
                ("Cpu", resource.cpu_core_count),
                ("Ram", resource.memory_g_bytes),
                ("Disk", resource.disk_g_bytes),
            ):
                if value is not None:
                    out[prefix + name] = value
    if horizontal is not None:
        if horizontal.min_container_count is not None:
            out["minContainers"] = horizontal.min_container_count
        if horizontal.max_container_count is not None:
            out["maxContainers"] = horizontal.max_container_count
    return out or None


def _service_out(
    view: ServiceView, *, is_self: bool, values: bool, detail: bool, pending: PendingEnv | None
) -> ServiceOut:
    service = view.service
    kind = _KINDS.get(service.category.upper(), "other")
    ports = [f"{p.port}/{p.scheme or p.protocol}" for p in service.ports]
    return ServiceOut(
        hostname=service.name,
        serviceId=service.id,
        type=service.type_version or "unknown",
        kind=kind,
        status=service.status,
        mode=service.mode if kind == "managed" else None,
        isSelf=True if is_self else None,
        subdomainEnabled=service.subdomain_access,
        subdomainUrl=view.subdomain_url,
        ports=ports or None,
        scaling=_scaling(service) if detail else None,
        envPendingRestart=pending_fields(pending) if pending is not None else None,
    )


def _next_actions(services: list[ServiceOut]) -> list[ToolCall]:
    if not services:
        return [ToolCall.of("zerops_knowledge", recipe="nodejs")]
    actions: list[ToolCall] = [
        ToolCall.of("zerops_manage", action="restart", serviceHostname=s.hostname)
        for s in services
        if s.env_pending_restart and not s.is_self
    ]
    stopped = [s for s in services if s.status.upper() == "STOPPED" and not s.is_self]
    if stopped:
        actions.append(ToolCall.of("zerops_manage", action="start", serviceHostname=stopped[0].hostname))
    if any(s.kind == "runtime" for s in services):
        actions.append(ToolCall.of("zerops_verify"))
        actions.append(ToolCall.of("zerops_events", limit=10))
    return actions


def _result(discovery: Discovery, runtime: RuntimeInfo, *, values: bool, detail: bool) -> DiscoverResult:
    services: list[ServiceOut] = []
    notes: list[str] = []
    for view in discovery.services:
        is_self = bool(runtime.is_self(service_id=view.service.id, hostname=view.service.name))
        pending = discovery.env_pending.get(view.service.name)
        services.append(_service_out(view, is_self=is_self, values=values, detail=detail, pending=pending))
        if pending is not None:
            notes.append(
                f"{view.service.name} runs without env changes made after its containers last booted "
                f"({pending_summary(pending)}): "
                + (
                    "zcp never restarts its own service; they apply at its next restart or deploy."
                    if is_self
                    else "restart it to apply them (a deploy applies them too)."
                )
            )
        if is_self:
            notes.append(
                f"{view.service.name} is the service zcp itself runs in: zcp never stops, restarts "
                "or deletes it."
            )
    project = discovery.project
    envs: list[EnvOut] | None = None
    if discovery.project_envs is not None:
        envs = [_env_out(None, e, values) for e in discovery.project_envs]
        for view in discovery.services:
            envs += [_env_out(view.service.name, e, values) for e in view.envs or []]
    return DiscoverResult(
        project=ProjectOut(id=project.id, name=project.name, status=project.status),
        services=services,
        envs=envs,
        notes=notes or None,
        nextActions=_next_actions(services),
    )


def discover_tool(app: App) -> ToolDefinition:
    """Build the zerops_discover tool bound to ``app``."""

    async def zerops_discover(
        service: Annotated[Hostname | None, Field(description="one service, in detail")] = None,
        includeEnvs: Annotated[FlexBool | None, Field(description="add env keys")] = None,
        includeEnvValues: Annotated[FlexBool | None, Field(description="add env keys and values")] = None,
    ) -> DiscoverResult:
        if includeEnvs is False and includeEnvValues:
            raise InvalidParameter(
                "includeEnvs=false contradicts includeEnvValues=true",
                suggestion="Send includeEnvValues=true alone (it includes the keys), or includeEnvs=true "
                "for keys without values.",
            )
        values = bool(includeEnvValues)
        include_envs = values or bool(includeEnvs)
        platform = app.require_platform()
        services = await user_services(platform.client, platform.project.id)
        if service is not None:
            services = [find_service(services, service)]
        discovery = await read_discovery(
            platform.client,
            platform.project,
            services,
            include_envs=include_envs,
            detail=service is not None,
        )
        return _result(discovery, platform.runtime, values=values, detail=service is not None)

    return ToolDefinition(
        name=NAME,
        title="Discover project and services",
        description=DESCRIPTION,
        fn=zerops_discover,
        read_only=True,
        destructive=False,
        idempotent=True,
        open_world=True,
        needs_platform=True,
    )
