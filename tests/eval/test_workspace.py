"""Where and which revision of the app the agent writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.git import git
from eval.workspace import Workspace, WorkspaceError

FILES = {"appdev": [{"app.py": "v1", "old.txt": "x"}, {"app.py": "v2"}]}


def _container(tmp_path: Path) -> Workspace:
    (tmp_path / "mnt").mkdir()
    return Workspace(FILES, environment="container", work_dir=tmp_path / "work", mount_root=tmp_path / "mnt")


def test_a_deploy_writes_the_source_services_revision_into_its_mount(tmp_path: Path) -> None:
    workspace = _container(tmp_path)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tmp_path / "mnt" / "appdev").symlink_to(tree)
    line = workspace.prepare("zerops_deploy", {"targetService": "appdev"})
    assert line is not None and "revision 1/2" in line
    assert (tree / "app.py").read_text() == "v1"
    assert workspace.prepare("zerops_deploy", {"targetService": "appdev"}) is None  # already there
    workspace.note_failure("appdev")
    workspace.prepare("zerops_deploy", {"targetService": "appdev"})
    assert (tree / "app.py").read_text() == "v2" and not (tree / "old.txt").exists()


def test_a_promotion_writes_nothing_new_and_a_stage_failure_counts_for_its_source(tmp_path: Path) -> None:
    workspace = _container(tmp_path)
    (tmp_path / "mnt" / "appdev").mkdir()
    workspace.prepare("zerops_deploy", {"targetService": "appdev"})
    assert (
        workspace.prepare("zerops_deploy", {"sourceService": "appdev", "targetService": "appstage"}) is None
    )
    workspace.note_failure("appstage")
    assert workspace.revision("appdev") == 1


def test_an_unmounted_service_is_refused_not_created(tmp_path: Path) -> None:
    workspace = _container(tmp_path)
    with pytest.raises(WorkspaceError, match="not mounted"):
        workspace.prepare("zerops_deploy", {"targetService": "appdev"})
    assert not (tmp_path / "mnt" / "appdev").exists()


def test_locally_the_working_directory_gets_the_files_and_a_git_tree_a_commit(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    git("init", "-q", "-b", "main", cwd=work)
    workspace = Workspace(
        {"local": [{"main.go": "package main\n"}]}, environment="local", work_dir=work, mount_root=None
    )
    workspace.prepare("zerops_deploy", {"targetService": "goapi"})
    assert (work / "main.go").is_file()
    assert "the agent's change" in git("log", "--format=%s", cwd=work)


def test_files_an_answer_asks_for_are_written_and_may_not_escape(tmp_path: Path) -> None:
    work = tmp_path / "work"
    workspace = Workspace({}, environment="local", work_dir=work, mount_root=None)
    lines = workspace.write_requested(
        {"workflowFile": {"path": ".github/workflows/zerops.yml", "content": "run: zcli push"}}
    )
    assert lines and (work / ".github/workflows/zerops.yml").read_text() == "run: zcli push"
    workspace.write_requested({"bundle": {"importFile": "import.yaml", "importYaml": "services: []"}})
    assert (work / "import.yaml").is_file()
    with pytest.raises(WorkspaceError):
        workspace.write_requested({"workflowFile": {"path": "../outside.yml", "content": "x"}})
