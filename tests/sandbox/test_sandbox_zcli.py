"""The zcli stand-in on a service's PATH: login and push through the sandbox API, over SSH."""

from __future__ import annotations

import stat

import pytest

from tests.plugins.sandbox import ContainersHandle
from zcp.remote import commands
from zcp.remote.shell import Shell, all_of, quote

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

YAML = """\
zerops:
  - setup: appdev
    build:
      base: nodejs@22
      buildCommands: [npm ci]
      deployFiles: ./
    run:
      base: nodejs@22
      ports:
        - port: 3000
          httpSupport: true
      start: node server.js
"""
FAST = {"ZCP_ZCLI_POLL_INTERVAL": "0.05"}


def _write_app(containers: ContainersHandle, yaml: str = YAML) -> None:
    tree = containers.tree("appdev")
    (tree / "zerops.yaml").write_text(yaml)
    (tree / "server.js").write_text("console.log('hi')\n")


def _push(containers: ContainersHandle) -> Shell:
    service_id = containers.service("appdev").id
    return all_of(
        commands.ensure_git_repo(), commands.commit_all(), commands.zcli_push(service_id, setup="appdev")
    )


async def test_zcli_push_over_ssh_deploys_with_the_token_from_the_session_env(
    containers: ContainersHandle,
) -> None:
    _write_app(containers)
    runner = containers.runner()
    try:
        result = await runner.run(
            "appdev", _push(containers), env={"ZEROPS_TOKEN": containers.token, **FAST}, timeout=60
        )
    finally:
        await runner.aclose()
    assert result.exit_status == 0, result.stdout + result.stderr
    assert "• Deploying service" in result.stdout
    assert "BUILD ARTEFACTS READY TO DEPLOY" in result.stdout
    assert "✓ Deploying service - finished" in result.stdout
    with containers.sandbox.lock:
        service = containers.service("appdev")
        newest = max(
            (v for v in containers.sandbox.state.app_versions.values() if v.service_id == service.id),
            key=lambda v: v.sequence,
        )
        assert (newest.status, newest.source, newest.setup) == ("ACTIVE", "CLI", "appdev")
        assert newest.user_id is not None
        assert newest.upload_size


async def test_a_failing_build_makes_zcli_exit_non_zero(containers: ContainersHandle) -> None:
    _write_app(containers, YAML.replace("buildCommands: [npm ci]", "buildCommands: [exit 1]"))
    runner = containers.runner()
    try:
        result = await runner.run(
            "appdev", _push(containers), env={"ZEROPS_TOKEN": containers.token, **FAST}, timeout=60
        )
    finally:
        await runner.aclose()
    assert result.exit_status == 1
    assert "Command failed with exit code 1" in result.stdout
    assert "✗ Deploying service - failed" in result.stderr


async def test_login_reads_the_token_from_stdin_and_push_uses_the_stored_login(
    containers: ContainersHandle,
) -> None:
    _write_app(containers)
    runner = containers.runner()
    try:
        login = await runner.run(
            "appdev", quote(["zcli", "login"]), stdin=containers.token + "\n", timeout=30
        )
        pushed = await runner.run("appdev", _push(containers), env=FAST, timeout=60)
        wrong = await runner.run("appdev", quote(["zcli", "login"]), stdin="not-a-token\n", timeout=30)
    finally:
        await runner.aclose()
    assert login.exit_status == 0, login.stderr
    assert "Welcome to Zerops, Jane Doe" in login.stdout
    stored = containers.host.trees.home(containers.service("appdev").id) / ".config" / "zerops" / "cli.data"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert containers.token in stored.read_text()
    assert pushed.exit_status == 0, pushed.stdout + pushed.stderr
    assert wrong.exit_status == 1


async def test_push_without_any_login_says_how_to_log_in(containers: ContainersHandle) -> None:
    _write_app(containers)
    runner = containers.runner()
    try:
        result = await runner.run("appdev", _push(containers), env=FAST, timeout=60)
    finally:
        await runner.aclose()
    assert result.exit_status == 1
    assert "zcli login" in result.stderr
