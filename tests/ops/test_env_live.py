"""When is an env change live? Pure rules over variables' timestamps and the process history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from zcp.ops.env_live import last_boot, pending_env_change
from zcp.platform.models import Process, ProjectEnv, ServiceEnv, ServiceStack

pytestmark = pytest.mark.anyio

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


# --- prefetching the history beside the services search -------------------------------------------


class _Platform:
    """Counts the reads; ``gone`` ids answer SERVICE_NOT_FOUND as a deleted service does."""

    def __init__(self, variables: dict[str, list[ServiceEnv]], gone: frozenset[str] = frozenset()) -> None:
        self.variables = variables
        self.gone = gone
        self.env_reads: list[str] = []

    async def search_processes(self, project_id: str, limit: int) -> list[Process]:
        return [process("stack.restart", 10, 14, service="r1")]

    async def get_project_env(self, project_id: str) -> list[ProjectEnv]:
        return []

    async def get_service_env(self, service_id: str) -> list[ServiceEnv]:
        from zcp.errors import ServiceNotFound

        self.env_reads.append(service_id)
        if service_id in self.gone:
            raise ServiceNotFound(f"no service {service_id}")
        return self.variables.get(service_id, [])


def _runtime(service_id: str, name: str) -> ServiceStack:
    from zcp.platform.models import ServiceStackTypeInfo

    info = ServiceStackTypeInfo(
        service_stack_type_version_name="nodejs@22", service_stack_type_category="USER"
    )
    return ServiceStack(id=service_id, name=name, status="ACTIVE", service_stack_type_info=info)


async def test_a_prefetch_reads_only_the_runtimes_it_did_not_guess_and_tolerates_a_gone_one() -> None:
    from zcp.ops.env_live import env_applies, prefetch_env

    services = [_runtime("r1", "app"), _runtime("r2", "api")]
    assert all(env_applies(s) for s in services), "the fixture must be running runtimes"
    platform = _Platform({"r1": [var("A", 30)]}, gone=frozenset({"old"}))
    prefetch = await prefetch_env(platform, "p1", ["r1", "old"])  # type: ignore[arg-type]
    assert not prefetch.failed and set(prefetch.service_vars) == {"r1"}
    pending = await prefetch.pending(platform, services)  # type: ignore[arg-type]
    assert platform.env_reads == ["r1", "old", "r2"]  # r2 was not guessed: read after the search
    assert pending is not None and set(pending) == {"app"} and pending["app"].keys == ("A",)


async def test_a_history_that_cannot_be_read_shows_nothing_instead_of_failing() -> None:
    from zcp.errors import ApiError
    from zcp.ops.env_live import prefetch_env

    class Broken(_Platform):
        async def search_processes(self, project_id: str, limit: int) -> list[Process]:
            raise ApiError("the process search failed")

    prefetch = await prefetch_env(Broken({}), "p1", [])  # type: ignore[arg-type]
    assert prefetch.failed and await prefetch.pending(Broken({}), [_runtime("r1", "app")]) is None  # type: ignore[arg-type]


def test_only_running_runtimes_can_have_a_change_pending() -> None:
    from zcp.ops.env_live import env_applies
    from zcp.platform.models import ServiceStackTypeInfo

    running = _runtime("r1", "app")
    stopped = running.model_copy(update={"status": "STOPPED"})
    managed = running.model_copy(
        update={
            "service_stack_type_info": ServiceStackTypeInfo(
                service_stack_type_version_name="postgresql@16", service_stack_type_category="STANDARD"
            )
        }
    )
    assert [env_applies(s) for s in (running, stopped, managed)] == [True, False, False]


async def test_a_stopped_runtime_is_never_reported_pending() -> None:
    from zcp.ops.env_live import prefetch_env

    stopped = _runtime("r1", "app").model_copy(update={"status": "STOPPED"})
    platform = _Platform({"r1": [var("A", 30)]})
    prefetch = await prefetch_env(platform, "p1", [])  # type: ignore[arg-type]
    assert await prefetch.pending(platform, [stopped]) == {}  # type: ignore[arg-type]
    assert platform.env_reads == []  # not even read
