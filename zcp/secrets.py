"""Keep secrets out of output, logs and errors.

Secret values (the Zerops token, the GitHub token, env values marked secret) are registered once
when they are read; :func:`redact` replaces every registered value with ``***`` wherever text
leaves the process. :class:`RedactingFilter` applies it to every log record, and keeps each record on
one line (:func:`escape_line_breaks`), so text from outside cannot forge records.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any, Final, TypeVar

_MASK = "***"
_MIN_LEN = 6  # shorter values would mask ordinary words; real tokens are far longer

_lock = threading.Lock()
_secrets: frozenset[str] = frozenset()

T = TypeVar("T")


def register_secret(value: str | None) -> None:
    """Remember a secret so that :func:`redact` masks it from now on."""
    global _secrets
    if not value or len(value) < _MIN_LEN:
        return
    with _lock:
        _secrets = _secrets | {value}


def forget_secrets() -> None:
    """Drop every registered secret (tests use this between cases)."""
    global _secrets
    with _lock:
        _secrets = frozenset()


def redact(text: str) -> str:
    """Return ``text`` with every registered secret replaced by ``***``."""
    current = _secrets
    if not current or not text:
        return text
    for secret in sorted(current, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, _MASK)
    return text


def redact_obj(value: T) -> T:
    """Redact every string inside a JSON-like structure (dicts, lists, tuples)."""
    if not _secrets:
        return value
    return _redact_any(value)  # type: ignore[no-any-return]


def _redact_any(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {_redact_any(k): _redact_any(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_any(v) for v in value)
    return value


class SecretToken:
    """A bearer token that never prints: ``repr``/``str`` show ``***``; :meth:`reveal` is explicit."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        register_secret(value)
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretToken(***)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretToken) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("SecretToken", self._value))


#: Every character that ends a line somewhere — exactly what :meth:`str.splitlines` splits on: line
#: feed, carriage return, vertical tab, form feed, the file/group/record separators, NEL and the
#: Unicode line and paragraph separators. The one definition for showing them escaped (log records,
#: fenced records) and refusing them (service env values).
LINE_BREAK: Final = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def escape_line_breaks(text: str) -> str:
    """``text`` on one line: every line break shows as its escape (``\\n``, ``\\u2028``…)."""
    return LINE_BREAK.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered secrets in the formatted message and keeps the message
    on one line (its line breaks escaped, visibly), so text from outside cannot forge log records.
    A traceback (``exc_text``) keeps its lines; it is redacted too."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        one_line = escape_line_breaks(message)
        cleaned = redact(one_line) if _secrets else one_line
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        if _secrets and record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
