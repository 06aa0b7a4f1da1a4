"""Run the sandbox over HTTP on loopback: in a background thread (tests, demos) or in the foreground (CLI).

The listening socket is bound before uvicorn starts, so port 0 works (the OS picks a free port and
:attr:`SandboxServer.url` knows it at once), and :meth:`SandboxServer.start` returns only once the server
accepts connections. :meth:`SandboxServer.stop` shuts uvicorn down and closes the socket, so nothing
leaks between tests.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Sequence
from types import TracebackType

import uvicorn

from zcp.sandbox.app import DEFAULT_EXTENSIONS, SandboxExtension, build_app
from zcp.sandbox.sandbox import Sandbox


class _ReadyServer(uvicorn.Server):
    """A uvicorn server that signals when it is accepting connections."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening-ready TCP socket on ``host:port`` (port 0 picks a free one)."""
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets that say they are TCP,
    # and without it every response stalls ~40 ms (Nagle + delayed ACK between headers and body).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def uvicorn_config(
    sandbox: Sandbox, extensions: Sequence[SandboxExtension], *, log_level: str
) -> uvicorn.Config:
    return uvicorn.Config(
        build_app(sandbox, extensions),
        log_level=log_level,
        access_log=False,
        lifespan="on",
        loop="asyncio",
        http="h11",
        ws="none",
        timeout_graceful_shutdown=2,
    )


class SandboxServer:
    """A sandbox served on ``host:port`` from a background thread."""

    def __init__(
        self,
        sandbox: Sandbox,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        extensions: Sequence[SandboxExtension] = DEFAULT_EXTENSIONS,
        log_level: str = "warning",
    ) -> None:
        self.sandbox = sandbox
        self.host = host
        self._requested_port = port
        self._extensions = tuple(extensions)
        self._log_level = log_level
        self._socket: socket.socket | None = None
        self._server: _ReadyServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        if not self.port:
            raise RuntimeError("the sandbox server is not running")
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> SandboxServer:
        if self._thread is not None:
            raise RuntimeError("the sandbox server is already running")
        self._socket = bind_socket(self.host, self._requested_port)
        self.port = self._socket.getsockname()[1]
        self.sandbox.served_at = self.url
        self._server = _ReadyServer(uvicorn_config(self.sandbox, self._extensions, log_level=self._log_level))
        sockets = [self._socket]
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.run(sockets=sockets), name=f"zcp-sandbox-{self.port}", daemon=True
        )
        self._thread.start()
        if not server.ready.wait(timeout):
            self.stop()
            raise RuntimeError(f"the sandbox server did not start within {timeout:g}s")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None
        self.port = 0

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
