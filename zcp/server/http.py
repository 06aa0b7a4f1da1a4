"""``zcp serve --http``: the same MCP server over streamable HTTP at ``/mcp``.

STDIO is zcp's main transport; HTTP exists for tools that only speak it (the official conformance
suite, browser-based inspectors) and for a zcp reached over a private network. The rules:

- A loopback address (``127.0.0.1``, ``::1``, ``localhost``) is the default and needs nothing else.
- Any other address needs ``--allow-remote`` **and** a bearer token in ``ZCP_HTTP_TOKEN`` (at least
  :data:`MIN_TOKEN_LENGTH` characters; never a command-line flag, so it stays out of ``ps``).
  Every request must then carry ``Authorization: Bearer <token>``.
- ``Host`` and ``Origin`` headers are checked on every request (DNS-rebinding protection): on
  loopback only loopback names pass; on another address only the names given with
  ``--allowed-host`` (default: the address itself).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zcp.errors import ConfigError, InvalidUsage

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from zcp.server.app import ZcpServer

log = logging.getLogger(__name__)

__all__ = [
    "MCP_PATH",
    "MIN_TOKEN_LENGTH",
    "BearerTokenGate",
    "HttpOptions",
    "build_http_app",
    "parse_listen_address",
    "serve_http",
    "validate_options",
]

MCP_PATH = "/mcp"
MIN_TOKEN_LENGTH = 32
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


@dataclass(frozen=True)
class HttpOptions:
    """Where and how the HTTP transport listens."""

    host: str
    port: int
    allow_remote: bool = False
    token: str | None = None
    allowed_hosts: tuple[str, ...] = ()


def parse_listen_address(text: str) -> tuple[str, int]:
    """``127.0.0.1:8765``, ``[::1]:8765``, ``localhost:0`` or a bare port → (host, port)."""
    value = text.strip()
    if value.isdigit():
        host, port_text = "127.0.0.1", value
    elif value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port_text = rest.removeprefix(":")
    else:
        host, _, port_text = value.rpartition(":")
    if not host or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise InvalidUsage(
            f"--http {text!r} is not HOST:PORT",
            suggestion="Use e.g. --http 127.0.0.1:8765 (port 0 picks a free port).",
        )
    return host, int(port_text)


def is_loopback(host: str) -> bool:
    """True for loopback addresses and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_options(options: HttpOptions) -> None:
    """Refuse a set-up that would expose the project without protection."""
    if not is_loopback(options.host) and not options.allow_remote:
        raise InvalidUsage(
            f"zcp serves HTTP on loopback only; {options.host} is not a loopback address",
            suggestion="Use --http 127.0.0.1:PORT, or add --allow-remote and set ZCP_HTTP_TOKEN to a long "
            "random secret (every request must then send it as a bearer token).",
        )
    if options.allow_remote and not is_loopback(options.host):
        if not options.token:
            raise ConfigError(
                f"--allow-remote on {options.host} needs a bearer token, and ZCP_HTTP_TOKEN is not set",
                suggestion="Set ZCP_HTTP_TOKEN to a random secret, e.g. `export ZCP_HTTP_TOKEN=$(openssl rand -hex 32)`.",
            )
        if options.host in ("0.0.0.0", "::") and not options.allowed_hosts:
            raise InvalidUsage(
                f"listening on every interface ({options.host}) needs --allowed-host NAME for each name "
                "clients use to reach zcp (the Host header check)",
                suggestion="Add e.g. --allowed-host zcp.internal:8765, or listen on one address.",
            )
    if options.token is not None and len(options.token) < MIN_TOKEN_LENGTH:
        raise ConfigError(
            f"ZCP_HTTP_TOKEN is {len(options.token)} characters; use at least {MIN_TOKEN_LENGTH}",
            suggestion="Generate one with `openssl rand -hex 32`.",
        )


def _host_header(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}"


def transport_security(options: HttpOptions, port: int) -> Any:
    """The SDK's Host/Origin check for these options (``port`` is the port actually bound)."""
    from mcp.server.transport_security import TransportSecuritySettings

    if is_loopback(options.host):
        hosts = [f"{name}:*" for name in _LOOPBACK_NAMES]
    else:
        hosts = list(options.allowed_hosts) or [_host_header(options.host, port)]
    origins = [f"{scheme}://{host}" for host in hosts for scheme in ("http", "https")]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


class BearerTokenGate:
    """ASGI middleware: every HTTP request needs ``Authorization: Bearer <token>`` (constant-time check)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            sent = next((v for k, v in scope.get("headers", ()) if k == b"authorization"), b"")
            if not hmac.compare_digest(sent, self._expected):
                from starlette.responses import JSONResponse

                response = JSONResponse(
                    {"error": "unauthorized", "message": "send Authorization: Bearer <ZCP_HTTP_TOKEN>"},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="zcp"'},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def build_http_app(server: ZcpServer, options: HttpOptions, port: int) -> ASGIApp:
    """The ASGI app: the SDK's streamable HTTP transport behind the checks above."""
    app: ASGIApp = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        transport_security=transport_security(options, port),
        host=options.host,
    )
    if options.token:
        app = BearerTokenGate(app, options.token)
    return app


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening-ready socket on ``host:port`` (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port}: {error.strerror or error}",
            suggestion="Pick another port (0 picks a free one) or stop what is using it.",
        ) from None
    sock.set_inheritable(True)
    return sock


async def serve_http(
    server: ZcpServer, options: HttpOptions, *, announce: Callable[[str], None] | None = None
) -> None:
    """Serve until interrupted; ``announce`` gets the URL once the socket is bound."""
    import uvicorn

    validate_options(options)
    sock = bind_socket(options.host, options.port)
    port = sock.getsockname()[1]
    url = f"http://{_host_header(options.host, port)}{MCP_PATH}"
    config = uvicorn.Config(
        build_http_app(server, options, port),
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    if announce is not None:
        announce(url)
    await uvicorn.Server(config).serve(sockets=[sock])
