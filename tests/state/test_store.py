"""The state folder: files in the original zcp's shape, corrupt files refused loudly, a registry that
loses nothing under concurrent processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zcp.clock import ManualClock
from zcp.errors import InvalidParameter, StateCorrupt, StateVersionUnsupported, WorkSessionCorrupt
from zcp.state.models import RegistryEntry, ServiceMeta, WorkSession
from zcp.state.store import StateStore

REPO = Path(__file__).resolve().parents[2]

#: Files exactly as the Go zcp writes them (workflow-engine.md §5.1, §6.1, §7.1, §8).
GO_META = {
    "hostname": "appdev",
    "mode": "standard",
    "stageHostname": "appstage",
    "closeDeployMode": "auto",
    "closeDeployModeConfirmed": True,
    "gitPushState": "unconfigured",
    "buildIntegration": "none",
    "bootstrapSession": "a1b2c3d4e5f60718",
    "bootstrappedAt": "2026-05-02",
    "firstDeployedAt": "2026-05-02T10:00:00Z",
}
GO_SESSION = {
    "version": "1",
    "sessionId": "a1b2c3d4e5f60718",
    "pid": 4242,
    "projectId": "proj1",
    "workflow": "bootstrap",
    "iteration": 0,
    "intent": "node app with postgres",
    "createdAt": "2026-05-02T09:00:00Z",
    "updatedAt": "2026-05-02T09:05:00Z",
    "bootstrap": {
        "active": True,
        "currentStep": 1,
        "steps": [
            {
                "name": "discover",
                "status": "complete",
                "attestation": "Planned targets: appdev (nodejs@22)",
                "completedAt": "2026-05-02T09:05:00Z",
            },
            {"name": "provision", "status": "in_progress"},
            {"name": "close", "status": "pending"},
        ],
        "plan": {
            "targets": [
                {
                    "runtime": {
                        "devHostname": "appdev",
                        "type": "nodejs@22",
                        "bootstrapMode": "standard",
                        "stageHostname": "appstage",
                    },
                    "dependencies": [
                        {"hostname": "db", "type": "postgresql@16", "mode": "NON_HA", "resolution": "CREATE"}
                    ],
                }
            ],
            "createdAt": "2026-05-02T09:05:00Z",
        },
        "discoveredEnvVars": {"db": ["connectionString", "hostname", "password"]},
    },
}
GO_WORK = {
    "version": "1",
    "pid": 4242,
    "projectId": "proj1",
    "environment": "container",
    "intent": "add login",
    "services": ["appdev", "appstage"],
    "createdAt": "2026-05-02T11:00:00Z",
    "lastActivityAt": "2026-05-02T11:10:00Z",
    "deploys": {
        "appdev": [
            {
                "attemptedAt": "2026-05-02T11:01:00Z",
                "error": "build failed",
                "failureClass": "build",
                "strategy": "zcli",
            },
            {
                "attemptedAt": "2026-05-02T11:05:00Z",
                "succeededAt": "2026-05-02T11:06:00Z",
                "setup": "dev",
                "strategy": "zcli",
            },
        ]
    },
    "verifies": {
        "appdev": [
            {
                "attemptedAt": "2026-05-02T11:07:00Z",
                "passedAt": "2026-05-02T11:07:01Z",
                "summary": "healthy",
                "passed": True,
            }
        ]
    },
}
GO_REGISTRY = {
    "version": "1",
    "sessions": [
        {
            "sessionId": "a1b2c3d4e5f60718",
            "pid": 4242,
            "workflow": "bootstrap",
            "projectId": "proj1",
            "intent": "node app",
            "createdAt": "2026-05-02T09:00:00Z",
            "updatedAt": "2026-05-02T09:05:00Z",
        },
        {
            "sessionId": "work-4242",
            "pid": 4242,
            "workflow": "work",
            "projectId": "proj1",
            "intent": "add login",
            "createdAt": "2026-05-02T11:00:00Z",
            "updatedAt": "2026-05-02T11:00:00Z",
        },
    ],
}


def write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore(tmp_path / "state", clock=ManualClock(), pid=4242, alive=lambda pid: pid == 4242)


def test_files_written_by_the_go_zcp_load_as_they_are(store: StateStore) -> None:
    write(store.services_dir / "appdev.json", GO_META)
    write(store.sessions_dir / "a1b2c3d4e5f60718.json", GO_SESSION)
    write(store.work_dir / "4242.json", GO_WORK)
    write(store.registry_path, GO_REGISTRY)

    meta = store.meta("appstage")  # the stage half finds the pair's file
    assert meta is not None and meta.hostname == "appdev" and meta.complete and meta.deployed
    assert not meta.adopted and meta.role_of("appstage") == "stage"
    session = store.session("a1b2c3d4e5f60718")
    assert session is not None and session.bootstrap is not None and session.bootstrap.plan is not None
    assert session.bootstrap.plan.targets[0].dependencies[0].resolution == "CREATE"
    work = store.work_session()
    assert work is not None and work.deploys is not None and work.deploys["appdev"][1].succeeded_at
    assert [e.session_id for e in store.registry().sessions] == ["a1b2c3d4e5f60718", "work-4242"]


def test_rewriting_a_go_file_keeps_every_key_it_had(store: StateStore) -> None:
    extended = {**GO_META, "someFutureField": {"x": 1}}
    write(store.services_dir / "appdev.json", extended)
    meta = store.meta("appdev")
    assert meta is not None
    store.write_meta(meta)
    assert json.loads((store.services_dir / "appdev.json").read_text(encoding="utf-8")) == extended


def test_an_adopted_meta_keeps_its_empty_session_and_date_keys(store: StateStore) -> None:
    store.write_meta(ServiceMeta(hostname="api", mode="dev", bootstrapped_at="2026-01-01"))
    data = json.loads((store.services_dir / "api.json").read_text(encoding="utf-8"))
    assert data["bootstrapSession"] == "" and data["bootstrappedAt"] == "2026-01-01"
    assert store.meta("api") is not None and store.meta("api").adopted  # type: ignore[union-attr]


def test_a_corrupt_work_session_names_the_file_and_the_reset_call(store: StateStore) -> None:
    store.work_dir.mkdir(parents=True)
    store.work_path().write_text("{not json", encoding="utf-8")
    with pytest.raises(WorkSessionCorrupt) as raised:
        store.work_session()
    wire = raised.value.to_wire()
    assert wire["code"] == "WORK_SESSION_CORRUPT"
    assert str(store.work_path()) in wire["error"]
    assert wire["recovery"] == {"tool": "zerops_workflow", "args": {"action": "reset"}}
    assert store.work_path().read_text(encoding="utf-8") == "{not json"  # never overwritten


def test_a_meta_of_the_wrong_shape_is_refused_with_state_corrupt(store: StateStore) -> None:
    write(store.services_dir / "app.json", {"hostname": "app", "mode": "sideways"})
    with pytest.raises(StateCorrupt) as raised:
        store.list_metas()
    assert raised.value.code == "STATE_CORRUPT" and "app.json" in raised.value.message


def test_a_file_from_a_newer_zcp_is_refused_and_left_alone(store: StateStore) -> None:
    write(store.registry_path, {**GO_REGISTRY, "version": "2"})
    before = store.registry_path.read_bytes()
    with pytest.raises(StateVersionUnsupported):
        store.registry()
    with pytest.raises(StateVersionUnsupported), store.registry_update():
        pass
    assert store.registry_path.read_bytes() == before
    assert store.unreadable_files() == []  # reset will not move it aside either


def test_quarantine_moves_a_corrupt_file_aside_without_deleting_it(store: StateStore) -> None:
    write(store.services_dir / "app.json", ["not", "an", "object"])
    assert store.unreadable_files() == [store.services_dir / "app.json"]
    moved = store.quarantine(store.services_dir / "app.json")
    assert moved.exists() and json.loads(moved.read_text(encoding="utf-8")) == ["not", "an", "object"]
    assert store.list_metas() == []


def test_session_ids_that_could_escape_the_folder_are_refused(store: StateStore) -> None:
    for bad in ["../registry", "a/b", "", "ZZZZZZZZ"]:
        with pytest.raises(InvalidParameter):
            store.session(bad)


def test_orphan_metas_are_pruned_when_neither_half_is_live(store: StateStore) -> None:
    store.write_meta(ServiceMeta(hostname="appdev", mode="standard", stage_hostname="appstage"))
    store.write_meta(ServiceMeta(hostname="gone", mode="dev"))
    assert store.prune_orphan_metas({"appstage", "db"}) == ["gone"]
    assert [m.hostname for m in store.list_metas()] == ["appdev"]


def test_pruning_drops_dead_processes_and_day_old_entries_but_never_our_own(tmp_path: Path) -> None:
    clock = ManualClock()
    store = StateStore(tmp_path, clock=clock, pid=1, alive=lambda pid: pid in (1, 2, 3))
    store.register(
        RegistryEntry(session_id="ours", pid=1, workflow="work", updated_at="2020-01-01T00:00:00Z")
    )
    store.register(
        RegistryEntry(session_id="dead", pid=99, workflow="bootstrap", updated_at=store.now_text())
    )
    store.register(
        RegistryEntry(session_id="fresh", pid=2, workflow="bootstrap", updated_at=store.now_text())
    )
    store.register(RegistryEntry(session_id="old", pid=3, workflow="work", updated_at="2020-01-01T00:00:00Z"))
    with store.registry_update() as registry:
        dropped = store.prune(registry)
    assert sorted(e.session_id for e in dropped) == ["dead", "old"]
    assert sorted(e.session_id for e in store.registry().sessions) == ["fresh", "ours"]


def test_registering_twice_replaces_the_entry(store: StateStore) -> None:
    store.register(RegistryEntry(session_id="work-4242", pid=4242, workflow="work", intent="a"))
    store.register(RegistryEntry(session_id="work-4242", pid=4242, workflow="work", intent="b"))
    assert [e.intent for e in store.registry().sessions] == ["b"]


def test_three_processes_registering_and_pruning_at_once_lose_no_entry(tmp_path: Path) -> None:
    count = 40
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.state.registry_worker",
                str(tmp_path),
                name,
                str(count),
                str(os.getpid()),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b", "c")
    ]
    for worker in workers:
        out, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0 and out.strip() == "ok"
    ids = {e.session_id for e in StateStore(tmp_path).registry().sessions}
    assert len(ids) == 3 * count


def test_a_work_session_round_trips(store: StateStore) -> None:
    session = WorkSession(pid=4242, intent="x", services=["app"], created_at=store.now_text())
    store.write_work_session(session)
    loaded = store.work_session()
    assert loaded == session and not loaded.closed
    assert store.delete_work_session() and store.work_session() is None
