"""Text analysis: the index's words are Whoosh's stemmed words, plus the parts of identifiers."""

from __future__ import annotations

from collections import Counter

import pytest
from whoosh.analysis import StemmingAnalyzer

from zcp.knowledge.analysis import StemmedText, analyze
from zcp.knowledge.corpus import Corpus


def _whoosh_words(text: str) -> list[str]:
    return [token.text for token in StemmingAnalyzer()(text)]


def test_plain_prose_gives_exactly_the_words_of_whoosh_s_stemming_analyzer(fixture_corpus: Corpus) -> None:
    for doc in fixture_corpus:
        whole = analyze(doc.body)
        # Parts of identifiers are extra words; without them the stream is Whoosh's.
        assert Counter(whole) >= Counter(_whoosh_words(doc.body))


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("readinessCheck", ["readi", "check"]),
        ("PHP_INI_memory_limit", ["php", "ini", "memori", "limit"]),
        ("deployFiles", ["deploi", "file"]),
        ("node_modules", ["node", "modul"]),
    ],
)
def test_an_identifier_is_indexed_whole_and_by_its_parts(word: str, parts: list[str]) -> None:
    words = analyze(word)
    assert words[0] == _whoosh_words(word)[0]
    assert words[1:] == parts


@pytest.mark.parametrize("name", ["PostgreSQL", "JavaScript", "KeyDB", "ClickHouse"])
def test_capitalised_names_are_not_split(name: str) -> None:
    assert analyze(name) == _whoosh_words(name)


def test_stop_words_and_single_letters_are_dropped() -> None:
    assert analyze("the a of x to be port") == ["port"]


def test_the_text_field_reports_each_stem_with_its_frequency() -> None:
    postings = {term: freq for term, freq, _, _ in StemmedText().index("Ports and more ports: port 80")}
    assert postings == {b"port": 3, b"more": 1, b"80": 1}
