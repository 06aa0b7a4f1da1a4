"""Opening the knowledge store: search straight from a fresh index, the corpus parsed on demand."""

from __future__ import annotations

import json

import pytest

from zcp.knowledge import corpus as corpus_module
from zcp.knowledge.corpus import fingerprint_files
from zcp.knowledge.index import ensure_index
from zcp.knowledge.paths import KnowledgePaths
from zcp.knowledge.store import FINGERPRINT_CACHE, KnowledgeStore


def _refuse_parsing(*args: object, **kwargs: object) -> None:
    raise AssertionError("the corpus was parsed")


def test_a_search_over_a_fresh_index_needs_no_parsed_corpus(
    knowledge_paths: KnowledgePaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    ensure_index(knowledge_paths)[0].close()
    with monkeypatch.context() as patch:
        patch.setattr(corpus_module, "load_corpus", _refuse_parsing)
        store = KnowledgeStore.open(knowledge_paths)
        hit = store.search("valkey port").hits[0]
    assert hit.uri == "zerops://themes/services#valkey"
    assert hit.provenance.path == "themes/services.md"
    assert store.fetch("zerops://themes/services").document.title  # parsed now, on first use
    store.close()


def test_a_stale_index_is_rebuilt_when_the_store_opens(knowledge_paths: KnowledgePaths) -> None:
    ensure_index(knowledge_paths)[0].close()
    theme = knowledge_paths.corpus_dir / "themes" / "services.md"
    theme.write_text(
        theme.read_text(encoding="utf-8") + "\n## Quokka\n\nA quokka section.\n", encoding="utf-8"
    )
    store = KnowledgeStore.open(knowledge_paths)
    assert store.search("quokka").hits[0].uri == "zerops://themes/services#quokka"
    assert store.status is not None and store.status.action == "updated"
    store.close()


def test_the_fingerprint_cache_follows_file_changes(knowledge_paths: KnowledgePaths) -> None:
    ensure_index(knowledge_paths)[0].close()
    KnowledgeStore.open(knowledge_paths).close()
    cache = json.loads((knowledge_paths.index_dir / FINGERPRINT_CACHE).read_text(encoding="utf-8"))
    assert cache["fingerprint"] == fingerprint_files(
        knowledge_paths.corpus_dir, knowledge_paths.manifest_file
    )
    base = knowledge_paths.corpus_dir / "bases" / "alpine.md"
    base.write_text(base.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    store = KnowledgeStore.open(knowledge_paths)
    assert store.index.fingerprint == fingerprint_files(
        knowledge_paths.corpus_dir, knowledge_paths.manifest_file
    )
    store.close()


def test_a_store_needs_a_corpus_or_paths(knowledge_paths: KnowledgePaths) -> None:
    index, _ = ensure_index(knowledge_paths)
    with pytest.raises(ValueError, match="corpus or the paths"):
        KnowledgeStore(None, index)
    index.close()
