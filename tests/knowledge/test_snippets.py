"""Snippets: the stretch of a section with most of the query's words, in plain text, bold matches."""

from __future__ import annotations

from zcp.knowledge.query import plan_query
from zcp.knowledge.snippets import SNIPPET_CHARS, make_snippet, plain_text

SECTION = """## Readiness checks

```yaml
deploy:
  readinessCheck:
    httpGet: {port: 80, path: /status}
```

- Set `deploy.readinessCheck` so that traffic waits for the [new container](zerops://guides/x).
- The check runs on the new container at localhost.
"""


def test_markdown_is_flattened_to_one_line_of_text() -> None:
    text = plain_text(SECTION)
    assert "```" not in text and "##" not in text and "](" not in text and "`" not in text
    assert "\n" not in text
    # Code stays (its keys are often the answer), link targets and list markers go.
    assert "readinessCheck: httpGet:" in text
    assert "Set deploy.readinessCheck so that traffic waits for the new container." in text


def test_matched_words_are_bold_including_identifiers_matched_by_their_parts() -> None:
    snippet = make_snippet(SECTION, plan_query("readiness check").stems)
    assert "**readinessCheck**" in snippet and "**check**" in snippet


def test_the_window_moves_to_where_the_query_words_are() -> None:
    text = "## A\n\n" + "filler words here. " * 40 + "Valkey listens on port 6379 for plain connections.\n"
    snippet = make_snippet(text, plan_query("valkey port").stems)
    assert snippet.startswith("… ") and "**Valkey** listens on **port** 6379" in snippet
    assert len(snippet) <= SNIPPET_CHARS + 4


def test_without_matches_the_section_start_is_shown() -> None:
    assert make_snippet("## Title\n\nJust some text.\n", frozenset({"absent"})) == "Just some text."
