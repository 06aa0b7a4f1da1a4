"""``zerops_scale``: change a service's vertical (CPU, RAM, disk) and horizontal (containers) autoscaling.

The published schema carries the default ranges as ``minimum``/``maximum``, and the tool layer
enforces them like every published bound (``INVALID_PARAMETER`` naming the range). What depends on
the service — a type's higher RAM or disk floor, container counts of a managed service, a minimum
above the maximum it has now — is checked before the call too; those problems come back together as
``INVALID_SCALING`` listing what is allowed for that service. Vertical changes run as a platform
process that the call waits for; horizontal-only changes apply at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from zcp.ops.scale import (
    LIMITS,
    ScaleRequest,
    apply_scaling,
    check_request,
    current_values,
    next_actions,
    raise_for,
)
from zcp.ops.targets import project_services
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import Hostname, find_service
from zcp.tools.waiting import Outcome, ProcessOut, ProcessWaiter, WaitSeconds, outcome_of, process_out

if TYPE_CHECKING:
    from zcp.app import App

NAME = "zerops_scale"
DESCRIPTION = (
    "Set a service's autoscaling limits, giving only what changes: CPU mode and cores (startCpu at container "
    "start), RAM and disk (GB per container; disk never shrinks), free RAM/CPU floors, container count "
    "(runtimes). Values outside the service's ranges are refused with the allowed ranges."
)


def _range(name: str, text: str | None) -> Any:
    limit = LIMITS[name]
    return Field(description=text, json_schema_extra={"minimum": limit.low, "maximum": limit.high})


class ScaleResult(ToolOutput):
    """``scaling``: the limits now."""

    service_hostname: str = Field(alias="serviceHostname")
    service_id: str = Field(alias="serviceId")
    outcome: Outcome
    message: str
    scaling: dict[str, Any]
    process: ProcessOut | None = None
    warnings: list[str] | None = None

    def to_text(self) -> str:
        lines = [self.message]
        if self.process is not None:
            lines.append(self.process.render())
        if self.scaling:
            lines.append("scaling now: " + ", ".join(f"{k}={_fmt(v)}" for k, v in self.scaling.items()))
        lines += [f"warning: {w}" for w in self.warnings or []]
        return "\n".join(lines) + "\n"


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def scale_tool(app: App) -> ToolDefinition:
    """Build the zerops_scale tool bound to ``app``."""

    async def zerops_scale(
        serviceHostname: Hostname,
        cpuMode: Annotated[
            str | None,
            Field(description="SHARED or DEDICATED", json_schema_extra={"enum": ["SHARED", "DEDICATED"]}),
        ] = None,
        minCpu: Annotated[int | None, _range("minCpu", None)] = None,
        maxCpu: Annotated[int | None, _range("maxCpu", None)] = None,
        startCpu: Annotated[int | None, _range("startCpu", None)] = None,
        minRam: Annotated[float | None, _range("minRam", None)] = None,
        maxRam: Annotated[float | None, _range("maxRam", None)] = None,
        minDisk: Annotated[float | None, _range("minDisk", None)] = None,
        maxDisk: Annotated[float | None, _range("maxDisk", None)] = None,
        minFreeRamGB: Annotated[float | None, _range("minFreeRamGB", None)] = None,
        minFreeRamPercent: Annotated[float | None, _range("minFreeRamPercent", None)] = None,
        minFreeCpuCores: Annotated[float | None, _range("minFreeCpuCores", "DEDICATED only, cores")] = None,
        minFreeCpuPercent: Annotated[float | None, _range("minFreeCpuPercent", "DEDICATED only")] = None,
        minContainers: Annotated[int | None, _range("minContainers", None)] = None,
        maxContainers: Annotated[int | None, _range("maxContainers", None)] = None,
        waitSeconds: WaitSeconds = None,
        ctx: Context | None = None,
    ) -> ScaleResult:
        platform = app.require_platform()
        request = ScaleRequest(
            cpuMode=cpuMode.strip().upper() if cpuMode is not None else None,
            minCpu=minCpu,
            maxCpu=maxCpu,
            startCpu=startCpu,
            minRam=minRam,
            maxRam=maxRam,
            minDisk=minDisk,
            maxDisk=maxDisk,
            minFreeRamGB=minFreeRamGB,
            minFreeRamPercent=minFreeRamPercent,
            minFreeCpuCores=minFreeCpuCores,
            minFreeCpuPercent=minFreeCpuPercent,
            minContainers=minContainers,
            maxContainers=maxContainers,
        )
        service = find_service(await project_services(platform), serviceHostname)
        check = check_request(request, service)
        raise_for(check, service)
        process = await apply_scaling(platform, service, request)
        host = service.name
        warnings = list(check.warnings)
        reported: ProcessOut | None = None
        outcome: Outcome = "done"
        if process is not None:
            waiter = ProcessWaiter(app, ctx, wait_seconds=waitSeconds, subject=f"scale {host}")
            waited = await waiter.wait(process, label=host)
            outcome = outcome_of([waited])
            reported = process_out(waited)
            if waited.problem:
                warnings.append(waited.problem)
        after = await platform.client.get_service(service.id)
        if outcome == "done":
            message = f"{host}: scaling updated" + (" (applied at once)." if process is None else ".")
        elif outcome == "failed":
            assert reported is not None
            message = f"{host}: the scaling change ended {reported.status}."
        else:
            message = f"{host}: the scaling change is still running."
        return ScaleResult(
            service_hostname=host,
            service_id=service.id,
            outcome=outcome,
            message=message,
            scaling=current_values(after.custom_autoscaling),
            process=reported,
            warnings=warnings or None,
            next_actions=next_actions(host, outcome, reported.process_id if reported else None),
        )

    return ToolDefinition(
        name=NAME,
        title="Scale a service",
        description=DESCRIPTION,
        fn=zerops_scale,
        read_only=False,
        destructive=False,
        idempotent=True,
        open_world=True,
        needs_platform=True,
    )
