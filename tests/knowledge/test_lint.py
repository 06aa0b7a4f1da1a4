"""Corpus lint: recipe import YAML is checked against the import schema and must use the current form."""

from __future__ import annotations

from pathlib import Path

from zcp.knowledge.corpus import load_corpus
from zcp.knowledge.lint import lint_corpus


def _lint(corpus_dir: Path, companion: str) -> list[str]:
    (corpus_dir / "recipes" / "nodejs.import.yml").write_text(companion, encoding="utf-8")
    return [str(p) for p in lint_corpus(load_corpus(corpus_dir), corpus_dir)]


def test_a_recipe_with_the_current_managed_type_form_passes(corpus_dir: Path) -> None:
    problems = _lint(
        corpus_dir, "services:\n  - hostname: db\n    type: postgresql:single@16\n    priority: 10\n"
    )
    assert not [p for p in problems if "nodejs.import.yml" in p]


def test_a_recipe_with_the_legacy_type_and_mode_is_a_lint_problem(corpus_dir: Path) -> None:
    problems = _lint(corpus_dir, "services:\n  - hostname: db\n    type: postgresql@16\n    mode: NON_HA\n")
    assert any("nodejs.import.yml" in p and "postgresql:single@16" in p for p in problems)


def test_a_recipe_whose_import_yaml_breaks_the_schema_names_the_line(corpus_dir: Path) -> None:
    problems = _lint(
        corpus_dir, "services:\n  - hostname: db\n    type: postgresql:single@16\n    profile: turbo\n"
    )
    assert any(p.startswith("recipes/nodejs.import.yml:4:") and "services[0].profile" in p for p in problems)
