"""zerops_deploy strategy="git-push": real git on both sides, the remote a local bare repository."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.deploy.harness import container_session, local_session, open_develop, write_app, write_meta
from tests.plugins.sandbox import ContainersHandle
from tests.tools.harness import commands, error_payload
from zcp.remote.commands import TOKEN_CREDENTIAL_HELPER

pytestmark = pytest.mark.anyio
TOOL = "zerops_deploy"
GIT_ID = ["-c", "user.email=dev@example.com", "-c", "user.name=Dev"]


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=True)
    return done.stdout


def repo_with_commit(folder: Path) -> Path:
    write_app(folder)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, *GIT_ID, "commit", "-q", "-m", "first")
    return folder


def bare(tmp_path: Path) -> str:
    path = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return f"file://{path}"


def configured(session: object, remote: str, **extra: object) -> None:
    write_meta(
        session,  # type: ignore[arg-type]
        "appdev",
        mode="standard",
        stage_hostname="appstage",
        git_push_state="configured",
        remote_url=remote,
        close_deploy_mode="git-push",
        **extra,
    )


@pytest.mark.containers(seed="standard")
async def test_a_container_push_sends_the_committed_code_and_records_a_pending_deploy(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    tree = repo_with_commit(containers.tree("appdev"))
    remote = bare(tmp_path)
    async with container_session(containers, tmp_path) as session:
        configured(session, remote)
        open_develop(session, ["appdev", "appstage"])
        (tree / "notes.txt").write_text("not committed\n")
        pushed = await session.ok(TOOL, {"targetService": "appdev", "strategy": "git-push"})
        again = await session.ok(TOOL, {"targetService": "appdev", "strategy": "git-push"})
        work = session.app.state.work_session()
    assert (pushed["status"], pushed["mode"], pushed["branch"], pushed["remoteUrl"]) == (
        "PUSHED",
        "git-push",
        "main",
        remote,
    )
    assert again["status"] == "NOTHING_TO_PUSH"
    assert any("uncommitted" in w for w in pushed["warnings"])
    assert any("build integration" in w for w in pushed["warnings"])
    assert commands(pushed)[-1] == 'zerops_workflow action="record-deploy" targetService="appdev"'
    assert git(Path(remote.removeprefix("file://")), "log", "--format=%s", "main").split() == ["first"]
    assert git(tree, "remote", "get-url", "origin").strip() == remote  # origin was added
    assert work is not None and work.deploys
    attempt = work.deploys["appdev"][0]
    assert (attempt.strategy, attempt.succeeded_at, attempt.error) == ("git-push", None, None)  # pending


@pytest.mark.containers(seed="standard")
async def test_git_push_refusals_say_what_is_missing(containers: ContainersHandle, tmp_path: Path) -> None:
    remote = bare(tmp_path)
    write_app(containers.tree("appdev"))
    async with container_session(containers, tmp_path) as session:
        write_meta(session, "appdev", mode="standard", stage_hostname="appstage")
        unconfigured = error_payload(
            await session.call(TOOL, {"targetService": "appdev", "strategy": "git-push"})
        )
        configured(session, remote)
        no_commit = error_payload(
            await session.call(TOOL, {"targetService": "appdev", "strategy": "git-push"})
        )
        configured(session, "https://github.com/example/app.git")
        token = await session.ok(TOOL, {"targetService": "appdev", "strategy": "git-push"})
        stage = error_payload(await session.call(TOOL, {"targetService": "appstage", "strategy": "git-push"}))
        rollback = error_payload(
            await session.call(
                TOOL, {"targetService": "appdev", "strategy": "git-push", "appVersion": "latest"}
            )
        )
    assert unconfigured["code"] == "PREREQUISITE_MISSING"
    assert unconfigured["recovery"] == {
        "tool": "zerops_workflow",
        "args": {"action": "git-push-setup", "service": "appdev"},
    }
    assert no_commit["code"] == "PREREQUISITE_MISSING"
    assert token["status"] == "GIT_TOKEN_MISSING"
    assert commands(token)[0].startswith('zerops_env action="set" project=true')
    assert stage["code"] == "INVALID_PARAMETER"  # the stage half does not push
    assert rollback["code"] == "INVALID_PARAMETER"


@pytest.mark.containers(seed="standard")
async def test_a_remote_url_that_contradicts_origin_is_refused_and_a_failed_push_is_classified(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    tree = repo_with_commit(containers.tree("appdev"))
    remote = bare(tmp_path)
    git(tree, "remote", "add", "origin", remote)
    async with container_session(containers, tmp_path) as session:
        configured(session, remote)
        open_develop(session, ["appdev", "appstage"])
        other = error_payload(
            await session.call(
                TOOL,
                {
                    "targetService": "appdev",
                    "strategy": "git-push",
                    "remoteUrl": f"file://{tmp_path}/other.git",
                },
            )
        )
        git(tree, "remote", "set-url", "origin", f"file://{tmp_path}/missing.git")
        failed = error_payload(await session.call(TOOL, {"targetService": "appdev", "strategy": "git-push"}))
        work = session.app.state.work_session()
    assert other["code"] == "INVALID_PARAMETER"
    assert failed["code"] == "SSH_DEPLOY_FAILED"
    assert failed["failureClassification"]["category"] == "config"
    assert "missing.git" in failed["untrusted"]["diagnostic"]
    assert work is not None and work.deploys and work.deploys["appdev"][-1].failure_class == "config"


@pytest.mark.containers(seed="standard")
async def test_a_local_push_uses_the_current_branch_and_the_users_git(
    containers: ContainersHandle, tmp_path: Path
) -> None:
    work_dir = repo_with_commit(tmp_path / "work")
    git(work_dir, "checkout", "-q", "-b", "feature")
    remote = bare(tmp_path)
    async with local_session(containers, tmp_path) as session:
        configured(session, remote)
        pushed = await session.ok(TOOL, {"targetService": "appdev", "strategy": "git-push"})
        branch = await session.ok(TOOL, {"targetService": "appdev", "strategy": "git-push", "branch": "main"})
        bad = error_payload(
            await session.call(TOOL, {"targetService": "appdev", "strategy": "git-push", "branch": "--force"})
        )
    assert (pushed["status"], pushed["branch"]) == ("PUSHED", "feature")
    assert branch["branch"] == "main"
    heads = git(Path(remote.removeprefix("file://")), "branch", "--format=%(refname:short)").split()
    assert sorted(heads) == ["feature", "main"]
    assert bad["code"] == "INVALID_PARAMETER"


def test_the_token_credential_helper_answers_with_git_token_from_the_environment(tmp_path: Path) -> None:
    env = {**os.environ, "GIT_TOKEN": "ghp_secret", "GIT_TERMINAL_PROMPT": "0", "HOME": str(tmp_path)}
    done = subprocess.run(
        [
            "git",
            "-c",
            "credential.helper=",
            "-c",
            f"credential.helper={TOKEN_CREDENTIAL_HELPER}",
            "credential",
            "fill",
        ],
        input="protocol=https\nhost=github.com\n\n",
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "username=x-access-token" in done.stdout
    assert "password=ghp_secret" in done.stdout
    assert "ghp_secret" not in TOKEN_CREDENTIAL_HELPER
