"""The Zerops service hostname rule, defined once.

A hostname is 1–25 characters of lowercase letters and digits: no dashes, dots, underscores or
uppercase (``platform-facts.md``: the import reference and the shared-storage guide; the live import
schema uses the same pattern). The original zcp accepted up to 40 characters in its bootstrap plan
and suggested 25 elsewhere; zcp follows the platform. Checking hostnames before any call also means
shell metacharacters, paths or injection attempts never reach the API or a remote shell.
"""

from __future__ import annotations

import re
from typing import Any, Final

from zcp.errors import InvalidHostname

__all__ = ["HOSTNAME_MAX", "HOSTNAME_PATTERN", "check_hostname", "is_valid_hostname"]

HOSTNAME_MAX: Final = 25
HOSTNAME_PATTERN: Final = rf"^[a-z0-9]{{1,{HOSTNAME_MAX}}}$"
_HOSTNAME: Final = re.compile(HOSTNAME_PATTERN)

#: The rule in words, for error suggestions.
HOSTNAME_RULE: Final = (
    f"1-{HOSTNAME_MAX} lowercase letters and digits (no dashes, dots, underscores or spaces)"
)


def is_valid_hostname(value: object) -> bool:
    """True when ``value`` is a string that follows the hostname rule."""
    return isinstance(value, str) and _HOSTNAME.fullmatch(value) is not None


def check_hostname(value: Any, *, what: str = "hostname") -> str:
    """The hostname (surrounding whitespace dropped), or :class:`InvalidHostname` saying the rule."""
    if not isinstance(value, str):
        raise InvalidHostname(
            f"{what} must be a string, got {type(value).__name__}",
            suggestion="Use the service's hostname as shown by zerops_discover.",
        )
    text = value.strip()
    if not is_valid_hostname(text):
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise InvalidHostname(
            f"{shown!r} is not a valid service hostname",
            suggestion=f"Hostnames are {HOSTNAME_RULE}; list them with zerops_discover.",
        )
    return text
