"""Service files on zcp's own filesystem: ``<mount root>/<hostname>`` shows the service's ``/var/www``.

One :class:`Mounter` seam with two implementations:

* :class:`SshfsMounter` (a real project, zcp inside a Zerops container): ``sshfs`` of
  ``<user>@<host>:/var/www`` at ``<root>/<hostname>`` with keep-alives and ``reconnect``, checking the
  host key against zcp's pinned keys (``StrictHostKeyChecking=yes`` — or ``accept-new`` into the
  project's pin file under the ``tofu`` policy). It runs as a Zerops unit (``zsc unit create
  sshfs-<host> "sshfs -f …"``, so the platform keeps it running) or directly (``sshfs`` daemonises).
  A mount counts when ``/proc/mounts`` lists it as ``fuse.sshfs``; it is *stale* when listed but the
  path no longer answers (the connection died: ``ENOTCONN``), and a stale mount is lazily unmounted
  before mounting again; *writable* is a real write probe (a file created and removed).
* :class:`LinkMounter` (the sandbox): ``<root>/<hostname>`` becomes a symbolic link to the service's
  file tree (``<sandbox data>/hosts/<hostname>``); stale when the link's target is gone (the service
  was deleted).

Both refuse zcp's own service (SELF_SERVICE_BLOCKED, compared case-insensitively) and report
MOUNT_FAILED / UNMOUNT_FAILED with what went wrong. Blocking filesystem calls on a mount (a dead
sshfs can hang them) run in a worker thread with a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, Protocol

from zcp.errors import MountFailed, PrerequisiteMissing, SelfServiceBlocked, UnmountFailed
from zcp.remote.runner import HOSTNAME, SshOptions, check_hostname
from zcp.remote.shell import quote

if TYPE_CHECKING:
    from zcp.config import Settings

PROC_MOUNTS: Final = Path("/proc/mounts")
PROBE_NAME: Final = ".zcp-write-probe"
Launcher = Literal["direct", "zsc"]


@dataclass(frozen=True)
class MountStatus:
    """Where one service's files are (or would be) and in what state."""

    hostname: str
    mount_path: Path
    mounted: bool
    stale: bool = False
    writable: bool | None = None
    orphan: bool = False  # a mount or folder under the root for a service the project no longer has
    message: str | None = None

    def to_wire(self) -> dict[str, object]:
        data: dict[str, object] = {
            "hostname": self.hostname,
            "mountPath": str(self.mount_path),
            "mounted": self.mounted,
        }
        for key, value in (("stale", self.stale), ("orphan", self.orphan)):
            if value:
                data[key] = True
        if self.writable is not None:
            data["writable"] = self.writable
        if self.message:
            data["message"] = self.message
        return data


class Mounter(Protocol):
    """Mount, unmount and inspect ``<root>/<hostname>``."""

    @property
    def root(self) -> Path: ...

    async def mount(self, hostname: str) -> MountStatus: ...

    async def unmount(self, hostname: str) -> MountStatus: ...

    async def status(self, hostnames: Collection[str] | None = None) -> list[MountStatus]: ...


@dataclass(frozen=True)
class MountEntry:
    """One line of ``/proc/mounts``."""

    source: str
    target: str
    fstype: str
    options: str = ""


def _unescape(field_text: str) -> str:
    """``/proc/mounts`` writes space, tab, newline and backslash as ``\\040``-style octal escapes."""
    out, index = [], 0
    while index < len(field_text):
        if field_text[index] == "\\" and field_text[index + 1 : index + 4].isdigit():
            out.append(chr(int(field_text[index + 1 : index + 4], 8)))
            index += 4
        else:
            out.append(field_text[index])
            index += 1
    return "".join(out)


def parse_proc_mounts(text: str) -> list[MountEntry]:
    """Every mount in a ``/proc/mounts`` text. Pure."""
    entries = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            entries.append(
                MountEntry(
                    _unescape(parts[0]), _unescape(parts[1]), parts[2], parts[3] if len(parts) > 3 else ""
                )
            )
    return entries


class LocalCommands(Protocol):
    """Runs a program on zcp's own machine (the seam the sshfs mounter's tests replace)."""

    async def run(self, argv: Sequence[str], *, timeout: float) -> tuple[int, str, str]: ...


class SubprocessCommands:
    """:class:`LocalCommands` with real subprocesses."""

    async def run(self, argv: Sequence[str], *, timeout: float) -> tuple[int, str, str]:
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except FileNotFoundError:
            return 127, "", f"{argv[0]}: not found"
        try:
            out, err = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            return 124, "", f"{argv[0]} did not finish within {timeout:g}s"
        return process.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace")


async def _in_thread(function: object, *args: object, timeout: float) -> object:
    return await asyncio.wait_for(asyncio.to_thread(function, *args), timeout)  # type: ignore[arg-type]


def _probe_write(path: Path) -> bool:
    probe = path / PROBE_NAME
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return False
    return True


def _answers(path: Path) -> bool:
    """False when the path is a dead FUSE mount (ENOTCONN/EIO)."""
    try:
        os.stat(path)
        os.listdir(path)
    except OSError as error:
        if error.errno in (errno.ENOTCONN, errno.EIO, errno.ESHUTDOWN, errno.ECONNABORTED):
            return False
        raise
    return True


@dataclass
class _Base:
    root: Path
    self_hostname: str | None = None
    probe_timeout: float = 5.0

    def mount_path(self, hostname: str) -> Path:
        return self.root / check_hostname(hostname)

    def _refuse_self(self, hostname: str) -> None:
        if self.self_hostname and hostname.lower() == self.self_hostname.lower():
            raise SelfServiceBlocked(
                f"{hostname} is the service zcp runs in; its files are zcp's own.",
                suggestion="Mount another service; zcp's own files are already here.",
            )

    async def _writable(self, path: Path) -> bool:
        try:
            return bool(await _in_thread(_probe_write, path, timeout=self.probe_timeout))
        except TimeoutError:
            return False

    def _names(self, hostnames: Collection[str] | None, mounted: Collection[str]) -> list[str]:
        seen = set(mounted)
        if self.root.is_dir():
            seen.update(p.name for p in self.root.iterdir() if p.is_symlink() or p.is_dir())
        if hostnames is not None:
            seen.update(hostnames)
        return sorted(name for name in seen if HOSTNAME.match(name))


@dataclass
class LinkMounter(_Base):
    """The sandbox's mounter: links ``<root>/<hostname>`` to the service's tree."""

    trees: Path = field(default_factory=Path)  # <sandbox data>/hosts

    @classmethod
    def from_settings(cls, settings: Settings) -> LinkMounter:
        if settings.sandbox_data_dir is None:
            raise PrerequisiteMissing(
                "ZCP_MOUNT_MODE=link needs ZCP_SANDBOX_DATA_DIR (the sandbox prints it with --container)",
                suggestion="Export the variables `zcp sandbox serve --container` prints.",
            )
        return cls(
            root=settings.mount_root,
            self_hostname=settings.self_hostname,
            trees=settings.sandbox_data_dir / "hosts",
        )

    async def mount(self, hostname: str) -> MountStatus:
        self._refuse_self(hostname)
        path = self.mount_path(hostname)
        source = self.trees / hostname
        if not source.exists():
            raise MountFailed(
                f"{hostname} has no file tree in the sandbox (not a runtime service, or not created yet).",
                suggestion="Mount a runtime service; list them with zerops_discover.",
            )
        target = source.resolve()
        if path.is_symlink() and path.resolve() == target:
            return await self._one(hostname, message="already mounted")
        if path.exists() and not path.is_symlink():
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
            else:
                raise MountFailed(
                    f"{path} exists and is not a mount.", suggestion="Move it away, then mount again."
                )
        self.root.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            path.unlink()
        path.symlink_to(target, target_is_directory=True)
        status = await self._one(hostname, message="mounted")
        if not status.writable:
            raise MountFailed(
                f"{path} is mounted but not writable.", suggestion="Check the sandbox's data folder."
            )
        return status

    async def unmount(self, hostname: str) -> MountStatus:
        path = self.mount_path(hostname)
        if path.is_symlink():
            try:
                path.unlink()
            except OSError as error:
                raise UnmountFailed(
                    f"{path} cannot be removed ({error.strerror}).", suggestion="Check permissions."
                ) from None
            return MountStatus(hostname, path, mounted=False, message="unmounted")
        return MountStatus(hostname, path, mounted=False, message="not mounted")

    async def status(self, hostnames: Collection[str] | None = None) -> list[MountStatus]:
        names = self._names(hostnames, [])
        return [await self._one(name, known=hostnames) for name in names]

    async def _one(
        self, hostname: str, *, known: Collection[str] | None = None, message: str | None = None
    ) -> MountStatus:
        path = self.mount_path(hostname)
        orphan = known is not None and hostname not in known
        if not path.is_symlink():
            return MountStatus(
                hostname, path, mounted=False, orphan=orphan and path.exists(), message=message
            )
        if not path.exists():
            return MountStatus(
                hostname,
                path,
                mounted=True,
                stale=True,
                orphan=orphan,
                message="the service's files are gone",
            )
        return MountStatus(
            hostname, path, mounted=True, writable=await self._writable(path), orphan=orphan, message=message
        )


@dataclass
class SshfsMounter(_Base):
    """The real mounter: sshfs (see the module docstring)."""

    ssh: SshOptions = field(default_factory=SshOptions)
    known_hosts: Path | None = None
    host_key_policy: str = "strict"
    launcher: Launcher = "direct"
    commands: LocalCommands = field(default_factory=SubprocessCommands)
    proc_mounts: Path = PROC_MOUNTS
    mount_timeout: float = 15.0
    poll_interval: float = 0.1

    def sshfs_argv(self, hostname: str, *, foreground: bool) -> list[str]:
        """The sshfs command for ``hostname`` (foreground for a unit, daemonising otherwise)."""
        host, port, user = self.ssh.address(hostname)
        options = [
            "reconnect",
            "ServerAliveInterval=15",
            "ServerAliveCountMax=3",
            "BatchMode=yes",
            f"Port={port}",
        ]
        if self.host_key_policy == "off":
            options += ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null"]
        else:
            options.append(
                "StrictHostKeyChecking=" + ("accept-new" if self.host_key_policy == "tofu" else "yes")
            )
            if self.known_hosts is not None:
                options.append(f"UserKnownHostsFile={self.known_hosts}")
        if self.ssh.key_path is not None:
            options.append(f"IdentityFile={self.ssh.key_path}")
        for option in options:
            if "," in option:
                raise MountFailed(
                    f"sshfs option {option!r} contains a comma", suggestion="Use paths without commas."
                )
        argv = ["sshfs", f"{user}@{host}:/var/www", str(self.mount_path(hostname)), "-o", ",".join(options)]
        return [*argv[:1], "-f", *argv[1:]] if foreground else argv

    def unit_name(self, hostname: str) -> str:
        return f"sshfs-{check_hostname(hostname)}"

    def launch_argv(self, hostname: str) -> list[str]:
        """What starts the mount: a Zerops unit running sshfs in the foreground, or sshfs itself."""
        if self.launcher == "zsc":
            command = quote(self.sshfs_argv(hostname, foreground=True)).text
            return ["sudo", "-E", "zsc", "unit", "create", self.unit_name(hostname), command]
        return self.sshfs_argv(hostname, foreground=False)

    def unmount_argvs(self, hostname: str, *, lazy: bool = False) -> list[list[str]]:
        """Commands that remove the mount, tried in order until one works."""
        path = str(self.mount_path(hostname))
        flag = "-uz" if lazy else "-u"
        tries = [
            ["fusermount3", flag, path],
            ["fusermount", flag, path],
            ["umount", *(["-l"] if lazy else []), path],
        ]
        if self.launcher == "zsc":
            # Unverified against the platform: zsc units are supervised, so the unit must go too.
            tries.append(["sudo", "-E", "zsc", "unit", "remove", self.unit_name(hostname)])
        return tries

    def _entries(self) -> dict[str, MountEntry]:
        try:
            text = self.proc_mounts.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return {}
        return {entry.target: entry for entry in parse_proc_mounts(text)}

    def _listed(self, hostname: str) -> MountEntry | None:
        entry = self._entries().get(str(self.mount_path(hostname)))
        return entry if entry is not None and entry.fstype.startswith("fuse") else None

    async def _inspect(
        self, hostname: str, *, known: Collection[str] | None = None, message: str | None = None
    ) -> MountStatus:
        path = self.mount_path(hostname)
        orphan = known is not None and hostname not in known
        if self._listed(hostname) is None:
            return MountStatus(
                hostname, path, mounted=False, orphan=orphan and path.exists(), message=message
            )
        try:
            healthy = bool(await _in_thread(_answers, path, timeout=self.probe_timeout))
        except (TimeoutError, OSError):
            healthy = False
        if not healthy:
            return MountStatus(
                hostname,
                path,
                mounted=True,
                stale=True,
                orphan=orphan,
                message="stale: the connection is gone",
            )
        return MountStatus(
            hostname, path, mounted=True, writable=await self._writable(path), orphan=orphan, message=message
        )

    async def mount(self, hostname: str) -> MountStatus:
        self._refuse_self(hostname)
        path = self.mount_path(hostname)
        current = await self._inspect(hostname)
        if current.mounted and not current.stale:
            return MountStatus(hostname, path, True, writable=current.writable, message="already mounted")
        if current.stale:
            await self._unmount(hostname, lazy=True)
        if shutil.which("sshfs") is None and self.launcher == "direct":
            raise PrerequisiteMissing(
                "sshfs is not installed", suggestion="Install sshfs (apt install sshfs)."
            )
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise MountFailed(
                f"{path} cannot be created ({error.strerror}).", suggestion="Check ZCP_MOUNT_ROOT."
            ) from None
        code, out, err = await self.commands.run(self.launch_argv(hostname), timeout=self.mount_timeout)
        if code != 0:
            raise MountFailed(
                f"Mounting {hostname} failed (exit {code}).",
                suggestion="Check the service is a running runtime service and its host key is pinned.",
                diagnostic=(err or out)[-2000:],
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.mount_timeout
        while self._listed(hostname) is None:
            if loop.time() >= deadline:
                raise MountFailed(
                    f"{path} did not appear in /proc/mounts within {self.mount_timeout:g}s.",
                    suggestion="Retry; check the sshfs unit's log.",
                )
            await asyncio.sleep(self.poll_interval)
        status = await self._inspect(hostname, message="mounted")
        if status.stale or not status.writable:
            raise MountFailed(
                f"{path} is mounted but {'stale' if status.stale else 'not writable'}.",
                suggestion="Unmount it and mount again.",
            )
        return status

    async def _unmount(self, hostname: str, *, lazy: bool) -> tuple[int, str]:
        last = (1, "")
        for argv in self.unmount_argvs(hostname, lazy=lazy):
            code, out, err = await self.commands.run(argv, timeout=self.mount_timeout)
            if code == 0 and self._listed(hostname) is None:
                return 0, ""
            last = (code, err or out)
        return last

    async def unmount(self, hostname: str) -> MountStatus:
        path = self.mount_path(hostname)
        if self._listed(hostname) is None:
            return MountStatus(hostname, path, mounted=False, message="not mounted")
        code, detail = await self._unmount(hostname, lazy=False)
        if code != 0 or self._listed(hostname) is not None:
            code, detail = await self._unmount(hostname, lazy=True)
        if self._listed(hostname) is not None:
            raise UnmountFailed(
                f"{path} is still mounted.",
                suggestion="Close programs using it and retry.",
                diagnostic=detail[-2000:],
            )
        return MountStatus(hostname, path, mounted=False, message="unmounted")

    async def status(self, hostnames: Collection[str] | None = None) -> list[MountStatus]:
        prefix = str(self.root).rstrip("/") + "/"
        mounted = [
            t[len(prefix) :]
            for t, e in self._entries().items()
            if t.startswith(prefix) and e.fstype.startswith("fuse") and "/" not in t[len(prefix) :]
        ]
        return [await self._inspect(name, known=hostnames) for name in self._names(hostnames, mounted)]


def mounter_for(settings: Settings, *, known_hosts: Path | None = None) -> Mounter:
    """The mounter the settings ask for (``ZCP_MOUNT_MODE``)."""
    if settings.mount_mode == "link":
        return LinkMounter.from_settings(settings)
    return SshfsMounter(
        root=settings.mount_root,
        self_hostname=settings.self_hostname,
        ssh=SshOptions.from_settings(settings),
        known_hosts=known_hosts or settings.ssh_known_hosts,
        host_key_policy=settings.ssh_host_key_policy,
        launcher="zsc" if settings.in_container else "direct",
    )
