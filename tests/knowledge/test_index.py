"""The on-disk index lifecycle: build, freshness, incremental updates, corruption, concurrency."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zcp.axes import ANY_VALUE
from zcp.knowledge.corpus import load_corpus
from zcp.knowledge.index import CURRENT_FILE, SCHEMA_VERSION, build_memory_index, ensure_index, open_index
from zcp.knowledge.paths import KnowledgePaths


def _touch_doc(paths: KnowledgePaths, extra: str = "\nNew paragraph about kafka.\n") -> None:
    path = paths.corpus_dir / "bases" / "alpine.md"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


def _generation(paths: KnowledgePaths) -> Path:
    data = json.loads((paths.index_dir / CURRENT_FILE).read_text(encoding="utf-8"))
    return paths.index_dir / str(data["generation"])


def test_a_missing_index_is_built_then_reused_while_the_corpus_is_unchanged(
    knowledge_paths: KnowledgePaths,
) -> None:
    index, status = ensure_index(knowledge_paths)
    assert status.action == "built" and status.documents == 7
    assert index.entry_count > status.documents  # documents plus their sections
    index.close()
    again, status = ensure_index(knowledge_paths)
    assert status.action == "fresh"
    again.close()


def test_a_changed_document_is_reindexed_incrementally_into_a_new_generation(
    knowledge_paths: KnowledgePaths,
) -> None:
    first, _ = ensure_index(knowledge_paths)
    first.close()
    old_generation = _generation(knowledge_paths)
    _touch_doc(knowledge_paths)
    index, status = ensure_index(knowledge_paths)
    assert (status.action, status.changed, status.removed) == ("updated", 1, 0)
    assert _generation(knowledge_paths) != old_generation
    with index.index.searcher() as searcher:
        from whoosh.query import Term

        hits = searcher.search(Term("body", "kafka"))
        assert {h["doc_uri"] for h in hits} == {"zerops://bases/alpine"}
    index.close()


def test_a_removed_document_disappears_from_the_index(knowledge_paths: KnowledgePaths) -> None:
    ensure_index(knowledge_paths)[0].close()
    (knowledge_paths.corpus_dir / "bases" / "alpine.md").unlink()
    index, status = ensure_index(knowledge_paths)
    assert status.removed == 1
    assert "zerops://bases/alpine" not in index.doc_hashes
    with index.index.searcher() as searcher:
        assert searcher.document(doc_uri="zerops://bases/alpine") is None
    index.close()


def test_a_reader_keeps_its_snapshot_while_another_build_swaps_generations(
    knowledge_paths: KnowledgePaths,
) -> None:
    reader, _ = ensure_index(knowledge_paths)
    searcher = reader.searcher()
    before = searcher.doc_count()
    _touch_doc(knowledge_paths, "\n## Extra section\n\nmore\n")
    writer_side, status = ensure_index(knowledge_paths)
    assert status.action == "updated"
    assert searcher.doc_count() == before  # the old generation is still readable
    assert writer_side.entry_count == before + 1
    reader.close()
    writer_side.close()


@pytest.mark.parametrize(
    "damage", ["garbage-current", "missing-generation", "truncated-segment", "old-schema"]
)
def test_a_corrupt_index_is_rebuilt_and_never_served(knowledge_paths: KnowledgePaths, damage: str) -> None:
    ensure_index(knowledge_paths)[0].close()
    generation = _generation(knowledge_paths)
    if damage == "garbage-current":
        (knowledge_paths.index_dir / CURRENT_FILE).write_text("{not json", encoding="utf-8")
    elif damage == "missing-generation":
        (knowledge_paths.index_dir / CURRENT_FILE).write_text('{"generation": "gen-gone"}', encoding="utf-8")
    elif damage == "truncated-segment":
        segment = next(generation.glob("*.seg"))
        segment.write_bytes(segment.read_bytes()[:20])
    else:
        manifest = generation / "manifest.json"
        data = json.loads(manifest.read_text(encoding="utf-8"))
        data["schemaVersion"] = SCHEMA_VERSION - 1
        manifest.write_text(json.dumps(data), encoding="utf-8")
    assert open_index(knowledge_paths.index_dir) is None
    index, status = ensure_index(knowledge_paths)
    assert status.action == "built"
    assert _generation(knowledge_paths) != generation
    index.close()


def test_a_half_written_build_left_behind_is_ignored_and_cleaned(knowledge_paths: KnowledgePaths) -> None:
    ensure_index(knowledge_paths)[0].close()
    leftover = knowledge_paths.index_dir / ".tmp-999-dead"
    leftover.mkdir()
    (leftover / "MAIN_x.seg").write_bytes(b"partial")
    _touch_doc(knowledge_paths)
    ensure_index(knowledge_paths)[0].close()
    assert not leftover.exists()


def test_an_unwritable_index_folder_is_a_clear_error(knowledge_paths: KnowledgePaths, tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x", encoding="utf-8")
    paths = KnowledgePaths(
        knowledge_paths.corpus_dir, knowledge_paths.manifest_file, blocker / "index", False
    )
    from zcp.errors import IndexUnavailable

    with pytest.raises(IndexUnavailable) as info:
        ensure_index(paths)
    assert "ZCP_INDEX_DIR" in (info.value.suggestion or "")


_RACE = """
import sys
from pathlib import Path
from zcp.knowledge.index import ensure_index
from zcp.knowledge.paths import KnowledgePaths
paths = KnowledgePaths(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), False)
index, status = ensure_index(paths)
print(status.action)
"""


def test_two_processes_racing_to_build_produce_one_valid_generation(knowledge_paths: KnowledgePaths) -> None:
    args = [
        str(knowledge_paths.corpus_dir),
        str(knowledge_paths.manifest_file),
        str(knowledge_paths.index_dir),
    ]
    procs = [
        subprocess.Popen([sys.executable, "-c", _RACE, *args], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = sorted(p.communicate(timeout=60)[0].strip() for p in procs)
    assert [p.returncode for p in procs] == [0, 0]
    assert outputs == ["built", "fresh"]
    assert len(list(knowledge_paths.index_dir.glob("gen-*"))) == 1
    index = open_index(knowledge_paths.index_dir)
    assert index is not None
    index.close()


def test_atoms_index_their_axes_with_any_for_empty_axes(knowledge_paths: KnowledgePaths) -> None:
    index = build_memory_index(load_corpus(knowledge_paths.corpus_dir))
    from whoosh.query import And, Term

    with index.index.searcher() as searcher:
        found = searcher.search(And([Term("modes", "standard"), Term("environments", ANY_VALUE)]))
        assert {h["doc_uri"] for h in found} == {"zerops://atoms/develop-verify"}
        agnostic = searcher.search(
            And([Term("kind", "atoms"), Term("modes", ANY_VALUE), Term("entry", "doc")])
        )
        assert [h["doc_uri"] for h in agnostic] == ["zerops://atoms/idle-empty"]
