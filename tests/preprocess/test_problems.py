"""Positions and caret excerpts in preprocessor errors."""

from __future__ import annotations

from zcp.preprocess.problems import Reason, caret_excerpt, expression_error, line_and_column


def test_line_and_column_are_one_based_and_count_characters() -> None:
    assert line_and_column("ab\ncdé<", 6) == (2, 4)
    assert line_and_column("x", 0) == (1, 1)


def test_a_long_line_is_cut_around_the_caret() -> None:
    source = "a" * 300 + "<" + "b" * 300
    excerpt_line, caret_line = caret_excerpt(source, 300, width=20).split("\n")
    assert excerpt_line.startswith("…") and excerpt_line.endswith("…")
    assert excerpt_line[caret_line.index("^")] == "<"


def test_multiline_sources_name_the_line_in_the_message() -> None:
    error = expression_error("a\nb<", 3, Reason.UNTERMINATED, "never closed", key="K")
    assert error.message == "value 'K': never closed at line 2, column 2"
    assert error.details == {"reason": "unterminated", "line": 2, "column": 2, "key": "K"}
