"""Mounters: the sshfs one (command building, /proc/mounts, stale and writable checks) and the sandbox's links."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.plugins.sandbox import ContainersHandle
from zcp.errors import MountFailed, SelfServiceBlocked
from zcp.remote.mounts import LinkMounter, SshfsMounter, parse_proc_mounts
from zcp.remote.runner import SshOptions
from zcp.remote.shell import quote

pytestmark = pytest.mark.anyio


def test_proc_mounts_lines_are_parsed_with_their_escapes() -> None:
    text = (
        "proc /proc proc rw,nosuid 0 0\n"
        "zerops@appdev:/var/www /var/www/appdev fuse.sshfs rw,nosuid,nodev 0 0\n"
        "x@y:/a\\040b /mnt/with\\040space\\134slash fuse.sshfs rw 0 0\n"
    )
    entries = parse_proc_mounts(text)
    assert [(e.target, e.fstype) for e in entries] == [
        ("/proc", "proc"),
        ("/var/www/appdev", "fuse.sshfs"),
        ("/mnt/with space\\slash", "fuse.sshfs"),
    ]
    assert entries[2].source == "x@y:/a b"


class FakeCommands:
    """Records commands; an sshfs launch "mounts" by writing the /proc/mounts line."""

    def __init__(self, proc: Path, *, fail: bool = False) -> None:
        self.proc = proc
        self.fail = fail
        self.calls: list[list[str]] = []

    async def run(self, argv: Sequence[str], *, timeout: float) -> tuple[int, str, str]:
        self.calls.append(list(argv))
        if self.fail:
            return 1, "", "read: Connection reset by peer"
        if argv[0] == "sshfs" or (argv[0] == "sudo" and "create" in argv):
            target = argv[2] if argv[0] == "sshfs" else argv[-1].split()[3]
            self.proc.write_text(self.proc.read_text() + f"zerops@x:/var/www {target} fuse.sshfs rw 0 0\n")
        if argv[0] in ("fusermount3", "fusermount", "umount"):
            path = argv[-1]
            self.proc.write_text(
                "".join(line + "\n" for line in self.proc.read_text().splitlines() if f" {path} " not in line)
            )
        return 0, "", ""


def _mounter(tmp_path: Path, **options: object) -> tuple[SshfsMounter, FakeCommands]:
    proc = tmp_path / "mounts"
    proc.write_text("proc /proc proc rw 0 0\n")
    commands = FakeCommands(proc, fail=bool(options.pop("fail", False)))
    mounter = SshfsMounter(
        root=tmp_path / "www",
        self_hostname="zcp",
        ssh=SshOptions(key_path=Path("/keys/id_ed25519")),
        known_hosts=Path("/state/ssh/p.known_hosts"),
        commands=commands,
        proc_mounts=proc,
        poll_interval=0.01,
        mount_timeout=2,
        **options,  # type: ignore[arg-type]
    )
    return mounter, commands


def test_the_sshfs_command_pins_the_host_key_and_keeps_the_connection_alive(tmp_path: Path) -> None:
    mounter, _ = _mounter(tmp_path)
    argv = mounter.sshfs_argv("appdev", foreground=False)
    assert argv[:3] == ["sshfs", "zerops@appdev:/var/www", str(tmp_path / "www" / "appdev")]
    options = argv[4].split(",")
    assert {
        "reconnect",
        "ServerAliveInterval=15",
        "ServerAliveCountMax=3",
        "StrictHostKeyChecking=yes",
    } <= set(options)
    assert "UserKnownHostsFile=/state/ssh/p.known_hosts" in options
    assert "IdentityFile=/keys/id_ed25519" in options
    tofu, _ = _mounter(tmp_path, host_key_policy="tofu")
    assert "StrictHostKeyChecking=accept-new" in tofu.sshfs_argv("appdev", foreground=False)[4]


def test_in_a_container_the_mount_runs_as_a_zerops_unit(tmp_path: Path) -> None:
    mounter, _ = _mounter(tmp_path, launcher="zsc")
    argv = mounter.launch_argv("appdev")
    assert argv[:6] == ["sudo", "-E", "zsc", "unit", "create", "sshfs-appdev"]
    assert argv[6] == quote(mounter.sshfs_argv("appdev", foreground=True)).text
    assert "-f" in mounter.sshfs_argv("appdev", foreground=True)


async def test_mount_launches_sshfs_waits_for_proc_mounts_and_probes_writes(tmp_path: Path) -> None:
    mounter, commands = _mounter(tmp_path)
    (tmp_path / "www" / "appdev").mkdir(parents=True)
    import shutil

    if shutil.which("sshfs") is None:
        mounter.launcher = "zsc"  # the direct launcher insists on a real sshfs binary
    status = await mounter.mount("appdev")
    assert (status.mounted, status.writable, status.stale) == (True, True, False)
    assert commands.calls[0] == mounter.launch_argv("appdev")
    again = await mounter.mount("appdev")
    assert again.message == "already mounted"
    assert len(commands.calls) == 1
    listed = await mounter.status({"appdev", "db"})
    assert [(s.hostname, s.mounted) for s in listed] == [("appdev", True), ("db", False)]
    gone = await mounter.unmount("appdev")
    assert gone.mounted is False
    assert commands.calls[-1][:2] == ["fusermount3", "-u"]


async def test_a_listed_mount_whose_path_does_not_answer_is_stale_and_remounted_lazily(
    tmp_path: Path,
) -> None:
    mounter, commands = _mounter(tmp_path, launcher="zsc")
    dead = tmp_path / "www" / "appdev"
    (tmp_path / "mounts").write_text(f"zerops@x:/var/www {dead} fuse.sshfs rw 0 0\n")
    [status] = await mounter.status()
    assert (status.hostname, status.mounted, status.stale) == ("appdev", True, True)
    await mounter.mount("appdev")
    assert commands.calls[0] == ["fusermount3", "-uz", str(dead)]
    assert commands.calls[1][:5] == ["sudo", "-E", "zsc", "unit", "create"]


async def test_mounting_zcps_own_service_is_refused_in_any_case(tmp_path: Path) -> None:
    mounter, commands = _mounter(tmp_path)
    with pytest.raises(SelfServiceBlocked):
        await mounter.mount("ZCP".lower())
    assert commands.calls == []


async def test_a_failing_sshfs_is_a_mount_failure_with_its_output(tmp_path: Path) -> None:
    mounter, _ = _mounter(tmp_path, launcher="zsc", fail=True)
    with pytest.raises(MountFailed) as error:
        await mounter.mount("appdev")
    assert error.value.code == "MOUNT_FAILED"
    assert "Connection reset" in (error.value.diagnostic or "")


@pytest.mark.slow
async def test_the_sandbox_mounter_links_the_service_tree(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    mounter = LinkMounter(root=tmp_path / "mnt", self_hostname="zcp", trees=containers.host.trees.hosts)
    status = await mounter.mount("appdev")
    assert (status.mounted, status.writable) == (True, True)
    (tmp_path / "mnt" / "appdev" / "index.js").write_text("written through the mount")
    assert (containers.tree("appdev") / "index.js").read_text() == "written through the mount"
    with pytest.raises(MountFailed):
        await mounter.mount("db")  # managed services have no files
    with pytest.raises(SelfServiceBlocked):
        await mounter.mount("zcp")
    [listed] = await mounter.status({"appdev"})
    assert (listed.hostname, listed.mounted, listed.stale) == ("appdev", True, False)
    with containers.sandbox.lock:
        containers.sandbox.service_deleted(containers.service("appdev"))
    listing = {s.hostname: s for s in await mounter.status({"appstage"})}
    assert (listing["appdev"].stale, listing["appdev"].orphan) == (True, True)
    assert listing["appstage"].mounted is False
    assert (await mounter.unmount("appdev")).message == "unmounted"
    assert not (tmp_path / "mnt" / "appdev").is_symlink()
