"""Fixtures for knowledge tests: a small fixture corpus, the real corpus, stores and MCP clients."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from zcp.app import App
from zcp.config import load_settings
from zcp.knowledge.corpus import Corpus, load_corpus
from zcp.knowledge.paths import KnowledgePaths
from zcp.knowledge.store import KnowledgeStore

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_CORPUS = REPO_ROOT / "tests" / "knowledge" / "fixtures" / "corpus"
REAL_CORPUS = REPO_ROOT / "corpus"


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, target)
    return target


@pytest.fixture
def knowledge_paths(corpus_dir: Path, tmp_path: Path) -> KnowledgePaths:
    """Paths for a fixture corpus with its own index folder."""
    return KnowledgePaths(
        corpus_dir=corpus_dir,
        manifest_file=tmp_path / "sync" / "manifest.json",
        index_dir=tmp_path / "index",
        from_checkout=False,
    )


@pytest.fixture(scope="session")
def fixture_corpus() -> Corpus:
    return load_corpus(FIXTURE_CORPUS, strict=True)


@pytest.fixture(scope="session")
def fixture_store(fixture_corpus: Corpus) -> Iterator[KnowledgeStore]:
    store = KnowledgeStore.in_memory(fixture_corpus)
    yield store
    store.close()


@pytest.fixture(scope="session")
def real_corpus() -> Corpus:
    """The project's own corpus (whatever is checked out, pulled guides included)."""
    return load_corpus(REAL_CORPUS, REPO_ROOT / "sync" / "manifest.json")


@pytest.fixture(scope="session")
def real_store(real_corpus: Corpus) -> Iterator[KnowledgeStore]:
    store = KnowledgeStore.in_memory(real_corpus)
    yield store
    store.close()


def make_app(store: KnowledgeStore | None = None, **env: str) -> App:
    """An App with settings from ``env`` and, optionally, a ready knowledge store."""
    app = App(load_settings(env))
    if store is not None:
        app.use_knowledge(store)
    return app


@pytest.fixture(params=["auto", "legacy"])
async def knowledge_client(request: Any, real_store: KnowledgeStore) -> AsyncIterator[Any]:
    """An in-memory MCP SDK client session against a server with the real corpus (both handshakes)."""
    from mcp import Client

    from zcp.server.app import build_server

    server = build_server(make_app(real_store))
    async with Client(server, mode=request.param) as client:
        yield client
