"""A docs page as a corpus file, and an edited corpus file merged back into its MDX."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.plugins.github import FIXTURE_DOCS
from zcp.knowledge.documents import Kind
from zcp.knowledge.parsing import parse_document
from zcp.sync.doc_transform import (
    Converted,
    EditedGuide,
    MdxSettings,
    PageError,
    markdown_to_mdx,
    mdx_to_markdown,
    read_edited,
)
from zcp.sync.mdx_render import LinkMap

ROOTS = {"@site/": "apps/docs/", "/": "apps/docs/", "docs/": "apps/docs/"}
LINKS = LinkMap(
    "apps/docs/content",
    "https://docs.zerops.io",
    {"apps/docs/content/postgresql/overview.mdx": "zerops://guides/services/postgresql/overview"},
)
BACK = {"zerops://guides/services/postgresql/overview": "/postgresql/overview"}


class FixtureFiles:
    def read_text(self, repo_path: str) -> str | None:
        path = FIXTURE_DOCS / repo_path
        return path.read_text(encoding="utf-8") if path.is_file() else None


def convert(
    text: str, path: str = "apps/docs/content/guides/page.mdx", tags: tuple[str, ...] = ()
) -> Converted:
    return mdx_to_markdown(
        text,
        path=path,
        tags=tags,
        loader=FixtureFiles(),
        links=LINKS,
        settings=MdxSettings(import_roots=ROOTS),
    )


def back_to_mdx(original: str, edited_markdown: str, path: str = "apps/docs/content/guides/page.mdx") -> str:
    pulled = convert(original, path)
    return markdown_to_mdx(
        read_edited(edited_markdown, "x.md"), original=original, pulled=pulled, link_back=BACK.get
    ).mdx


FIXTURE_PAGES = sorted(
    p.relative_to(FIXTURE_DOCS).as_posix() for p in FIXTURE_DOCS.glob("apps/docs/content/**/*.mdx")
)


def test_frontmatter_becomes_quoted_title_description_and_tags_and_the_title_opens_the_body() -> None:
    converted = convert(
        '---\ntitle: "A: b"\ndescription: Say "hi"\nsidebar_label: x\n---\n\nBody.\n', tags=("nodejs",)
    )
    assert converted.markdown == (
        '---\ntitle: "A: b"\ndescription: "Say \\"hi\\""\ntags: ["nodejs"]\n---\n\n# A: b\n\nBody.\n'
    )


def test_the_desc_key_stands_in_for_a_missing_description() -> None:
    assert convert("---\ntitle: T\ndesc: Short one.\n---\nBody.\n").description == "Short one."


def test_without_a_description_the_first_paragraph_in_plain_text_is_used_and_capped() -> None:
    long = "word " * 120
    converted = convert(
        f"---\ntitle: T\n---\n\n## Heading\n\nFirst **bold** [link](/x) `code` {long}\n\nSecond.\n"
    )
    assert converted.description.startswith("First bold link code word")
    assert len(converted.description) <= 400 and converted.description.endswith("…")


def test_a_page_with_no_paragraph_gets_a_generated_description() -> None:
    assert (
        convert("---\ntitle: Only code\n---\n\n```\nx\n```\n").description
        == "Only code (Zerops documentation)"
    )


def test_a_body_h1_supplies_a_missing_title_and_is_not_repeated() -> None:
    converted = convert("# From the body\n\nText.\n")
    assert converted.title == "From the body"
    assert converted.markdown.count("# From the body") == 1


def test_a_page_without_any_title_is_rejected() -> None:
    with pytest.raises(PageError) as caught:
        convert("---\ndescription: D\n---\nText.\n")
    assert "no title" in caught.value.message


def test_broken_frontmatter_yaml_names_its_line() -> None:
    with pytest.raises(PageError) as caught:
        convert("---\ntitle: T\ndescription: Guide: broken\n---\nText.\n")
    assert caught.value.line == 3
    assert "not valid YAML" in caught.value.message


def test_malformed_body_is_a_page_error_with_the_file_line() -> None:
    with pytest.raises(PageError) as caught:
        convert("---\ntitle: T\ndescription: D\n---\n\n<Tabs>\nno end\n")
    assert (caught.value.line, caught.value.path) == (6, "apps/docs/content/guides/page.mdx")


def test_overlong_titles_are_shortened_in_frontmatter_and_heading_alike() -> None:
    converted = convert("---\ntitle: " + "t" * 200 + "\ndescription: D\n---\nx\n")
    assert len(converted.title) == 120
    assert f"# {converted.title}\n" in converted.markdown


@pytest.mark.parametrize("page", FIXTURE_PAGES)
def test_every_fixture_page_converts_to_a_valid_corpus_document(page: str) -> None:
    converted = convert((FIXTURE_DOCS / page).read_text(encoding="utf-8"), page)
    document = parse_document("guides/x.md", Kind.GUIDE, "x", converted.markdown)
    assert document.body.lstrip("\n").startswith(f"# {converted.title}\n")


@pytest.mark.parametrize("page", FIXTURE_PAGES)
def test_pulling_and_pushing_back_without_edits_gives_the_original_bytes(page: str) -> None:
    original = (FIXTURE_DOCS / page).read_text(encoding="utf-8")
    assert back_to_mdx(original, convert(original, page).markdown, page) == original


GUIDE = (FIXTURE_DOCS / "apps/docs/content/guides/choose-cache-store.mdx").read_text(encoding="utf-8")


def test_an_edited_line_changes_only_that_line_of_the_mdx() -> None:
    pulled = convert(GUIDE).markdown
    edited = pulled.replace("KeyDB stays for existing ones.", "KeyDB stays for older ones.")
    mdx = back_to_mdx(GUIDE, edited)
    assert mdx == GUIDE.replace("KeyDB stays for existing ones.", "KeyDB stays for older ones.")


def test_a_title_edit_rewrites_only_the_title_key_and_keeps_the_others() -> None:
    pulled = convert(GUIDE).markdown
    edited = pulled.replace('title: "Choose a cache store"', 'title: "Pick a cache"').replace(
        "# Choose a cache store", "# Pick a cache"
    )
    mdx = back_to_mdx(GUIDE, edited)
    assert mdx.startswith('---\ntitle: "Pick a cache"\ndescription: "Valkey or KeyDB')
    assert "sidebar_label: Cache choice\n" in mdx
    assert mdx.split("---", 2)[2] == GUIDE.split("---", 2)[2]


def test_a_description_edit_lands_in_the_desc_key_when_the_page_uses_desc() -> None:
    original = "---\ntitle: T\ndesc: Old.\n---\n\nBody.\n"
    edited = convert(original).markdown.replace('"Old."', '"New."')
    assert back_to_mdx(original, edited) == '---\ntitle: T\ndesc: "New."\n---\n\nBody.\n'


def test_an_edited_admonition_goes_back_as_an_admonition() -> None:
    pulled = convert(GUIDE).markdown
    edited = pulled.replace("> Valkey, in HA mode for production.", "> Valkey in HA mode, always.")
    mdx = back_to_mdx(GUIDE, edited)
    assert ":::tip Short answer\nValkey in HA mode, always.\n:::" in mdx


def test_new_text_is_escaped_for_mdx_and_reads_back_the_same() -> None:
    pulled = convert(GUIDE).markdown
    edited = pulled.replace("- Valkey: the default", "- Valkey {v8} <fast>: the default")
    mdx = back_to_mdx(GUIDE, edited)
    assert "- Valkey \\{v8\\} \\<fast>: the default" in mdx
    assert convert(mdx).markdown == edited


def test_edited_links_to_pulled_pages_point_at_the_docs_site_again() -> None:
    pulled = convert(GUIDE).markdown
    edited = pulled.replace("[PostgreSQL overview]", "[the PostgreSQL page]")
    mdx = back_to_mdx(GUIDE, edited)
    assert "[the PostgreSQL page](/postgresql/overview)," in mdx


def test_zerops_uris_that_were_code_spans_get_their_backticks_back() -> None:
    original = (FIXTURE_DOCS / "apps/docs/content/guides/backup-basics.mdx").read_text(encoding="utf-8")
    pulled = convert(original).markdown
    assert "See zerops://guides/choose-cache-store for picking" in pulled
    edited = pulled.replace("for picking a cache", "to pick a cache")
    assert "See `zerops://guides/choose-cache-store` to pick a cache" in back_to_mdx(original, edited)


def test_braced_zerops_uris_are_wrapped_in_backticks_for_mdx() -> None:
    original = "---\ntitle: T\ndescription: D\n---\n\nText.\n"
    edited = convert(original).markdown + "\nRead zerops://docs/{+path} now.\n"
    assert "Read `zerops://docs/{+path}` now." in back_to_mdx(original, edited)


def test_a_new_guide_gets_fresh_mdx_frontmatter() -> None:
    edited = EditedGuide("New guide", 'Says "hi".', ("Hello {x}.",))
    result = markdown_to_mdx(edited, original=None, pulled=None, link_back=BACK.get)
    assert result.mdx == '---\ntitle: "New guide"\ndescription: "Says \\"hi\\"."\n---\n\nHello \\{x\\}.\n'


def test_editing_text_that_came_from_a_component_reports_the_constructs_it_replaces() -> None:
    page = "apps/docs/content/nodejs/how-to/build-process.mdx"
    original = (FIXTURE_DOCS / page).read_text(encoding="utf-8")
    pulled = convert(original, page)
    edited = pulled.markdown.replace("Only shown when", "Shown when")
    result = markdown_to_mdx(
        read_edited(edited, "x.md"), original=original, pulled=pulled, link_back=BACK.get
    )
    assert any("<BuildProcessContent>" in r for r in result.replaced)


def test_read_edited_requires_title_and_description() -> None:
    with pytest.raises(PageError):
        read_edited("---\ntitle: T\n---\n\n# T\n", "guides/x.md")


WORDS = st.text(alphabet="abcxyz {}<>*_.", min_size=1, max_size=30).map(str.strip).filter(bool)


@st.composite
def edits(draw: st.DrawFn) -> list[str]:
    lines = list(convert(GUIDE).body_lines)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["replace", "insert", "delete"]))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == "replace" and lines:
            lines[at] = draw(WORDS)
        elif op == "insert":
            lines[at:at] = ["", draw(WORDS), ""]
        elif lines:
            del lines[at]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip("\n")
    return text.split("\n") if text else []


@settings(max_examples=60, deadline=None)
@given(edits())
def test_any_plain_edit_survives_the_way_back_and_forth(body: list[str]) -> None:
    pulled = convert(GUIDE)
    head = pulled.markdown.split("# Choose a cache store\n", 1)[0] + "# Choose a cache store\n\n"
    edited = head + "".join(line + "\n" for line in body)
    mdx = back_to_mdx(GUIDE, edited)

    # Blocks come back separated by a blank line (a bare '>' inside a quote); all else matches exactly.
    def content(lines: list[str] | tuple[str, ...]) -> list[str]:
        return [re.sub(r"^> ?", "> ", line) for line in lines if line.strip(" >")]

    assert content(convert(mdx).body_lines) == content(body)


def test_fixture_pages_are_all_exercised() -> None:
    assert len(FIXTURE_PAGES) >= 9
    assert all(Path(FIXTURE_DOCS / p).is_file() for p in FIXTURE_PAGES)
