"""The MDX layer: what becomes JSX, code, expressions and ESM, and what counts as malformed."""

from __future__ import annotations

import pytest

from zcp.sync.mdx_parse import (
    Admonition,
    Comment,
    Element,
    Esm,
    Expression,
    Fence,
    InlineCode,
    MdxSyntaxError,
    Text,
    parse_mdx,
)


def test_plain_markdown_stays_one_text_node() -> None:
    nodes = parse_mdx("# Title\n\nSome *text* with a [link](/x).\n")
    assert nodes == (Text("# Title\n\nSome *text* with a [link](/x).\n", 1),)


def test_imports_and_exports_at_column_zero_form_esm_blocks_until_a_blank_line() -> None:
    nodes = parse_mdx(
        "import A from 'a';\nimport {\n  B,\n} from 'b';\n\nexport const x = [1,\n  2];\n\nText\n"
    )
    esm = [n for n in nodes if isinstance(n, Esm)]
    assert [e.source for e in esm] == [
        "import A from 'a';\nimport {\n  B,\n} from 'b';\n",
        "export const x = [1,\n  2];\n",
    ]


def test_import_inside_a_fence_is_code_not_esm() -> None:
    nodes = parse_mdx("```js\nimport x from 'y'\nconst o = {a: 1}\n```\n")
    assert len(nodes) == 1 and isinstance(nodes[0], Fence)
    assert nodes[0].info == "js"


def test_fence_info_keeps_the_title() -> None:
    (fence,) = parse_mdx('```yaml title="zerops.yaml"\nzerops: []\n```\n')
    assert isinstance(fence, Fence) and fence.info == 'yaml title="zerops.yaml"'


def test_braces_and_tags_inside_code_spans_are_code() -> None:
    nodes = parse_mdx("Use `${env}` and `<Tag>` here.\n")
    assert [type(n) for n in nodes] == [Text, InlineCode, Text, InlineCode, Text]


def test_jsx_element_with_string_expression_and_flag_attributes() -> None:
    (el, _) = parse_mdx("<TabItem value=\"a\" label='A' default count={2}>\nBody\n</TabItem>\n")
    assert isinstance(el, Element) and el.flow
    assert el.attr("value") == "a" and el.attr("label") == "A" and el.has_attr("default")
    assert el.attr("count") == Expression("2", 1)
    assert el.children == (Text("\nBody\n", 1),)


def test_attribute_expression_may_hold_multiline_template_literals_with_braces() -> None:
    (el, _) = parse_mdx('<SetVar name="c" value={`a: {\n  b }\n`} />\n')
    assert isinstance(el, Element)
    value = el.attr("value")
    assert isinstance(value, Expression) and value.source == "`a: {\n  b }\n`"


def test_inline_element_inside_a_heading_is_not_flow() -> None:
    nodes = parse_mdx('### Basic <Var name="x" /> setup\n')
    var = next(n for n in nodes if isinstance(n, Element))
    assert var.name == "Var" and not var.flow


def test_html_void_tags_need_no_closing_but_components_do() -> None:
    nodes = parse_mdx('a<br>b <Link href="/x">go</Link>\n')
    names = [n.name for n in nodes if isinstance(n, Element)]
    assert names == ["br", "Link"]


def test_comments_of_both_kinds_are_recognised() -> None:
    nodes = parse_mdx("{/* one\n two */}\n<!-- three -->\n")
    assert [type(n) for n in nodes if not isinstance(n, Text)] == [Comment, Comment]


def test_heading_id_is_an_expression() -> None:
    nodes = parse_mdx("## Title {#custom}\n")
    assert Expression("#custom", 1) in nodes


def test_admonitions_nest_with_more_colons_outside_and_keep_their_titles() -> None:
    (outer,) = [
        n
        for n in parse_mdx("::::tip[**Outer**]\nA\n:::note Inner\nB\n:::\n::::\n")
        if isinstance(n, Admonition)
    ]
    assert (outer.kind, outer.title, outer.line, outer.end_line) == ("tip", "**Outer**", 1, 7)
    inner = next(n for n in outer.children if isinstance(n, Admonition))
    assert (inner.kind, inner.title) == ("note", "Inner")


def test_backslash_escapes_keep_braces_as_text() -> None:
    assert parse_mdx("a \\{b\\} c\n") == (Text("a \\{b\\} c\n", 1),)


def test_line_numbers_count_from_the_given_first_line() -> None:
    nodes = parse_mdx("text\n\n<X />\n", first_line=5)
    assert next(n for n in nodes if isinstance(n, Element)).line == 7


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("a\n<Tabs>\n<TabItem>\nx\n</Tabs>\n", 5, "does not match <TabItem>"),
        ("a\n\n<Card>\nno end\n", 3, "never closed"),
        ("x\n</Card>\n", 2, "no matching opening"),
        ("```js\ncode\n", 1, "code fence"),
        ("a\n{/* open\n", 2, "'{/*'"),
        ("a\n<!-- open\n", 2, "'<!--'"),
        ("x {a + (b\n", 1, "expression"),
        (":::tip\nno close\n", 1, "admonition"),
        ('<Card title="x />\n', 1, "never closed"),
        ("<Card title=>\n</Card>\n", 1, "has no value"),
        ("<Card % />\n", 1, "unexpected"),
    ],
)
def test_malformed_mdx_names_the_line_and_the_problem(source: str, line: int, words: str) -> None:
    with pytest.raises(MdxSyntaxError) as caught:
        parse_mdx(source)
    assert caught.value.line == line
    assert words in caught.value.message


def test_a_lone_angle_bracket_or_brace_free_comparison_is_text() -> None:
    assert parse_mdx("a < b and c <= d\n") == (Text("a < b and c <= d\n", 1),)
