"""The log backend's filters, applied to the sandbox's log entries.

The real backend filters by service, minimum severity, facility, tags (any of, exact match) and
container, orders by time (``desc=1`` newest first) and cuts at ``limit``; it silently ignores ``search``
and time filters, and answers an absurdly large limit with nothing at all. So does this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from zcp.sandbox.model import LogEntry

DEFAULT_LIMIT: Final = 100
#: Above this the live backend returns no items at all (observed with 50000); the sandbox mirrors it.
MAX_LIMIT: Final = 1000


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def query_logs(entries: Iterable[LogEntry], project_id: str, params: Mapping[str, str]) -> list[LogEntry]:
    """The entries of ``project_id`` that the backend query ``params`` selects, in answer order."""
    limit = _int(params.get("limit"))
    if limit is None or limit <= 0:
        limit = DEFAULT_LIMIT
    if limit > MAX_LIMIT:
        return []
    service_id = params.get("serviceStackId")
    severity = _int(params.get("minimumSeverity"))
    facility = _int(params.get("facility"))
    tags = {t for t in (params.get("tags") or "").split(",") if t}
    container_id = params.get("containerId")
    selected = [
        entry
        for entry in entries
        if entry.project_id == project_id
        and (not service_id or entry.service_id == service_id)
        and (severity is None or entry.severity <= severity)
        and (facility is None or entry.facility == facility)
        and (not tags or entry.tag in tags)
        and (not container_id or entry.container_id == container_id)
    ]
    selected.sort(key=lambda entry: entry.timestamp, reverse=params.get("desc") == "1")
    return selected[:limit]
