"""What a function or modifier may touch while it runs: randomness, the clock, the variables.

Values are ``bytes`` inside the preprocessor (``generateRandomBytes`` yields raw bytes that only
``toHex``/``toString`` make printable); text is UTF-8. The final output is decoded once at the edge.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


class ArgumentError(Exception):
    """Raised by a function or modifier for a bad argument; ``index`` names the parameter (0-based)."""

    def __init__(self, message: str, *, suggestion: str | None = None, index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion
        self.index = index


@dataclass
class CallContext:
    """Shared by every call of one expansion run (a single value or a whole batch)."""

    rng: random.Random
    now: Callable[[], datetime]
    variables: dict[str, bytes] = field(default_factory=dict)


def as_text(value: bytes) -> str:
    """Bytes as text for functions that interpret their argument (numbers, names, formats)."""
    return value.decode("utf-8", errors="replace")


def parse_int(value: bytes, *, index: int, what: str) -> int:
    """A base-10 integer argument, with an optional sign and no spaces."""
    text = as_text(value)
    body = text[1:] if text[:1] in "+-" else text
    if not body.isascii() or not body.isdigit():
        raise ArgumentError(f"{what} must be a whole number, got {text!r}", index=index)
    return int(text)
