"""Every process the sandbox starts for a service, and ending them all.

Commands run over SSH, build commands and started apps are real processes on this machine. Each is
started in a new session (so it leads its own process group) with two marker variables in its
environment: ``ZCP_SANDBOX_RUN`` (this sandbox run) and ``ZCP_SANDBOX_SERVICE`` (the service). Ending
a service's processes, or all of them when the sandbox stops, signals every recorded process group
and then every process whose environment still carries the marker — which also finds what a command
detached on purpose (``nohup … &``, ``setsid``, a double fork), because the environment is
inherited. SIGTERM first, SIGKILL after a grace period.

Limits: a process that clears its environment (``env -i``) and leaves its group escapes; the marker
scan reads ``/proc`` (Linux); a sandbox killed with SIGKILL cannot clean up after itself (the next run
ends processes whose owning sandbox is gone, see :meth:`ChildProcesses.end_leftovers`).

:func:`listening_ports` says which TCP ports some of these processes listen on (from ``/proc``), so
the subdomain gateway can tell a service's own dev server from whatever else uses a port.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

RUN_MARKER: Final = "ZCP_SANDBOX_RUN"
SERVICE_MARKER: Final = "ZCP_SANDBOX_SERVICE"
OWNER_MARKER: Final = "ZCP_SANDBOX_OWNER"
_PROC: Final = Path("/proc")


@dataclass
class Child:
    """One started process group."""

    pid: int
    service_id: str
    kind: str  # ssh, build, init, start, check


def _environ(pid: int) -> bytes | None:
    try:
        return (_PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return None


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return not _PROC.is_dir()
    state = stat.rsplit(")", 1)[-1].split()[0:1]
    return state != ["Z"] and state != ["X"]


def marked(entry: bytes) -> list[int]:
    """Pids of live processes whose environment holds the NUL-terminated ``entry`` (``KEY=value``)."""
    needle = entry + b"\0"
    found = []
    own = os.getpid()
    try:
        names = os.listdir(_PROC)
    except OSError:
        return []
    for name in names:
        if not name.isdigit() or int(name) == own:
            continue
        environ = _environ(int(name))
        if environ is not None and (environ.startswith(needle) or b"\0" + needle in environ):
            found.append(int(name))
    return found


_LISTEN: Final = "0A"  # the TCP state of a listening socket in /proc/net/tcp


def _listening_sockets() -> dict[str, int] | None:
    """Socket inode → local port of every listening TCP socket (v4 and v6); None without ``/proc/net``."""
    found: dict[str, int] = {}
    readable = False
    for name in ("tcp", "tcp6"):
        try:
            lines = (_PROC / "net" / name).read_text().splitlines()[1:]
        except OSError:
            continue
        readable = True
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != _LISTEN:
                continue
            port = fields[1].rpartition(":")[2]
            try:
                found[fields[9]] = int(port, 16)
            except ValueError:
                continue
    return found if readable else None


def listening_ports(pids: Iterable[int]) -> set[int] | None:
    """The TCP ports the processes ``pids`` listen on (any address); None when ``/proc`` cannot tell."""
    sockets = _listening_sockets()
    if sockets is None:
        return None
    ports: set[int] = set()
    for pid in pids:
        folder = _PROC / str(pid) / "fd"
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            try:
                target = os.readlink(folder / name)
            except OSError:
                continue
            if target.startswith("socket:[") and (port := sockets.get(target[8:-1])) is not None:
                ports.add(port)
    return ports


class ChildProcesses:
    """Starts service processes in their own process groups and ends them on demand."""

    def __init__(self, run_id: str, *, grace: float = 3.0) -> None:
        self.run_id = run_id
        self.grace = grace
        self._children: dict[int, Child] = {}

    def marker_env(self, service_id: str) -> dict[str, str]:
        return {
            RUN_MARKER: self.run_id,
            SERVICE_MARKER: f"{self.run_id}:{service_id}",
            OWNER_MARKER: str(os.getpid()),
        }

    async def spawn(
        self,
        argv: Sequence[str],
        *,
        service_id: str,
        kind: str,
        cwd: Path,
        env: Mapping[str, str],
        stdin: int | None = asyncio.subprocess.DEVNULL,
        stdout: int | None = asyncio.subprocess.PIPE,
        stderr: int | None = asyncio.subprocess.PIPE,
    ) -> asyncio.subprocess.Process:
        """Start ``argv`` as the leader of a new session, marked as belonging to ``service_id``."""
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env={**env, **self.marker_env(service_id)},
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        self._children[process.pid] = Child(process.pid, service_id, kind)
        return process

    def forget(self, pid: int) -> None:
        """Stop tracking a group that ended on its own (its detached members are still found by marker)."""
        child = self._children.get(pid)
        if child is not None and not _group_alive(pid):
            del self._children[pid]

    def pids(self, service_id: str | None = None) -> list[int]:
        """Live processes of one service (or of the whole run), found by marker."""
        entry = SERVICE_MARKER if service_id else RUN_MARKER
        value = f"{self.run_id}:{service_id}" if service_id else self.run_id
        return marked(f"{entry}={value}".encode())

    def groups(self, service_id: str | None = None, *, kinds: Sequence[str] | None = None) -> list[int]:
        return [
            c.pid
            for c in self._children.values()
            if (service_id is None or c.service_id == service_id) and (kinds is None or c.kind in kinds)
        ]

    def end(self, service_id: str | None = None, *, keep: Sequence[int] = (), wait: bool = True) -> list[int]:
        """End a service's processes (all of the run's when ``service_id`` is None), except groups in ``keep``.

        SIGTERM to every group and marked process, SIGKILL to whatever is left after :attr:`grace`
        seconds. With ``wait=False`` the SIGKILL round happens on a timer thread. Returns the pids
        that were signalled.
        """
        kept = set(keep)
        groups = [g for g in self.groups(service_id) if g not in kept]
        kept_members = {pid for g in kept for pid in _group_members(g)}
        loose = [p for p in self.pids(service_id) if p not in kept_members and p not in kept]
        signalled = self._signal(groups, loose, signal.SIGTERM)
        if not signalled:
            self._drop(groups)
            return []
        if wait:
            self._finish(groups, loose)
        else:
            import threading

            threading.Thread(target=self._finish, args=(groups, loose), daemon=True).start()
        return signalled

    def end_groups(self, groups: Sequence[int], *, wait: bool = True) -> list[int]:
        """End just these process groups (SIGTERM, then SIGKILL after :attr:`grace`)."""
        chosen = list(groups)
        signalled = self._signal(chosen, [], signal.SIGTERM)
        if wait:
            self._finish(chosen, [])
        elif signalled:
            import threading

            threading.Thread(target=self._finish, args=(chosen, []), daemon=True).start()
        return signalled

    def _finish(self, groups: list[int], loose: list[int]) -> None:
        deadline = time.monotonic() + self.grace
        while time.monotonic() < deadline:
            if not any(_group_alive(g) for g in groups) and not any(alive(p) for p in loose):
                break
            time.sleep(0.02)
        self._signal(groups, [p for p in loose if alive(p)], signal.SIGKILL)
        # Whatever a SIGTERM handler forked meanwhile still carries the marker.
        self._drop(groups)

    def _signal(self, groups: list[int], loose: list[int], sig: signal.Signals) -> list[int]:
        done = []
        for group in groups:
            try:
                os.killpg(group, sig)
                done.append(group)
            except (ProcessLookupError, PermissionError):
                pass
        for pid in loose:
            try:
                os.kill(pid, sig)
                done.append(pid)
            except (ProcessLookupError, PermissionError):
                pass
        return done

    def _drop(self, groups: list[int]) -> None:
        for group in groups:
            self._children.pop(group, None)

    def end_all(self) -> list[int]:
        """End every process of this run and wait for them (used when the sandbox stops)."""
        signalled = self.end(None)
        survivors = [p for p in self.pids() if alive(p)]
        if survivors:
            self._signal([], survivors, signal.SIGKILL)
        return signalled

    @staticmethod
    def end_leftovers() -> list[int]:
        """Kill processes left by earlier sandbox runs whose owning process no longer exists."""
        killed = []
        try:
            names = os.listdir(_PROC)
        except OSError:
            return []
        prefix = f"\0{OWNER_MARKER}=".encode()
        for name in names:
            if not name.isdigit():
                continue
            environ = _environ(int(name))
            if not environ or OWNER_MARKER.encode() not in environ:
                continue
            start = (b"\0" + environ).find(prefix)
            if start < 0:
                continue
            owner = (b"\0" + environ)[start + len(prefix) :].split(b"\0", 1)[0]
            if owner.isdigit() and int(owner) != os.getpid() and not alive(int(owner)):
                try:
                    os.kill(int(name), signal.SIGKILL)
                    killed.append(int(name))
                except (ProcessLookupError, PermissionError):
                    pass
        if killed:
            log.warning("sandbox: ended %d process(es) left by an earlier run", len(killed))
        return killed


def _group_members(pgid: int) -> list[int]:
    members = []
    try:
        names = os.listdir(_PROC)
    except OSError:
        return []
    for name in names:
        if not name.isdigit():
            continue
        try:
            if os.getpgid(int(name)) == pgid:
                members.append(int(name))
        except (ProcessLookupError, PermissionError):
            continue
    return members


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # Some member exists; it may only be a zombie nobody reaped yet.
    return any(alive(pid) for pid in _group_members(pgid))
