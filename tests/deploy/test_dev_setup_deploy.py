"""A deploy of a setup that starts no app (``run.start: zsc noop``) points at the dev server first.

The rule itself (:func:`zcp.ops.deploy.devserver.start_after_deploy`) is pure; zerops_deploy is then
checked inside the sandbox project (real SSH, simulated builds): the dev setup's deploy answers with
``zerops_dev_server action="start"`` carrying the declared port, a setup with a real start with
``zerops_verify``. The whole loop with code that really runs is in ``test_deploy_run_code.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.harness import container_session, local_session, open_develop, write_app, write_meta
from tests.plugins.sandbox import ContainersHandle
from tests.tools.harness import commands
from zcp.calls import ToolCall
from zcp.ops.deploy.devserver import COMMAND_PLACEHOLDER, start_after_deploy

TOOL = "zerops_deploy"

#: A dev setup whose deploy starts nothing (the dev server is the agent's to start).
NOOP_YAML = """\
zerops:
  - setup: dev
    build:
      base: nodejs@22
      deployFiles: ./
    run:
      base: nodejs@22
      ports:
        - port: 3101
          httpSupport: true
        - port: 9229
      start: zsc noop --silent
"""


def _entry(run: dict[str, Any]) -> dict[str, Any]:
    return {"setup": "dev", "build": {"deployFiles": "./"}, "run": run}


PORTS = [{"port": 5173, "httpSupport": True}, {"port": 24678}]


@pytest.mark.parametrize(
    "start",
    ["zsc noop --silent", "zsc noop", "  zsc   noop  ", None, ""],
    ids=["noop-silent", "noop", "noop-spaces", "absent", "empty"],
)
def test_a_dynamic_runtime_whose_start_runs_nothing_needs_its_dev_server(start: str | None) -> None:
    run: dict[str, Any] = {"base": "nodejs@22", "ports": PORTS}
    if start is not None:
        run["start"] = start
    call = start_after_deploy("webdev", "nodejs@22", _entry(run))
    assert call == ToolCall.of(
        "zerops_dev_server", action="start", hostname="webdev", command=COMMAND_PLACEHOLDER, port=5173
    )


@pytest.mark.parametrize(
    ("type_version", "run"),
    [
        ("nodejs@22", {"start": "npm run dev", "ports": PORTS}),  # the deploy starts the app
        ("nodejs@22", {"start": "zsc noopx", "ports": PORTS}),  # not zsc noop
        ("php-nginx@8.4", {"ports": [{"port": 80}]}),  # its web server serves on its own
        ("static", {}),
        ("nginx@1.22", {"start": "zsc noop --silent"}),
    ],
    ids=["real-start", "not-noop", "php", "static", "nginx"],
)
def test_a_start_command_or_a_built_in_web_server_serves_without_one(
    type_version: str, run: dict[str, Any]
) -> None:
    assert start_after_deploy("webdev", type_version, _entry(run)) is None


def test_without_a_port_the_dev_server_starts_without_an_http_probe() -> None:
    call = start_after_deploy("worker", "python@3.12", _entry({"start": "zsc noop --silent"}))
    assert call is not None
    assert call.command == (
        f'zerops_dev_server action="start" hostname="worker" command="{COMMAND_PLACEHOLDER}" noHttpProbe=true'
    )


def test_the_runtime_is_read_from_run_base_when_the_service_type_is_unknown() -> None:
    assert start_after_deploy("app", "", _entry({"base": "go@1", "start": "zsc noop"})) is not None
    assert start_after_deploy("app", "", _entry({"base": "php-apache@8.3"})) is None


def test_the_start_the_agent_is_sent_to_is_a_call_zerops_dev_server_takes() -> None:
    """The placeholder is the one thing left to fill; the rest validates against the tool."""
    call = start_after_deploy("appdev", "nodejs@22", yaml.safe_load(NOOP_YAML)["zerops"][0])
    assert call is not None
    assert set(call.args) == {"action", "hostname", "command", "port"}
    assert call.args["port"] == 3101  # the first run.ports port, not the debugger's


@pytest.mark.anyio
@pytest.mark.containers(seed="standard")
async def test_a_container_deploy_of_a_noop_dev_setup_starts_the_dev_server_before_verifying(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    write_app(containers.tree("appdev"), yaml=NOOP_YAML)
    async with container_session(containers, tmp_path) as session:
        write_meta(session, "appdev", stage_hostname="appstage", mode="standard")
        open_develop(session, ["appdev"])
        data = await session.ok(TOOL, {"targetService": "appdev"})
    assert (data["status"], data["setup"]) == ("DEPLOYED", "dev")
    assert commands(data) == [
        f'zerops_dev_server action="start" hostname="appdev" command="{COMMAND_PLACEHOLDER}" port=3101',
        'zerops_verify serviceHostname="appdev"',
        'zerops_logs serviceHostname="appdev" severity="error" since="5m"',
    ]
    assert "starts no app" in data["message"]


@pytest.mark.anyio
@pytest.mark.containers(seed="standard")
async def test_a_setup_whose_start_runs_the_app_is_verified_next(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    write_app(containers.tree("appdev"), yaml=NOOP_YAML.replace("zsc noop --silent", "node server.js"))
    async with container_session(containers, tmp_path) as session:
        write_meta(session, "appdev", stage_hostname="appstage", mode="standard")
        open_develop(session, ["appdev"])
        data = await session.ok(TOOL, {"targetService": "appdev"})
        status = await session.ok("zerops_workflow", {"action": "status"})
        work = session.app.state.work_session()
    assert data["status"] == "DEPLOYED"
    assert commands(data)[0] == 'zerops_verify serviceHostname="appdev"'
    assert "zerops_dev_server" not in " ".join(commands(data))
    # The workflow status agrees with the deploy: no dev server for a setup that started the app.
    primary = status["nextActions"][0]
    assert (primary["tool"], primary["args"]) == ("zerops_verify", {"serviceHostname": "appdev"})
    assert work is not None and work.deploys and work.deploys["appdev"][-1].starts_app is True


@pytest.mark.anyio
@pytest.mark.containers(seed="standard")
async def test_from_a_laptop_the_dev_server_is_not_zcps_to_start_so_the_deploy_is_verified_next(
    containers: ContainersHandle, tmp_path: Path, no_zcli: None
) -> None:
    write_app(tmp_path / "work", yaml=NOOP_YAML)
    async with local_session(containers, tmp_path) as session:
        data = await session.ok(TOOL, {"targetService": "appdev", "setup": "dev"})
    assert (data["status"], data["mode"]) == ("DEPLOYED", "local")
    assert commands(data)[0] == 'zerops_verify serviceHostname="appdev"'
