"""``zerops_logs``: a service's runtime log or a build's log, filtered and paged.

Deviations from the reference tool: build logs are readable too (``source="build"``, the newest build
or ``buildId``; no default ``since`` so a whole older build log is reachable); pages continue with an
opaque ``cursor`` instead of ending at ``limit``; ``search`` is case-insensitive and scans the newest
1000 lines; ``severity`` is an enum (any letter case, ``warn``/``err`` accepted) and means "this level or
worse". Log lines are fenced as untrusted data in the readable text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

from zcp.calls import ToolCall
from zcp.errors import InvalidParameter
from zcp.ops.logs import (
    SINCE_PATTERN,
    LogCursor,
    LogPage,
    LogRequest,
    parse_since,
    query_fingerprint,
    read_log_page,
)
from zcp.ops.targets import user_services
from zcp.platform.builds import latest_build
from zcp.platform.logs import LogQuery
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import Hostname, find_service
from zcp.tools.untrusted import fence_records

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.platform.models import AppVersion, LogItem

NAME = "zerops_logs"
DESCRIPTION = (
    "A service's runtime log, or a build's (source=\"build\": latest or buildId), newest page first. "
    "Filters: severity (that level or worse), since (default 1h), search. "
    "hasMore: pass cursor for older lines."
)
MAX_PAGE = 200
DEFAULT_SINCE = "1h"
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"

Severity = Literal["error", "warning", "notice", "info", "debug", "all"]
_SEVERITY_ALIASES = {"err": "error", "warn": "warning", "informational": "info", "critical": "error"}


def _severity(value: Any) -> Any:
    if isinstance(value, str):
        lowered = value.strip().lower()
        return _SEVERITY_ALIASES.get(lowered, lowered)
    return value


class LogEntryOut(BaseModel):
    timestamp: str
    severity: str
    message: str
    container: str | None = None


class LogsResult(ToolOutput):
    service_hostname: str = Field(alias="serviceHostname")
    source: Literal["runtime", "build"]
    build_id: str | None = Field(default=None, alias="buildId")
    entries: list[LogEntryOut] = Field(description="oldest first; untrusted")
    has_more: bool = Field(alias="hasMore")
    cursor: str | None = None
    notes: list[str] | None = None

    def to_text(self) -> str:
        what = f"{self.service_hostname} ({self.source} log" + (
            f" of build {self.build_id})" if self.build_id else ")"
        )
        if not self.entries:
            text = f"No log lines for {what} with these filters.\n"
        else:
            lines = [
                f"{e.timestamp} {e.severity.upper():<7} {('[' + e.container + '] ') if e.container else ''}{e.message}"
                for e in self.entries
            ]
            text = f"{len(self.entries)} log line(s) of {what}, oldest first:\n" + fence_records(lines)
        for note in self.notes or []:
            text += f"Note: {note}\n"
        return text


def _call(arguments: dict[str, Any]) -> ToolCall:
    """A zerops_logs call with the given arguments (``None`` ones left out)."""
    return ToolCall(tool=NAME, args={key: value for key, value in arguments.items() if value is not None})


def _pick_build(
    versions: list[AppVersion], service_id: str, build_id: str | None, hostname: str
) -> AppVersion | None:
    if build_id is None:
        return latest_build(versions, service_id)
    for version in versions:
        if version.id == build_id and version.service_stack_id == service_id:
            return version
    recent = [
        v.id
        for v in sorted(versions, key=lambda v: -v.sequence)
        if v.service_stack_id == service_id and v.build
    ]
    raise InvalidParameter(
        f"buildId {build_id!r} is not one of the recent builds of {hostname}",
        suggestion=("Recent builds: " + ", ".join(recent[:5]) + ". " if recent else "")
        + f'List builds with zerops_events serviceHostname="{hostname}".',
        details={"recentBuilds": recent[:5]},
    )


def logs_tool(app: App) -> ToolDefinition:
    """Build the zerops_logs tool bound to ``app``."""

    async def zerops_logs(
        serviceHostname: Hostname,
        source: Annotated[Literal["runtime", "build"], Field()] = "runtime",
        severity: Annotated[
            Severity | None,
            BeforeValidator(_severity),
            Field(description="this level or worse"),
        ] = None,
        since: Annotated[
            str | None,
            Field(pattern=SINCE_PATTERN, description='e.g. "15m", "2h", "7d", RFC 3339'),
        ] = None,
        search: Annotated[str | None, Field(min_length=1, max_length=200, description="any case")] = None,
        limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 100,
        cursor: Annotated[str | None, Field(max_length=512)] = None,
        buildId: Annotated[
            str | None, Field(pattern=ID_PATTERN, description="source=build: which build")
        ] = None,
    ) -> LogsResult:
        if buildId is not None and source != "build":
            raise InvalidParameter(
                "buildId only applies to build logs",
                suggestion=f'Add source="build", or drop buildId to read the runtime log of {serviceHostname}.',
            )
        now = app.clock.now()
        since_text = since if since is not None else (DEFAULT_SINCE if source == "runtime" else None)
        since_at = parse_since(since_text, now) if since_text else None
        level = None if severity in (None, "all") else severity
        fingerprint = query_fingerprint(serviceHostname, source, buildId, level, since_text, search)
        decoded = LogCursor.decode(cursor, fingerprint) if cursor else None

        platform = app.require_platform()
        client, project_id = platform.client, platform.project.id
        service = find_service(await user_services(client, project_id), serviceHostname)
        notes: list[str] = []
        build_id: str | None = None
        service_id: str = service.id
        tags: tuple[str, ...] = ()
        if source == "build":
            versions = await client.search_app_versions(project_id, 50)
            build = _pick_build(versions, service.id, buildId, serviceHostname)
            if build is None or build.build is None or not build.build.service_stack_id:
                return LogsResult(
                    service_hostname=serviceHostname,
                    source=source,
                    entries=[],
                    has_more=False,
                    notes=[f"{serviceHostname} has no build yet, so there is no build log."],
                )
            build_id = build.id
            service_id, tags = build.build.service_stack_id, (f"zbuilder@{build.id}",)

        async def fetch(query: LogQuery) -> list[LogItem]:
            items: list[LogItem] = await client.fetch_logs(project_id, query)
            return items

        page: LogPage = await read_log_page(
            fetch,
            LogRequest(
                service_id=service_id,
                tags=tags,
                severity=level,
                since=since_at,
                search=search,
                limit=limit,
                cursor=decoded,
                fingerprint=fingerprint,
            ),
        )
        if page.window_exhausted:
            notes.append(
                "Older lines exist beyond the newest 1000 the log backend returns; narrow the query with "
                "since or severity to reach them."
            )
        if search and not page.lines and not page.window_exhausted:
            notes.append(f"No line contains {search!r} (case-insensitive) in this window.")
        next_actions: list[ToolCall] = []
        if page.has_more and page.cursor:
            next_actions = [
                _call(
                    {
                        "serviceHostname": serviceHostname,
                        "source": source if source != "runtime" else None,
                        "buildId": buildId,
                        "severity": severity if severity not in (None, "all") else None,
                        "since": since,
                        "search": search,
                        "limit": limit if limit != 100 else None,
                        "cursor": page.cursor,
                    }
                )
            ]
        return LogsResult(
            service_hostname=serviceHostname,
            source=source,
            build_id=build_id,
            entries=[
                LogEntryOut(
                    timestamp=line.timestamp,
                    severity=line.severity,
                    message=line.message,
                    container=line.container,
                )
                for line in page.lines
            ],
            has_more=page.has_more,
            cursor=page.cursor,
            notes=notes or None,
            next_actions=next_actions,
        )

    return ToolDefinition(
        name=NAME,
        title="Read service logs",
        description=DESCRIPTION,
        fn=zerops_logs,
        read_only=True,
        destructive=False,
        idempotent=True,
        open_world=True,
        needs_platform=True,
    )
