"""`zcp sync pull` / `zcp sync push` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugins.github import DEFAULT_SYNC_CONFIG, FakeGitHub, FakeRepo, SyncWorkspace
from zcp.cli import main


@pytest.fixture
def cli_env(sync_workspace: SyncWorkspace, monkeypatch: pytest.MonkeyPatch, fake_github: FakeGitHub) -> Path:
    """Environment pointing zcp at the workspace and the fake GitHub; returns a quiet config file."""
    for name in ("GH_TOKEN", "GITHUB_TOKEN", "ZCP_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ZCP_CORPUS_DIR", str(sync_workspace.paths.corpus_dir))
    monkeypatch.setenv("ZCP_INDEX_DIR", str(sync_workspace.paths.index_dir))
    monkeypatch.setenv("ZCP_GITHUB_API_URL", fake_github.api_url)
    monkeypatch.setenv("XDG_CACHE_HOME", str(sync_workspace.root / "cache"))
    config = sync_workspace.root / "sync-config.yaml"
    text = DEFAULT_SYNC_CONFIG.read_text(encoding="utf-8")
    head, _, _ = text.partition("\ngithub:\n")
    config.write_text(
        head + "\ngithub:\n  timeout: 5\n  retries: 0\n  read_interval: 0\n  write_interval: 0\n",
        encoding="utf-8",
    )
    return config


def test_pull_from_a_checkout_prints_each_change_and_a_summary_and_builds_the_index(
    cli_env: Path, sync_workspace: SyncWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "pull", "--from", str(sync_workspace.docs), "--config", str(cli_env)])
    out, err = capsys.readouterr()
    assert code == 0
    assert "  created   guides/backup-basics.md\n" in out
    assert (
        f"Pulled 9 pages from {sync_workspace.docs.resolve()}: 9 created, 0 updated, 0 unchanged, 0 removed\n"
        in out
    )
    assert "index built: 10 documents" in out
    assert "warning: apps/docs/content/references/networking/vpn.mdx:73: unknown component <Sparkle>" in err
    assert (sync_workspace.paths.index_dir).is_dir()
    assert sync_workspace.manifest().files["guides/backup-basics.md"].commit == "local"


def test_pull_again_reports_everything_unchanged(
    cli_env: Path, sync_workspace: SyncWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["sync", "pull", "guides", "--from", str(sync_workspace.docs), "--config", str(cli_env)]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 0
    out, _ = capsys.readouterr()
    assert ": 0 created, 0 updated, 3 unchanged, 0 removed\n" in out
    assert "index already up to date" in out


def test_pull_dry_run_says_what_would_change_and_writes_nothing(
    cli_env: Path, sync_workspace: SyncWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sync_workspace.snapshot_state()
    assert (
        main(
            [
                "sync",
                "pull",
                "guides",
                "--dry-run",
                "--from",
                str(sync_workspace.docs),
                "--config",
                str(cli_env),
            ]
        )
        == 0
    )
    out, _ = capsys.readouterr()
    assert "  would be created   decisions/choose-cache-store.md\n" in out
    assert out.splitlines()[-1].startswith("[dry-run] Pulled 3 pages")
    assert sync_workspace.snapshot_state() == before


def test_pull_from_github_names_the_commit(
    cli_env: Path, docs_repo: FakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "pull", "guides", "--config", str(cli_env)]) == 0
    out, _ = capsys.readouterr()
    assert f"from zeropsio/docs@main at {docs_repo.refs['heads/main'][:12]}: 3 created" in out


def test_a_rejected_token_is_an_error_with_a_hint_and_the_token_is_not_shown(
    cli_env: Path,
    docs_repo: FakeRepo,
    fake_github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GH_TOKEN", "ghp_wrong-token-123456")
    fake_github.token = "ghp_right-token-000000"
    assert main(["sync", "pull", "--config", str(cli_env)]) == 1
    out, err = capsys.readouterr()
    assert "error: GitHub rejected the token while resolving zeropsio/docs@main" in err
    assert "hint: Check GH_TOKEN / GITHUB_TOKEN" in err
    assert "ghp_wrong" not in out + err


def test_ref_and_from_together_are_refused(
    cli_env: Path, sync_workspace: SyncWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "pull", "--from", str(sync_workspace.docs), "--ref", "v1", "--config", str(cli_env)])
    assert code == 1
    assert "error: --ref cannot be combined with --from" in capsys.readouterr().err


def test_a_broken_configuration_file_fails_with_its_location(
    cli_env: Path, sync_workspace: SyncWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env.write_text("sources:\n  - name: x\n    bogus: 1\n", encoding="utf-8")
    before = sync_workspace.snapshot_state()
    assert main(["sync", "pull", "--from", str(sync_workspace.docs), "--config", str(cli_env)]) == 1
    err = capsys.readouterr().err
    assert f"error: {cli_env}: sources.0.path: Field required" in err
    assert "hint: See docs/sync.md" in err
    assert sync_workspace.snapshot_state() == before


def test_an_unknown_group_lists_the_groups(
    cli_env: Path, sync_workspace: SyncWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["sync", "pull", "recipes", "--from", str(sync_workspace.docs), "--config", str(cli_env)]) == 1
    )
    assert "hint: Use one of: all, guides, runtimes" in capsys.readouterr().err


def test_push_with_nothing_edited_says_so(
    cli_env: Path, docs_repo: FakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "pull", "guides", "--config", str(cli_env)]) == 0
    capsys.readouterr()
    assert main(["sync", "push", "guides", "--config", str(cli_env)]) == 0
    assert capsys.readouterr().out == "Nothing to push: 3 guides are identical to their last pull.\n"


def test_push_dry_run_prints_the_diff_and_push_opens_the_pull_request(
    cli_env: Path, sync_workspace: SyncWorkspace, docs_repo: FakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "pull", "guides", "--config", str(cli_env)]) == 0
    guide = sync_workspace.corpus_file("guides/backup-basics.md")
    guide.write_text(
        guide.read_text(encoding="utf-8").replace("for a week", "for seven days"), encoding="utf-8"
    )
    capsys.readouterr()
    assert main(["sync", "push", "guides", "backup-basics", "--dry-run", "--config", str(cli_env)]) == 0
    out = capsys.readouterr().out
    assert "+++ b/apps/docs/content/guides/backup-basics.mdx" in out
    assert "+Zerops takes a **daily snapshot** of every managed database and keeps it for seven days." in out
    assert out.endswith("[dry-run] 1 guides would be pushed; nothing was sent.\n")
    assert docs_repo.pulls == []
    assert main(["sync", "push", "guides", "--config", str(cli_env)]) == 0
    out = capsys.readouterr().out
    assert "  updated  apps/docs/content/guides/backup-basics.mdx\n" in out
    assert "Opened https://github.example/zeropsio/docs/pull/1 (branch zcp/guides-" in out


def test_sync_without_an_action_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["sync"])
    assert caught.value.code == 2


def test_without_a_config_beside_the_manifest_the_checkouts_configuration_is_used(
    sync_workspace: SyncWorkspace,
) -> None:
    from zcp.sync.cli import default_config_file

    assert default_config_file(sync_workspace.paths) == DEFAULT_SYNC_CONFIG
    beside = sync_workspace.paths.manifest_file.parent / "config.yaml"
    beside.write_text("sources: []\n", encoding="utf-8")
    assert default_config_file(sync_workspace.paths) == beside
