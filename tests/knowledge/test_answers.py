"""Documents by URI (paged), recipes by forgiving name, briefings and the platform reference."""

from __future__ import annotations

import pytest

from zcp.errors import DocumentNotFound, InvalidParameter
from zcp.knowledge.pages import fetch
from zcp.knowledge.store import KnowledgeStore


def test_a_section_uri_returns_the_section_with_its_subsections(fixture_store: KnowledgeStore) -> None:
    page = fixture_store.fetch("zerops://themes/services#postgresql")
    assert page.markdown.startswith("## PostgreSQL")
    assert "### Backups" in page.markdown and "## Valkey" not in page.markdown


def test_long_documents_are_paged_at_section_boundaries(fixture_store: KnowledgeStore) -> None:
    first = fetch(fixture_store.corpus, "zerops://themes/services", 1, size=150)
    assert first.pages > 1 and first.next_page == 2
    texts = [
        fetch(fixture_store.corpus, "zerops://themes/services", n, size=150).markdown
        for n in range(1, first.pages + 1)
    ]
    assert all(t.lstrip().startswith("#") for t in texts)
    with pytest.raises(InvalidParameter, match="out of range"):
        fetch(fixture_store.corpus, "zerops://themes/services", first.pages + 1, size=150)


def test_unknown_document_or_section_names_the_closest_ones(fixture_store: KnowledgeStore) -> None:
    with pytest.raises(DocumentNotFound) as info:
        fixture_store.fetch("zerops://themes/servics")
    assert "zerops://themes/services" in (info.value.suggestion or "")
    with pytest.raises(DocumentNotFound) as info:
        fixture_store.fetch("zerops://themes/services#postgres")
    assert "#postgresql" in (info.value.suggestion or "")
    with pytest.raises(InvalidParameter):
        fixture_store.fetch("https://example.com")


def test_recipes_resolve_by_prefix_and_framework_and_carry_their_import_yaml(
    fixture_store: KnowledgeStore,
) -> None:
    assert fixture_store.recipe("nodejs").document.name == "nodejs"
    assert fixture_store.recipe("NodeJS").document.name == "nodejs"
    assert fixture_store.recipe("express").document.name == "nodejs"
    answer = fixture_store.recipe("nod")
    assert "## Import YAML" in answer.markdown and "postgresql@16" in answer.markdown


def test_ambiguous_or_unknown_recipes_list_the_candidates(fixture_store: KnowledgeStore) -> None:
    with pytest.raises(InvalidParameter) as ambiguous:
        fixture_store.recipe("n")
    assert ambiguous.value.details == {"candidates": ["nextjs", "nodejs"]}
    with pytest.raises(DocumentNotFound) as unknown:
        fixture_store.recipe("nodjs")
    assert "nodejs" in (unknown.value.suggestion or "")


def test_a_mode_tailors_the_recipe(fixture_store: KnowledgeStore) -> None:
    assert "`setup: dev`" in fixture_store.recipe("nodejs", "dev").markdown
    assert fixture_store.recipe("nodejs", None).mode is None


def test_briefing_combines_runtime_recipe_service_cards_and_wiring(fixture_store: KnowledgeStore) -> None:
    briefing = fixture_store.briefing("nodejs@22", ["postgresql@16"])
    assert briefing.sources == (
        "zerops://recipes/nodejs",
        "zerops://themes/services#postgresql",
        "zerops://themes/services#wiring",
    )
    md = briefing.markdown
    assert md.index("## Runtime") < md.index("### PostgreSQL") < md.index("## Wiring")
    assert 'recipe="nextjs"' in md  # related framework recipe on the same runtime


def test_briefing_reads_a_managed_type_with_its_deployment_variant(fixture_store: KnowledgeStore) -> None:
    briefing = fixture_store.briefing("nodejs@22", ["postgresql:ha@16"])
    assert "zerops://themes/services#postgresql" in briefing.sources
    assert briefing.unknown == ()


def test_briefing_promotes_a_runtime_given_among_services(fixture_store: KnowledgeStore) -> None:
    briefing = fixture_store.briefing(None, ["postgresql@16", "nodejs@22"])
    assert briefing.runtime == "nodejs@22" and briefing.services == ("postgresql@16",)


def test_briefing_reports_what_it_does_not_cover(fixture_store: KnowledgeStore) -> None:
    briefing = fixture_store.briefing("nodejs@22", ["mongodb@7"])
    assert briefing.unknown == ("mongodb@7",)
    assert "## Not covered" in briefing.markdown
    with pytest.raises(DocumentNotFound):
        fixture_store.briefing("cobol@1", [])


def test_the_infrastructure_reference_orders_themes_by_their_position(fixture_store: KnowledgeStore) -> None:
    page, sources = fixture_store.infrastructure()
    assert sources == ("zerops://themes/zerops-yaml", "zerops://themes/services")
    assert page.markdown.index("# zerops.yaml reference") < page.markdown.index("# Managed services")
