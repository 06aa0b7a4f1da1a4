"""zerops_workflow paths the main workflow tests leave out: the live envelope's filtering and determinism,
``action="resume"``, error codes reached through the tool, provision's progress notifications, the
session file on close, export's validation failure and bundle, and the state hint in the server's
instructions."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from tests.plugins.knowledge import FIXTURE_CORPUS
from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import Progress, in_container
from tests.tools.workflow_harness import (
    NODE_PAIR_PLAN,
    NODE_ZEROPS_YAML,
    TOOL,
    bootstrapped_pair,
    workflow,
    workflow_session,
)
from zcp.knowledge.corpus import load_corpus
from zcp.knowledge.store import KnowledgeStore
from zcp.ops.workflow.live import LiveProject, build_envelope, read_project
from zcp.sandbox.scenarios import add_zcp_service
from zcp.state.models import (
    BootstrapSession,
    BootstrapState,
    RegistryEntry,
    ServiceMeta,
    StepState,
    WorkSession,
)
from zcp.state.store import StateStore

pytestmark = [pytest.mark.anyio]

#: A pid no process can have (above Linux's largest pid_max): the owner of a session "died".
DEAD_PID = 2**22 + 17
RESET_CALL = {"tool": "zerops_workflow", "args": {"action": "reset"}}
GIT_CONFIG = '[core]\n\tbare = false\n[remote "origin"]\n\turl = https://github.com/acme/shop.git\n'


def _status_services(guidance: str) -> list[str]:
    """The hostnames the status block's ``Services:`` list names, in its order."""
    block = guidance.split("Services:\n", 1)[1].split("\n\n", 1)[0]
    return [line[2:].split(" ", 1)[0] for line in block.splitlines() if line.startswith("- ")]


def _kill_owner(store: StateStore, session_id: str) -> None:
    """Make the process that owns ``session_id`` one that no longer runs (session file and registry)."""
    with store.registry_update() as registry:
        for entry in registry.sessions:
            if entry.session_id == session_id:
                entry.pid = DEAD_PID
    saved = store.session(session_id)
    assert saved is not None
    saved.pid = DEAD_PID
    store.write_session(saved)


# --- the live envelope ---------------------------------------------------------------------------


@pytest.mark.sandbox(seed="standard", time_scale=0)
async def test_the_envelope_leaves_out_zcps_own_service_and_the_platforms_build_services(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    with sandbox.sandbox.lock:
        add_zcp_service(sandbox.sandbox, sandbox.project())
        listed = {s.name for s in sandbox.sandbox.state.services.values() if not s.deleted}
    assert {"zcp", "appdev-build", "appstage-build"} <= listed  # the API does list them
    async with workflow_session(sandbox, tmp_path, runtime=in_container(sandbox, "zcp")) as session:
        live = await read_project(session.app)
        status = await workflow(session, action="status")
    assert [s.hostname for s in live.services or ()] == ["appdev", "appstage", "db"]
    envelope = build_envelope(live)
    assert [s.hostname for s in envelope.services] == ["appdev", "appstage", "db"]
    assert _status_services(status["guidance"]) == ["appdev", "appstage", "db"]
    adopt = status["nextActions"][0]
    assert adopt["args"]["route"] == "adopt"
    assert adopt["rationale"].startswith("appdev, appstage run on Zerops")  # zcp is not up for adoption


@pytest.mark.sandbox(seed="standard", time_scale=0)
async def test_the_same_project_read_twice_or_listed_in_another_order_gives_the_same_envelope(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        store = session.app.state
        store.write_meta(
            ServiceMeta(
                hostname="appdev", mode="standard", stage_hostname="appstage", bootstrapped_at="2026-01-02"
            )
        )
        store.write_meta(ServiceMeta(hostname="db-less", mode="dev", bootstrapped_at="2026-01-03"))
        first = await read_project(session.app)
        second = await read_project(session.app)
        status_one = await workflow(session, action="status")
        status_two = await workflow(session, action="status")
    shuffled = dataclasses.replace(
        first,
        services=tuple(reversed(first.services or ())),
        metas=tuple(reversed(first.metas)),
    )
    assert isinstance(shuffled, LiveProject) and shuffled.services != first.services
    canonical = build_envelope(first).canonical_json()
    assert build_envelope(second).canonical_json() == canonical
    assert build_envelope(shuffled).canonical_json() == canonical
    assert json.loads(canonical)["services"][0]["hostname"] == "appdev"
    assert (status_one["guidance"], status_one["nextActions"]) == (
        status_two["guidance"],
        status_two["nextActions"],
    )


# --- resume --------------------------------------------------------------------------------------


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_resume_takes_over_a_session_whose_process_died_and_finishes_it(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node")
        await workflow(session, action="complete", step="discover", plan=NODE_PAIR_PLAN)
        await workflow(session, action="complete", step="provision")
        store = session.app.state
        (session_id,) = store.session_ids()
        _kill_owner(store, session_id)
        orphaned = await workflow(session, action="status")
        resumed = await workflow(session, action="resume", sessionId=session_id)
        saved = store.session(session_id)
        registry = store.registry()
        listed = await workflow(session, action="list")
        closed = await workflow(session, action="complete", step="close")
    assert orphaned["phase"] == "idle"  # the session is nobody's until it is resumed
    assert resumed["status"] == "resumed" and resumed["phase"] == "bootstrap-active"
    assert "route: resume, step: close" in resumed["guidance"]
    assert saved is not None and saved.pid == store.pid and saved.bootstrap is not None
    assert saved.bootstrap.resumed is True
    assert [(e.session_id, e.pid) for e in registry.sessions] == [(session_id, store.pid)]
    (row,) = listed["data"]["sessions"]
    assert row["ownedByThisProcess"] is True and row["alive"] is True
    assert closed["status"] == "finished"
    assert not (store.sessions_dir / f"{session_id}.json").exists()


# --- error codes through the tool ----------------------------------------------------------------


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_an_unknown_recipe_is_file_not_found_naming_the_recipes_there_are(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        session.app.use_knowledge(KnowledgeStore.in_memory(load_corpus(FIXTURE_CORPUS, strict=True)))
        payload = await session.error(
            TOOL,
            {
                "action": "start",
                "workflow": "bootstrap",
                "route": "recipe",
                "recipeSlug": "nodejz",
                "intent": "node app",
            },
        )
    assert payload["code"] == "FILE_NOT_FOUND"
    assert payload["error"] == "no recipe named 'nodejz'"
    assert payload["details"]["available"] == ["nextjs", "nodejs"]
    assert "nodejs" in payload["details"]["closest"] and "Did you mean nodejs" in payload["suggestion"]
    assert not (tmp_path / "state" / "sessions").exists()  # nothing was opened


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_recipe_without_an_import_yaml_is_file_not_found(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    (corpus / "recipes" / "nextjs.import.yml").unlink()
    async with workflow_session(sandbox, tmp_path) as session:
        session.app.use_knowledge(KnowledgeStore.in_memory(load_corpus(corpus, strict=True)))
        payload = await session.error(
            TOOL,
            {
                "action": "start",
                "workflow": "bootstrap",
                "route": "recipe",
                "recipeSlug": "nextjs",
                "intent": "next app",
            },
        )
        fine = await workflow(
            session, action="start", workflow="bootstrap", route="recipe", recipeSlug="nodejs", intent="n"
        )
    assert payload["code"] == "FILE_NOT_FOUND"
    assert payload["error"] == "recipe nextjs has no import YAML"
    assert payload["suggestion"] == "Pick another recipe."
    assert fine["phase"] == "bootstrap-active"  # the same store, a recipe that has one


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_developing_a_pair_whose_stage_was_deleted_is_prerequisite_missing(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    from zcp.sandbox.lifecycle import delete_service

    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        inner = sandbox.sandbox
        with inner.lock:
            delete_service(inner, inner.state.grants[inner.token], sandbox.service("appstage").id)
        sandbox.advance(60)
        payload = await session.error(
            TOOL, {"action": "start", "workflow": "develop", "intent": "x", "scope": ["appdev"]}
        )
    assert payload["code"] == "PREREQUISITE_MISSING"
    assert payload["error"] == (
        "appdev is the dev half of a standard pair, but its stage appstage no longer exists"
    )
    assert "route=adopt" in payload["suggestion"]
    assert not (tmp_path / "state" / "work").exists()  # no work session was written


@pytest.mark.sandbox(seed="empty", time_scale=0)
@pytest.mark.parametrize("broken", ["session", "meta", "registry"])
async def test_a_corrupt_state_file_is_state_corrupt_naming_it_and_reset_and_it_is_never_overwritten(
    sandbox: SandboxHandle, tmp_path: Path, broken: str
) -> None:
    garbage = b'{"sessionId": "half a fi'
    async with workflow_session(sandbox, tmp_path) as session:
        store = session.app.state
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node")
        (session_id,) = store.session_ids()
        store.write_meta(ServiceMeta(hostname="appdev", mode="dev", bootstrapped_at="2026-01-01"))
        path = {
            "session": store.sessions_dir / f"{session_id}.json",
            "meta": store.services_dir / "appdev.json",
            "registry": store.registry_path,
        }[broken]
        path.write_bytes(garbage)
        status = await session.error(TOOL, {"action": "status"})
        complete = await session.error(
            TOOL, {"action": "complete", "step": "discover", "plan": NODE_PAIR_PLAN}
        )
        untouched = path.read_bytes()
        reset = await workflow(session, **status["recovery"]["args"])
        after = await workflow(session, action="status")
    for payload in (status, complete):
        assert payload["code"] == "STATE_CORRUPT", payload
        assert payload["error"].startswith(f"the state file {path} is not valid JSON")
        assert payload["details"]["file"] == str(path)
        assert payload["recovery"] == RESET_CALL
        assert 'zerops_workflow action="reset"' in payload["suggestion"]
    assert untouched == garbage  # neither call rewrote it
    moved = [Path(p) for p in reset["data"]["cleared"]["quarantinedFiles"]]
    assert [p.name.startswith(f"{path.name}.corrupt-") for p in moved] == [True]
    assert moved[0].read_bytes() == garbage
    assert after["phase"] == "idle"


@pytest.mark.sandbox(seed="standard", time_scale=0)
async def test_exporting_a_runtime_zcp_does_not_manage_says_to_adopt_it(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        payload = await session.error(TOOL, {"workflow": "export", "targetService": "appdev"})
        scope = await workflow(session, workflow="export")
    assert payload["code"] == "SERVICE_NOT_FOUND"
    assert payload["error"] == "appdev is not managed by zcp"
    assert 'route="adopt"' in payload["suggestion"]
    assert scope["data"]["runtimes"] == []  # nothing zcp manages is offered either


# --- provision, close ----------------------------------------------------------------------------


@pytest.mark.sandbox(seed="empty", time_scale=1.0)
async def test_provision_reports_progress_while_it_imports_and_waits(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    progress = Progress()
    async with workflow_session(sandbox, tmp_path) as session:
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node")
        await workflow(session, action="complete", step="discover", plan=NODE_PAIR_PLAN)
        provisioned = await session.ok(TOOL, {"action": "complete", "step": "provision"}, progress=progress)
        quiet = Progress()
        await session.ok(TOOL, {"action": "status"}, progress=quiet)
    assert provisioned["status"] == "step-complete", provisioned
    messages = progress.messages
    assert messages[0] == "provision: importing the planned services"
    waited = {m.split(" ", 2)[1] for m in messages[1:]}
    assert waited == {"appdev", "appstage", "db"}, messages  # one line (or more) per created service
    assert all(m.startswith("provision: ") for m in messages)
    steps = [p for p, _, _ in progress.events]
    assert steps == list(range(1, len(steps) + 1))  # strictly increasing, as MCP requires
    assert quiet.events == []  # a status call has nothing to wait for


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_close_deletes_the_session_file_and_its_registry_entry(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        store = session.app.state
        await workflow(session, action="start", workflow="bootstrap", route="classic", intent="node")
        (session_id,) = store.session_ids()
        session_file = store.sessions_dir / f"{session_id}.json"
        await workflow(session, action="complete", step="discover", plan=NODE_PAIR_PLAN)
        await workflow(session, action="complete", step="provision")
        assert session_file.is_file() and [e.session_id for e in store.registry().sessions] == [session_id]
        closed = await workflow(session, action="complete", step="close")
        listed = await workflow(session, action="list")
    assert closed["status"] == "finished"
    assert not session_file.exists()
    assert store.session_ids() == []
    assert store.registry().sessions == []
    assert listed["data"]["sessions"] == []


# --- export --------------------------------------------------------------------------------------


def _source(work: Path, zerops_yaml: str) -> None:
    (work / "zerops.yaml").write_text(zerops_yaml, encoding="utf-8")
    (work / ".git").mkdir(exist_ok=True)
    (work / ".git" / "config").write_text(GIT_CONFIG, encoding="utf-8")


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_an_export_whose_zerops_yaml_fails_validation_lists_the_errors_and_publishes_nothing(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    broken = NODE_ZEROPS_YAML.replace("      start: node server.js\n", "      startz: node server.js\n")
    assert broken != NODE_ZEROPS_YAML
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        await workflow(
            session, action="git-push-setup", service="appdev", remoteUrl="https://github.com/acme/shop.git"
        )
        _source(tmp_path / "work", broken)
        failed = await workflow(session, workflow="export", targetService="appdev", variant="stage")
    assert failed["status"] == "validation-failed", failed
    data = failed["data"]
    assert "bundle" not in data
    (error,) = data["errors"]
    assert error["file"] == "zerops.yaml" and "startz" in error["path"] + error["message"]
    assert data["preview"]["zeropsYaml"] == broken
    assert data["preview"]["setupName"] == "prod"


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_a_publish_ready_bundle_carries_the_zerops_yaml_it_was_validated_with(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        await workflow(
            session, action="git-push-setup", service="appdev", remoteUrl="https://github.com/acme/shop.git"
        )
        _source(tmp_path / "work", NODE_ZEROPS_YAML)
        ready = await workflow(session, workflow="export", targetService="appdev", variant="stage")
    assert ready["status"] == "publish-ready", ready
    bundle = ready["data"]["bundle"]
    assert bundle["zeropsYaml"] == NODE_ZEROPS_YAML
    assert (bundle["zeropsFile"], bundle["setupName"], bundle["repoUrl"]) == (
        "zerops.yaml",
        "prod",
        "https://github.com/acme/shop.git",
    )
    runtime = next(s for s in yaml.safe_load(bundle["importYaml"])["services"] if s["hostname"] == "appstage")
    assert runtime["zeropsSetup"] == bundle["setupName"]


# --- the state hint in the server's instructions -------------------------------------------------


def _open_sessions(state: Path, *, pid: int) -> None:
    store = StateStore(state, pid=pid)
    session = BootstrapSession(
        session_id=f"{pid:016x}"[-16:],
        pid=pid,
        intent="node app",
        bootstrap=BootstrapState(
            current_step=0,
            steps=[StepState(name="discover", status="in_progress"), StepState(name="provision")],
        ),
    )
    store.write_session(session)
    store.register(RegistryEntry(session_id=session.session_id, pid=pid, workflow="bootstrap"))
    now = store.now_text()
    store.write_work_session(
        WorkSession(
            pid=pid,
            project_id="p",
            environment="local",
            intent="add a login page",
            services=["appdev", "appstage"],
            created_at=now,
            last_activity_at=now,
        )
    )


def _hint_lines(instructions: str | None) -> list[str]:
    assert instructions is not None
    return [line for line in instructions.splitlines() if "zerops_workflow" in line]


@pytest.mark.sandbox(seed="standard", time_scale=0)
async def test_the_instructions_name_the_sessions_this_process_has_open(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    _open_sessions(state, pid=os.getpid())
    _open_sessions(state, pid=os.getppid())  # a live process that is not this one: not ours to mention
    async with workflow_session(sandbox, tmp_path) as session:
        instructions = session.client.instructions
    own = f"{os.getpid():016x}"[-16:]
    assert _hint_lines(instructions) == [
        f'- A bootstrap is open (session {own}): continue with `zerops_workflow action="status"`.',
        "- A develop session is open for 'add a login page' on appdev, appstage: "
        'call `zerops_workflow action="status"` before anything else.',
    ]
    assert f"{os.getppid():016x}"[-16:] not in (instructions or "")


@pytest.mark.sandbox(seed="standard", time_scale=0)
async def test_the_instructions_say_so_when_the_state_cannot_be_read_and_nothing_when_nothing_is_open(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    (tmp_path / "empty-state").mkdir()
    async with workflow_session(sandbox, tmp_path, state_dir=tmp_path / "empty-state") as session:
        nothing = session.client.instructions
    broken = tmp_path / "state"
    broken.mkdir()
    (broken / "registry.json").write_text("{not json", encoding="utf-8")
    async with workflow_session(sandbox, tmp_path) as session:
        unreadable = session.client.instructions
    assert _hint_lines(nothing) == []
    assert _hint_lines(unreadable) == [
        '- Workflow state could not be read (STATE_CORRUPT); `zerops_workflow action="reset"` clears it.'
    ]
