"""zerops_workflow over MCP against the sandbox: the dispatcher, the route menu and every bootstrap route.

Develop sessions are in test_workflow_develop.py, delivery configuration in test_workflow_delivery.py,
export and cicd in test_workflow_export.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import knowledge_only_session
from tests.tools.workflow_harness import (
    NODE_PAIR_PLAN,
    TOOL,
    bootstrap_classic,
    workflow,
    workflow_session,
)
from zcp.ops.workflow.request import ACTIONS
from zcp.state.models import BootstrapSession, BootstrapState, RegistryEntry, ServiceMeta, StepState
from zcp.state.store import StateStore

pytestmark = [pytest.mark.anyio]


def _meta(tmp_path: Path, host: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (tmp_path / "state" / "services" / f"{host}.json").read_text(encoding="utf-8")
    )
    return data


# --- the dispatcher ------------------------------------------------------------------------------


async def test_the_published_actions_are_exactly_the_ones_the_engine_handles() -> None:
    from tests.tools.tool_listing import list_tools

    listing = await list_tools()
    (tool,) = [t for t in listing.tools if t.name == TOOL]
    assert set(tool.input_schema["properties"]["action"]["enum"]) == set(ACTIONS)


@pytest.mark.sandbox(seed="empty", time_scale=0)
@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({}, "INVALID_PARAMETER"),
        ({"action": "teleport"}, "INVALID_PARAMETER"),
        ({"action": "start"}, "INVALID_PARAMETER"),
        ({"action": "status", "intent": "x"}, "INVALID_PARAMETER"),
        ({"action": "start", "workflow": "develop", "plan": []}, "INVALID_PARAMETER"),
        ({"action": "complete", "step": "discover", "plan": []}, "BOOTSTRAP_NOT_ACTIVE"),
        ({"action": "complete", "step": "execute"}, "INVALID_PARAMETER"),
        ({"action": "iterate"}, "BOOTSTRAP_NOT_ACTIVE"),
        ({"action": "resume"}, "INVALID_PARAMETER"),
        ({"action": "resume", "sessionId": "../../etc"}, "INVALID_PARAMETER"),
        ({"action": "resume", "sessionId": "abcdef0123456789"}, "SESSION_NOT_FOUND"),
        ({"action": "close", "workflow": "bootstrap"}, "INVALID_PARAMETER"),
        (
            {"action": "start", "workflow": "develop", "intent": "x", "scope": ["appdev"]},
            "PREREQUISITE_MISSING",
        ),
        ({"action": "start", "workflow": "bootstrap", "route": "recipe", "intent": "x"}, "INVALID_PARAMETER"),
        ({"action": "start", "workflow": "bootstrap", "route": "classic"}, "INVALID_PARAMETER"),
        ({"action": "git-push-setup"}, "INVALID_PARAMETER"),
        ({"action": "record-deploy", "targetService": "ghost"}, "SERVICE_NOT_FOUND"),
    ],
)
async def test_a_call_that_does_not_fit_answers_one_structured_error_naming_what_to_send(
    sandbox: SandboxHandle, tmp_path: Path, arguments: dict[str, Any], code: str
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        payload = await session.error(TOOL, arguments)
    assert payload["code"] == code, payload
    assert payload["suggestion"]


@pytest.mark.sandbox(seed="standard", time_scale=0)
async def test_status_renders_the_live_state_with_its_next_actions_as_tool_calls(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        data = await workflow(session, action="status")
    assert data["phase"] == "idle"
    assert "## Status" in data["guidance"] and "appdev" in data["guidance"]
    primary = data["nextActions"][0]
    assert primary["tool"] == "zerops_workflow" and primary["args"]["route"] == "adopt"
    assert data["atoms"]


@pytest.mark.sandbox(seed="standard")
async def test_status_shows_an_env_change_killed_before_its_restart_until_the_restart(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    """waitSeconds=0 leaves zerops_env where a killed zcp would: the variable stored, the restart never run."""
    restart = {"tool": "zerops_manage", "args": {"action": "restart", "serviceHostname": "appstage"}}
    async with workflow_session(sandbox, tmp_path) as session:
        before = await workflow(session, action="status")
        data = await session.ok(
            "zerops_env",
            {"action": "set", "serviceHostname": "appstage", "variables": ["LATE=1"], "waitSeconds": 0},
        )
        assert data["outcome"] == "running"
        sandbox.advance(30)  # the stored change finishes; nobody restarts
        stale = await workflow(session, action="status")
        await session.ok("zerops_manage", {"action": "restart", "serviceHostname": "appstage"})
        after = await workflow(session, action="status")
    assert "Pending restarts:" not in before["guidance"]
    assert "Pending restarts:\n- appstage: LATE changed at " in stale["guidance"]
    assert "appdev:" not in stale["guidance"].split("Pending restarts:")[1].split("\n\n")[0]
    assert [a for a in stale["nextActions"] if a["tool"] == "zerops_manage"] == [
        {**restart, "label": "Restart appstage", "rationale": stale["nextActions"][1]["rationale"]}
    ]
    # the plan's primary stays; the restart comes right after it
    assert stale["nextActions"][0] == before["nextActions"][0]
    assert "LATE changed at" in stale["nextActions"][1]["rationale"]
    assert "Pending restarts:" not in after["guidance"]
    assert after["nextActions"] == before["nextActions"] and after["guidance"] == before["guidance"]


@pytest.mark.sandbox(seed="standard")
async def test_an_action_that_renders_a_fresh_read_skips_the_env_check_on_its_first_read(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    from zcp.ops.workflow.live import read_project

    async with workflow_session(sandbox, tmp_path) as session:
        await session.ok(
            "zerops_env",
            {"action": "set", "serviceHostname": "appstage", "variables": ["LATE=1"], "waitSeconds": 0},
        )
        sandbox.advance(30)
        checked = await read_project(session.app)
        searches = sandbox.hits("search_processes")
        validating = await read_project(session.app, env=False)
        searches_after = sandbox.hits("search_processes")
        listed = await workflow(session, action="list")
    assert set(checked.env_pending) == {"appstage"}
    assert validating.env_pending == {} and searches_after == searches  # no history read at all
    assert "Pending restarts:\n- appstage" in listed["guidance"]  # list renders the read that checked


async def test_without_credentials_status_works_and_a_bootstrap_asks_for_them() -> None:
    async with knowledge_only_session() as session:
        status = await session.call(TOOL, {"action": "status"})
        boot = await session.call(TOOL, {"action": "start", "workflow": "bootstrap"})
    assert not status.is_error
    assert boot.is_error and json.loads(boot.content[0].text)["code"] == "AUTH_REQUIRED"  # type: ignore[union-attr]


@pytest.mark.sandbox(seed="standard", time_scale=0)
async def test_read_only_mode_still_reads_the_status_but_refuses_to_start(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path, read_only=True) as session:
        await workflow(session, action="status")
        payload = await session.error(
            TOOL, {"action": "start", "workflow": "bootstrap", "route": "classic", "intent": "x"}
        )
    assert payload["code"] == "READ_ONLY"


# --- the route menu ------------------------------------------------------------------------------


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_the_route_menu_offers_matching_recipes_before_classic_and_creates_nothing(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        menu = await workflow(
            session, action="start", workflow="bootstrap", intent="Django app with PostgreSQL"
        )
    options = menu["data"]["routeOptions"]
    assert options[0]["route"] == "recipe" and options[0]["recipeSlug"] == "django"
    assert options[0]["fit"] == "exact"
    assert "classic" in [o["route"] for o in options]
    assert menu["nextActions"][0]["args"] == {
        "action": "start",
        "workflow": "bootstrap",
        "route": "recipe",
        "recipeSlug": "django",
        "intent": "Django app with PostgreSQL",
    }
    assert not (tmp_path / "state" / "sessions").exists()


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_recipe_that_contradicts_the_requested_database_is_not_offered(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        menu = await workflow(session, action="start", workflow="bootstrap", intent="laravel with mariadb")
    slugs = [o.get("recipeSlug") for o in menu["data"]["routeOptions"]]
    assert "laravel" not in slugs  # the laravel recipe uses PostgreSQL


@pytest.mark.sandbox(seed="adoptable", time_scale=0)
async def test_untracked_runtimes_put_adopt_first(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        menu = await workflow(session, action="start", workflow="bootstrap", intent="keep the shop running")
    first = menu["data"]["routeOptions"][0]
    assert first["route"] == "adopt"
    assert set(first["adoptServices"]) == {"api", "web", "worker"}


# --- the routes ----------------------------------------------------------------------------------


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_classic_standard_bootstrap_creates_the_pair_and_the_database_and_records_them(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        closed = await bootstrap_classic(session, NODE_PAIR_PLAN)
        status = await workflow(session, action="status")
    assert closed["status"] == "finished"
    for host in ("appdev", "appstage", "db"):
        sandbox.service(host)
    meta = _meta(tmp_path, "appdev")
    assert meta["mode"] == "standard" and meta["stageHostname"] == "appstage"
    assert meta["bootstrappedAt"] and meta["bootstrapSession"]
    assert meta["closeDeployMode"] == "unset" and meta["gitPushState"] == "unconfigured"
    assert not (tmp_path / "state" / "services" / "appstage.json").exists()  # one meta per pair
    assert status["phase"] == "idle"
    assert status["nextActions"][0]["args"]["workflow"] == "develop"
    assert status["nextActions"][0]["args"]["scope"] == ["appdev"]


@pytest.mark.sandbox(seed="empty", time_scale=0)
@pytest.mark.parametrize("mode", ["dev", "simple"])
async def test_dev_and_simple_bootstraps_record_their_mode(
    sandbox: SandboxHandle, tmp_path: Path, mode: str
) -> None:
    plan = [{"runtime": {"devHostname": "app", "type": "python@3.12", "bootstrapMode": mode}}]
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrap_classic(session, plan, intent="python app")
    expected = "local-stage" if mode == "simple" else mode  # zcp runs locally in these tests
    assert _meta(tmp_path, "app")["mode"] == expected
    assert sandbox.service("app").status in ("ACTIVE", "RUNNING")


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_the_provision_answer_shows_the_import_yaml_and_each_check(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node")
        await workflow(session, action="complete", step="discover", plan=NODE_PAIR_PLAN)
        provisioned = await workflow(session, action="complete", step="provision")
    data = provisioned["data"]
    assert "startWithoutCode: true" in data["importYaml"] and "priority: 10" in data["importYaml"]
    assert {c["name"]: c["status"] for c in data["checks"]} == {
        "appdev_status": "pass",
        "appstage_status": "pass",
        "db_status": "pass",
        "db_env_vars": "pass",
    }
    assert "connectionString" in data["discoveredEnvVars"]["db"]
    incomplete = _meta(tmp_path, "appdev")
    assert incomplete["bootstrappedAt"] == ""  # provisional until close


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_failed_import_keeps_the_session_at_provision_and_a_retry_creates_only_what_is_missing(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    with sandbox.sandbox.lock:
        sandbox.sandbox.state.import_failures["db"] = (
            "projectImportUnableToCreateServiceStack",
            "no capacity",
        )
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node")
        await workflow(session, action="complete", step="discover", plan=NODE_PAIR_PLAN)
        failed = await workflow(session, action="complete", step="provision")
        assert failed["status"] == "check-failed"
        assert any(c["status"] == "fail" and c["name"].startswith("db") for c in failed["data"]["checks"])
        status = await workflow(session, action="status")
        assert "step: provision" in status["guidance"]
        with sandbox.sandbox.lock:
            sandbox.sandbox.state.import_failures.clear()
        retried = await workflow(session, action="complete", step="provision")
    assert retried["status"] == "step-complete", retried
    assert "appdev" not in retried["data"]["importYaml"]  # created by the first attempt
    assert "hostname: db" in retried["data"]["importYaml"]


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_an_invalid_plan_lists_every_problem_and_stays_at_discover(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    plan = [
        {
            "runtime": {"devHostname": "app-dev", "type": "nodejs@99", "bootstrapMode": "standard"},
            "dependencies": [{"hostname": "db", "type": "postgresql@16", "resolution": "EXISTS"}],
        }
    ]
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node")
        payload = await session.error(TOOL, {"action": "complete", "step": "discover", "plan": plan})
        status = await workflow(session, action="status")
    assert payload["code"] == "INVALID_PARAMETER"
    problems = payload["details"]["problems"]
    assert len(problems) == 4, problems  # hostname, type, missing stage, EXISTS that does not exist
    assert "step: discover" in status["guidance"]


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_plan_field_at_the_wrong_level_is_refused_by_the_schema(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    plan = [{"runtime": {"devHostname": "app", "type": "nodejs@22"}, "bootstrapMode": "dev"}]
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node")
        payload = await session.error(TOOL, {"action": "complete", "step": "discover", "plan": plan})
    assert payload["code"] == "INVALID_PARAMETER"


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_second_bootstrap_in_the_same_process_is_refused(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node")
        payload = await session.error(
            TOOL, {"action": "start", "workflow": "bootstrap", "route": "classic", "intent": "again"}
        )
    assert payload["code"] == "WORKFLOW_ACTIVE"
    assert payload["recovery"]["args"] == {"action": "status"}


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_hostnames_held_by_another_live_session_are_locked(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    other = StateStore(tmp_path / "state", pid=os.getppid())  # a live process that is not us
    session = BootstrapSession(
        session_id="feedfacefeedface",
        pid=os.getppid(),
        bootstrap=BootstrapState(
            steps=[
                StepState(name="discover", status="complete"),
                StepState(name="provision", status="in_progress"),
            ],
            current_step=1,
            plan={
                "targets": [
                    {"runtime": {"devHostname": "appdev", "type": "nodejs@22", "bootstrapMode": "dev"}}
                ]
            },
        ),
    )
    other.write_session(session)
    other.register(RegistryEntry(session_id=session.session_id, pid=session.pid, workflow="bootstrap"))
    async with workflow_session(sandbox, tmp_path) as s:
        await workflow(s, action="start", workflow="bootstrap", route="classic", intent="node")
        payload = await s.error(TOOL, {"action": "complete", "step": "discover", "plan": NODE_PAIR_PLAN})
    assert payload["code"] == "WORKFLOW_ACTIVE" and "feedfacefeedface" in payload["error"]


@pytest.mark.sandbox(seed="adoptable", time_scale=0)
async def test_adopting_existing_services_follows_the_plan_the_status_proposes(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        started = await workflow(
            session, action="start", workflow="bootstrap", route="adopt", intent="adopt existing services"
        )
        primary = started["nextActions"][0]
        assert primary["args"]["step"] == "discover"
        await workflow(session, **primary["args"])
        provisioned = await workflow(session, action="complete", step="provision")
    assert provisioned["status"] == "step-complete", provisioned
    assert provisioned["data"].get("importYaml") is None  # nothing created
    assert provisioned["phase"] == "idle"  # a pure adoption finishes at provision
    for host in ("api", "web"):
        meta = _meta(tmp_path, host)
        assert meta["bootstrappedAt"] and meta["bootstrapSession"] == ""  # adopted


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_the_recipe_route_imports_the_recipes_services(sandbox: SandboxHandle, tmp_path: Path) -> None:
    plan = [
        {
            "runtime": {
                "devHostname": "appdev",
                "type": "nodejs@22",
                "bootstrapMode": "standard",
                "stageHostname": "appstage",
            },
            "dependencies": [{"hostname": "db", "type": "postgresql@17", "resolution": "CREATE"}],
        }
    ]
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(
            session,
            action="start",
            workflow="bootstrap",
            route="recipe",
            recipeSlug="nodejs",
            intent="node app",
        )
        await workflow(session, action="complete", step="discover", plan=plan)
        provisioned = await workflow(session, action="complete", step="provision")
        closed = await workflow(session, action="complete", step="close")
    assert "minRam: 1" in provisioned["data"]["importYaml"]  # the recipe's own YAML
    assert closed["status"] == "finished"
    assert sandbox.service("db").stack_type.name.lower().startswith("postgre")


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_recipe_plan_must_keep_the_recipes_hostnames_and_mode(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    plan = [{"runtime": {"devHostname": "web", "type": "nodejs@22", "bootstrapMode": "simple"}}]
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(
            session, action="start", workflow="bootstrap", route="recipe", recipeSlug="nodejs", intent="n"
        )
        payload = await session.error(TOOL, {"action": "complete", "step": "discover", "plan": plan})
    assert payload["code"] == "INVALID_PARAMETER" and "recipe" in payload["error"]


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_bootstrap_of_a_process_that_died_is_resumed_from_the_route_menu(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as first:
        await workflow(first, action="start", workflow="bootstrap", route="classic", intent="node")
        await workflow(first, action="complete", step="discover", plan=NODE_PAIR_PLAN)
        await workflow(first, action="complete", step="provision")
        # The process "dies": its pid becomes one that no longer runs.
        store = first.app.state
        (session_id,) = store.session_ids()
        dead = 2**22 + 17
        with store.registry_update() as registry:
            for entry in registry.sessions:
                entry.pid = dead
        saved = store.session(session_id)
        assert saved is not None
        saved.pid = dead
        store.write_session(saved)
        menu = await workflow(first, action="start", workflow="bootstrap", intent="node")
        assert menu["data"]["routeOptions"][0]["route"] == "resume"
        resume_call = menu["nextActions"][0]["args"]
        assert resume_call == {
            "action": "start",
            "workflow": "bootstrap",
            "route": "resume",
            "sessionId": session_id,
        }
        resumed = await workflow(first, **resume_call)
        assert "route: resume, step: close" in resumed["guidance"]
        closed = await workflow(first, action="complete", step="close")
    assert closed["status"] == "finished"


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_resuming_a_session_whose_process_still_runs_is_refused(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    other = StateStore(tmp_path / "state", pid=os.getppid())
    other.write_session(
        BootstrapSession(session_id="abcabcabcabcabca", pid=os.getppid(), bootstrap=BootstrapState())
    )
    async with workflow_session(sandbox, tmp_path) as session:
        payload = await session.error(TOOL, {"action": "resume", "sessionId": "abcabcabcabcabca"})
    assert payload["code"] == "SESSION_NOT_FOUND" and "still running" in payload["error"]


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_iterate_returns_to_discover_and_stops_at_the_cap(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path, max_iterations=2) as session:
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node")
        await workflow(session, action="complete", step="discover", plan=NODE_PAIR_PLAN)
        again = await workflow(session, action="iterate")
        assert again["data"]["iteration"] == 1 and "step: discover" in again["guidance"]
        payload = await session.error(TOOL, {"action": "iterate"})
    assert payload["code"] == "ITERATION_CAP_REACHED"


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_reset_drops_the_session_and_its_provisional_metas_but_keeps_finished_ones(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    store = StateStore(tmp_path / "state")
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node")
        store.write_meta(ServiceMeta(hostname="keep", mode="dev", bootstrapped_at="2026-01-01"))
        await workflow(session, action="complete", step="discover", plan=NODE_PAIR_PLAN)
        sandbox.sandbox.state.import_failures["db"] = (
            "projectImportUnableToCreateServiceStack",
            "no capacity",
        )
        await workflow(session, action="complete", step="provision")  # fails, provisional metas stay
        reset = await workflow(session, action="reset")
    cleared = reset["data"]["cleared"]
    assert cleared["bootstrapSessionId"]
    assert reset["phase"] == "idle"
    assert store.meta("appdev") is None
    # "keep" is not a live service, so it is an orphan and pruned; a live one would be preserved.
    assert "keep" in cleared["orphanMetas"]


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_list_shows_the_open_sessions_and_which_belong_to_this_process(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node")
        listed = await workflow(session, action="list")
    (row,) = listed["data"]["sessions"]
    assert row["workflow"] == "bootstrap" and row["ownedByThisProcess"] and row["alive"]


@pytest.mark.sandbox(seed="standard", time_scale=0)
async def test_route_lists_the_entry_points_that_fit_the_project(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        routed = await workflow(session, action="route")
    calls = [o["call"] for o in routed["data"]["offerings"]]
    assert calls and all(c.startswith("zerops_workflow") for c in calls)


@pytest.mark.sandbox(seed="standard", time_scale=0)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    arguments=st.dictionaries(
        st.sampled_from(
            [
                "action",
                "workflow",
                "intent",
                "scope",
                "force",
                "route",
                "sessionId",
                "step",
                "plan",
                "closeMode",
                "service",
                "remoteUrl",
                "integration",
                "targetService",
                "variant",
                "envClassifications",
                "bogus",
            ]
        ),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-5, 10**30),
            st.text(max_size=20),
            st.sampled_from([*ACTIONS, "bootstrap", "develop", "export", "cicd", "classic", "discover"]),
            st.lists(st.text(max_size=8), max_size=3),
            st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=2),
        ),
        max_size=4,
    )
)
async def test_no_input_crashes_the_tool_or_answers_without_a_code(
    sandbox: SandboxHandle, tmp_path: Path, arguments: dict[str, Any]
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        result = await session.call(TOOL, arguments)
    if result.is_error:
        payload = json.loads(result.content[0].text)  # type: ignore[union-attr]
        assert payload["code"] != "UNKNOWN", payload
        assert payload["error"] and payload.get("suggestion") is not None


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_plan_without_runtimes_provisions_nothing_and_may_skip_close(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(
            session, action="start", workflow="bootstrap", route="classic", intent="just a database"
        )
        refused = await session.error(TOOL, {"action": "skip", "step": "discover"})
        await workflow(session, action="complete", step="discover", plan=[])
        provisioned = await workflow(session, action="complete", step="provision")
        skipped = await workflow(session, action="skip", step="close", reason="managed services only")
    assert refused["code"] == "INVALID_PARAMETER"
    assert provisioned["status"] == "step-complete" and provisioned["data"]["checks"] == []
    assert skipped["status"] == "skipped" and skipped["phase"] == "idle"


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_closing_a_bootstrap_that_created_services_cannot_be_skipped(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node")
        await workflow(session, action="complete", step="discover", plan=NODE_PAIR_PLAN)
        await workflow(session, action="complete", step="provision")
        payload = await session.error(TOOL, {"action": "skip", "step": "close"})
        wrong = await session.error(TOOL, {"action": "complete", "step": "discover", "plan": []})
    assert payload["code"] == "INVALID_PARAMETER"
    assert wrong["code"] == "BOOTSTRAP_NOT_ACTIVE" and wrong["details"]["currentStep"] == "close"
