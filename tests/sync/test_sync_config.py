"""sync/config.yaml: validation, source selection and where pages land."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugins.github import DEFAULT_SYNC_CONFIG
from zcp.errors import ConfigError
from zcp.sync.sync_config import load_sync_config, parse_sync_config

MINIMAL = """
sources:
  - name: guides
    path: docs/guides
    include: ["*.mdx"]
    kind: guides
"""


def test_the_shipped_configuration_pulls_guides_decisions_and_the_rest_of_the_docs() -> None:
    config = load_sync_config(DEFAULT_SYNC_CONFIG)
    assert config.upstream.repo == "zeropsio/docs"
    assert config.groups == ("guides", "runtimes", "services", "zerops-yaml", "references", "features")
    assert {s.name for s in config.select("guides")} == {"guides", "decisions"}
    assert all(s.push for s in config.select("guides"))
    assert not any(s.push for s in config.sources if s.group_name != "guides")


@pytest.mark.parametrize(
    ("upstream", "corpus"),
    [
        ("apps/docs/content/guides/backup.mdx", "guides/backup.md"),
        ("apps/docs/content/guides/choose-database.mdx", "decisions/choose-database.md"),
        (
            "apps/docs/content/nodejs/how-to/build-process.mdx",
            "guides/runtimes/nodejs/how-to/build-process.md",
        ),
        ("apps/docs/content/postgresql/overview.mdx", "guides/services/postgresql/overview.md"),
        ("apps/docs/content/zerops-yaml/specification.mdx", "guides/zerops-yaml/specification.md"),
        ("apps/docs/content/references/networking/vpn.mdx", "guides/references/networking/vpn.md"),
        ("apps/docs/content/features/scaling.mdx", "guides/features/scaling.md"),
    ],
)
def test_each_page_has_exactly_one_source_and_a_folder_that_keeps_names_apart(
    upstream: str, corpus: str
) -> None:
    source = load_sync_config(DEFAULT_SYNC_CONFIG).source_for(upstream)
    assert source is not None and source.corpus_path(upstream) == corpus


@pytest.mark.parametrize(
    "upstream",
    [
        "apps/docs/content/company/pricing.mdx",
        "apps/docs/content/guides/nested/x.mdx",
        "apps/docs/content/guides/a.md",
    ],
)
def test_pages_outside_every_source_are_not_pulled(upstream: str) -> None:
    assert load_sync_config(DEFAULT_SYNC_CONFIG).source_for(upstream) is None


def test_defaults_fill_everything_but_the_sources() -> None:
    config = parse_sync_config(MINIMAL)
    assert (config.upstream.ref, config.push.branch_prefix, config.github.retries) == ("main", "zcp", 3)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (MINIMAL + "extra: 1\n", "extra: unknown key"),
        (MINIMAL.replace("kind: guides", "kind: recipes"), "sources.0.kind"),
        (
            MINIMAL + "  - name: guides\n    path: x\n    include: ['*']\n    kind: guides\n",
            "repeated: guides",
        ),
        (MINIMAL.replace("name: guides", "name: guides\n    group: all"), "reserved"),
        ("sources: []\n", "sources"),
        ("- just a list\n", "must be a mapping"),
        (MINIMAL.replace("docs/guides", "/abs"), "sources.0.path"),
        (MINIMAL.replace('["*.mdx"]', '["../*.mdx"]'), "must stay below path"),
        ("upstream:\n  repo: not a repo\n" + MINIMAL, "upstream.repo"),
    ],
)
def test_a_broken_configuration_is_a_config_error_naming_the_key(text: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_sync_config(text)
    assert words in caught.value.message


def test_invalid_yaml_names_the_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_sync_config("sources:\n  - name: [unclosed\n")
    assert "sync/config.yaml:" in caught.value.message and "not valid YAML" in caught.value.message


def test_a_missing_configuration_file_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_sync_config(tmp_path / "nope.yaml")
    assert caught.value.suggestion and "--config" in caught.value.suggestion


def test_two_sources_claiming_one_page_is_a_config_error() -> None:
    config = parse_sync_config(
        MINIMAL + "  - name: more\n    path: docs\n    include: ['**/*.mdx']\n    kind: guides\n"
    )
    with pytest.raises(ConfigError) as caught:
        config.source_for("docs/guides/a.mdx")
    assert "'guides' and 'more'" in caught.value.message


def test_an_unknown_group_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_sync_config(MINIMAL).select("recipes")
    assert caught.value.suggestion == "Use one of: all, guides."


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*.mdx", "a.mdx", True),
        ("*.mdx", "sub/a.mdx", False),
        ("**/*.mdx", "a.mdx", True),
        ("**/*.mdx", "x/y/a.mdx", True),
        ("nodejs/**/*.mdx", "nodejs/overview.mdx", True),
        ("nodejs/**/*.mdx", "nodejs-old/overview.mdx", False),
        ("choose-*.mdx", "choose-db.mdx", True),
    ],
)
def test_globs_cross_folders_only_with_a_double_star(pattern: str, path: str, matches: bool) -> None:
    config = parse_sync_config(MINIMAL.replace('["*.mdx"]', f'["{pattern}"]'))
    assert config.sources[0].matches(f"docs/guides/{path}") is matches
