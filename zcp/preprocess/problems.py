"""How the preprocessor reports a bad expression: a reason, a position and what was expected.

Every failure raises :class:`zcp.errors.InvalidParameter` (wire code ``INVALID_PARAMETER``). Its
``details`` carry ``reason`` (one of :class:`Reason`), ``line`` and ``column`` (1-based, counted in
characters of the input), and ``key`` when the value came from a batch. ``diagnostic`` shows the
offending line with a caret under the column, so an agent or a terminal user sees exactly where.
"""

from __future__ import annotations

from enum import StrEnum

from zcp.errors import InvalidParameter


class Reason(StrEnum):
    """Why an expression was rejected; stable strings that tests and callers can match."""

    # syntax
    UNTERMINATED = "unterminated"
    STRAY_CLOSE = "stray_close"
    BAD_FUNCTION_NAME = "bad_function_name"
    MODIFIER_IN_NAME = "modifier_in_name"
    MISSING_PARENTHESIS = "missing_parenthesis"
    MISPLACED_PARENTHESIS = "misplaced_parenthesis"
    EMPTY_PARAMETER = "empty_parameter"
    MIXED_PARAMETER = "mixed_parameter"
    UNEXPECTED_AFTER_CALL = "unexpected_after_call"
    BAD_MODIFIER_NAME = "bad_modifier_name"
    TOO_DEEP = "too_deep"
    INPUT_TOO_LONG = "input_too_long"
    # evaluation
    UNKNOWN_FUNCTION = "unknown_function"
    UNKNOWN_MODIFIER = "unknown_modifier"
    UNKNOWN_VARIABLE = "unknown_variable"
    PARAMETER_COUNT = "parameter_count"
    BAD_ARGUMENT = "bad_argument"
    CALL_LIMIT = "call_limit"
    TIMEOUT = "timeout"
    OUTPUT_TOO_LARGE = "output_too_large"


class ExpressionProblem(Exception):
    """Internal: a problem at an offset, turned into :class:`InvalidParameter` at the API edge."""

    def __init__(self, offset: int, reason: Reason, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.offset = offset
        self.reason = reason
        self.message = message
        self.suggestion = suggestion

    def to_error(self, source: str, *, key: str | None = None) -> InvalidParameter:
        """The public error for this problem in ``source``."""
        return expression_error(
            source, self.offset, self.reason, self.message, suggestion=self.suggestion, key=key
        )


def line_and_column(source: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``source`` (the column counts characters)."""
    offset = max(0, min(offset, len(source)))
    line = source.count("\n", 0, offset) + 1
    line_start = source.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1


def caret_excerpt(source: str, offset: int, *, width: int = 100) -> str:
    """The line holding ``offset`` (cut to ``width`` characters around it) with a ``^`` below."""
    offset = max(0, min(offset, len(source)))
    start = source.rfind("\n", 0, offset) + 1
    end = source.find("\n", offset)
    end = len(source) if end == -1 else end
    line = source[start:end]
    col = offset - start
    cut = max(0, col - width // 2)
    shown = line[cut : cut + width]
    prefix = "…" if cut else ""
    suffix = "…" if cut + width < len(line) else ""
    caret = " " * (len(prefix) + col - cut) + "^"
    return f"{prefix}{shown}{suffix}\n{caret}"


def expression_error(
    source: str,
    offset: int,
    reason: Reason,
    message: str,
    *,
    suggestion: str | None = None,
    key: str | None = None,
) -> InvalidParameter:
    """Build the error for a problem at ``offset`` of ``source``."""
    line, column = line_and_column(source, offset)
    where = f"line {line}, column {column}" if "\n" in source else f"column {column}"
    prefix = f"value {key!r}: " if key is not None else ""
    details: dict[str, object] = {"reason": str(reason), "line": line, "column": column}
    if key is not None:
        details["key"] = key
    return InvalidParameter(
        f"{prefix}{message} at {where}",
        suggestion=suggestion,
        diagnostic=caret_excerpt(source, offset),
        details=details,
    )
