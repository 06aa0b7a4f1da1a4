"""Scaling limits: check a request against the platform's ranges, then send it.

The ranges are the platform's documented defaults: CPU 1–8 whole cores, RAM 0.125–48 GB (0.25 for
PostgreSQL and MariaDB, 0.5 for shared storage), disk 1–250 GB (5 for shared storage), 1–10
containers. Only runtimes scale horizontally; object storage does not scale at all. A minimum is
compared with the maximum of the same request and, when the request leaves one side out, with the
value the service has now. :func:`check_request` is pure; every problem is collected so one answer
says everything that is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Final

from zcp.calls import ToolCall
from zcp.errors import ApiError, InvalidScaling
from zcp.ops.waiting import Outcome, poll_call
from zcp.platform import status as st
from zcp.platform.models import (
    CustomAutoscaling,
    HorizontalAutoscaling,
    MinFreeResource,
    Resource,
    VerticalAutoscaling,
)

if TYPE_CHECKING:
    from zcp.auth import PlatformConnection
    from zcp.platform.models import Process, ServiceStack


@dataclass(frozen=True)
class Limit:
    low: float
    high: float
    whole: bool
    unit: str

    def describe(self) -> str:
        span = f"{self.low:g}–{self.high:g}"
        return f"{span} {self.unit}" + (" (whole numbers)" if self.whole else "")


#: Parameter → its default range. Type-specific minimums are applied by :func:`limits_for`.
LIMITS: Final = {
    "minCpu": Limit(1, 8, True, "cores"),
    "maxCpu": Limit(1, 8, True, "cores"),
    "startCpu": Limit(1, 8, True, "cores"),
    "minRam": Limit(0.125, 48, False, "GB"),
    "maxRam": Limit(0.125, 48, False, "GB"),
    "minDisk": Limit(1, 250, False, "GB"),
    "maxDisk": Limit(1, 250, False, "GB"),
    "minFreeRamGB": Limit(0, 48, False, "GB"),
    "minFreeRamPercent": Limit(0, 100, False, "%"),
    "minFreeCpuCores": Limit(0, 1, False, "of one core"),
    "minFreeCpuPercent": Limit(0, 100, False, "%"),
    "minContainers": Limit(1, 10, True, "containers"),
    "maxContainers": Limit(1, 10, True, "containers"),
}
CPU_MODES: Final = ("SHARED", "DEDICATED")
_PAIRS: Final = (
    ("minCpu", "maxCpu"),
    ("minRam", "maxRam"),
    ("minDisk", "maxDisk"),
    ("minContainers", "maxContainers"),
)
HORIZONTAL: Final = frozenset({"minContainers", "maxContainers"})


@dataclass(frozen=True)
class ScaleRequest:
    """What the caller asked for, in the tool's parameter names (``None`` = leave as it is)."""

    cpuMode: str | None = None
    minCpu: int | None = None
    maxCpu: int | None = None
    startCpu: int | None = None
    minRam: float | None = None
    maxRam: float | None = None
    minDisk: float | None = None
    maxDisk: float | None = None
    minFreeRamGB: float | None = None
    minFreeRamPercent: float | None = None
    minFreeCpuCores: float | None = None
    minFreeCpuPercent: float | None = None
    minContainers: int | None = None
    maxContainers: int | None = None

    def given(self) -> dict[str, Any]:
        """The parameters that were set, in declaration order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    @property
    def vertical(self) -> bool:
        return any(name not in HORIZONTAL for name in self.given())

    @property
    def horizontal(self) -> bool:
        return any(name in HORIZONTAL for name in self.given())


def limits_for(service: ServiceStack) -> dict[str, Limit]:
    """The ranges for this service's type (a few types raise the RAM or disk minimum)."""
    limits = dict(LIMITS)
    base = service.type_version.split("@", 1)[0].split(":", 1)[0].lower()
    ram_floor = (
        0.5
        if service.category == st.CATEGORY_SHARED_STORAGE
        else 0.25
        if base in ("postgresql", "mariadb")
        else None
    )
    if ram_floor is not None:
        for name in ("minRam", "maxRam"):
            limits[name] = Limit(ram_floor, 48, False, "GB")
    if service.category == st.CATEGORY_SHARED_STORAGE:
        for name in ("minDisk", "maxDisk"):
            limits[name] = Limit(5, 250, False, "GB")
    return limits


def current_values(scaling: CustomAutoscaling | None) -> dict[str, Any]:
    """A service's scaling in the tool's flat parameter names (only values the platform reported)."""
    if scaling is None:
        return {}
    values: dict[str, Any] = {}
    vertical = scaling.vertical_autoscaling
    if vertical is not None:
        values["cpuMode"] = vertical.cpu_mode
        for prefix, resource in (("min", vertical.min_resource), ("max", vertical.max_resource)):
            if resource is not None:
                values[f"{prefix}Cpu"] = resource.cpu_core_count
                values[f"{prefix}Ram"] = resource.memory_g_bytes
                values[f"{prefix}Disk"] = resource.disk_g_bytes
        values["startCpu"] = vertical.start_cpu_core_count
        free = vertical.min_free_resource
        if free is not None:
            values["minFreeRamGB"] = free.memory_g_bytes
            values["minFreeRamPercent"] = free.memory_percent
            values["minFreeCpuCores"] = free.cpu_core_count
            values["minFreeCpuPercent"] = free.cpu_core_percent
    horizontal = scaling.horizontal_autoscaling
    if horizontal is not None:
        values["minContainers"] = horizontal.min_container_count
        values["maxContainers"] = horizontal.max_container_count
    return {key: value for key, value in values.items() if value is not None}


@dataclass(frozen=True)
class ScaleCheck:
    """The outcome of :func:`check_request`: problems make it invalid, warnings do not."""

    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    allowed: dict[str, str]


def check_request(request: ScaleRequest, service: ServiceStack) -> ScaleCheck:
    """Every problem with ``request`` for ``service``, and what is allowed. Pure."""
    given = request.given()
    limits = limits_for(service)
    allowed = {name: limit.describe() for name, limit in limits.items()}
    allowed["cpuMode"] = " or ".join(CPU_MODES)
    problems: list[str] = []
    warnings: list[str] = []
    category = service.category.upper()
    if not given:
        problems.append("no scaling parameter was given")
    if category == st.CATEGORY_OBJECT_STORAGE:
        problems.append(
            f"{service.name} is object storage, which does not scale (its quota is set at creation)"
        )
        return ScaleCheck(tuple(problems), (), allowed)
    if request.horizontal and category != st.CATEGORY_RUNTIME:
        problems.append(
            f"{service.name} is a managed service with a fixed container count; "
            "minContainers/maxContainers apply to runtime services only"
        )
    if request.cpuMode is not None and request.cpuMode not in CPU_MODES:
        problems.append(f"cpuMode {request.cpuMode!r} is not one of {', '.join(CPU_MODES)}")
    for name, value in given.items():
        limit = limits.get(name)
        if limit is None:
            continue
        if limit.whole and float(value) != int(value):
            problems.append(f"{name}={value:g} must be a whole number ({limit.describe()})")
        elif not limit.low <= value <= limit.high:
            problems.append(f"{name}={value:g} is outside {limit.describe()}")
    current = current_values(service.custom_autoscaling)
    for low_name, high_name in _PAIRS:
        low, high = given.get(low_name), given.get(high_name)
        if low is not None and high is not None:
            if low > high:
                problems.append(f"{low_name}={low:g} is above {high_name}={high:g}")
        elif low is not None and current.get(high_name) is not None and low > current[high_name]:
            problems.append(
                f"{low_name}={low:g} is above the current {high_name} ({current[high_name]:g}); raise {high_name} too"
            )
        elif high is not None and current.get(low_name) is not None and high < current[low_name]:
            problems.append(
                f"{high_name}={high:g} is below the current {low_name} ({current[low_name]:g}); lower {low_name} too"
            )
    if given.get("minFreeRamGB") == 0 and given.get("minFreeRamPercent") == 0:
        problems.append(
            "minFreeRamGB and minFreeRamPercent cannot both be 0 (the container needs a free-RAM buffer)"
        )
    mode = request.cpuMode or current.get("cpuMode") or "SHARED"
    if mode == "SHARED" and any(k in given for k in ("minFreeCpuCores", "minFreeCpuPercent")):
        warnings.append("minFreeCpuCores and minFreeCpuPercent only take effect with cpuMode DEDICATED")
    if request.cpuMode is not None and request.cpuMode != current.get("cpuMode"):
        warnings.append("the CPU mode can change at most once an hour")
    return ScaleCheck(tuple(problems), tuple(warnings), allowed)


def raise_for(check: ScaleCheck, service: ServiceStack) -> None:
    """INVALID_SCALING naming every problem and the allowed ranges, when there is one."""
    if not check.problems:
        return
    ranges = "; ".join(f"{name} {text}" for name, text in check.allowed.items())
    raise InvalidScaling(
        f"cannot scale {service.name}: " + "; ".join(check.problems),
        suggestion=f"Allowed for {service.name}: {ranges}. Give only the limits you want to change.",
        details={"problems": list(check.problems), "allowed": check.allowed},
    )


def to_autoscaling(request: ScaleRequest) -> CustomAutoscaling:
    """The API body for ``request``; parts the request does not touch are left out (null = keep)."""
    vertical = None
    if request.vertical:

        def resource(cpu: int | None, ram: float | None, disk: float | None) -> Resource | None:
            if cpu is None and ram is None and disk is None:
                return None
            return Resource(cpu_core_count=cpu, memory_g_bytes=ram, disk_g_bytes=disk)

        free = None
        if any(
            v is not None
            for v in (
                request.minFreeRamGB,
                request.minFreeRamPercent,
                request.minFreeCpuCores,
                request.minFreeCpuPercent,
            )
        ):
            free = MinFreeResource(
                cpu_core_count=request.minFreeCpuCores,
                cpu_core_percent=request.minFreeCpuPercent,
                memory_g_bytes=request.minFreeRamGB,
                memory_percent=request.minFreeRamPercent,
            )
        vertical = VerticalAutoscaling(
            cpu_mode=request.cpuMode,
            min_resource=resource(request.minCpu, request.minRam, request.minDisk),
            max_resource=resource(request.maxCpu, request.maxRam, request.maxDisk),
            min_free_resource=free,
            start_cpu_core_count=request.startCpu,
        )
    horizontal = None
    if request.horizontal:
        horizontal = HorizontalAutoscaling(
            min_container_count=request.minContainers, max_container_count=request.maxContainers
        )
    return CustomAutoscaling(vertical_autoscaling=vertical, horizontal_autoscaling=horizontal)


async def apply_scaling(
    platform: PlatformConnection, service: ServiceStack, request: ScaleRequest
) -> Process | None:
    """Send the change (repeating the service's mode, which cannot change); ``None`` = applied at once.

    The platform's own range refusals come back as INVALID_SCALING with its field meta attached.
    """
    try:
        return await platform.client.set_autoscaling(service.id, to_autoscaling(request), mode=service.mode)
    except ApiError as error:
        if error.api_code and "Autoscaling" in error.api_code:
            raise InvalidScaling(
                f"the platform refused the scaling of {service.name}: {error}",
                suggestion="Read apiMeta for the fields it rejected and send values inside the allowed ranges.",
                api_code=error.api_code,
                api_meta=error.api_meta,
            ) from None
        raise


def next_actions(host: str, outcome: Outcome, process_id: str | None) -> list[ToolCall]:
    """What to call after a scaling change of ``host`` ended with ``outcome``."""
    if outcome == "running" and process_id:
        return [poll_call(process_id)]
    if outcome == "failed":
        return [ToolCall.of("zerops_events", serviceHostname=host)]
    return [ToolCall.of("zerops_verify", serviceHostname=host)]
