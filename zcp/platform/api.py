"""One API call, done properly: URL, bearer auth, a bounded timeout, retries and error mapping.

:class:`ApiCaller` is the only place that touches ``httpx`` for the REST API. Endpoint methods
(:mod:`zcp.platform.client`) describe a call — method, path, body, response model, whether it is safe to
repeat — and get back a validated model or one of zcp's exceptions.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, TypeVar

import anyio
import httpx
from pydantic import BaseModel, ValidationError

from zcp import __version__
from zcp.clock import SYSTEM_CLOCK, Clock
from zcp.config import normalize_base_url
from zcp.errors import ApiError
from zcp.platform.error_map import (
    Attempts,
    CallContext,
    Entity,
    map_status_error,
    map_transport_error,
    parse_error_body,
    scrub,
)
from zcp.platform.retry import Failure, RetryPolicy, parse_retry_after, retry_delay
from zcp.secrets import SecretToken

logger = logging.getLogger(__name__)

API_PREFIX: Final = "/api/rest/public"

ModelT = TypeVar("ModelT", bound=BaseModel)
Sleep = Callable[[float], Awaitable[None]]

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class ApiCaller:
    """Executes REST calls against one API host with one token."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        token: str | SecretToken,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        clock: Clock = SYSTEM_CLOCK,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._http = http
        self.base_url = normalize_base_url(base_url)
        self._token = token if isinstance(token, SecretToken) else SecretToken(token)
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._clock = clock
        self._jitter = jitter

    def __repr__(self) -> str:
        return f"ApiCaller(base_url={self.base_url!r}, token=***)"

    @property
    def http(self) -> httpx.AsyncClient:
        return self._http

    def url(self, path: str) -> str:
        return f"{self.base_url}{API_PREFIX}/{path.lstrip('/')}"

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._token.reveal()}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"zcp/{__version__}",
        }

    async def call(
        self,
        method: str,
        path: str,
        response: type[ModelT],
        *,
        entity: Entity,
        target: str | None = None,
        body: BaseModel | Mapping[str, Any] | None = None,
        idempotent: bool,
    ) -> ModelT:
        """Send one call (retrying when safe) and validate the answer as ``response``."""
        context = CallContext(operation=f"{method} {path}", entity=entity, target=target)
        payload = _encode(body) if body is not None else (b"{}\n" if method in ("PUT", "DELETE") else None)
        raw = await self._send(method, path, payload, context, idempotent=idempotent)
        try:
            return response.model_validate(raw)
        except ValidationError as error:
            fields = sorted({".".join(str(p) for p in e["loc"]) for e in error.errors()})[:5]
            raise ApiError(
                f"The Zerops API answered {context.operation} with an unexpected shape "
                f"(problem fields: {', '.join(fields) or 'the whole body'}).",
                suggestion="The API may have changed; report this with the zcp version.",
            ) from None

    async def _send(
        self, method: str, path: str, payload: bytes | None, context: CallContext, *, idempotent: bool
    ) -> Any:
        url = self.url(path)
        attempt = 0
        waited = 0.0
        secrets = (self._token.reveal(),)
        while True:
            attempt += 1
            started = self._clock.monotonic()
            delay: float | None
            try:
                with anyio.fail_after(self.timeout):
                    reply = await self._http.request(
                        method, url, content=payload, headers=self._headers(), timeout=self.timeout
                    )
            except (httpx.TransportError, TimeoutError) as exc:
                failure = Failure.NOT_SENT if isinstance(exc, _NOT_SENT) else Failure.IN_FLIGHT
                logger.debug(
                    "%s failed after %.0f ms (attempt %d): %s",
                    context.operation,
                    (self._clock.monotonic() - started) * 1000,
                    attempt,
                    type(exc).__name__,
                )
                delay = retry_delay(
                    self.retry,
                    attempt=attempt,
                    idempotent=idempotent,
                    failure=failure,
                    waited=waited,
                    jitter=self._jitter(),
                )
                if delay is None:
                    error = map_transport_error(
                        exc,
                        context,
                        timeout=self.timeout,
                        attempts=Attempts(attempt, mutation=not idempotent),
                        sent=failure is not Failure.NOT_SENT,
                    )
                    if not isinstance(exc, TimeoutError):
                        error.diagnostic = scrub(f"{type(exc).__name__}: {exc}", secrets)
                    raise error from None
            else:
                logger.debug(
                    "%s -> %d in %.0f ms (attempt %d)",
                    context.operation,
                    reply.status_code,
                    (self._clock.monotonic() - started) * 1000,
                    attempt,
                )
                if reply.status_code < 300:
                    return _decode(reply, context)
                retry_after = parse_retry_after(reply.headers.get("Retry-After"))
                delay = retry_delay(
                    self.retry,
                    attempt=attempt,
                    idempotent=idempotent,
                    failure=Failure.STATUS,
                    status=reply.status_code,
                    retry_after=retry_after,
                    waited=waited,
                    jitter=self._jitter(),
                )
                if delay is None:
                    raise map_status_error(
                        reply.status_code,
                        parse_error_body(reply.content, secrets),
                        context,
                        retry_after=retry_after,
                        attempts=Attempts(attempt, mutation=not idempotent),
                    )
            waited += delay
            await self._clock.sleep(delay)


def _encode(body: BaseModel | Mapping[str, Any]) -> bytes:
    data = body.model_dump(by_alias=True, mode="json") if isinstance(body, BaseModel) else dict(body)
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def _decode(reply: httpx.Response, context: CallContext) -> Any:
    if not reply.content.strip():
        return {}
    try:
        return reply.json()
    except ValueError:
        raise ApiError(
            f"The Zerops API answered {context.operation} with a body that is not JSON.",
            suggestion="Check ZCP_API_HOST points at the Zerops API (not a web page or proxy).",
        ) from None
