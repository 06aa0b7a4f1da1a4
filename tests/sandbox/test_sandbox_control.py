"""The control API steers a running sandbox over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.sandbox import Sandbox, SandboxServer, SystemClock


@pytest.fixture
def control(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url + "/_sandbox", timeout=5) as http:
        yield http


@pytest.mark.sandbox(seed="standard")
def test_health_reports_the_scenario_clock_and_token(sandbox: SandboxHandle, control: httpx.Client) -> None:
    health = control.get("/health").json()
    assert (health["ok"], health["scenario"], health["token"]) == (True, "standard", sandbox.token)
    assert health["time"] == "2025-06-02T08:00:00Z"


@pytest.mark.sandbox(seed="standard")
def test_faults_are_added_listed_and_removed(sandbox: SandboxHandle, control: httpx.Client) -> None:
    added = control.post("/faults", json={"endpoint": "get_process", "status": 503, "times": 2}).json()
    assert control.get("/faults").json()["items"][0]["id"] == added["id"]
    assert control.delete(f"/faults/{added['id']}").json() == {"items": []}
    assert control.delete("/faults/nope").status_code == 404
    assert control.post("/faults", json={"status": "soon"}).status_code == 400
    control.post("/faults", json={"latency": 0.01})
    assert control.delete("/faults").json() == {"items": []}


@pytest.mark.sandbox(seed="standard")
def test_advancing_the_clock_lets_processes_finish(sandbox: SandboxHandle, control: httpx.Client) -> None:
    from zcp.sandbox.lifecycle import change_state

    emulator = sandbox.sandbox
    with emulator.lock:
        started = change_state(
            emulator, emulator.state.grants[sandbox.token], sandbox.service("appdev").id, "restart"
        )
    assert control.post("/clock/advance", json={"seconds": 10}).json()["time"] == "2025-06-02T08:00:10Z"
    assert started.status == "FINISHED"
    assert control.post("/clock/advance", json={"seconds": -1}).status_code == 400


@pytest.mark.sandbox(seed="standard")
def test_reset_switches_scenario_and_refuses_unknown_ones(
    sandbox: SandboxHandle, control: httpx.Client
) -> None:
    assert (
        control.post("/reset", json={"scenario": "adoptable", "timeScale": 0}).json()["scenario"]
        == "adoptable"
    )
    assert sandbox.sandbox.time_scale == 0
    assert {s["name"] for s in control.get("/state").json()["services"]} >= {"api", "web", "cache"}
    assert control.post("/reset", json={"scenario": "nope"}).status_code == 400


@pytest.mark.sandbox(seed="standard")
def test_log_lines_and_deploys_can_be_injected(sandbox: SandboxHandle, control: httpx.Client) -> None:
    entry = control.post("/logs", json={"hostname": "appdev", "message": "injected", "severity": 3}).json()
    assert (entry["message"], entry["severityLabel"]) == ("injected", "Error")
    yaml_text = "zerops:\n  - setup: appdev\n    build:\n      base: nodejs@22\n      deployFiles: ./\n    run:\n      start: node s.js\n"
    deploy = control.post(
        "/deploys", json={"hostname": "appdev", "zeropsYaml": yaml_text, "outcome": "build_failed"}
    ).json()
    assert deploy["process"]["actionName"] == "stack.build"
    sandbox.advance(30)
    assert sandbox.sandbox.state.app_versions[deploy["appVersion"]["id"]].status == "BUILD_FAILED"
    assert control.post("/deploys", json={"hostname": "nobody", "zeropsYaml": yaml_text}).status_code == 404
    assert (
        control.post(
            "/deploys", json={"hostname": "appdev", "zeropsYaml": yaml_text, "outcome": "meh"}
        ).status_code
        == 400
    )


@pytest.mark.sandbox(seed="standard")
def test_the_request_log_and_import_failures_are_exposed(
    sandbox: SandboxHandle, control: httpx.Client
) -> None:
    httpx.get(f"{sandbox.url}/api/rest/public/user/info", timeout=5)
    assert control.get("/requests").json()["items"][-1] == {
        "method": "GET",
        "path": "/api/rest/public/user/info",
        "route": "get_user_info",
        "status": 401,
        "fault": None,
    }
    assert control.post("/import-failures", json={"hostname": "cache"}).json() == {
        "importFailures": ["cache"]
    }
    assert control.post("/logs", content=b"[1]").status_code == 400


def test_a_system_clock_cannot_be_advanced() -> None:
    with SandboxServer(Sandbox(clock=SystemClock(), scenario="empty")) as server:
        reply = httpx.post(f"{server.url}/_sandbox/clock/advance", json={"seconds": 1}, timeout=5)
    assert reply.status_code == 409
