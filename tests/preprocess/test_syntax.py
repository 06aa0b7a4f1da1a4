"""The parser: tree shapes, and every syntax error with the column it points at."""

from __future__ import annotations

import pytest

from zcp.preprocess.problems import ExpressionProblem, Reason, line_and_column
from zcp.preprocess.syntax import Call, Literal, Param, Text, VarRef, parse


def problem_of(source: str) -> tuple[Reason, int]:
    with pytest.raises(ExpressionProblem) as caught:
        parse(source)
    return caught.value.reason, line_and_column(source, caught.value.offset)[1]


def test_plain_text_is_one_text_node() -> None:
    assert parse("hello ${db_host} (a, b) | c").nodes == (Text("hello ${db_host} (a, b) | c"),)


def test_a_call_holds_its_name_parameters_and_modifiers() -> None:
    (call,) = parse("<@setVar(<name>, token) | upper | sha256>").nodes
    assert isinstance(call, Call)
    assert call.name == "setVar"
    first, second = call.params
    assert first.value == (Literal((Text("name"),), (), 9),)
    assert second.value == VarRef("token", 17)
    assert [m.name for m in call.modifiers] == ["upper", "sha256"]


def test_a_call_without_parameters_has_none() -> None:
    (call,) = parse("<@pickRandom( )>").nodes
    assert isinstance(call, Call)
    assert call.params == ()


def test_several_literals_in_one_parameter_are_kept_in_order() -> None:
    (call,) = parse("<@getVar(<a> <b>)>").nodes
    assert isinstance(call, Call)
    assert isinstance(call.params[0], Param)
    assert [type(p) for p in call.params[0].value] == [Literal, Literal]  # type: ignore[union-attr]


def test_parentheses_and_commas_inside_a_literal_are_text() -> None:
    (literal,) = parse("<f(a, b)>").nodes
    assert literal == Literal((Text("f(a, b)"),), (), 0)


def test_a_pipe_inside_a_parameter_list_is_part_of_the_name() -> None:
    (call,) = parse("<@getVar(a|b)>").nodes
    assert isinstance(call, Call)
    assert call.params[0].value == VarRef("a|b", 9)


def test_escapes_produce_the_character_itself() -> None:
    assert parse(r"\<\>\\\|x").nodes == (Text("<>\\|x"),)


def test_a_lone_backslash_at_the_end_is_kept() -> None:
    assert parse("path\\").nodes == (Text("path\\"),)


def test_empty_brackets_are_an_empty_literal() -> None:
    assert parse("a<>b").nodes == (Text("a"), Literal((), (), 1), Text("b"))


def test_a_literal_keeps_its_spaces_and_nested_items() -> None:
    (literal,) = parse("< a <b|upper> >").nodes
    assert isinstance(literal, Literal)
    assert literal.parts[0] == Text(" a ")
    assert literal.parts[2] == Text(" ")


def test_the_template_knows_whether_it_holds_items() -> None:
    assert parse("<a>").has_items
    assert not parse(r"\<a\>").has_items


@pytest.mark.parametrize(
    ("source", "reason", "column"),
    [
        ("abc <@getVar(x)", Reason.UNTERMINATED, 5),
        ("ab <unclosed", Reason.UNTERMINATED, 4),
        ("x <", Reason.UNTERMINATED, 3),
        ("<a|upper", Reason.UNTERMINATED, 1),
        ("1 > 0 <@noop()>", Reason.STRAY_CLOSE, 3),
        ("<@ getVar(x)>", Reason.BAD_FUNCTION_NAME, 3),
        ("<@(x)>", Reason.BAD_FUNCTION_NAME, 3),
        ("<@get-var(x)>", Reason.BAD_FUNCTION_NAME, 6),
        ("<@getVar|upper>", Reason.MODIFIER_IN_NAME, 9),
        ("<@getVar>", Reason.MISSING_PARENTHESIS, 9),
        ("<@getVar(a(b))>", Reason.MISPLACED_PARENTHESIS, 11),
        ("<@getVar(a>", Reason.MISPLACED_PARENTHESIS, 11),
        ("<@getVar(a))>", Reason.MISPLACED_PARENTHESIS, 12),
        ("<@setVar(<a>, , <b>)>", Reason.EMPTY_PARAMETER, 15),
        ("<@setVar(<a>,)>", Reason.EMPTY_PARAMETER, 14),
        ("<@getVar(<a> b)>", Reason.MIXED_PARAMETER, 14),
        ("<@getVar(b <a>)>", Reason.MIXED_PARAMETER, 10),
        ("<@getVar(a) x>", Reason.UNEXPECTED_AFTER_CALL, 13),
        ("<@getVar(a), <b>>", Reason.UNEXPECTED_AFTER_CALL, 12),
        ("<a|>", Reason.BAD_MODIFIER_NAME, 4),
        ("<a| up per>", Reason.BAD_MODIFIER_NAME, 5),
        ("<a|upper|<b>>", Reason.BAD_MODIFIER_NAME, 10),
    ],
)
def test_each_syntax_error_names_its_reason_and_column(source: str, reason: Reason, column: int) -> None:
    assert problem_of(source) == (reason, column)


def test_errors_on_later_lines_report_the_line_and_the_column_within_it() -> None:
    source = "first line\n  second <@getVar>"
    with pytest.raises(ExpressionProblem) as caught:
        parse(source)
    assert line_and_column(source, caught.value.offset) == (2, 18)


def test_nesting_deeper_than_the_limit_is_refused_at_the_first_level_too_deep() -> None:
    with pytest.raises(ExpressionProblem) as caught:
        parse("<" * 10 + "x" + ">" * 10, max_depth=4)
    assert caught.value.reason is Reason.TOO_DEEP
    assert caught.value.offset == 4


def test_very_deep_nesting_fails_cleanly_instead_of_overflowing_the_stack() -> None:
    with pytest.raises(ExpressionProblem) as caught:
        parse("<" * 50_000)
    assert caught.value.reason is Reason.TOO_DEEP
