"""``getDatetime``: format the current time with word-like tokens (``YYYY-MM-DD HH:mm``).

Tokens (longest match wins, everything else is copied)::

    YYYY 2026   YY 26      MMMM January  MMM Jan   MM 01   M 1
    DDDD 032 (day of year) DD 01  D 1     dddd Monday  ddd Mon
    HH 13   hh 01   h 1    mm 05  m 5     ss 09  s 9   S 000123 (microseconds)
    A PM    a pm    ZZZ CET (zone abbreviation)  zz +01:00  Z +0100

The zone is an IANA name (``Europe/Prague``), an abbreviation the time-zone database knows
(``UTC``, ``CET``, ``EST``) or a POSIX-style ``Etc/GMT+2`` (whose sign is reversed, as in POSIX).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TOKENS = re.compile(r"YYYY|YY|MMMM|MMM|MM|M|DDDD|DD|D|dddd|ddd|HH|hh|h|mm|m|ss|s|S|A|a|ZZZ|zz|Z")


class UnknownZone(ValueError):
    """The zone name is not in the time-zone database."""


def resolve_zone(name: str) -> tzinfo:
    """The zone called ``name``; raises :class:`UnknownZone`."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    key = name.strip()
    if key.upper() in ("UTC", "GMT", "Z"):
        return UTC
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UnknownZone(key) from None


def _offset(moment: datetime, colon: bool) -> str:
    delta = moment.utcoffset()
    seconds = int(delta.total_seconds()) if delta is not None else 0
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" if colon else f"{sign}{hours:02d}{minutes:02d}"


def format_datetime(moment: datetime, pattern: str) -> str:
    """``moment`` rendered with the token ``pattern`` (English month and day names)."""

    def render(match: re.Match[str]) -> str:
        token = match.group()
        hour12 = moment.hour % 12 or 12
        values = {
            "YYYY": f"{moment.year:04d}",
            "YY": f"{moment.year % 100:02d}",
            "MMMM": _MONTHS[moment.month - 1],
            "MMM": _MONTHS[moment.month - 1][:3],
            "MM": f"{moment.month:02d}",
            "M": str(moment.month),
            "DDDD": f"{moment.timetuple().tm_yday:03d}",
            "DD": f"{moment.day:02d}",
            "D": str(moment.day),
            "dddd": _DAYS[moment.weekday()],
            "ddd": _DAYS[moment.weekday()][:3],
            "HH": f"{moment.hour:02d}",
            "hh": f"{hour12:02d}",
            "h": str(hour12),
            "mm": f"{moment.minute:02d}",
            "m": str(moment.minute),
            "ss": f"{moment.second:02d}",
            "s": str(moment.second),
            "S": f"{moment.microsecond:06d}",
            "A": "AM" if moment.hour < 12 else "PM",
            "a": "am" if moment.hour < 12 else "pm",
            "ZZZ": moment.tzname() or "UTC",
            "zz": _offset(moment, colon=True),
            "Z": _offset(moment, colon=False),
        }
        return values[token]

    return _TOKENS.sub(render, pattern)
