"""Reading logs: a signed URL from the API, then the log backend itself.

Step one (``GET /project/{id}/log``) lives on the client; this module does step two. The backend URL
carries its own credential in the query string, so no ``Authorization`` header is sent. The backend
filters by service, severity, facility, tags and container; it ignores time and text filters, so those
run here afterwards (:func:`postprocess`), the same way for the real backend and the sandbox.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import anyio
from pydantic import ValidationError

from zcp.errors import ApiError, ApiTimeout, InvalidParameter, NetworkError
from zcp.platform.error_map import scrub
from zcp.platform.models import LogAccess, LogItem, LogPage
from zcp.platform.status import parse_timestamp
from zcp.secrets import register_secret

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)

#: Syslog severity numbers by label; the backend keeps entries at or below the number.
SEVERITIES: Final = {
    "emergency": 0,
    "alert": 1,
    "critical": 2,
    "error": 3,
    "warning": 4,
    "notice": 5,
    "info": 6,
    "informational": 6,
    "debug": 7,
}
#: Syslog facility numbers the backend filters on.
FACILITIES: Final = {"application": 16, "webserver": 17}
MAX_LIMIT: Final = 1000
DEFAULT_LIMIT: Final = 100
MAX_BODY_BYTES: Final = 50 * 1024 * 1024


@dataclass(frozen=True)
class LogQuery:
    """What to read. ``since`` and ``search`` are applied client-side (the backend ignores them)."""

    service_id: str | None = None
    severity: str | None = None  # a label from SEVERITIES, or "all"
    facility: str | None = "application"
    tags: Sequence[str] = field(default_factory=tuple)
    container_id: str | None = None
    limit: int = DEFAULT_LIMIT
    since: datetime | None = None
    search: str | None = None


def clamp_limit(limit: int) -> int:
    """The backend limit: ≤0 means the default, anything above 1000 is capped."""
    if limit <= 0:
        return DEFAULT_LIMIT
    return min(limit, MAX_LIMIT)


def backend_params(query: LogQuery) -> dict[str, str]:
    """The query parameters the backend understands, built from ``query``."""
    params: dict[str, str] = {"limit": str(clamp_limit(query.limit)), "desc": "1"}
    if query.service_id:
        params["serviceStackId"] = query.service_id
    if query.severity and query.severity.lower() != "all":
        params["minimumSeverity"] = str(SEVERITIES.get(query.severity.lower(), SEVERITIES["info"]))
    if query.facility:
        facility = FACILITIES.get(query.facility.lower())
        if facility is None:
            raise InvalidParameter(
                f"Unknown log facility {query.facility!r}.",
                suggestion=f"Use one of {', '.join(sorted(FACILITIES))}, or none for every facility.",
            )
        params["facility"] = str(facility)
    if query.tags:
        params["tags"] = ",".join(query.tags)
    if query.container_id:
        params["containerId"] = query.container_id
    return params


def build_fetch_url(access: LogAccess, query: LogQuery) -> str:
    """The signed URL with the query's parameters merged in; the signed parameters are kept as sent."""
    parts = urlsplit(access.fetch_url)
    merged = dict(parse_qsl(parts.query, keep_blank_values=True))
    merged.update(backend_params(query))
    return urlunsplit(parts._replace(query=urlencode(sorted(merged.items()))))


def postprocess(items: Sequence[LogItem], query: LogQuery) -> list[LogItem]:
    """Oldest first, then ``since`` and ``search`` applied, then the newest ``limit`` kept."""
    ordered = sorted(items, key=lambda item: item.timestamp)
    if query.since is not None:
        since = query.since
        kept = []
        for item in ordered:
            moment = parse_timestamp(item.timestamp)
            if moment is not None and moment >= since:
                kept.append(item)
        ordered = kept
    if query.search:
        ordered = [item for item in ordered if query.search in item.message]
    limit = clamp_limit(query.limit)
    return ordered[-limit:]


class LogFetcher:
    """Fetches from the log backend over a shared ``httpx.AsyncClient``."""

    def __init__(self, http: httpx.AsyncClient, *, timeout: float = 30.0) -> None:
        self._http = http
        self.timeout = timeout

    async def fetch(self, access: LogAccess, query: LogQuery) -> list[LogItem]:
        """The log entries ``query`` selects, oldest first."""
        import httpx  # the log backend is only read with credentials; keep start-up light

        register_secret(access.access_token)
        url = build_fetch_url(access, query)
        secrets = (access.access_token, urlsplit(access.fetch_url).query, url)
        try:
            with anyio.fail_after(self.timeout):
                async with self._http.stream(
                    "GET", url, headers={"Content-Type": "application/json"}, timeout=self.timeout
                ) as reply:
                    cap = MAX_BODY_BYTES if reply.status_code < 300 else 1024 * 1024
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in reply.aiter_bytes():
                        size += len(chunk)
                        if size > cap:
                            raise ApiError(
                                "The log backend answered with more data than zcp accepts.",
                                suggestion="Ask for fewer entries (a smaller limit or a narrower filter).",
                            )
                        chunks.append(chunk)
        except TimeoutError:
            raise ApiTimeout(
                f"The log backend did not answer within {self.timeout:g}s.", suggestion="Retry in a moment."
            ) from None
        except httpx.HTTPError as error:
            raise NetworkError(
                "Could not read from the log backend.",
                suggestion="Retry in a moment.",
                diagnostic=scrub(f"{type(error).__name__}: {error}", secrets),
            ) from None
        content = b"".join(chunks)
        if reply.status_code >= 300:
            text = scrub(" ".join(content.decode("utf-8", errors="replace").split())[:300], secrets)
            raise ApiError(
                f"The log backend failed with HTTP {reply.status_code}: {text or 'no body'}.",
                suggestion="Retry; the log access URL is fetched fresh on every read.",
            )
        try:
            page = LogPage.model_validate_json(content)
        except ValidationError:
            raise ApiError(
                "The log backend answered with something that is not a log list.",
                suggestion="Retry; if it persists, the log backend format changed.",
            ) from None
        logger.debug("log backend returned %d entries", len(page.items))
        return postprocess(page.items, query)
