"""Query plans: words, alias spellings and their weights, stacks a query names."""

from __future__ import annotations

from zcp.knowledge.query import ALIAS_WEIGHT, plan_query, query_words

STACKS = frozenset({"nodejs", "python", "php", "postgresql", "valkey", "keydb"})


def test_question_words_and_stop_words_do_not_count() -> None:
    plan = plan_query("how do I scale the zerops service")
    assert [w.word for w in plan.words] == ["scale", "service"]


def test_the_typed_word_outweighs_its_aliases_and_later_aliases_weigh_less() -> None:
    (word,) = plan_query("redis").words
    weights = {v.text: v.weight for v in word.variants}
    assert weights["redis"] == 1.0
    assert weights["valkey"] == ALIAS_WEIGHT
    assert weights["keydb"] < weights["valkey"]


def test_a_phrase_alias_needs_all_its_stems() -> None:
    (word,) = plan_query("s3").words
    assert ("object", "storag") in [v.stems for v in word.variants]


def test_a_word_or_its_first_alias_names_a_stack() -> None:
    assert plan_query("node scaling", STACKS).stacks == {"nodejs"}
    assert plan_query("django env", STACKS).stacks == {"python"}
    assert plan_query("nodejs@22 build", STACKS).stacks == {"nodejs"}
    # redis → valkey names Valkey; KeyDB, the second alias, is only searched for.
    assert plan_query("redis port", STACKS).stacks == {"valkey"}
    assert plan_query("build cache", STACKS).stacks == frozenset()


def test_query_words_keep_type_names_and_drop_punctuation() -> None:
    assert query_words("nodejs@22, zerops.yaml? (0.0.0.0)") == ["nodejs@22", "zerops.yaml", "0.0.0.0"]


def test_text_with_nothing_to_search_gives_an_empty_plan() -> None:
    assert plan_query("the and of ???").words == ()
