"""Whether a service's SSH port answers: the seam ``zcp doctor`` checks SSH reachability through.

The SSH layer proper (asyncssh sessions, host-key pinning, the deploy runner) is being built
separately; until it lands, :class:`TcpSshProbe` only opens a TCP connection to port 22 of each
service (the project's private network resolves service hostnames inside a container). A real
SSH handshake can replace it behind the same :class:`SshProbe` protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import anyio

__all__ = ["SSH_PORT", "Reachability", "SshProbe", "TcpSshProbe"]

SSH_PORT = 22


@dataclass(frozen=True)
class Reachability:
    hostname: str
    reachable: bool
    detail: str = ""


class SshProbe(Protocol):
    """Answers whether a service accepts SSH connections."""

    async def probe(self, hostname: str) -> Reachability: ...


class TcpSshProbe:
    """A TCP connect to ``address_for(hostname)`` (default ``hostname:22``) within ``timeout`` seconds."""

    def __init__(
        self, *, timeout: float = 3.0, address_for: Callable[[str], tuple[str, int]] | None = None
    ) -> None:
        self.timeout = timeout
        self._address_for = address_for or (lambda hostname: (hostname, SSH_PORT))

    async def probe(self, hostname: str) -> Reachability:
        host, port = self._address_for(hostname)
        try:
            with anyio.fail_after(self.timeout):
                stream = await anyio.connect_tcp(host, port)
        except TimeoutError:
            return Reachability(hostname, False, f"no answer on port {port} within {self.timeout:g}s")
        except OSError as error:
            return Reachability(hostname, False, f"port {port}: {error.strerror or error}")
        await stream.aclose()
        return Reachability(hostname, True)
