"""When is an env change live? Pure rules over variables' timestamps and the process history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from zcp.ops.env_live import last_boot, pending_env_change
from zcp.platform.models import Process, ProjectEnv, ServiceEnv, ServiceStack

SERVICE = ServiceStack(id="s1", name="app")


def at(second: int) -> str:
    return f"2025-06-02T08:00:{second:02d}Z"


def var(key: str, second: int, kind: str = "SECRET") -> ServiceEnv:
    return ServiceEnv(id=key, key=key, content="v", type=kind, last_update=at(second))


def process(action: str, started: int, finished: int, service: str = "s1", **extra: Any) -> Process:
    return Process(
        id=f"{action}-{started}",
        action_name=action,
        status=extra.pop("status", "FINISHED"),
        service_stack_id=service,
        created=at(started),
        started=at(started),
        finished=at(finished),
        **extra,
    )


def test_a_change_after_the_last_restart_is_pending() -> None:
    pending = pending_env_change(
        SERVICE, [var("A", 30)], [], [process("stack.restart", 10, 14), process("stack.userDataFile", 30, 31)]
    )
    assert pending is not None and pending.keys == ("A",) and not pending.project
    assert pending.booted_at is not None and pending.booted_at.second == 10


def test_a_restart_that_began_after_the_change_makes_it_live() -> None:
    processes = [process("stack.userDataFile", 30, 31), process("stack.restart", 31, 35)]
    assert pending_env_change(SERVICE, [var("A", 30)], [], processes) is None


def test_a_restart_that_began_before_the_change_does_not_count() -> None:
    processes = [process("stack.restart", 28, 40), process("stack.userDataFile", 30, 31)]
    assert pending_env_change(SERVICE, [var("A", 30)], [], processes) is not None


def test_a_reload_does_not_reread_the_environment() -> None:
    processes = [process("stack.import", 1, 5), process("stack.reload", 40, 42)]
    assert pending_env_change(SERVICE, [var("A", 30)], [], processes) is not None


def test_a_deploy_or_a_start_boots_with_the_new_values() -> None:
    for action in ("stack.build", "stack.start"):
        assert pending_env_change(SERVICE, [var("A", 30)], [], [process(action, 35, 60)]) is None


def test_generated_variables_are_not_user_changes() -> None:
    processes = [process("stack.import", 1, 5)]
    assert pending_env_change(SERVICE, [var("zeropsSubdomain", 30, "READ_ONLY")], [], processes) is None


def test_a_project_variable_changed_later_is_pending_for_every_service() -> None:
    project_var = ProjectEnv(id="p", key="SHARED", content="x", type="USER", last_update=at(30))
    pending = pending_env_change(SERVICE, [], [project_var], [process("stack.import", 1, 5)])
    assert pending is not None and pending.project and pending.keys == ("SHARED",)


def test_a_delete_is_seen_from_its_process_alone() -> None:
    processes = [process("stack.import", 1, 5), process("stack.userDataFile", 30, 31)]
    pending = pending_env_change(SERVICE, [], [], processes)
    assert pending is not None and pending.keys == ()


def test_other_services_processes_do_not_count() -> None:
    processes = [process("stack.import", 1, 5), process("stack.restart", 40, 44, service="s2")]
    assert pending_env_change(SERVICE, [var("A", 30)], [], processes) is not None


def test_an_unfinished_restart_is_not_a_boot() -> None:
    processes = [process("stack.import", 1, 5), process("stack.restart", 40, 44, status="RUNNING")]
    assert pending_env_change(SERVICE, [var("A", 30)], [], processes) is not None


def test_without_any_boot_in_view_only_changes_newer_than_the_history_count() -> None:
    history = [process("stack.userDataFile", 20, 21, service="s2")]
    assert pending_env_change(SERVICE, [var("A", 10)], [], history) is None  # older than all we see
    assert pending_env_change(SERVICE, [var("A", 30)], [], history) is not None
    assert pending_env_change(SERVICE, [var("A", 30)], [], []) is None  # nothing to compare with


def test_the_last_boot_is_the_newest_start_of_a_finished_boot_process_on_the_service() -> None:
    processes = [
        process("stack.build", 10, 20),
        process("stack.restart", 30, 40),
        process("stack.reload", 50, 55),  # a reload does not boot the containers
        process("stack.restart", 45, 50, service="s2"),
        process("stack.start", 47, 50, status="FAILED"),
    ]
    assert last_boot(SERVICE, processes) == datetime(2025, 6, 2, 8, 0, 30, tzinfo=UTC)
    assert last_boot(SERVICE, []) is None
