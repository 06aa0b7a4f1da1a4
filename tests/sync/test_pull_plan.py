"""Which page goes where, and when a page can be skipped."""

from __future__ import annotations

import pytest

from tests.plugins.github import DEFAULT_SYNC_CONFIG
from zcp.errors import ConfigError
from zcp.knowledge.provenance import ManifestEntry
from zcp.sync.docs_source import Snapshot
from zcp.sync.pull_plan import inputs_hash, is_current, plan_universe, settings_digest
from zcp.sync.sync_config import load_sync_config, parse_sync_config

CONFIG = load_sync_config(DEFAULT_SYNC_CONFIG)
PAGES = {
    "apps/docs/content/guides/backup.mdx": "b1",
    "apps/docs/content/guides/choose-db.mdx": "c1",
    "apps/docs/content/nodejs/overview.mdx": "n1",
    "apps/docs/content/company/pricing.mdx": "p1",
}
OTHER = {"apps/docs/static/data.json": "d1"}


def snapshot(pages: dict[str, str] | None = None, other: dict[str, str] | None = None) -> Snapshot:
    files = {**(pages if pages is not None else PAGES), **(other if other is not None else OTHER)}
    return Snapshot("c0", "main", pages if pages is not None else PAGES, files.get)


def test_the_universe_covers_every_source_while_only_the_group_is_selected() -> None:
    universe = plan_universe(CONFIG, snapshot(), CONFIG.select("guides"))
    assert [p.corpus_path for p in universe.pages] == [
        "decisions/choose-db.md",
        "guides/backup.md",
        "guides/runtimes/nodejs/overview.md",
    ]
    assert [p.corpus_path for p in universe.selected] == ["decisions/choose-db.md", "guides/backup.md"]
    assert (
        universe.link_targets()["apps/docs/content/nodejs/overview.mdx"]
        == "zerops://guides/runtimes/nodejs/overview"
    )


def test_pages_whose_names_cannot_be_corpus_names_are_skipped() -> None:
    pages = {**PAGES, "apps/docs/content/guides/Bad Name.mdx": "x"}
    universe = plan_universe(CONFIG, snapshot(pages), tuple(CONFIG.sources))
    assert universe.skipped == ("apps/docs/content/guides/Bad Name.mdx",)


def test_two_pages_landing_on_one_corpus_path_is_a_config_error() -> None:
    config = parse_sync_config(
        "sources:\n"
        "  - {name: a, path: docs/a, include: ['*.mdx'], kind: guides}\n"
        "  - {name: b, path: docs/b, include: ['*.mdx'], kind: guides}\n"
    )
    pages = {"docs/a/x.mdx": "1", "docs/b/x.mdx": "2"}
    with pytest.raises(ConfigError) as caught:
        plan_universe(config, Snapshot("c", "main", pages, pages.get), tuple(config.sources))
    assert "would both become corpus/guides/x.md" in caught.value.message


def entry_for(settings: str, deps: dict[str, str | None]) -> ManifestEntry:
    page = plan_universe(CONFIG, snapshot(), tuple(CONFIG.sources)).pages[1]
    return ManifestEntry(
        upstream_path=page.upstream_path,
        blob_sha=page.blob_sha,
        commit="c0",
        content_hash="h",
        pulled_at="t",
        source="guides",
        inputs=inputs_hash(page, deps, settings),
        dependencies=sorted(deps),
    )


def test_a_page_is_current_only_when_its_blob_dependencies_settings_and_local_file_are_unchanged() -> None:
    universe = plan_universe(CONFIG, snapshot(), tuple(CONFIG.sources))
    settings = settings_digest(CONFIG, universe)
    page = universe.pages[1]
    entry = entry_for(settings, {"apps/docs/static/data.json": "d1"})
    assert is_current(page, entry, snapshot(), settings, "h")
    assert not is_current(page, entry, snapshot(), settings, "edited")
    assert not is_current(page, entry, snapshot(other={"apps/docs/static/data.json": "d2"}), settings, "h")
    assert not is_current(page, entry, snapshot(), "other settings", "h")
    moved = plan_universe(
        CONFIG, snapshot({**PAGES, "apps/docs/content/guides/backup.mdx": "b2"}), tuple(CONFIG.sources)
    )
    assert not is_current(moved.pages[1], entry, snapshot(), settings, "h")


def test_a_new_page_anywhere_changes_the_settings_digest_because_links_may_change() -> None:
    before = settings_digest(CONFIG, plan_universe(CONFIG, snapshot(), tuple(CONFIG.sources)))
    pages = {**PAGES, "apps/docs/content/php/overview.mdx": "x"}
    after = settings_digest(CONFIG, plan_universe(CONFIG, snapshot(pages), tuple(CONFIG.sources)))
    assert before != after
