"""Per-runtime copies of one page: one result per topic, the named runtime's page first."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zcp.knowledge.corpus import corpus_from_documents
from zcp.knowledge.documents import Kind
from zcp.knowledge.families import stack_pages
from zcp.knowledge.parsing import parse_document
from zcp.knowledge.store import KnowledgeStore

RUNTIMES = {"nodejs": "Node.js", "python": "Python", "php": "PHP", "go": "Go"}


def _guide(name: str, title: str, body: str) -> object:
    text = f'---\ntitle: "{title}"\ndescription: "{title}."\n---\n# {title}\n\n{body}\n'
    return parse_document(f"guides/{name}.md", Kind.GUIDE, name, text)


@pytest.fixture(scope="module")
def store() -> Iterator[KnowledgeStore]:
    docs = []
    for runtime, label in RUNTIMES.items():
        body = (
            f"## Vertical scaling\n\nZerops scales your {label} service: CPU, RAM and disk grow with load.\n"
        )
        docs.append(_guide(f"runtimes/{runtime}/how-to/scaling", f"How Zerops scales {label}", body))
        docs.append(_guide(f"runtimes/{runtime}/overview", f"{label} overview", f"{label} runs on Alpine.\n"))
    docs.append(
        _guide(
            "scaling",
            "Scaling and autoscaling",
            "## Vertical and horizontal\n\nEvery service scales CPU, RAM and disk; runtimes add containers.\n",
        )
    )
    docs.append(_guide("services/postgresql/how-to/scale", "How Zerops scales PostgreSQL", "CPU and RAM.\n"))
    store = KnowledgeStore.in_memory(corpus_from_documents(docs))  # type: ignore[arg-type]
    yield store
    store.close()


def test_pages_repeated_for_three_or_more_stacks_form_a_family() -> None:
    uris = [f"zerops://guides/runtimes/{r}/how-to/scaling" for r in ("nodejs", "python", "php")]
    uris += ["zerops://guides/services/postgresql/how-to/scale", "zerops://guides/scaling"]
    pages = stack_pages(uris)
    assert pages[uris[0]].family == "runtimes/*/how-to/scaling" and pages[uris[0]].stack == "nodejs"
    assert pages[uris[3]].family is None and pages[uris[3]].stack == "postgresql"
    assert uris[4] not in pages


def test_a_general_question_gets_one_copy_after_the_general_page(store: KnowledgeStore) -> None:
    hits = [h.doc_uri for h in store.search("scaling cpu ram", limit=10).hits]
    copies = [u for u in hits if u.endswith("/how-to/scaling")]
    assert len(copies) == 1
    assert hits[0] == "zerops://guides/scaling"


def test_a_question_naming_a_runtime_gets_that_runtime_s_page_first(store: KnowledgeStore) -> None:
    hits = [h.doc_uri for h in store.search("django scaling cpu", limit=10).hits]
    assert hits[0] == "zerops://guides/runtimes/python/how-to/scaling"
    assert not any("/nodejs/" in u or "/php/" in u for u in hits[:3])


def test_pages_of_other_runtimes_sink_below_general_pages(store: KnowledgeStore) -> None:
    hits = [h.doc_uri for h in store.search("node overview alpine", limit=10).hits]
    assert hits[0] == "zerops://guides/runtimes/nodejs/overview"
    assert "zerops://guides/runtimes/go/overview" not in hits
