"""Mercury's apparent retrograde periods, checked against published dates."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from zcp.preprocess.mercury import mercury_in_retrograde

# Published retrograde periods (station retrograde to station direct), at least a day inside each.
RETROGRADE = ["2024-04-10", "2024-08-15", "2024-12-05", "2025-03-25", "2025-07-30", "2025-11-20"]
DIRECT = ["2024-03-15", "2024-06-01", "2024-10-01", "2025-01-10", "2025-05-15", "2025-10-01"]


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


@pytest.mark.parametrize("day", RETROGRADE)
def test_dates_inside_a_published_retrograde_period_are_retrograde(day: str) -> None:
    assert mercury_in_retrograde(at(day))


@pytest.mark.parametrize("day", DIRECT)
def test_dates_outside_retrograde_periods_are_direct(day: str) -> None:
    assert not mercury_in_retrograde(at(day))


def test_retrograde_spells_last_about_three_weeks_three_times_a_year() -> None:
    first = datetime(2025, 1, 1, 12, tzinfo=UTC)
    days = [mercury_in_retrograde(first + timedelta(days=n)) for n in range(365)]
    starts = sum(1 for before, now in itertools.pairwise(days) if now and not before)
    assert starts == 3
    assert 60 <= sum(days) <= 75
