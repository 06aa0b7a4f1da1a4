"""HTTP probes of a service's public URL: the one seam between health checks and the web.

:class:`HttpProber` is the interface health checks use; :class:`HttpxProber` is the real one (one
``GET``, no redirects followed, the whole exchange bounded by a timeout, at most a few KB of body
read). Tests point it at the sandbox's subdomain gateway, which answers on loopback from the
service's state, so the real implementation is what gets tested.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

import anyio

from zcp.clock import SYSTEM_CLOCK, Clock

if TYPE_CHECKING:
    import httpx

#: Bytes of the answer kept (for a readable excerpt of an error page).
MAX_BODY_BYTES: Final = 4096


@dataclass(frozen=True)
class ProbeResult:
    """What one probe saw: an HTTP status, or why there was none."""

    url: str
    status: int | None
    error: str | None = None
    body: str = ""
    seconds: float = 0.0

    @property
    def reachable(self) -> bool:
        """An HTTP answer below 500 (redirects and 4xx mean something is serving)."""
        return self.status is not None and self.status < 500


class HttpProber(Protocol):
    """Probes one URL; never raises for network trouble (that is a result)."""

    async def probe(self, url: str) -> ProbeResult: ...


class HttpxProber:
    """:class:`HttpProber` over an ``httpx.AsyncClient``."""

    def __init__(
        self, http: httpx.AsyncClient, *, timeout: float = 10.0, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._http = http
        self.timeout = timeout
        self._clock = clock

    async def probe(self, url: str) -> ProbeResult:
        import httpx

        started = self._clock.monotonic()
        try:
            with anyio.fail_after(self.timeout):
                async with self._http.stream("GET", url, timeout=self.timeout) as reply:
                    body = bytearray()
                    async for chunk in reply.aiter_bytes():
                        body.extend(chunk)
                        if len(body) >= MAX_BODY_BYTES:
                            break
                    status = reply.status_code
        except TimeoutError:
            return ProbeResult(url, None, f"no answer within {self.timeout:g}s", seconds=self.timeout)
        except httpx.TimeoutException:
            return ProbeResult(url, None, f"no answer within {self.timeout:g}s", seconds=self.timeout)
        except httpx.HTTPError as error:
            return ProbeResult(url, None, _describe(error), seconds=self._clock.monotonic() - started)
        text = bytes(body[:MAX_BODY_BYTES]).decode("utf-8", errors="replace")
        return ProbeResult(url, status, None, text, self._clock.monotonic() - started)


def _describe(error: Exception) -> str:
    import httpx

    if isinstance(error, httpx.ConnectError):
        return "could not connect (DNS, refused or unreachable)"
    if isinstance(error, httpx.RemoteProtocolError):
        return "the connection closed without a valid HTTP answer"
    if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "the URL is not a valid http(s) URL"
    return f"request failed ({type(error).__name__})"


@asynccontextmanager
async def open_prober(timeout: float, clock: Clock = SYSTEM_CLOCK) -> AsyncIterator[HttpxProber]:
    """A prober with its own connection pool, closed when the block ends."""
    import httpx

    limits = httpx.Limits(max_connections=10, max_keepalive_connections=0)
    async with httpx.AsyncClient(follow_redirects=False, limits=limits, timeout=timeout) as http:
        yield HttpxProber(http, timeout=timeout, clock=clock)
