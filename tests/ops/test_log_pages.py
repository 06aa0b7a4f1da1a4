"""zcp.ops.logs: since parsing, cursors, and cutting pages from the log backend's window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zcp.errors import InvalidParameter
from zcp.ops.logs import LogCursor, LogRequest, parse_since, query_fingerprint, read_log_page, select_page
from zcp.platform.logs import MAX_LIMIT, LogQuery
from zcp.platform.models import LogItem

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


def _items(count: int) -> list[LogItem]:
    """``count`` lines one second apart, ending one second before NOW (oldest first)."""
    return [
        LogItem(id=f"id{n:04d}", timestamp=(NOW - timedelta(seconds=count - n)).isoformat(), message=f"m{n}")
        for n in range(count)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", NOW - timedelta(seconds=30)),
        ("15m", NOW - timedelta(minutes=15)),
        ("2h", NOW - timedelta(hours=2)),
        ("7d", NOW - timedelta(days=7)),
        ("2025-06-01T10:00:00Z", datetime(2025, 6, 1, 10, tzinfo=UTC)),
        ("2025-06-01T10:00:00.123456789+02:00", datetime(2025, 6, 1, 8, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_since_accepts_durations_and_timestamps(text: str, expected: datetime) -> None:
    assert parse_since(text, NOW) == expected


@pytest.mark.parametrize(
    "text", ["0m", "86401s", "1441m", "169h", "31d", "yesterday", "5 minutes", "2025-06-01"]
)
def test_since_out_of_range_or_unreadable_is_invalid_parameter(text: str) -> None:
    with pytest.raises(InvalidParameter):
        parse_since(text, NOW)


@given(timestamp=st.text(max_size=40), line_id=st.text(max_size=30), depth=st.integers(0, 10_000))
def test_a_cursor_survives_its_encoding(timestamp: str, line_id: str, depth: int) -> None:
    cursor = LogCursor(timestamp, line_id, depth, "fp")
    assert LogCursor.decode(cursor.encode(), "fp") == cursor


@pytest.mark.parametrize("text", ["", "!!!", "bm90IGpzb24", "WzEsMl0"])
def test_garbage_cursors_are_invalid_parameter(text: str) -> None:
    with pytest.raises(InvalidParameter):
        LogCursor.decode(text, "fp")


def test_a_cursor_of_other_filters_is_refused() -> None:
    cursor = LogCursor("t", "i", 3, query_fingerprint("app", "error")).encode()
    with pytest.raises(InvalidParameter, match="different query"):
        LogCursor.decode(cursor, query_fingerprint("app", "warning"))


def test_a_page_is_the_newest_lines_before_the_anchor() -> None:
    items = _items(10)
    first = select_page(items, before=None, limit=4, search=None)
    assert [i.message for i in first.page] == ["m6", "m7", "m8", "m9"] and first.more and first.depth == 4
    anchor = LogCursor(first.page[0].timestamp, first.page[0].id, first.depth, "").key
    second = select_page(items, before=anchor, limit=4, search=None)
    assert [i.message for i in second.page] == ["m2", "m3", "m4", "m5"]
    last = select_page(
        items, before=LogCursor(second.page[0].timestamp, second.page[0].id, 0, "").key, limit=4, search=None
    )
    assert [i.message for i in last.page] == ["m0", "m1"] and not last.more


def test_search_ignores_case_and_counts_only_matches() -> None:
    items = _items(6)
    items[1] = items[1].model_copy(update={"message": "Connection REFUSED"})
    page = select_page(items, before=None, limit=5, search="refused")
    assert [i.message for i in page.page] == ["Connection REFUSED"] and not page.more


class _Backend:
    """A fake log backend: the newest ``limit`` lines of a fixed list, like the real one."""

    def __init__(self, items: list[LogItem]) -> None:
        self.items = items
        self.limits: list[int] = []

    async def __call__(self, query: LogQuery) -> list[LogItem]:
        self.limits.append(query.limit)
        return self.items[-query.limit :]


@pytest.mark.anyio
async def test_the_first_page_asks_for_one_line_more_than_it_shows() -> None:
    backend = _Backend(_items(50))
    page = await read_log_page(backend, LogRequest(service_id="s", limit=10))
    assert backend.limits == [11] and page.has_more and len(page.lines) == 10


@pytest.mark.anyio
async def test_a_window_pushed_by_new_lines_is_widened_once() -> None:
    backend = _Backend(_items(50))
    first = await read_log_page(backend, LogRequest(service_id="s", limit=10, fingerprint="f"))
    assert first.cursor is not None
    backend.items = backend.items + [
        LogItem(id=f"new{n}", timestamp=(NOW + timedelta(seconds=n)).isoformat(), message=f"new{n}")
        for n in range(30)
    ]
    cursor = LogCursor.decode(first.cursor, "f")
    second = await read_log_page(
        backend, LogRequest(service_id="s", limit=10, cursor=cursor, fingerprint="f")
    )
    assert backend.limits[1:] == [21, MAX_LIMIT]
    assert [line.message for line in second.lines] == [f"m{n}" for n in range(30, 40)]


@pytest.mark.anyio
async def test_a_search_scans_the_whole_window_and_reports_when_it_runs_out() -> None:
    backend = _Backend(_items(MAX_LIMIT + 10))
    page = await read_log_page(backend, LogRequest(service_id="s", limit=10, search="needle"))
    assert backend.limits == [MAX_LIMIT]
    assert page.lines == () and not page.has_more and page.window_exhausted
