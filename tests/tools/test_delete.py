"""zerops_delete through the MCP SDK client against the sandbox: the confirmation flow first."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.plugins.core import result_text
from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import (
    Progress,
    commands,
    error_payload,
    in_container,
    knowledge_only_session,
    mutating_hits,
    request_count,
    tool_session,
)

pytestmark = [pytest.mark.anyio]


def _exists(sandbox: SandboxHandle, hostname: str) -> bool:
    try:
        sandbox.service(hostname)
    except LookupError:
        return False
    return True


@pytest.mark.sandbox(seed="standard")
async def test_the_description_demands_explicit_user_approval(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        tools = {t.name: t for t in (await session.client.list_tools()).tools}
    tool = tools["zerops_delete"]
    assert "explicit user approval" in (tool.description or "")
    assert tool.annotations.destructive_hint is True and tool.annotations.idempotent_hint is False


@pytest.mark.sandbox(seed="standard")
async def test_without_confirmation_a_dry_run_says_what_would_be_lost(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        result = await session.call("zerops_delete", {"serviceHostname": "db"})
    assert not result.is_error
    data = result.structured_content
    assert data is not None and data["dryRun"] is True
    assert data["confirmWith"] == 'zerops_delete serviceHostname="db" confirm="db"'
    assert commands(data) == [data["confirmWith"]]
    assert "db (postgresql@16, ACTIVE) is deleted with all its containers and data" in data["effects"]
    assert any(e.startswith("appdev, appstage reference db's variables") for e in data["effects"])
    assert "DRY RUN — nothing was changed" in result_text(result)
    assert mutating_hits(sandbox) == 0 and _exists(sandbox, "db")


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize("confirm", ["DB", "appdev", " ", "db,appdev", "yes"])
async def test_a_confirmation_that_does_not_name_the_service_is_a_dry_run(
    sandbox: SandboxHandle, confirm: str
) -> None:
    async with tool_session(sandbox) as session:
        data = await session.ok("zerops_delete", {"serviceHostname": "db", "confirm": confirm})
    assert data["dryRun"] is True
    assert any("must be exactly 'db'" in w for w in data["warnings"])
    assert mutating_hits(sandbox) == 0 and _exists(sandbox, "db")


@pytest.mark.sandbox(seed="standard")
async def test_a_confirmed_delete_waits_for_the_service_to_go(sandbox: SandboxHandle) -> None:
    progress = Progress()
    async with tool_session(sandbox) as session:
        data = await session.ok(
            "zerops_delete", {"serviceHostname": "appstage", "confirm": "appstage"}, progress=progress
        )
    assert data["dryRun"] is False and data["outcome"] == "done"
    assert data["process"]["actionName"] == "stack.delete" and data["process"]["status"] == "FINISHED"
    assert data["summary"] == "deleted appstage"
    assert not _exists(sandbox, "appstage")
    assert progress.messages and all(m.startswith("delete appstage: ") for m in progress.messages)


@pytest.mark.sandbox(seed="standard")
async def test_a_short_wait_reports_the_delete_as_still_running(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        data = await session.ok(
            "zerops_delete", {"serviceHostname": "appstage", "confirm": "appstage", "waitSeconds": 0}
        )
    assert data["outcome"] == "running"
    assert commands(data) == [f'zerops_process processId="{data["process"]["processId"]}"']


@pytest.mark.sandbox(seed="standard")
async def test_zcp_never_deletes_its_own_service(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox, runtime=in_container(sandbox, "appdev")) as session:
        dry = await session.error("zerops_delete", {"serviceHostname": "appdev"})
        confirmed = await session.error("zerops_delete", {"serviceHostname": "appdev", "confirm": "appdev"})
    assert dry["code"] == confirmed["code"] == "SELF_SERVICE_BLOCKED"
    assert mutating_hits(sandbox) == 0


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"serviceHostname": "nope", "confirm": "nope"}, "SERVICE_NOT_FOUND"),
        ({"serviceHostname": "db; drop", "confirm": "db"}, "INVALID_HOSTNAME"),
        ({"confirm": "db"}, "INVALID_PARAMETER"),
        ({"serviceHostname": "db", "force": True}, "INVALID_PARAMETER"),
    ],
)
async def test_bad_input_is_refused(sandbox: SandboxHandle, arguments: dict[str, Any], code: str) -> None:
    async with tool_session(sandbox) as session:
        payload = await session.error("zerops_delete", arguments)
    assert payload["code"] == code
    assert mutating_hits(sandbox) == 0


@pytest.mark.sandbox(seed="standard")
async def test_read_only_mode_refuses_even_the_dry_run(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox, read_only=True) as session:
        payload = await session.error("zerops_delete", {"serviceHostname": "db"})
    assert payload["code"] == "READ_ONLY"


@pytest.mark.sandbox(seed="standard")
async def test_a_dry_run_survives_unreadable_variables(sandbox: SandboxHandle) -> None:
    sandbox.fault("get_service_env", status=503)
    async with tool_session(sandbox) as session:
        data = await session.ok("zerops_delete", {"serviceHostname": "db"})
    assert data["dryRun"] is True
    assert any("could not be read" in w for w in data["warnings"])


@pytest.mark.sandbox(seed="standard", time_scale=0)
@settings(max_examples=3, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    calls=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(["db", "appdev", "nope", "db`id`", "../db"]), st.text(max_size=30)),
            st.one_of(st.none(), st.text(max_size=10)),
        ),
        min_size=12,
        max_size=12,
    )
)
async def test_no_input_crashes_and_nothing_is_deleted_without_the_exact_name(
    sandbox: SandboxHandle, calls: list[tuple[str, str | None]]
) -> None:
    async with tool_session(sandbox) as session:
        for hostname, confirm in calls:
            arguments: dict[str, Any] = {"serviceHostname": hostname, "waitSeconds": 0}
            if confirm is not None:
                arguments["confirm"] = confirm
            before = request_count(sandbox)
            deletes = sandbox.hits("delete_service")
            result = await session.call("zerops_delete", arguments)
            if result.is_error:
                payload = error_payload(result)
                assert payload["code"] != "UNKNOWN"
                if payload["code"] == "INVALID_HOSTNAME":
                    assert request_count(sandbox) == before
            if confirm is None or confirm.strip() != hostname.strip():
                assert sandbox.hits("delete_service") == deletes


async def test_without_credentials_it_answers_auth_required() -> None:
    async with knowledge_only_session() as session:
        payload = await session.error("zerops_delete", {"serviceHostname": "app"})
    assert payload["code"] == "AUTH_REQUIRED" and "ZCP_API_KEY" in payload["suggestion"]


@pytest.mark.sandbox(seed="standard")
async def test_repeating_a_delete_whose_answer_was_lost_recognises_the_delete_in_progress(
    sandbox: SandboxHandle,
) -> None:
    sandbox.fault("delete_service", drop=True, times=1)
    async with tool_session(sandbox) as session:
        lost = await session.error("zerops_delete", {"serviceHostname": "appstage", "confirm": "appstage"})
        assert lost["details"]["changeMayHaveApplied"] is True
        assert lost["recovery"] == {"tool": "zerops_events", "args": {"serviceHostname": "appstage"}}
        again = await session.ok("zerops_delete", {"serviceHostname": "appstage", "confirm": "appstage"})
    assert again["dryRun"] is False and again["outcome"] == "done"
    assert "already being deleted" in again["summary"]
    assert again["process"]["actionName"] == "stack.delete" and again["process"]["status"] == "FINISHED"
    assert sandbox.hits("delete_service") == 1  # the second call did not ask again
    assert not _exists(sandbox, "appstage")


@pytest.mark.sandbox(seed="standard")
async def test_a_dry_run_of_a_service_being_deleted_says_so_instead(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        started = await session.ok(
            "zerops_delete", {"serviceHostname": "appstage", "confirm": "appstage", "waitSeconds": 0}
        )
        dry = await session.ok("zerops_delete", {"serviceHostname": "appstage", "waitSeconds": 0})
    assert dry["dryRun"] is False and dry["outcome"] == "running" and "confirmWith" not in dry
    assert "already being deleted" in dry["summary"]
    assert dry["process"]["processId"] == started["process"]["processId"]


@pytest.mark.sandbox(seed="standard")
async def test_repeating_a_finished_delete_says_it_is_already_deleted(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        await session.ok("zerops_delete", {"serviceHostname": "appstage", "confirm": "appstage"})
        again = await session.ok("zerops_delete", {"serviceHostname": "appstage", "confirm": "appstage"})
    assert again["outcome"] == "done" and "already deleted" in again["summary"]
    assert sandbox.hits("delete_service") == 1
