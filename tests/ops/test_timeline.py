"""zcp.ops.events and zcp.ops.actions: the merged timeline and readable action names."""

from __future__ import annotations

from typing import Any

import pytest

from zcp.ops.actions import action_label, is_internal
from zcp.ops.events import build_timeline
from zcp.platform.models import AppVersion, Process, ServiceStack

SERVICES = [ServiceStack(id="s1", name="app"), ServiceStack(id="s2", name="db")]


def _process(pid: str, action: str, created: str, service: str = "s1", **extra: Any) -> Process:
    return Process.model_validate(
        {
            "id": pid,
            "actionName": action,
            "status": "FINISHED",
            "created": created,
            "serviceStacks": [{"id": service, "name": ""}],
            **extra,
        }
    )


def _version(vid: str, created: str, **extra: Any) -> AppVersion:
    return AppVersion.model_validate(
        {
            "id": vid,
            "serviceStackId": "s1",
            "source": "CLI",
            "status": "ACTIVE",
            "created": created,
            "build": {"serviceStackId": "b1", "pipelineStart": created},
            **extra,
        }
    )


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("stack.userDataFile", "env-update"),
        ("stack.updateAutoscaling", "scale"),
        ("stack.enableSubdomainAccess", "subdomain-enable"),
        ("stack.someNewThing", "some-new-thing"),
        ("", "process"),
    ],
)
def test_action_names_read_well(name: str, label: str) -> None:
    assert action_label(name) == label


def test_the_timeline_is_newest_first_without_internal_actions_build_processes_or_placeholders() -> None:
    processes = [
        _process("p1", "stack.start", "2025-06-02T08:00:00Z"),
        _process("p2", "zL7Master.instanceL7BalancerConfigUpdate", "2025-06-02T08:01:00Z"),
        _process("p3", "stack.build", "2025-06-02T08:02:00Z"),
        _process("p4", "stack.restart", "2025-06-02T08:03:00.5Z", service="s2"),
    ]
    versions = [
        _version("v1", "2025-06-02T08:02:00Z"),
        AppVersion(
            id="v0", service_stack_id="s1", source="NONE", status="ACTIVE", created="2025-06-01T00:00:00Z"
        ),
    ]
    events = build_timeline(processes, versions, SERVICES)
    assert [(e.type, e.action, e.id) for e in events] == [
        ("process", "restart", "p4"),
        ("build", "build", "v1"),
        ("process", "start", "p1"),
    ]
    assert events[0].services == ("db",) and is_internal("zL7Master.x")


def test_a_hostname_filter_and_the_limit_apply_after_merging() -> None:
    processes = [_process(f"p{n}", "stack.start", f"2025-06-02T08:0{n}:00Z") for n in range(5)]
    processes.append(_process("px", "stack.stop", "2025-06-02T09:00:00Z", service="s2"))
    assert [e.id for e in build_timeline(processes, [], SERVICES, hostname="app", limit=2)] == ["p4", "p3"]


def test_a_superseded_or_failed_build_says_so() -> None:
    failed = _version("v2", "2025-06-02T08:05:00Z", status="BUILD_FAILED")
    backup = _version("v1", "2025-06-02T08:00:00Z", status="BACKUP")
    events = build_timeline([], [failed, backup], SERVICES)
    assert events[0].failed and "failed in the build phase" in (events[0].detail or "")
    assert "superseded" in (events[1].detail or "") and not events[1].failed
