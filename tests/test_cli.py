"""The `zcp` command line: help, exit codes, knowledge, index and corpus commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from zcp.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main


@pytest.fixture
def fixture_env(monkeypatch: pytest.MonkeyPatch, corpus_dir: Path, tmp_path: Path) -> Path:
    monkeypatch.setenv("ZCP_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("ZCP_INDEX_DIR", str(tmp_path / "index"))
    return corpus_dir


def test_no_command_prints_help_and_exits_with_usage_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_USAGE
    assert "serve" in capsys.readouterr().err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("serve", "knowledge", "index", "corpus"):
        assert command in out


def test_knowledge_search_prints_ranked_hits(fixture_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["knowledge", "redis", "port"]) == EXIT_OK
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("1. Managed services › Valkey\tzerops://themes/services#valkey")


def test_knowledge_json_and_uri_output(fixture_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["knowledge", "--json", "--kind", "recipes", "bind"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert {h["kind"] for h in data["hits"]} == {"recipes"}
    assert main(["knowledge", "--uri", "zerops://themes/services#valkey"]) == EXIT_OK
    assert capsys.readouterr().out.startswith("## Valkey")


def test_knowledge_errors_exit_1_with_a_hint(fixture_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["knowledge", "--uri", "zerops://themes/nope"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("error: no document at zerops://themes/nope") and "hint:" in err
    assert main(["knowledge"]) == EXIT_ERROR


def test_index_build_then_stats(fixture_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index", "build"]) == EXIT_OK
    assert "index built" in capsys.readouterr().out
    assert main(["index", "build", "--if-stale"]) == EXIT_OK
    assert "up to date" in capsys.readouterr().out
    assert main(["index", "stats"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "documents:  7" in out and "up to date: yes" in out


def test_index_stats_without_an_index_fails(fixture_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index", "stats"]) == EXIT_ERROR
    assert "zcp index build" in capsys.readouterr().err


def test_corpus_lint_reports_problems_as_file_line_message(
    fixture_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (fixture_env / "themes" / "bad.md").write_text(
        "---\ntitle: x\ndescription: y\nsize: 3\n---\n# x\n", encoding="utf-8"
    )
    assert main(["corpus", "lint"]) == EXIT_ERROR
    lines = capsys.readouterr().out.splitlines()
    assert "themes/bad.md:4: size: unknown key" in lines[-1] or any(
        line.startswith("themes/bad.md:4: size: unknown key") for line in lines
    )
    assert any(line.startswith("themes/services.md:1: missing managed-service card") for line in lines)


def test_search_hits_on_pulled_guides_show_where_they_came_from(
    fixture_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    (fixture_env / "guides").mkdir()
    (fixture_env / "guides" / "backup.md").write_text(
        "---\ntitle: Backups\ndescription: Daily backups.\n---\n# Backups\n\nSnapshots are taken daily.\n",
        encoding="utf-8",
    )
    manifest = fixture_env.parent / "sync" / "manifest.json"
    manifest.parent.mkdir()
    entry = {
        "upstreamPath": "apps/docs/content/guides/backup.mdx",
        "blobSha": "b1",
        "commit": "0123456789abcdef",
        "contentHash": "h",
        "pulledAt": "2026-11-01T10:00:00Z",
    }
    manifest.write_text(json.dumps({"files": {"guides/backup.md": entry}}), encoding="utf-8")
    assert main(["knowledge", "--json", "snapshots", "daily"]) == EXIT_OK
    hit = json.loads(capsys.readouterr().out)["hits"][0]
    assert hit["uri"].startswith("zerops://guides/backup")
    assert hit["upstream"] == {
        "repo": "zeropsio/docs",
        "path": "apps/docs/content/guides/backup.mdx",
        "commit": "0123456789abcdef",
        "syncedAt": "2026-11-01T10:00:00Z",
    }
    assert main(["knowledge", "snapshots", "daily"]) == EXIT_OK
    assert "source: zeropsio/docs/apps/docs/content/guides/backup.mdx @ 0123456789" in capsys.readouterr().out
