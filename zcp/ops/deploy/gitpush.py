"""Delivering by git push: the committed code goes to the remote ``git-push-setup`` stored.

The build then happens on the git side (a Zerops webhook or GitHub Actions, ``build-integration``),
so a push is recorded in the work session as *pending*: ``record-deploy`` confirms it once the build
is ``ACTIVE``. Nothing is committed for the agent: what is not committed is not pushed (a warning
says so).

* **container** — over SSH on the service that holds the code (the dev half): ``git push`` with
  credentials from the ``GIT_TOKEN`` variable of the service's environment (a project variable),
  answered by a fixed credential helper, so the token never appears in a command line. An HTTPS
  remote without ``GIT_TOKEN`` answers ``GIT_TOKEN_MISSING`` (a result, not an error) with the call
  that stores it; SSH and ``file://`` remotes need no token.
* **local** — ``git push`` in the working directory with the user's own git credentials
  (``GIT_TERMINAL_PROMPT=0``: never a prompt).

The remote: ``remoteUrl`` when given (it must match an existing ``origin``), else ``origin`` as it
is, else the stored remote (``origin`` is then added). Preflight (zerops.yaml, setup, schema, env
references) runs first, as for any deploy.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Final

import anyio
import anyio.to_thread

from zcp.axes import FailureClass
from zcp.calls import ToolCall
from zcp.errors import (
    DeployFailed,
    InvalidParameter,
    PrerequisiteMissing,
    SshDeployFailed,
    SshError,
    ZcpError,
)
from zcp.ops.deploy.classify import Classification
from zcp.ops.deploy.preflight import run_preflight
from zcp.ops.deploy.service import (
    DeployReport,
    _ssh_failure,
    container_work_dir,
    find_runtime,
    local_working_dir,
    read_container_yaml,
    read_local_yaml,
    record,
)

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.state.models import ServiceMeta

__all__ = ["classify_git_push", "git_push_deploy"]

GIT_TOKEN: Final = "GIT_TOKEN"
_UP_TO_DATE: Final = "Everything up-to-date"

_GIT_RULES: Final = (
    (
        re.compile(
            r"authentication failed|could not read (username|password)|permission denied|\b40[13]\b|"
            r"invalid username or password|terminal prompts disabled",
            re.IGNORECASE,
        ),
        FailureClass.CREDENTIAL,
        "the remote refused the credentials",
        "Check the token (GIT_TOKEN in a container, your git credentials locally) can push to the repository.",
    ),
    (
        re.compile(
            r"could not resolve host|connection (refused|timed out|reset)|unable to access|network", re.I
        ),
        FailureClass.NETWORK,
        "the remote could not be reached",
        "Check the remote URL and the network, then push again.",
    ),
    (
        re.compile(r"rejected|non-fast-forward|fetch first", re.IGNORECASE),
        FailureClass.CONFIG,
        "the remote branch has commits the local one does not",
        "Integrate the remote changes first (git pull --rebase on the service), then push again.",
    ),
    (
        re.compile(r"does not appear to be a git repository|repository not found|not found", re.IGNORECASE),
        FailureClass.CONFIG,
        "the remote repository does not exist",
        'Check the URL (zerops_workflow action="git-push-setup" service=… remoteUrl=…).',
    ),
)


def classify_git_push(output: str) -> Classification:
    """Why a ``git push`` failed. Pure."""
    for pattern, category, cause, action in _GIT_RULES:
        found = [line.strip()[:200] for line in output.splitlines() if pattern.search(line)]
        if found:
            return Classification(category, cause, action, tuple(found[:2]))
    return Classification(FailureClass.OTHER, "git push failed", "Read the output in diagnostic.")


def _configured(app: App, host: str) -> ServiceMeta:
    from zcp.ops.workflow.delivery import push_source

    meta = push_source(app.state, host)
    if meta.git_push_state != "configured" or not meta.remote_url:
        setup = ToolCall.of("zerops_workflow", action="git-push-setup", service=meta.hostname)
        raise PrerequisiteMissing(
            f"git push is not set up for {meta.hostname} (state {meta.git_push_state or 'unconfigured'})",
            suggestion=f"Set it up first: {setup.command}.",
            recovery=setup,
        )
    return meta


def _report(target: str, target_id: str, remote: str, branch: str) -> DeployReport:
    return DeployReport(
        status="PUSHED",
        mode="git-push",
        pushed_with=None,
        target_service=target,
        target_service_id=target_id,
        message="",
        remote_url=remote,
        branch=branch,
    )


def _after_push(report: DeployReport, output: str, meta: ServiceMeta) -> None:
    host = report.target_service
    if _UP_TO_DATE in output:
        report.status = "NOTHING_TO_PUSH"
        report.message = (
            f"{host}: {report.branch} on the remote already has every commit; nothing was pushed."
        )
    else:
        report.message = (
            f"{host}: pushed {report.branch} to {report.remote_url}. The build runs on the git side."
        )
    if (meta.build_integration or "none") == "none":
        report.warnings.append(
            "no build integration is set, so nothing builds the pushed code on Zerops: "
            f'zerops_workflow action="build-integration" service="{meta.hostname}"'
        )
    report.next_actions = [
        f'zerops_events serviceHostname="{host}"',
        f'zerops_workflow action="record-deploy" targetService="{host}"',
    ]


async def _token_present(app: App, service_id: str) -> bool:
    platform = app.require_platform()
    try:
        project = {e.key for e in await platform.client.get_project_env(platform.project.id)}
        service = {e.key for e in await platform.client.get_service_env(service_id)}
    except ZcpError:
        return True  # cannot tell: let the push say
    return GIT_TOKEN in project or GIT_TOKEN in service


async def git_push_deploy(
    app: App,
    host: str,
    *,
    remote_url: str | None,
    branch: str | None,
    working_dir: str | None,
    source: str | None = None,
) -> DeployReport:
    """Push the committed code of ``host`` to its git remote (see the module docstring)."""
    from zcp.ops.targets import guard_self, project_services
    from zcp.ops.workflow.delivery import validate_remote_url
    from zcp.ops.workflow.gates import require_managed

    platform = app.require_platform()
    services = await project_services(platform)
    target = find_runtime(services, host, "target")
    if source and source != target.name:
        raise InvalidParameter(
            "a git push runs where the code is: sourceService does not apply",
            suggestion=f'Push {source} itself: zerops_deploy targetService="{source}" strategy="git-push".',
        )
    guard_self(platform, target, "push from")
    await require_managed(app, {target.name})
    meta = await anyio.to_thread.run_sync(_configured, app, target.name)
    wanted = validate_remote_url(remote_url) if remote_url else None
    remote = wanted or meta.remote_url or ""
    role = meta.role_of(target.name)
    if app.in_container:
        work_dir = container_work_dir(working_dir, services)
        from zcp.remote.commands import check_git_name

        report = _report(target.name, target.id, remote, check_git_name(branch) if branch else "main")
        if remote.startswith(("https://", "http://")) and not await _token_present(app, target.id):
            report.status = "GIT_TOKEN_MISSING"
            report.message = f"{target.name} pushes over HTTPS, and no {GIT_TOKEN} variable holds a token for it; nothing was pushed."
            report.next_actions = [
                f'zerops_env action="set" project=true variables=["{GIT_TOKEN}=<token from the user>"]',
                f'zerops_deploy targetService="{target.name}" strategy="git-push"',
            ]
            return report
        try:
            source_yaml = await read_container_yaml(app, target.name, work_dir)
        except SshError as error:
            raise _ssh_failure(error, target.name, classify_git_push(error.message)) from None
        await run_preflight(
            app,
            target=target.name,
            source_yaml=source_yaml,
            requested_setup=None,
            role=role,
            services=services,
            where=f"{work_dir} on {target.name}",
        )
        output = await _container_push(app, target.name, work_dir, wanted, remote, report)
    else:
        folder = local_working_dir(app, working_dir)
        source_yaml = await anyio.to_thread.run_sync(read_local_yaml, folder)
        await run_preflight(
            app,
            target=target.name,
            source_yaml=source_yaml,
            requested_setup=None,
            role=role,
            services=services,
            where=str(folder),
        )
        from zcp.remote.commands import check_git_name

        current = check_git_name(branch) if branch else await _local_branch(folder)
        report = _report(target.name, target.id, remote, current)
        output = await _local_push(app, folder, wanted, remote, report)
    _after_push(report, output, meta)
    state = await record(app, target.name, succeeded=False, setup=None, strategy="git-push")
    report.work_session_state = state.wire()
    return report


async def _container_push(
    app: App, host: str, work_dir: str, wanted: str | None, remote: str, report: DeployReport
) -> str:
    from zcp.remote import commands

    runner = app.remote()
    try:
        if not (await runner.run(host, commands.has_commits(work_dir), timeout=30)).ok:
            raise PrerequisiteMissing(
                f"{work_dir} on {host} has no commit to push",
                suggestion=f"Commit first: ssh {host} \"cd {work_dir} && git add -A && git commit -m 'first commit'\".",
            )
        status = await runner.run(host, commands.git_status(work_dir), timeout=30)
        if status.ok and status.stdout.strip():
            report.warnings.append("uncommitted changes are not pushed (commit them on the service first)")
        origin = await runner.run(host, commands.git_remote_url(work_dir), timeout=30)
        current = origin.stdout.strip() if origin.ok else None
        _check_origin(current, wanted, remote, report)
        if current is None:
            added = await runner.run(host, commands.git_set_remote(work_dir, url=remote), timeout=30)
            if not added.ok:
                raise SshDeployFailed(
                    f"adding the remote on {host} failed: {added.tail(3)}",
                    diagnostic=added.stdout + added.stderr,
                )
        elif current != remote:
            report.remote_url = current
        pushed = await runner.run(
            host, commands.git_push_with_token(work_dir, branch=report.branch or "main"), timeout=300
        )
    except SshError as error:
        raise _ssh_failure(error, host, classify_git_push(error.message)) from None
    output = "\n".join(p.rstrip("\n") for p in (pushed.stdout, pushed.stderr) if p.strip())
    if not pushed.ok:
        raise await _push_failed(app, host, output, pushed.exit_status, SshDeployFailed)
    return output


def _check_origin(current: str | None, wanted: str | None, remote: str, report: DeployReport) -> None:
    if current is not None and wanted is not None and current != wanted:
        raise InvalidParameter(
            f"origin already points at {current}, not {wanted}",
            suggestion="Drop remoteUrl to push to origin, or record the new remote with "
            'zerops_workflow action="git-push-setup" and change origin first.',
        )
    if current is not None and current != remote:
        report.warnings.append(f"origin is {current} (the stored remote is {remote}); pushed to origin")


async def _push_failed(
    app: App, host: str, output: str, status: int, error_cls: type[DeployFailed]
) -> ZcpError:
    classification = classify_git_push(output)
    await record(
        app,
        host,
        succeeded=False,
        setup=None,
        strategy="git-push",
        error=f"git push failed: {classification.likely_cause}",
        failure_class=classification.category.value,
    )
    tail = "\n".join(output.splitlines()[-5:])
    return error_cls(
        f"git push of {host} failed (exit {status}): {classification.likely_cause}"
        + (f"\n{tail}" if tail else ""),
        suggestion=classification.suggested_action,
        diagnostic=output[-20_000:] or None,
        classification=classification.wire(),
    )


async def _git(folder: Path, *args: str) -> tuple[int, str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = await anyio.run_process(["git", "-C", str(folder), *args], env=env, check=False)
    except FileNotFoundError:
        raise PrerequisiteMissing("git is not installed on this machine", suggestion="Install git.") from None
    text = (done.stdout + done.stderr).decode("utf-8", "replace")
    return done.returncode, text


async def _local_branch(folder: Path) -> str:
    code, text = await _git(folder, "rev-parse", "--abbrev-ref", "HEAD")
    name = text.strip()
    return name if code == 0 and name and name != "HEAD" else "main"


async def _local_push(app: App, folder: Path, wanted: str | None, remote: str, report: DeployReport) -> str:
    code, _ = await _git(folder, "rev-parse", "--verify", "HEAD")
    if code != 0:
        raise PrerequisiteMissing(
            f"{folder} is not a git repository with a commit",
            suggestion="Commit the code first (git init, git add -A, git commit), then push.",
        )
    code, text = await _git(folder, "status", "--porcelain")
    if code == 0 and text.strip():
        report.warnings.append("uncommitted changes are not pushed (commit them first)")
    code, text = await _git(folder, "remote", "get-url", "origin")
    current = text.strip() if code == 0 else None
    _check_origin(current, wanted, remote, report)
    if current is None:
        code, text = await _git(folder, "remote", "add", "--", "origin", remote)
        if code != 0:
            raise DeployFailed(f"adding the remote failed: {text.strip()[:300]}", diagnostic=text)
    elif current != remote:
        report.remote_url = current
    branch = report.branch or "main"
    code, output = await _git(folder, "push", "origin", f"HEAD:refs/heads/{branch}")
    if code != 0:
        raise await _push_failed(app, report.target_service, output, code, DeployFailed)
    return output
