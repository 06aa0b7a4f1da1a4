"""The sandbox's SSH server: one port, the username picks the service, commands run in its tree."""

from __future__ import annotations

import os
import re
from pathlib import Path

import anyio
import pytest

from tests.plugins.sandbox import ContainersHandle
from zcp.errors import HostKeyRejected, SshError
from zcp.remote.shell import Shell, quote
from zcp.sandbox.children import alive

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def sh(script: str) -> Shell:
    return quote(["bash", "-c", script])


async def test_a_command_runs_in_the_service_tree_with_its_environment(containers: ContainersHandle) -> None:
    tree = containers.tree("appdev")
    (tree / "zerops.yaml").write_text("zerops: []\n")
    runner = containers.runner()
    try:
        result = await runner.run(
            "appdev",
            sh('pwd; echo "$hostname $serviceId"; cat /var/www/zerops.yaml; command -v zcli'),
            timeout=20,
        )
    finally:
        await runner.aclose()
    lines = result.stdout.splitlines()
    assert result.exit_status == 0, result.stderr
    assert Path(lines[0]) == tree
    assert lines[1] == f"appdev {containers.service('appdev').id}"
    assert lines[2] == "zerops: []"
    assert lines[3].endswith("/bin/zcli")


async def test_exit_status_streams_stdin_and_env_behave_like_ssh_exec(containers: ContainersHandle) -> None:
    runner = containers.runner()
    try:
        failed = await runner.run("appdev", sh("echo out; echo err >&2; exit 7"), timeout=20)
        fed = await runner.run("appdev", quote(["cat"]), stdin="line one\nline two\n", timeout=20)
        env = await runner.run(
            "appdev", sh('printf %s "$ZCP_TEST_SECRET"'), env={"ZCP_TEST_SECRET": "s3"}, timeout=20
        )
        no_stdin = await runner.run("appdev", quote(["cat"]), timeout=20)
        killed = await runner.run("appdev", sh("kill -TERM $$"), timeout=20)
    finally:
        await runner.aclose()
    assert (failed.exit_status, failed.stdout, failed.stderr) == (7, "out\n", "err\n")
    assert fed.stdout == "line one\nline two\n"
    assert env.stdout == "s3"
    assert (no_stdin.exit_status, no_stdin.stdout) == (0, "")
    assert killed.exit_status == 128 + 15


async def test_a_timed_out_command_is_reported_and_its_process_group_killed(
    containers: ContainersHandle,
) -> None:
    pid_file = containers.tree("appdev") / "pid"
    runner = containers.runner()
    try:
        result = await runner.run("appdev", sh("echo started; echo $$ > /var/www/pid; sleep 30"), timeout=1.0)
        again = await runner.run("appdev", quote(["true"]), timeout=20)
    finally:
        await runner.aclose()
    assert result.timed_out
    assert result.stdout == "started\n"
    assert again.ok, "the connection stays usable after a timeout"
    pid = int(pid_file.read_text())
    with anyio.fail_after(10):
        while alive(pid):
            await anyio.sleep(0.05)


async def test_an_unknown_or_managed_hostname_fails_authentication(containers: ContainersHandle) -> None:
    runner = containers.runner()
    try:
        for hostname in ("nosuch", "db"):
            with pytest.raises(SshError) as error:
                await runner.run(hostname, quote(["true"]), timeout=10)
            assert error.value.code == "SSH_FAILED"
            assert error.value.details == {"hostname": hostname, "reason": "auth"}
    finally:
        await runner.aclose()


async def test_a_service_created_later_is_reachable_and_its_tree_goes_with_it(
    containers: ContainersHandle,
) -> None:
    import httpx

    async with httpx.AsyncClient(timeout=10) as http:
        client = containers.client(http)
        project = containers.project()
        await client.import_services(
            project.id, "services:\n  - hostname: worker\n    type: python@3.12\n    startWithoutCode: true\n"
        )
        tree = containers.tree("worker")
        assert tree.is_dir()
        runner = containers.runner()
        try:
            result = await runner.run("worker", sh("touch /var/www/made-here && ls /var/www"), timeout=20)
        finally:
            await runner.aclose()
        assert result.stdout == "made-here\n"
        assert (tree / "made-here").is_file()
        await client.delete_service(containers.service("worker").id)
        containers.advance(60)
    assert not tree.exists()
    assert not (containers.host.trees.hosts / "worker").exists()


async def test_the_host_key_is_pinned_never_trusted_on_first_use_by_default(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    strict = containers.runner(explicit=None)
    with pytest.raises(HostKeyRejected):
        await strict.run("appdev", quote(["true"]), timeout=10)
    wrong = tmp_path / "wrong_known_hosts"
    other = (
        containers.endpoint.known_hosts_line.rsplit(" ", 1)[0]
        + " "
        + ("AAAAC3NzaC1lZDI1NTE5AAAAIMyQjxCkDfAmHZeSXAxCFrSfTN6S6a5d+sBNlGhAblwK")
    )
    wrong.write_text(other + "\n")
    mismatched = containers.runner(explicit=wrong)
    with pytest.raises(HostKeyRejected):
        await mismatched.run("appdev", quote(["true"]), timeout=10)
    pins = tmp_path / "pins.known_hosts"
    tofu = containers.runner(explicit=None, pin_file=pins, policy="tofu")
    try:
        assert (await tofu.run("appdev", quote(["true"]), timeout=10)).ok
    finally:
        await tofu.aclose()
    assert pins.read_text().strip() == containers.endpoint.known_hosts_line
    pinned = containers.runner(explicit=None, pin_file=pins)
    try:
        assert (await pinned.run("appdev", quote(["true"]), timeout=10)).ok
    finally:
        await pinned.aclose()


async def test_background_processes_outlive_the_session_but_not_the_sandbox(
    containers: ContainersHandle,
) -> None:
    runner = containers.runner()
    try:
        started = await runner.run(
            "appdev",
            sh(
                "nohup sleep 300 > /dev/null 2>&1 & echo $!; "
                "setsid sleep 301 > /dev/null 2>&1 < /dev/null & echo $!; "
                "( setsid bash -c 'sleep 302 & echo $!' > /tmp/grandchild.pid 2>&1 & ); sleep 0.2; cat /tmp/grandchild.pid"
            ),
            timeout=20,
        )
    finally:
        await runner.aclose()
    pids = [int(p) for p in re.findall(r"\d+", started.stdout)]
    assert len(pids) == 3, started
    assert all(alive(pid) for pid in pids), "detached processes survive their SSH session"
    containers.server.stop()
    assert [pid for pid in pids if alive(pid)] == []
    assert os.getpgid(os.getpid()) != pids[0]


async def test_sftp_is_served_chrooted_to_the_service_tree(containers: ContainersHandle) -> None:
    import asyncssh

    (containers.tree("appdev") / "index.js").write_text("x")
    endpoint = containers.endpoint
    async with (
        asyncssh.connect(
            endpoint.host,
            endpoint.port,
            username="appdev",
            client_keys=[str(endpoint.client_key_path)],
            known_hosts=str(endpoint.known_hosts_path),
            agent_path=None,
            config=None,
        ) as connection,
        connection.start_sftp_client() as sftp,
    ):
        assert sorted(await sftp.listdir("/")) == [".", "..", "index.js"]
        assert sorted(await sftp.listdir("/../..")) == [".", "..", "index.js"]  # nothing above the tree


async def test_a_host_that_fails_to_start_leaves_no_folder_or_port_behind() -> None:
    from zcp.sandbox import ContainerHost, Sandbox

    def explode(host: ContainerHost) -> None:
        raise RuntimeError("boom")

    sandbox = Sandbox(scenario="standard")
    host = ContainerHost(on_started=explode)
    with pytest.raises(RuntimeError):
        await host.start(sandbox)
    assert not host.trees.root.exists()
    assert sandbox.host is None
