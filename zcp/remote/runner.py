"""Running commands on services: one :class:`RemoteRunner` seam, an asyncssh implementation and a fake.

``await runner.run("appdev", commands.read_file("/var/www/zerops.yaml"), timeout=30)`` answers a
:class:`RemoteResult` — exit status, stdout, stderr, and whether the timeout cut it short. A command
that ran and failed is a result, not an exception; only not reaching the service raises
(:class:`~zcp.errors.SshError`, :class:`~zcp.errors.HostKeyRejected`). Commands are
:class:`~zcp.remote.shell.Shell` values, so everything that reaches the remote shell went through the
one quoting function. Secrets go in ``stdin`` or ``env`` (sent as SSH environment requests; the
sandbox accepts them all, a stock sshd only those its ``AcceptEnv`` lists), never in the command.

:class:`SshRunner` keeps one connection per service and runs commands on it concurrently; asyncssh is
imported on first use, so ``zcp serve`` starts without it. Exit codes follow OpenSSH's client: a
command killed by a signal reports ``128 + signal``, a connection lost mid-command ``255`` (with the
output received until then).
"""

from __future__ import annotations

import asyncio
import re
import signal as signals
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from zcp.errors import HostKeyRejected, InvalidHostname, SshError
from zcp.remote.hostkeys import HostKeyStore
from zcp.remote.shell import Shell

if TYPE_CHECKING:
    from zcp.config import Settings

#: A DNS-label-safe service name; the tools check the platform's stricter rule before this.
HOSTNAME: Final = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
MAX_OUTPUT: Final = 4 * 1024 * 1024
TIMED_OUT_STATUS: Final = 124  # what timeout(1) reports
LOST_STATUS: Final = 255  # what ssh(1) reports when the connection drops


@dataclass(frozen=True)
class RemoteResult:
    """How one remote command ended."""

    exit_status: int
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_status == 0 and not self.timed_out

    def tail(self, lines: int = 5) -> str:
        """The last ``lines`` lines of stderr then stdout (for short error messages)."""
        text = "\n".join(part.rstrip("\n") for part in (self.stdout, self.stderr) if part.strip())
        return "\n".join(text.splitlines()[-lines:])


class RemoteRunner(Protocol):
    """Runs commands on services of the project."""

    async def run(
        self,
        hostname: str,
        command: Shell,
        *,
        stdin: str | bytes | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float,
    ) -> RemoteResult: ...

    async def aclose(self) -> None: ...


def check_hostname(hostname: str) -> str:
    if not isinstance(hostname, str) or not HOSTNAME.match(hostname):
        raise InvalidHostname(
            f"{hostname!r} cannot be an SSH host name",
            suggestion="Use the service hostname from zerops_discover.",
        )
    return hostname


@dataclass(frozen=True)
class SshOptions:
    """Where services' SSH servers are and how to log in (``Settings.ssh_*``)."""

    host_template: str = "{hostname}"
    port: int = 22
    user_template: str = "zerops"
    key_path: Path | None = None
    connect_timeout: float = 10.0
    keepalive: float = 15.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SshOptions:
        return cls(
            host_template=settings.ssh_host_template,
            port=settings.ssh_port,
            user_template=settings.ssh_user_template,
            key_path=settings.ssh_key_path,
            connect_timeout=settings.ssh_connect_timeout,
        )

    def address(self, hostname: str) -> tuple[str, int, str]:
        """(host, port, username) for a service."""
        name = check_hostname(hostname)
        return self.host_template.format(hostname=name), self.port, self.user_template.format(hostname=name)


class SshRunner:
    """:class:`RemoteRunner` over asyncssh, one cached connection per service."""

    def __init__(self, options: SshOptions, host_keys: HostKeyStore) -> None:
        self.options = options
        self.host_keys = host_keys
        self._connections: dict[str, Any] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def __repr__(self) -> str:
        return f"SshRunner(host={self.options.host_template!r}, port={self.options.port})"

    async def run(
        self,
        hostname: str,
        command: Shell,
        *,
        stdin: str | bytes | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float,
    ) -> RemoteResult:
        import asyncssh

        if not isinstance(command, Shell):
            raise TypeError("run() takes a Shell built by zcp.remote.commands or zcp.remote.shell.quote")
        for attempt in (1, 2):
            connection = await self._connection(hostname)
            try:
                return await self._run_on(connection, command, stdin=stdin, env=env, timeout=timeout)
            except (
                asyncssh.ChannelOpenError,
                asyncssh.ConnectionLost,
                BrokenPipeError,
                ConnectionResetError,
            ):
                # The cached connection died before the command started: connect again, once.
                self._connections.pop(hostname, None)
                if attempt == 2:
                    raise self._unreachable(hostname, "the connection closed") from None
        raise AssertionError("unreachable")

    async def _run_on(
        self,
        connection: Any,
        command: Shell,
        *,
        stdin: str | bytes | None,
        env: Mapping[str, str] | None,
        timeout: float,
    ) -> RemoteResult:
        import asyncssh

        data = stdin.decode("utf-8", "replace") if isinstance(stdin, bytes) else stdin
        process = await connection.create_process(
            command.text,
            env=dict(env or {}),
            input=data,
            stdin=asyncssh.DEVNULL if data is None else asyncssh.PIPE,
            encoding="utf-8",
            errors="replace",
        )
        try:
            result = await process.wait(check=False, timeout=timeout)
        except asyncssh.TimeoutError as error:
            process.close()
            return RemoteResult(TIMED_OUT_STATUS, _cap(error.stdout), _cap(error.stderr), timed_out=True)
        except (asyncssh.ConnectionLost, asyncssh.DisconnectError, BrokenPipeError, ConnectionResetError):
            return RemoteResult(LOST_STATUS, "", "connection to the service was lost")
        except BaseException:
            # Cancelled (or failed) while the command runs: close its channel, so the remote command
            # gets a hang-up instead of running on unattended.
            process.close()
            raise
        return RemoteResult(
            _status(result.exit_status, result.exit_signal), _cap(result.stdout), _cap(result.stderr)
        )

    async def _connection(self, hostname: str) -> Any:
        cached = self._connections.get(hostname)
        if cached is not None and not cached.is_closed():
            return cached
        lock = self._locks.setdefault(hostname, asyncio.Lock())
        async with lock:
            cached = self._connections.get(hostname)
            if cached is not None and not cached.is_closed():
                return cached
            connection = await self._connect(hostname)
            self._connections[hostname] = connection
            return connection

    async def _connect(self, hostname: str) -> Any:
        import asyncssh

        host, port, user = self.options.address(hostname)
        store = self.host_keys
        pinned = store.policy != "off" and store.is_pinned(host, port)
        if store.policy == "strict" and not pinned:
            raise store.refusal(host, port)
        known = store.trusted() if pinned else None
        keys = [str(self.options.key_path)] if self.options.key_path else ()
        try:
            connection = await asyncio.wait_for(
                asyncssh.connect(
                    host,
                    port,
                    username=user,
                    known_hosts=known,
                    client_keys=keys or None,
                    agent_path=None,
                    config=None,
                    connect_timeout=self.options.connect_timeout,
                    login_timeout=self.options.connect_timeout,
                    keepalive_interval=self.options.keepalive,
                    keepalive_count_max=3,
                ),
                timeout=self.options.connect_timeout * 2,
            )
        except asyncssh.HostKeyNotVerifiable:
            raise HostKeyRejected(
                f"{hostname}'s SSH host key does not match the pinned one; zcp refused to connect.",
                suggestion="If the service was re-created, drop its pinned key (HostKeyStore.forget); otherwise "
                "treat this as a possible interception and check the network.",
                details={"host": host, "port": port},
            ) from None
        except asyncssh.PermissionDenied:
            raise SshError(
                f"{hostname} refused the SSH login as {user!r} (wrong key, or no such service).",
                suggestion="Check ZCP_SSH_KEY and that the service is a runtime service of this project.",
                details={"hostname": hostname, "reason": "auth"},
            ) from None
        except (OSError, asyncssh.Error, TimeoutError) as error:
            raise self._unreachable(hostname, type(error).__name__) from None
        if store.policy == "tofu" and not pinned:
            key = connection.get_server_host_key()
            if key is not None:
                store.pin(host, port, key.export_public_key().decode())
        return connection

    def _unreachable(self, hostname: str, why: str) -> SshError:
        host, port, _ = self.options.address(hostname)
        return SshError(
            f"Cannot reach {hostname} over SSH at {host}:{port} ({why}).",
            suggestion="Check the service is running (zerops_discover) and is a runtime service; retry in a moment.",
            details={"hostname": hostname, "reason": "unreachable"},
        )

    async def aclose(self) -> None:
        for connection in self._connections.values():
            connection.close()
        for connection in self._connections.values():
            await connection.wait_closed()
        self._connections.clear()


def _cap(text: Any) -> str:
    value = (
        text
        if isinstance(text, str)
        else (text.decode("utf-8", "replace") if isinstance(text, bytes) else "")
    )
    return value if len(value) <= MAX_OUTPUT else value[-MAX_OUTPUT:]


def _status(exit_status: int | None, exit_signal: Any) -> int:
    if exit_signal:
        name = exit_signal[0] if isinstance(exit_signal, tuple) else str(exit_signal)
        try:
            return 128 + int(signals.Signals["SIG" + str(name).removeprefix("SIG")])
        except KeyError:
            return LOST_STATUS
    if exit_status is None or exit_status < 0:
        return LOST_STATUS
    return int(exit_status)


# --- a fake for unit tests ---------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteCall:
    """One command a :class:`FakeRunner` was asked to run."""

    hostname: str
    command: str
    stdin: str | bytes | None
    env: dict[str, str]
    timeout: float


Responder = Callable[[RemoteCall], RemoteResult | Awaitable[RemoteResult]]


@dataclass
class FakeRunner:
    """Records calls; answers from ``replies`` (first ``(text in command, result)`` that matches) or ``respond``."""

    replies: list[tuple[str, RemoteResult]] = field(default_factory=list)
    respond: Responder | None = None
    default: RemoteResult = field(default_factory=lambda: RemoteResult(0))
    unreachable: set[str] = field(default_factory=set)
    calls: list[RemoteCall] = field(default_factory=list)
    closed: bool = False

    def reply(self, fragment: str, result: RemoteResult) -> FakeRunner:
        self.replies.append((fragment, result))
        return self

    async def run(
        self,
        hostname: str,
        command: Shell,
        *,
        stdin: str | bytes | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float,
    ) -> RemoteResult:
        if not isinstance(command, Shell):
            raise TypeError("run() takes a Shell")
        call = RemoteCall(check_hostname(hostname), command.text, stdin, dict(env or {}), timeout)
        self.calls.append(call)
        if hostname in self.unreachable:
            raise SshError(f"Cannot reach {hostname} over SSH (fake).", details={"reason": "unreachable"})
        for fragment, result in self.replies:
            if fragment in command.text:
                return result
        if self.respond is not None:
            answer = self.respond(call)
            return answer if isinstance(answer, RemoteResult) else await answer
        return self.default

    async def aclose(self) -> None:
        self.closed = True
