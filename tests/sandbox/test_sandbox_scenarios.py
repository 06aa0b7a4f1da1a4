"""Seed scenarios contain what their names promise, the same way every time."""

from __future__ import annotations

import pytest

from zcp.sandbox import READ_ONLY_SUFFIX, SCENARIOS, Sandbox
from zcp.sandbox.scenarios import describe


def names(sandbox: Sandbox) -> dict[str, str]:
    return {s.name: s.status for s in sandbox.state.services.values() if not s.stack_type.is_system}


def test_empty_has_one_project_and_no_services() -> None:
    sandbox = Sandbox(scenario="empty")
    assert [p.name for p in sandbox.state.projects.values()] == ["demo"]
    assert names(sandbox) == {}


def test_standard_is_a_deployed_dev_stage_pair_with_postgresql() -> None:
    sandbox = Sandbox(scenario="standard")
    assert names(sandbox) == {"db": "ACTIVE", "appdev": "ACTIVE", "appstage": "ACTIVE"}
    appdev = next(s for s in sandbox.state.services.values() if s.name == "appdev")
    assert appdev.subdomain_access
    assert [p.port for p in appdev.ports] == [3000]
    assert {v.status for v in sandbox.state.app_versions.values()} == {"ACTIVE"}
    assert sandbox.state.logs


def test_adoptable_mixes_runtimes_managed_services_storage_and_a_stopped_worker() -> None:
    sandbox = Sandbox(scenario="adoptable")
    assert names(sandbox) == {
        "files": "ACTIVE",
        "api": "ACTIVE",
        "web": "ACTIVE",
        "cache": "ACTIVE",
        "storage": "ACTIVE",
        "worker": "STOPPED",
    }


def test_failed_build_ends_in_a_build_failure_with_error_logs() -> None:
    sandbox = Sandbox(scenario="failed_build")
    (version,) = sandbox.state.app_versions.values()
    assert version.status == "BUILD_FAILED"
    assert any(e.severity == 3 and e.tag == f"zbuilder@{version.id}" for e in sandbox.state.logs)
    assert [p.status for p in sandbox.state.processes.values() if p.action == "stack.build"] == ["FAILED"]


def test_every_scenario_has_an_owner_token_and_a_read_only_token() -> None:
    for name in SCENARIOS:
        sandbox = Sandbox(scenario=name)
        assert sandbox.state.grants[sandbox.token].role == "OWNER"
        assert sandbox.state.grants[sandbox.token + READ_ONLY_SUFFIX].role == "READ_ONLY"
        assert describe(name)


def test_seeding_is_reproducible() -> None:
    first, second = Sandbox(scenario="standard"), Sandbox(scenario="standard")
    assert list(first.state.services) == list(second.state.services)
    first.reset("standard")
    assert list(first.state.services) == list(second.state.services)


def test_an_unknown_scenario_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scenario"):
        Sandbox(scenario="nope")
