"""Reading service logs page by page: ``since`` parsing, continuation cursors and page selection.

The log backend answers "the newest N lines matching service/severity/tags", newest first, at most
1000; it has no offset and ignores time and text filters. So a page is cut client-side from a window
of the newest lines:

* the first page is the newest ``limit`` lines (the window is ``limit + 1``, so ``hasMore`` is known);
* the cursor remembers the oldest line returned (timestamp and id) and how many lines were at or after
  it; the next page fetches a window that reaches past it and keeps only older lines. If new lines
  pushed the older ones out of that window, the window is widened to the backend's maximum once;
* ``search`` (case-insensitive substring) always scans the maximum window, because non-matching lines
  use it up;
* when even the maximum window holds no older lines, the page says so (``windowExhausted``): older
  lines exist only beyond what the backend returns, and narrower filters (``since``, ``severity``)
  reach them.

A cursor carries a fingerprint of the query; reusing it with different filters is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from zcp.errors import InvalidParameter
from zcp.platform.logs import MAX_LIMIT, LogQuery
from zcp.platform.models import LogItem
from zcp.platform.status import parse_timestamp

#: Relative ``since`` units: seconds per unit and the largest count accepted.
SINCE_UNITS: Final = {"s": (1, 86400), "m": (60, 1440), "h": (3600, 168), "d": (86400, 30)}
SINCE_PATTERN: Final = r"^(\d+[smhd]|\d{4}-\d{2}-\d{2}T\S+)$"
_RELATIVE = re.compile(r"^(\d+)([smhd])$")
#: Syslog severity numbers → the labels zcp shows and accepts.
SEVERITY_NAMES: Final = ("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug")
MAX_MESSAGE_CHARS: Final = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_since(text: str, now: datetime) -> datetime:
    """``30s``, ``15m``, ``2h``, ``7d`` (before ``now``) or an RFC 3339 timestamp → an aware datetime."""
    value = text.strip()
    match = _RELATIVE.match(value)
    if match:
        count, unit = int(match.group(1)), match.group(2)
        seconds, largest = SINCE_UNITS[unit]
        if not 1 <= count <= largest:
            raise InvalidParameter(
                f"since={value!r} is out of range: {unit} takes 1-{largest}",
                suggestion='Use e.g. since="30m", "2h" or "7d" (at most 86400s, 1440m, 168h or 30d).',
            )
        return now - timedelta(seconds=count * seconds)
    moment = parse_timestamp(value) if "T" in value else None
    if moment is None:
        raise InvalidParameter(
            f"since={value!r} is neither a duration nor an RFC 3339 timestamp",
            suggestion='Use a duration like since="30m", "2h", "7d" or a timestamp like "2025-06-02T08:00:00Z".',
        )
    return moment


def severity_name(item: LogItem) -> str:
    """The entry's severity as a lower-case label (``error``, ``warning``, ``info``…)."""
    if item.severity is not None and 0 <= item.severity < len(SEVERITY_NAMES):
        return SEVERITY_NAMES[item.severity]
    label = item.severity_label.strip().lower()
    return "info" if label == "informational" else label or "info"


def _key(item: LogItem) -> tuple[datetime, str]:
    return (parse_timestamp(item.timestamp) or _EPOCH, item.id)


# --- cursors --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogCursor:
    """Where the previous page ended: its oldest line, and how deep in the window that line was."""

    timestamp: str
    line_id: str
    depth: int
    fingerprint: str

    def encode(self) -> str:
        raw = json.dumps([self.timestamp, self.line_id, self.depth, self.fingerprint], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, text: str, fingerprint: str) -> LogCursor:
        """Read a cursor; INVALID_PARAMETER when it is not one of ours or belongs to another query."""
        try:
            padded = text.strip() + "=" * (-len(text.strip()) % 4)
            timestamp, line_id, depth, owner = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            cursor = cls(str(timestamp), str(line_id), int(depth), str(owner))
        except (ValueError, TypeError, binascii.Error, UnicodeError):
            raise InvalidParameter(
                "cursor is not a cursor zerops_logs returned",
                suggestion="Pass the cursor from the previous zerops_logs result unchanged, or drop it "
                "to start again from the newest lines.",
            ) from None
        if cursor.fingerprint != fingerprint or cursor.depth < 0:
            raise InvalidParameter(
                "cursor belongs to a different query (service, source, severity, since or search changed)",
                suggestion="Repeat the same filters with the cursor, or drop cursor to start a new query.",
            )
        return cursor

    @property
    def key(self) -> tuple[datetime, str]:
        return (parse_timestamp(self.timestamp) or _EPOCH, self.line_id)


def query_fingerprint(*parts: str | None) -> str:
    """A short hash naming one query's filters (a cursor is only valid for the same filters)."""
    text = json.dumps(list(parts), separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


# --- pages ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogLine:
    timestamp: str
    severity: str
    message: str
    container: str | None
    truncated: bool = False


@dataclass(frozen=True)
class LogPage:
    """One page, oldest line first; ``cursor`` continues to older lines when ``has_more``."""

    lines: tuple[LogLine, ...]
    has_more: bool
    cursor: str | None
    window_exhausted: bool = False


@dataclass(frozen=True)
class _Selection:
    page: list[LogItem]
    more: bool
    depth: int  # lines in the window at or after the page's oldest line


def select_page(
    items: Sequence[LogItem], *, before: tuple[datetime, str] | None, limit: int, search: str | None
) -> _Selection:
    """Cut one page from a window: lines older than ``before``, matching ``search``, the newest ``limit``."""
    ordered = sorted(items, key=_key)
    older = ordered if before is None else [item for item in ordered if _key(item) < before]
    if search:
        needle = search.casefold()
        older = [item for item in older if needle in item.message.casefold()]
    page = older[-limit:] if limit > 0 else []
    more = len(older) > len(page)
    depth = 0
    if page:
        oldest = _key(page[0])
        depth = sum(1 for item in ordered if _key(item) >= oldest)
    return _Selection(page, more, depth)


def _line(item: LogItem) -> LogLine:
    message = item.message
    truncated = len(message) > MAX_MESSAGE_CHARS
    if truncated:
        message = message[:MAX_MESSAGE_CHARS] + " …"
    return LogLine(item.timestamp, severity_name(item), message, item.hostname or None, truncated)


@dataclass(frozen=True)
class LogRequest:
    """What to read: the backend selection plus paging and client-side filters."""

    service_id: str
    tags: tuple[str, ...] = ()
    severity: str | None = None
    since: datetime | None = None
    search: str | None = None
    limit: int = 100
    cursor: LogCursor | None = None
    fingerprint: str = ""


Fetch = Callable[[LogQuery], Awaitable[list[LogItem]]]


async def read_log_page(fetch: Fetch, request: LogRequest) -> LogPage:
    """Fetch the window the request needs (widening once if necessary) and cut its page."""
    before = request.cursor.key if request.cursor else None
    if request.search:
        window = MAX_LIMIT
    else:
        depth = request.cursor.depth if request.cursor else 0
        window = min(MAX_LIMIT, depth + request.limit + 1)
    while True:
        query = LogQuery(
            service_id=request.service_id,
            severity=request.severity,
            facility="application",
            tags=request.tags,
            limit=window,
            since=request.since,
        )
        items = await fetch(query)
        full = len(items) >= window
        selection = select_page(items, before=before, limit=request.limit, search=request.search)
        if not selection.more and full and window < MAX_LIMIT:
            window = MAX_LIMIT
            continue
        break
    cursor = None
    if selection.more and selection.page:
        oldest = selection.page[0]
        cursor = LogCursor(oldest.timestamp, oldest.id, selection.depth, request.fingerprint).encode()
    return LogPage(
        lines=tuple(_line(item) for item in selection.page),
        has_more=selection.more,
        cursor=cursor,
        window_exhausted=not selection.more and full and window >= MAX_LIMIT,
    )
