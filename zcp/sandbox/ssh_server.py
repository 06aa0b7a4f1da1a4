"""One SSH server for the whole sandbox run: the SSH username picks the service.

``ssh -p <port> -i <client key> appdev@127.0.0.1 'cd /var/www && ls'`` runs ``bash -c`` with the
container paths translated (:class:`~zcp.sandbox.trees.PathMap`) in ``appdev``'s tree, with
``appdev``'s environment (:func:`~zcp.sandbox.service_env.session_env`) plus whatever variables the
client sends (the server accepts every env request, like an sshd with ``AcceptEnv *``). A service
created later by an import is reachable at once: nothing is configured per service. Only runtime
services take SSH, as on the platform; another username fails authentication. With several projects,
``<hostname>.<projectId>`` names one exactly.

It behaves like OpenSSH exec: the exit status is the command's (a signal death is reported as
``exit-signal``), stdout and stderr are separate streams, stdin is passed through until the client
closes it, a session without a command runs ``bash`` reading its script from stdin, and when the
client goes away before the command ends (its timeout fired) the command's process group is killed.
Like OpenSSH, a session lasts while something still holds its output open — background processes
must redirect their output (``nohup cmd > log 2>&1 &``) to let the session end. SFTP is served too
(chrooted to the service's tree), so ``sshfs`` works against the sandbox.

One ed25519 host key and one client key pair are generated per run and written under
``<data>/ssh/``; :class:`SshEndpoint` says where, with the host key's fingerprint and a
``known_hosts`` file to pin it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from zcp.sandbox.containers import ContainerHost

log = logging.getLogger(__name__)

_READ: Final = 65536


@dataclass(frozen=True)
class SshEndpoint:
    """How to reach the sandbox's services over SSH, and how to pin its host key."""

    host: str
    port: int
    client_key_path: Path
    host_key_path: Path  # the host's public key, OpenSSH format
    host_public_key: str  # "ssh-ed25519 AAAA…"
    host_fingerprint: str  # "SHA256:…"
    known_hosts_path: Path
    user_template: str = "{hostname}"

    @property
    def known_hosts_line(self) -> str:
        target = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
        return f"{target} {self.host_public_key}"


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


class SandboxSshServer:
    """The asyncssh listener and its session handler."""

    def __init__(
        self, host: ContainerHost, key_dir: Path, *, address: str = "127.0.0.1", port: int = 0
    ) -> None:
        self._host = host
        self._key_dir = key_dir
        self._address = address
        self._port = port
        self._server: Any = None
        self._sessions: set[asyncio.Task[None]] = set()
        self.endpoint: SshEndpoint | None = None

    async def start(self) -> SshEndpoint:
        import asyncssh

        self._key_dir.mkdir(parents=True, exist_ok=True)
        host_key = asyncssh.generate_private_key("ssh-ed25519", comment="zcp-sandbox-host")
        client_key = asyncssh.generate_private_key("ssh-ed25519", comment="zcp-sandbox-client")
        client_path = self._key_dir / "id_ed25519"
        _write_private(client_path, client_key.export_private_key())
        (self._key_dir / "id_ed25519.pub").write_bytes(client_key.export_public_key())
        host_pub = host_key.export_public_key().decode().strip()
        host_pub_path = self._key_dir / "ssh_host_ed25519_key.pub"
        host_pub_path.write_text(host_pub + "\n", encoding="utf-8")
        accepted = client_key.public_data
        host = self._host

        class Server(asyncssh.SSHServer):
            def begin_auth(self, username: str) -> bool:
                return True

            def public_key_auth_supported(self) -> bool:
                return True

            def validate_public_key(self, username: str, key: Any) -> bool:
                return bool(key.public_data == accepted and host.find_service(username) is not None)

        def sftp(chan: Any) -> Any:
            service = host.find_service(chan.get_extra_info("username"))
            root = host.trees.www(service.id) if service else host.trees.root / "nowhere"
            root.mkdir(parents=True, exist_ok=True)
            return asyncssh.SFTPServer(chan, chroot=str(root).encode())

        self._server = await asyncssh.listen(
            self._address,
            self._port,
            server_host_keys=[host_key],
            server_factory=Server,
            process_factory=self._track,
            sftp_factory=sftp,
            allow_scp=False,
            encoding=None,
            keepalive_interval=15,
        )
        port = self._server.sockets[0].getsockname()[1]
        target = self._address if port == 22 else f"[{self._address}]:{port}"
        known = self._key_dir / "known_hosts"
        known.write_text(f"{target} {host_pub}\n", encoding="utf-8")
        self.endpoint = SshEndpoint(
            host=self._address,
            port=port,
            client_key_path=client_path,
            host_key_path=host_pub_path,
            host_public_key=" ".join(host_pub.split()[:2]),
            host_fingerprint=host_key.get_fingerprint("sha256"),
            known_hosts_path=known,
        )
        return self.endpoint

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._sessions):
                task.cancel()
            for task in list(self._sessions):
                with contextlib.suppress(BaseException):
                    await task
            await self._server.wait_closed()
            self._server = None

    def _track(self, process: Any) -> asyncio.Task[None]:
        task = asyncio.ensure_future(self._session(process))
        self._sessions.add(task)
        task.add_done_callback(self._sessions.discard)
        return task

    async def _session(self, process: Any) -> None:
        host = self._host
        try:
            prepared = host.session_for(
                process.get_extra_info("username"), process.command, _client_env(process)
            )
        except LookupError as error:
            process.stderr.write(f"zcp sandbox: {error}\n".encode())
            process.exit(255)
            return
        argv, cwd, env, service_id = prepared
        child = await host.children.spawn(
            argv,
            service_id=service_id,
            kind="ssh",
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.PIPE,
        )
        assert child.stdin is not None
        assert child.stdout is not None
        assert child.stderr is not None
        feeding = asyncio.ensure_future(_feed(process.stdin, child.stdin))
        outputs = [
            asyncio.ensure_future(_pump(child.stdout, process.stdout)),
            asyncio.ensure_future(_pump(child.stderr, process.stderr)),
        ]
        exited = asyncio.ensure_future(child.wait())
        closed = asyncio.ensure_future(process.channel.wait_closed())
        try:
            await asyncio.wait({exited, closed}, return_when=asyncio.FIRST_COMPLETED)
            if not exited.done():  # the client left (its timeout fired): end the command
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(child.pid, signal.SIGKILL)
            code = await exited
            # Like sshd, wait for the output to end — unless the client is already gone.
            await asyncio.wait({*outputs, closed}, return_when=asyncio.FIRST_COMPLETED)
            if all(o.done() for o in outputs):
                await asyncio.gather(*outputs, return_exceptions=True)
            if not closed.done():
                if code < 0:
                    process.exit_with_signal(signal.Signals(-code).name.removeprefix("SIG"))
                else:
                    process.exit(code)
        finally:
            for task in (feeding, *outputs, closed):
                task.cancel()
            if not exited.done():
                exited.cancel()
            host.children.forget(child.pid)


def _client_env(process: Any) -> dict[str, str]:
    env: dict[str, str] = {}
    for key, value in dict(process.env or {}).items():
        name = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        env[name] = text
    return env


async def _feed(source: Any, target: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(_READ):
            target.write(data)
            await target.drain()
    except (BrokenPipeError, ConnectionResetError):
        return
    finally:
        with contextlib.suppress(Exception):
            target.close()


async def _pump(source: asyncio.StreamReader, target: Any) -> None:
    while data := await source.read(_READ):
        try:
            target.write(data)
        except Exception:  # the channel closed under us
            return
