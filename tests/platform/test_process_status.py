"""Status vocabularies and timestamps as the API sends them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zcp.platform import status as st


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("DONE", "FINISHED"),
        ("CANCELLED", "CANCELED"),
        ("finished", "FINISHED"),
        ("SOMETHING_NEW", "SOMETHING_NEW"),
    ],
)
def test_process_status_spellings_fold_and_unknown_values_pass_through(raw: str, canonical: str) -> None:
    assert st.normalize_process_status(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "busy"),
    [("PENDING", True), ("RUNNING", True), ("ROLLBACKING", False), ("CANCELING", False), ("DONE", False)],
)
def test_only_pending_and_running_are_in_progress(raw: str, busy: bool) -> None:
    assert st.process_in_progress(raw) is busy


@pytest.mark.parametrize(
    "category", ["CORE", "BUILD", "INTERNAL", "PREPARE_RUNTIME", "HTTP_L7_BALANCER", "build"]
)
def test_system_categories_are_hidden(category: str) -> None:
    assert st.is_system_category(category)


def test_managed_categories_are_databases_and_storage() -> None:
    assert st.is_managed_category("STANDARD")
    assert st.is_managed_category("OBJECT_STORAGE")
    assert not st.is_managed_category("USER")


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("2025-06-02T08:10:00Z", 0),
        ("2025-06-02T08:10:00.4407Z", 440700),
        ("2025-06-02T08:10:00.440712345Z", 440712),
        ("2025-06-02T10:10:00.1+02:00", 100000),
    ],
)
def test_timestamps_with_any_fraction_length_parse(text: str, micros: int) -> None:
    parsed = st.parse_timestamp(text)
    assert parsed == datetime(2025, 6, 2, 8, 10, 0, micros, tzinfo=UTC)


@pytest.mark.parametrize("text", [None, "", "yesterday", "2025-13-40T00:00:00Z"])
def test_unreadable_timestamps_are_none(text: str | None) -> None:
    assert st.parse_timestamp(text) is None


def test_timestamps_format_as_utc_milliseconds() -> None:
    assert (
        st.format_timestamp(datetime(2025, 6, 2, 8, 0, 1, 234567, tzinfo=UTC)) == "2025-06-02T08:00:01.234Z"
    )
