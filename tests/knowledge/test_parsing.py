"""Parsing corpus files: frontmatter, byte-faithful sections, precise file:line errors."""

from __future__ import annotations

import pytest

from zcp.errors import CorpusError
from zcp.knowledge.documents import Kind, split_uri
from zcp.knowledge.parsing import parse_document, slugify, split_frontmatter, split_sections

THEME = "---\ntitle: T\ndescription: D\n---\n# T\n\nintro\n\n## First part\n\ntext\n\n### Deeper\n\nmore\n\n## Second\n\nend\n"


def test_sections_reassemble_the_body_byte_for_byte() -> None:
    for text in (THEME, THEME.replace("\n", "\r\n"), THEME + "trailing\u2028line\n"):
        _, body, line = split_frontmatter(text)
        sections = split_sections(body, line)
        assert "".join(s.text for s in sections) == body


def test_section_lines_anchors_and_parents_follow_the_headings() -> None:
    doc = parse_document("themes/t.md", Kind.THEME, "t", THEME)
    assert [(s.anchor, s.level, s.line) for s in doc.sections] == [
        ("t", 1, 5),
        ("first-part", 2, 9),
        ("deeper", 3, 13),
        ("second", 2, 17),
    ]
    assert doc.section("deeper") is not None
    assert doc.section("deeper").parents == ("T", "First part")  # type: ignore[union-attr]


def test_a_hash_inside_a_code_fence_is_not_a_heading() -> None:
    body = "# Title\n\n```sh\n# not a heading\n```\n\n## Real\n\nx\n"
    assert [s.anchor for s in split_sections(body, 1)] == ["title", "real"]


def test_setext_headings_and_duplicate_headings_get_unique_anchors() -> None:
    body = "Title\n=====\n\n## Setup\n\na\n\n## Setup\n\nb\n"
    assert [s.anchor for s in split_sections(body, 1)] == ["title", "setup", "setup-1"]


def test_text_before_the_first_heading_is_a_preamble_section() -> None:
    sections = split_sections("lead text\n\n## H\n\nx\n", 4)
    assert sections[0].anchor == "" and sections[0].line == 4
    assert sections[1].line == 6


def test_slugify_matches_github_style_anchors() -> None:
    assert slugify("Declaring ports with `run.ports`") == "declaring-ports-with-runports"
    assert slugify("502 and unreachable port checklist") == "502-and-unreachable-port-checklist"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\ntitle: T\ndescription: D\ncolour: red\n---\n# T\n", "themes/x.md:4: colour: unknown key"),
        ("---\ntitle: T\n---\n# T\n", "themes/x.md:1: description: required key is missing"),
        ("---\ntitle: T\ndescription: D\ninfrastructure: many\n---\n# T\n", "themes/x.md:4: infrastructure:"),
        ("---\ntitle: [unclosed\ndescription: D\n---\n# T\n", "themes/x.md:3: frontmatter is not valid YAML"),
        ("# T\n\nno frontmatter\n", "themes/x.md:1: missing frontmatter"),
        ("---\ntitle: T\ndescription: D\n---\n\n   \n", "themes/x.md:5: document body is empty"),
    ],
)
def test_bad_frontmatter_names_file_and_line(text: str, expected: str) -> None:
    with pytest.raises(CorpusError) as info:
        parse_document("themes/x.md", Kind.THEME, "x", text)
    assert str(info.value).startswith(expected)
    assert info.value.code == "CORPUS_INVALID"


def test_atom_axis_values_outside_the_vocabulary_are_rejected_with_the_allowed_values() -> None:
    text = "---\nid: a\ntitle: A\nphases: [idle]\nmodes: [turbo]\n---\nbody\n"
    with pytest.raises(CorpusError) as info:
        parse_document("atoms/a.md", Kind.ATOM, "a", text)
    message = str(info.value)
    assert message.startswith("atoms/a.md:5: modes.0: unknown value 'turbo'")
    assert "standard" in message


def test_atom_id_must_match_its_file_name() -> None:
    with pytest.raises(CorpusError, match="must equal the file name"):
        parse_document("atoms/a.md", Kind.ATOM, "a", "---\nid: b\ntitle: B\nphases: [idle]\n---\nbody\n")


def test_atom_cannot_declare_both_deploy_state_axes() -> None:
    text = "---\nid: a\ntitle: A\nphases: [idle]\ndeployStates: [deployed]\nenvelopeDeployStates: [deployed]\n---\nx\n"
    with pytest.raises(CorpusError, match="not both"):
        parse_document("atoms/a.md", Kind.ATOM, "a", text)


def test_recipe_frontmatter_requires_a_type_at_version_runtime() -> None:
    text = "---\ntitle: R\ndescription: D\nruntime: nodejs\n---\n# R\n"
    with pytest.raises(CorpusError, match=r"recipes/r\.md:4: runtime"):
        parse_document("recipes/r.md", Kind.RECIPE, "r", text)


def test_yaml_dates_in_frontmatter_do_not_crash_validation() -> None:
    text = "---\ntitle: 2024-05-01\ndescription: D\n---\n# T\n"
    assert parse_document("guides/g.md", Kind.GUIDE, "g", text).title == "2024-05-01"


def test_uris_split_into_kind_name_and_anchor() -> None:
    assert split_uri("zerops://themes/services#postgresql") == (Kind.THEME, "services", "postgresql")
    with pytest.raises(ValueError, match="unknown document kind"):
        split_uri("zerops://nope/x")
    with pytest.raises(ValueError, match="not a zerops"):
        split_uri("https://zerops.io")


def test_heading_text_drops_inline_markup_but_keeps_literal_characters() -> None:
    body = "## Use **bold**, _it_, `code` and [a link](https://x) for *.zerops.app and run_ports\n\nx\n"
    (section,) = split_sections(body, 1)
    assert section.heading == "Use bold, it, code and a link for *.zerops.app and run_ports"


def test_frontmatter_goes_through_python_frontmatter_on_the_libyaml_loader() -> None:
    import frontmatter
    import yaml

    from zcp.knowledge.parsing import FRONTMATTER

    text = "---\ntitle: T\ndescription: D\n---\n\n  body kept as is  \n"
    assert frontmatter.detect_format(text, [FRONTMATTER]) is FRONTMATTER
    assert FRONTMATTER.load("a: 1") == {"a": 1}
    assert FRONTMATTER.split(text) == ("title: T\ndescription: D\n", "\n  body kept as is  \n")
    if hasattr(yaml, "CSafeLoader"):
        from zcp.knowledge import parsing

        assert parsing._SafeLoader.__name__ == "CSafeLoader"
