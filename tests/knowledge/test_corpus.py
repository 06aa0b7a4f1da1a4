"""Loading the corpus folder: companions, provenance, and problems that name the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zcp.errors import CorpusError
from zcp.knowledge.corpus import fingerprint_files, load_corpus
from zcp.knowledge.documents import Kind


def test_every_kind_folder_is_loaded_with_uris(corpus_dir: Path) -> None:
    corpus = load_corpus(corpus_dir, strict=True)
    assert "zerops://recipes/nodejs" in corpus.uris
    assert corpus.get("zerops://themes/services#postgresql") is corpus.get("zerops://themes/services")
    assert {d.kind for d in corpus} == {Kind.THEME, Kind.RECIPE, Kind.BASE, Kind.ATOM}


def test_recipe_import_yaml_is_attached_as_companion(corpus_dir: Path) -> None:
    recipe = load_corpus(corpus_dir).get("zerops://recipes/nodejs")
    assert recipe is not None and recipe.companion is not None
    assert "postgresql@16" in recipe.companion


def test_a_broken_file_is_left_out_and_reported_unless_strict(corpus_dir: Path) -> None:
    (corpus_dir / "themes" / "broken.md").write_text("---\ntitle: x\n---\n# x\n", encoding="utf-8")
    corpus = load_corpus(corpus_dir)
    assert corpus.get("zerops://themes/broken") is None
    assert [str(p) for p in corpus.problems] == ["themes/broken.md:1: description: required key is missing"]
    with pytest.raises(CorpusError, match=r"themes/broken\.md"):
        load_corpus(corpus_dir, strict=True)


def test_a_file_that_is_not_utf8_is_reported_by_name(corpus_dir: Path) -> None:
    (corpus_dir / "bases" / "latin.md").write_bytes(b"---\ntitle: caf\xe9\n---\n")
    problems = [str(p) for p in load_corpus(corpus_dir).problems]
    assert problems == ["bases/latin.md:2: not UTF-8 text (invalid continuation byte at byte 14)"]


def test_an_unreadable_entry_is_reported_not_raised(corpus_dir: Path) -> None:
    (corpus_dir / "themes" / "folder.md").mkdir()
    (corpus_dir / "themes" / "folder.md" / "x.txt").write_text("x", encoding="utf-8")
    problems = [str(p) for p in load_corpus(corpus_dir).problems]
    assert len(problems) == 1 and problems[0].startswith("themes/folder.md:1: cannot read file")


def test_pulled_documents_carry_upstream_provenance_from_the_manifest(
    corpus_dir: Path, tmp_path: Path
) -> None:
    (corpus_dir / "guides").mkdir()
    (corpus_dir / "guides" / "backup.md").write_text(
        "---\ntitle: Backup\ndescription: Backups.\n---\n# Backup\n\nDaily.\n", encoding="utf-8"
    )
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "version": 1,
                "repo": "zeropsio/docs",
                "ref": "main",
                "files": {
                    "guides/backup.md": {
                        "upstreamPath": "apps/docs/content/guides/backup.mdx",
                        "blobSha": "abc",
                        "commit": "0123456789abcdef",
                        "contentHash": "h",
                        "pulledAt": "2026-11-01T10:00:00Z",
                    }
                },
            }
        ),
        encoding="utf-8",
    )
    doc = load_corpus(corpus_dir, manifest).get("zerops://guides/backup")
    assert doc is not None and doc.provenance.upstream is not None
    assert doc.provenance.path == "guides/backup.md"
    assert doc.provenance.upstream.path == "apps/docs/content/guides/backup.mdx"
    assert doc.provenance.upstream.commit == "0123456789abcdef"


def test_a_malformed_manifest_is_a_clear_error(corpus_dir: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"files": {"guides/x.md": {"upstreamPath": 3}}}', encoding="utf-8")
    with pytest.raises(CorpusError, match="invalid provenance manifest"):
        load_corpus(corpus_dir, manifest)


def test_fingerprint_changes_exactly_when_content_changes(corpus_dir: Path) -> None:
    before = fingerprint_files(corpus_dir)
    assert fingerprint_files(corpus_dir) == before
    path = corpus_dir / "bases" / "alpine.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nmore\n", encoding="utf-8")
    assert fingerprint_files(corpus_dir) != before


def test_a_missing_corpus_folder_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(CorpusError) as info:
        load_corpus(tmp_path / "nope")
    assert "ZCP_CORPUS_DIR" in (info.value.suggestion or "")
