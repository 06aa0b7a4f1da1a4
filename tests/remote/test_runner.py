"""The runner seam without a network: results, the fake, host-key pins, settings, lazy imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from zcp.config import load_settings
from zcp.errors import ConfigError, HostKeyRejected, InvalidHostname, SshError
from zcp.remote import commands
from zcp.remote.hostkeys import HostKeyStore, known_hosts_target
from zcp.remote.runner import FakeRunner, RemoteResult, SshOptions, SshRunner
from zcp.remote.shell import quote

pytestmark = pytest.mark.anyio

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMyQjxCkDfAmHZeSXAxCFrSfTN6S6a5d+sBNlGhAblwK"


def test_a_result_is_ok_only_when_it_exited_zero_in_time() -> None:
    assert RemoteResult(0).ok
    assert not RemoteResult(1).ok
    assert not RemoteResult(0, timed_out=True).ok
    assert RemoteResult(1, "a\nb\nc\n", "d\ne\n").tail(3) == "c\nd\ne"


async def test_the_fake_records_calls_and_answers_by_fragment() -> None:
    fake = FakeRunner().reply("zcli push", RemoteResult(1, "", "build failed"))
    pushed = await fake.run("appdev", commands.zcli_push("svc"), env={"ZEROPS_TOKEN": "t"}, timeout=5)
    plain = await fake.run("appdev", commands.ready(), timeout=5)
    assert (pushed.exit_status, plain.exit_status) == (1, 0)
    assert [c.command for c in fake.calls] == [commands.zcli_push("svc").text, "true"]
    assert fake.calls[0].env == {"ZEROPS_TOKEN": "t"}
    fake.unreachable.add("appstage")
    with pytest.raises(SshError):
        await fake.run("appstage", commands.ready(), timeout=5)


async def test_runners_take_only_built_commands_and_valid_hostnames() -> None:
    fake = FakeRunner()
    with pytest.raises(TypeError):
        await fake.run("appdev", "rm -rf /", timeout=5)  # type: ignore[arg-type]
    with pytest.raises(InvalidHostname):
        await fake.run("-oProxyCommand=x", quote(["true"]), timeout=5)


def test_ssh_options_format_host_and_user_per_service() -> None:
    options = SshOptions(host_template="{hostname}.zerops", port=2222, user_template="{hostname}")
    assert options.address("appdev") == ("appdev.zerops", 2222, "appdev")


async def test_a_strict_runner_refuses_an_unpinned_host_before_connecting(tmp_path: Path) -> None:
    runner = SshRunner(
        SshOptions(host_template="127.0.0.1", port=1), HostKeyStore(pin_file=tmp_path / "pins")
    )
    with pytest.raises(HostKeyRejected) as error:
        await runner.run("appdev", quote(["true"]), timeout=5)
    assert error.value.details == {"host": "127.0.0.1", "port": 1, "policy": "strict"}


async def test_an_unreachable_host_is_an_ssh_error(tmp_path: Path) -> None:
    runner = SshRunner(
        SshOptions(host_template="127.0.0.1", port=1, connect_timeout=2),
        HostKeyStore(pin_file=tmp_path / "p", policy="off"),
    )
    with pytest.raises(SshError) as error:
        await runner.run("appdev", quote(["true"]), timeout=5)
    assert (error.value.code, error.value.details) == (
        "SSH_FAILED",
        {"hostname": "appdev", "reason": "unreachable"},
    )


def test_pins_are_recorded_matched_and_forgotten_per_host_and_port(tmp_path: Path) -> None:
    store = HostKeyStore(pin_file=tmp_path / "ssh" / "p.known_hosts", policy="tofu")
    assert not store.is_pinned("appdev", 22)
    store.pin("appdev", 22, KEY)
    store.pin("127.0.0.1", 2222, KEY)
    assert store.is_pinned("appdev", 22)
    assert store.is_pinned("127.0.0.1", 2222)
    assert not store.is_pinned("127.0.0.1", 22)
    assert known_hosts_target("127.0.0.1", 2222) == "[127.0.0.1]:2222"
    assert store.forget("appdev", 22)
    assert not store.is_pinned("appdev", 22)
    assert not store.forget("appdev", 22)
    assert (tmp_path / "ssh" / "p.known_hosts").stat().st_mode & 0o077 == 0


def test_ssh_and_mount_settings_are_read_and_validated(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "ZCP_SSH_HOST": "127.0.0.1",
            "ZCP_SSH_PORT": "2222",
            "ZCP_SSH_USER": "{hostname}",
            "ZCP_SSH_KEY": str(tmp_path / "key"),
            "ZCP_SSH_HOST_KEY_POLICY": "TOFU",
            "ZCP_MOUNT_MODE": "link",
            "ZCP_MOUNT_ROOT": str(tmp_path / "mnt"),
        },
        cwd=tmp_path,
    )
    assert (settings.ssh_host_template, settings.ssh_port, settings.ssh_user_template) == (
        "127.0.0.1",
        2222,
        "{hostname}",
    )
    assert (settings.ssh_host_key_policy, settings.mount_mode) == ("tofu", "link")
    defaults = load_settings({}, cwd=tmp_path)
    assert (defaults.ssh_port, defaults.ssh_user_template, defaults.ssh_host_key_policy) == (
        22,
        "zerops",
        "strict",
    )
    assert defaults.mount_root == Path("/var/www")
    store = HostKeyStore.for_project(defaults, "proj1")
    assert store.pin_file == tmp_path / ".zcp" / "state" / "ssh" / "proj1.known_hosts"
    for bad in (
        {"ZCP_SSH_PORT": "0"},
        {"ZCP_SSH_HOST_KEY_POLICY": "yolo"},
        {"ZCP_SSH_HOST": "{host}"},
        {"ZCP_MOUNT_MODE": "nfs"},
    ):
        with pytest.raises(ConfigError):
            load_settings(bad, cwd=tmp_path)


def test_the_remote_layer_does_not_import_asyncssh_until_it_connects() -> None:
    code = (
        "import sys, zcp.remote.runner, zcp.remote.mounts, zcp.remote.commands, zcp.ops.push, "
        "zcp.sandbox.containers; print('asyncssh' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
