"""Date format tokens and time-zone names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zcp.preprocess.datetimes import UnknownZone, format_datetime, resolve_zone

MOMENT = datetime(2026, 2, 1, 15, 4, 5, 42, tzinfo=UTC)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("YYYY YY", "2026 26"),
        ("MMMM MMM MM M", "February Feb 02 2"),
        ("DDDD DD D", "032 01 1"),
        ("dddd ddd", "Sunday Sun"),
        ("HH hh h A a", "15 03 3 PM pm"),
        ("mm m ss s S", "04 4 05 5 000042"),
        ("ZZZ zz Z", "UTC +00:00 +0000"),
        ("[YYYY] x", "[2026] x"),
    ],
)
def test_each_token_renders_its_part(pattern: str, expected: str) -> None:
    assert format_datetime(MOMENT, pattern) == expected


def test_zones_by_iana_name_abbreviation_and_posix_style() -> None:
    assert format_datetime(MOMENT.astimezone(resolve_zone("America/New_York")), "HH zz") == "10 -05:00"
    assert format_datetime(MOMENT.astimezone(resolve_zone("CET")), "HH ZZZ") == "16 CET"
    assert format_datetime(MOMENT.astimezone(resolve_zone("Etc/GMT+2")), "HH Z") == "13 -0200"
    assert resolve_zone("gmt") is UTC


@pytest.mark.parametrize("name", ["Totally/Invalid/Zone", "../etc/passwd", ""])
def test_unknown_zones_are_refused(name: str) -> None:
    with pytest.raises(UnknownZone):
        resolve_zone(name)
