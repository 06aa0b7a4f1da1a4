"""zcp.ops.health: how a service is checked, and how checks add up to healthy/degraded/unhealthy."""

from __future__ import annotations

from typing import Any

import pytest

from zcp.ops.health import Check, aggregate, running_check, runtime_class, worst
from zcp.platform.models import ServiceStack


def _service(
    type_version: str,
    category: str = "USER",
    *,
    status: str = "ACTIVE",
    ports: list[dict[str, Any]] | None = None,
) -> ServiceStack:
    info = {"serviceStackTypeVersionName": type_version, "serviceStackTypeCategory": category}
    return ServiceStack.model_validate(
        {"id": "s", "name": "app", "status": status, "serviceStackTypeInfo": info, "ports": ports or []}
    )


HTTP = [{"port": 3000, "httpRouting": True}]


@pytest.mark.parametrize(
    ("service", "kind"),
    [
        (_service("postgresql@16", "STANDARD"), "managed"),
        (_service("shared-storage", "SHARED_STORAGE"), "managed"),
        (_service("php-nginx@8.4"), "implicit"),
        (_service("static"), "static"),
        (_service("nodejs@22", ports=HTTP), "dynamic"),
        (_service("go@1"), "worker"),
    ],
)
def test_runtime_classes_decide_which_checks_run(service: ServiceStack, kind: str) -> None:
    assert runtime_class(service) == kind


@pytest.mark.parametrize(
    ("statuses", "health"),
    [
        ({"service_running": "pass", "http_root": "pass"}, "healthy"),
        ({"service_running": "pass", "http_root": "skip", "error_logs": "info"}, "healthy"),
        ({"service_running": "pass", "error_logs": "fail"}, "degraded"),
        ({"service_running": "fail", "http_root": "skip"}, "unhealthy"),
    ],
)
def test_checks_aggregate_to_one_health(statuses: dict[str, Any], health: str) -> None:
    assert aggregate([Check(name, status) for name, status in statuses.items()]) == health


def test_the_worst_service_decides_the_project() -> None:
    assert worst(["healthy", "degraded", "healthy"]) == "degraded"
    assert worst(["degraded", "unhealthy"]) == "unhealthy"
    assert worst([]) == "healthy"


@pytest.mark.parametrize(
    ("status", "verdict", "recovers"),
    [
        ("ACTIVE", "pass", False),
        ("RUNNING", "pass", False),
        ("STOPPED", "fail", True),
        ("READY_TO_DEPLOY", "fail", True),
        ("RESTARTING", "fail", True),
    ],
)
def test_running_means_active_and_every_failure_carries_a_recovery(
    status: str, verdict: str, recovers: bool
) -> None:
    check = running_check(_service("nodejs@22", status=status))
    assert check.status == verdict and (check.recovery is not None) == recovers
