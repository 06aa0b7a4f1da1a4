"""Container vs local detection and recognising the service zcp itself runs in."""

from __future__ import annotations

from dataclasses import dataclass

from zcp.config import load_settings
from zcp.runtime import RuntimeInfo, detect_runtime


@dataclass
class Svc:
    id: str
    name: str


def test_without_the_zerops_runtime_variables_zcp_runs_locally() -> None:
    info = detect_runtime(load_settings({"hostname": "laptop"}))
    assert info == RuntimeInfo(in_container=False)
    assert info.label == "local"
    assert not info.is_self(hostname="laptop")


def test_the_runtime_variables_mean_a_container_with_its_own_identity() -> None:
    info = detect_runtime(load_settings({"serviceId": "svc1", "hostname": "zcpx", "projectId": "proj1"}))
    assert (info.in_container, info.service_id, info.hostname, info.project_id) == (
        True,
        "svc1",
        "zcpx",
        "proj1",
    )
    assert info.label == "container (zcpx)"


def test_the_own_service_is_recognised_by_id_or_hostname_and_left_out_of_bulk_actions() -> None:
    info = RuntimeInfo(in_container=True, service_id="svc1", hostname="zcpx")
    assert info.is_self(service_id="svc1")
    assert info.is_self(hostname="zcpx")
    assert not info.is_self(service_id="other", hostname="app")
    services = [Svc("svc1", "zcpx"), Svc("s2", "app"), Svc("s3", "db")]
    assert [s.name for s in info.without_self(services)] == ["app", "db"]
