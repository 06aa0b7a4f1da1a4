"""Search: alias expansion, grouping per document, section targeting, filters and suggestions."""

from __future__ import annotations

import pytest

from zcp.knowledge.documents import Kind
from zcp.knowledge.search import filters_from, plan_query, query_words
from zcp.knowledge.store import KnowledgeStore


def test_an_alias_finds_documents_that_only_use_the_zerops_name(fixture_store: KnowledgeStore) -> None:
    results = fixture_store.search("redis")
    assert results.hits[0].uri == "zerops://themes/services#valkey"
    assert "valkey" in results.expanded_terms


def test_each_document_appears_once_pointing_at_its_best_section(fixture_store: KnowledgeStore) -> None:
    results = fixture_store.search("postgresql port", limit=10)
    doc_uris = [h.doc_uri for h in results.hits]
    assert len(doc_uris) == len(set(doc_uris))
    services = next(h for h in results.hits if h.doc_uri == "zerops://themes/services")
    assert services.uri == "zerops://themes/services#postgresql"
    assert services.section == "PostgreSQL"


def test_hits_are_ranked_with_highlighted_snippets_and_provenance(fixture_store: KnowledgeStore) -> None:
    hit = fixture_store.search("bind 0.0.0.0").hits[0]
    assert "**bind**" in hit.snippet.lower()
    assert hit.provenance.path in ("themes/zerops-yaml.md", "recipes/nodejs.md")
    assert hit.score > 0


def test_kind_filter_narrows_results(fixture_store: KnowledgeStore) -> None:
    results = fixture_store.search("bind 0.0.0.0", filters=filters_from(kinds=["recipes"]))
    assert {h.kind for h in results.hits} == {Kind.RECIPE}


def test_stack_filter_keeps_documents_about_that_service_type(fixture_store: KnowledgeStore) -> None:
    results = fixture_store.search(
        "bind port", filters=filters_from(stacks=["postgresql"], kinds=["themes", "recipes"])
    )
    assert {h.doc_uri for h in results.hits} == {"zerops://themes/services", "zerops://recipes/nodejs"}


def test_axis_filter_matches_atoms_declaring_the_value_or_leaving_the_axis_empty(
    fixture_store: KnowledgeStore,
) -> None:
    results = fixture_store.search("verify bootstrap", filters=filters_from(axes={"modes": ["standard"]}))
    assert {h.doc_uri for h in results.hits} == {"zerops://atoms/develop-verify", "zerops://atoms/idle-empty"}
    results = fixture_store.search("verify bootstrap", filters=filters_from(axes={"modes": ["simple"]}))
    assert {h.doc_uri for h in results.hits} == {"zerops://atoms/idle-empty"}


def test_atoms_are_not_searched_unless_asked_for(fixture_store: KnowledgeStore) -> None:
    assert all(h.kind is not Kind.ATOM for h in fixture_store.search("verify").hits)


def test_unknown_axis_or_value_in_filters_is_rejected_with_the_valid_choices() -> None:
    with pytest.raises(ValueError, match="valid axes"):
        filters_from(axes={"mood": ["x"]})
    with pytest.raises(ValueError, match="valid: dev"):
        filters_from(axes={"modes": ["turbo"]})


def test_a_query_without_hits_suggests_corrections(fixture_store: KnowledgeStore) -> None:
    results = fixture_store.search("postgrsql")
    assert results.hits == ()
    assert results.suggestions[0] == "postgresql"


def test_a_filtered_query_without_hits_suggests_dropping_filters(fixture_store: KnowledgeStore) -> None:
    results = fixture_store.search("valkey", filters=filters_from(kinds=["bases"]))
    assert results.hits == () and "drop the filters" in results.suggestions


@pytest.mark.parametrize("text", ['AND OR NOT "(', "title:x body:y", "***", "", "   ", "the and of"])
def test_query_syntax_and_empty_queries_never_raise(fixture_store: KnowledgeStore, text: str) -> None:
    results = fixture_store.search(text)
    assert results.total >= 0


def test_query_words_keep_type_names_and_drop_punctuation() -> None:
    assert query_words("nodejs@22, zerops.yaml? (0.0.0.0)") == ["nodejs@22", "zerops.yaml", "0.0.0.0"]


def test_a_repeated_word_is_expanded_once() -> None:
    assert plan_query("postgres postgres").variants == ("postgres", "postgresql")


def test_limit_caps_the_number_of_documents(fixture_store: KnowledgeStore) -> None:
    assert len(fixture_store.search("port", limit=1).hits) == 1


def test_a_hit_on_a_pulled_page_carries_its_upstream_provenance() -> None:
    from zcp.knowledge.corpus import corpus_from_documents
    from zcp.knowledge.documents import Provenance, Upstream
    from zcp.knowledge.parsing import parse_document

    upstream = Upstream("zeropsio/docs", "apps/docs/content/guides/vpn.mdx", "abc123", "2026-01-01T00:00:00Z")
    doc = parse_document(
        "guides/vpn.md",
        Kind.GUIDE,
        "vpn",
        '---\ntitle: "VPN"\ndescription: "The VPN."\n---\n# VPN\n\n## Start\n\nRun zcli vpn up.\n',
        provenance=Provenance(path="guides/vpn.md", upstream=upstream),
    )
    store = KnowledgeStore.in_memory(corpus_from_documents([doc]))
    hit = store.search("vpn up").hits[0]
    assert hit.provenance == Provenance(path="guides/vpn.md", upstream=upstream)
    store.close()
