"""How a managed runtime's work is delivered: close mode, git push, build integration, and acknowledging
deploys that happened outside zcp (``record-deploy``), plus linking a runtime from a laptop
(``adopt-local``).

State machines (each value written to the service meta):

* close mode ``unset → auto | git-push | manual`` (any of the three afterwards); ``auto`` is refused
  for a ``local-only`` service and ``git-push`` needs a push source (standard, simple, local-stage,
  local-only);
* git push ``unconfigured → configured`` when ``git-push-setup`` gets a remote URL (re-running
  replaces the URL);
* build integration ``none → webhook | actions`` once git push is configured; any → ``none``.

Output order is deterministic (sorted hostnames) — the original followed map order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import anyio.to_thread

from zcp.calls import ToolCall
from zcp.errors import InvalidParameter, PrerequisiteMissing, ServiceNotFound
from zcp.state.models import ServiceMeta

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.ops.workflow.live import LiveProject
    from zcp.state.store import StateStore

__all__ = [
    "CLOSE_MODES",
    "PUSH_SOURCES",
    "ActionsWorkflow",
    "CloseModeChange",
    "IntegrationChange",
    "adopt_local",
    "close_mode_list",
    "push_source",
    "record_deploy",
    "reevaluate_auto_close",
    "set_build_integration",
    "set_close_modes",
    "set_git_push",
    "validate_remote_url",
    "workflow_file",
]

CLOSE_MODES = ("auto", "git-push", "manual")
PUSH_SOURCES = frozenset({"standard", "simple", "local-stage", "local-only"})
INTEGRATIONS = ("none", "webhook", "actions")
WORKFLOW_PATH = ".github/workflows/zerops.yml"

_SCP = re.compile(r"^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:[^/\s][^\s]*$")
_URI = re.compile(r"^(https?|ssh|git|file)://[^\s]+$")
_IN_FLIGHT = frozenset(
    {"UPLOADING", "WAITING_TO_BUILD", "BUILDING", "WAITING_TO_DEPLOY", "DEPLOYING", "PREPARING_RUNTIME"}
)


def _complete_meta(store: StateStore, host: str) -> ServiceMeta:
    meta = store.meta(host)
    if meta is None or not meta.complete:
        names = sorted(m.hostname for m in store.list_metas() if m.complete)
        raise ServiceNotFound(
            f"{host} is not a runtime zcp manages",
            suggestion=f"Managed runtimes: {', '.join(names) or '(none)'}. Adopt others with "
            'zerops_workflow action="start" workflow="bootstrap" route="adopt".',
            details={"available": names},
        )
    return meta


# --- close mode -----------------------------------------------------------------------------------


def close_mode_list(store: StateStore) -> list[dict[str, Any]]:
    """Every managed runtime with its close mode and the options."""
    rows = []
    for meta in store.list_metas():
        if not meta.complete:
            continue
        options = [m for m in CLOSE_MODES if _close_mode_problem(meta, m) is None]
        rows.append(
            {
                "hostname": meta.hostname,
                "mode": meta.mode,
                "current": meta.close_deploy_mode or "unset",
                "confirmed": bool(meta.close_deploy_mode_confirmed),
                "options": options,
                "gitPushState": meta.git_push_state or "unconfigured",
                "buildIntegration": meta.build_integration or "none",
            }
        )
    return rows


def _close_mode_problem(meta: ServiceMeta, value: str) -> str | None:
    if value == "auto" and meta.mode == "local-only":
        return (
            f"{meta.hostname} is local-only: there is no Zerops service to deploy to directly "
            '(link one with zerops_workflow action="adopt-local" targetService="<runtime hostname>")'
        )
    if value == "git-push" and (meta.mode or "dev") not in PUSH_SOURCES:
        return (
            f"{meta.hostname} is a lone dev service; git-push needs a push source (a standard pair or a "
            "simple service): add a stage half with a bootstrap plan (isExisting: true, bootstrapMode standard)"
        )
    return None


@dataclass(frozen=True)
class CloseModeChange:
    updated: tuple[tuple[str, str], ...]
    unchanged: tuple[str, ...]
    next_steps: tuple[ToolCall, ...]


def set_close_modes(store: StateStore, changes: dict[str, str]) -> CloseModeChange:
    """Set close modes (``{hostname: mode}``); every value is checked before anything is written."""
    if not changes:
        raise InvalidParameter("closeMode is empty", suggestion='Send closeMode={"<hostname>": "auto"}.')
    planned: list[tuple[ServiceMeta, str]] = []
    problems = []
    for host in sorted(changes):
        value = changes[host]
        if value not in CLOSE_MODES:
            problems.append(f"{host}: {value!r} is not a close mode (auto, git-push or manual)")
            continue
        meta = _complete_meta(store, host)
        problem = _close_mode_problem(meta, value)
        if problem:
            problems.append(problem)
        planned.append((meta, value))
    if problems:
        raise InvalidParameter("; ".join(problems), suggestion="Fix the named values; nothing was changed.")
    updated, unchanged, steps = [], [], []
    for meta, value in planned:
        if meta.close_deploy_mode == value and meta.close_deploy_mode_confirmed:
            unchanged.append(meta.hostname)
            continue
        meta.close_deploy_mode = value  # type: ignore[assignment]
        meta.close_deploy_mode_confirmed = True
        store.write_meta(meta)
        updated.append((meta.hostname, value))
        if value == "git-push" and meta.git_push_state != "configured":
            steps.append(ToolCall.of("zerops_workflow", action="git-push-setup", service=meta.hostname))
    return CloseModeChange(tuple(updated), tuple(unchanged), tuple(steps))


# --- git push -------------------------------------------------------------------------------------


def validate_remote_url(url: str) -> str:
    """A git remote in scp form (``git@github.com:org/repo.git``) or as a URL; anything else is refused."""
    text = url.strip()
    if not (_SCP.fullmatch(text) or _URI.fullmatch(text)):
        raise InvalidParameter(
            f"{text!r} is not a git remote URL",
            suggestion="Use https://github.com/<owner>/<repo>.git or git@github.com:<owner>/<repo>.git.",
        )
    if "://" in text and urlsplit(text).password:
        raise InvalidParameter(
            "the remote URL carries a password or token",
            suggestion="Give the URL without credentials; the token lives in the GIT_TOKEN project env var.",
        )
    return text


def push_source(store: StateStore, host: str) -> ServiceMeta:
    """The meta of a host that can push (refusing stage halves and lone dev services)."""
    meta = _complete_meta(store, host)
    if meta.stage_hostname == host:
        raise InvalidParameter(
            f"{host} is the stage half of {meta.hostname}; git push is set up on the dev half",
            suggestion=f'Use service="{meta.hostname}".',
        )
    if (meta.mode or "dev") not in PUSH_SOURCES:
        problem = _close_mode_problem(meta, "git-push")
        raise InvalidParameter(problem or f"{host} cannot push", suggestion="Add a stage half first.")
    return meta


def set_git_push(store: StateStore, host: str, remote_url: str) -> ServiceMeta:
    """Record the remote: git push is configured."""
    url = validate_remote_url(remote_url)
    meta = push_source(store, host)
    meta.git_push_state = "configured"
    meta.remote_url = url
    store.write_meta(meta)
    return meta


# --- build integration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionsWorkflow:
    """The GitHub Actions workflow file and the secrets it needs."""

    path: str
    content: str
    secrets: tuple[dict[str, str], ...]
    warnings: tuple[str, ...] = ()


def _repo_slug(remote_url: str | None) -> str | None:
    if not remote_url:
        return None
    match = re.search(r"github\.com[:/]([^/\s]+)/([^/\s]+?)(?:\.git)?/?$", remote_url)
    return f"{match.group(1)}/{match.group(2)}" if match else None


def workflow_file(
    meta: ServiceMeta, service_id: str | None, *, in_container: bool, branch: str = "main"
) -> ActionsWorkflow:
    """The workflow that deploys every push of ``branch`` with ``zcli push`` (the token is a secret)."""
    target = meta.push_target
    setup = "prod" if meta.stage_hostname or meta.mode == "simple" else target
    content = "\n".join(
        [
            f"# Deploys every push to {branch} to the Zerops service {target} (written by zcp).",
            "name: Deploy to Zerops",
            "on:",
            "  push:",
            f"    branches: [{branch}]",
            "jobs:",
            "  deploy:",
            "    runs-on: ubuntu-latest",
            "    steps:",
            "      - uses: actions/checkout@v4",
            "      - name: Install zcli",
            "        run: npm i -g @zerops/zcli",
            "      - name: Push to Zerops",
            "        env:",
            "          ZEROPS_TOKEN: ${{ secrets.ZEROPS_TOKEN }}",
            "        run: |",
            '          zcli login "$ZEROPS_TOKEN"',
            f'          zcli push --service-id "${{{{ secrets.ZEROPS_SERVICE_ID }}}}" --setup {setup}',
            "",
        ]
    )
    repo = _repo_slug(meta.remote_url)
    flag = f" -R {repo}" if repo else ""
    token_command = (
        f"printenv ZCP_API_KEY | gh secret set ZEROPS_TOKEN{flag}"
        if in_container
        else f"gh secret set ZEROPS_TOKEN{flag}   # paste a Zerops access token when asked"
    )
    secrets = [
        {"name": "ZEROPS_TOKEN", "command": token_command, "source": "a Zerops personal access token"},
        {
            "name": "ZEROPS_SERVICE_ID",
            "command": f"gh secret set ZEROPS_SERVICE_ID{flag} --body {service_id or '<service id of ' + target + '>'}",
            "source": f"the id of {target}",
        },
    ]
    warnings = []
    if repo is None:
        warnings.append("the remote is not a GitHub repository URL: add -R <owner>/<repo> to the gh commands")
    if service_id is None:
        warnings.append(
            f'the id of {target} could not be read: take it from zerops_discover service="{target}"'
        )
    return ActionsWorkflow(WORKFLOW_PATH, content, tuple(secrets), tuple(warnings))


@dataclass(frozen=True)
class IntegrationChange:
    status: Literal["configured", "noop", "needs-git-push-setup"]
    meta: ServiceMeta
    actions: ActionsWorkflow | None = None
    dashboard: dict[str, Any] = field(default_factory=dict)


def set_build_integration(
    store: StateStore,
    host: str,
    integration: str,
    *,
    service_ids: Mapping[str, str],
    project_id: str,
    in_container: bool,
) -> IntegrationChange:
    """Record what builds the service after a push; ``actions`` returns the workflow file to write.

    ``service_ids``: the live services' ids by hostname (the push target's is used).
    """
    if integration not in INTEGRATIONS:
        raise InvalidParameter(
            f"{integration!r} is not a build integration", suggestion="Use none, webhook or actions."
        )
    meta = push_source(store, host)
    service_id = service_ids.get(meta.push_target)
    if integration != "none" and meta.git_push_state != "configured":
        return IntegrationChange(status="needs-git-push-setup", meta=meta)
    if meta.build_integration == integration:
        return IntegrationChange(status="noop", meta=meta)
    meta.build_integration = integration  # type: ignore[assignment]
    store.write_meta(meta)
    if integration == "actions":
        return IntegrationChange(
            "configured", meta, workflow_file(meta, service_id, in_container=in_container)
        )
    if integration == "webhook":
        target = meta.push_target
        url = (
            f"https://app.zerops.io/project/{project_id}/service-stack/{service_id}/service-stack-source-code"
            if service_id
            else None
        )
        steps = [
            f"Open {target} in the Zerops dashboard → Pipelines & CI/CD settings"
            + (f" ({url})" if url else ""),
            "Connect the GitHub or GitLab repository (the dashboard asks for repository access).",
            "Choose the trigger: push to branch (or new tag), and the branch.",
            "Push a commit; the build shows in zerops_events.",
        ]
        return IntegrationChange("configured", meta, dashboard={"dashboardUrl": url, "dashboardSteps": steps})
    return IntegrationChange("configured", meta)


# --- record-deploy and adopt-local ------------------------------------------------------------------


async def record_deploy(app: App, live: LiveProject, host: str) -> dict[str, Any]:
    """Acknowledge a deploy that ran outside zcp (a git push built by a webhook or Actions).

    Gate: the newest build of the service must be ``ACTIVE``; then ``firstDeployedAt`` is stamped
    (once) and a successful deploy attempt is recorded in the work session.
    """
    from zcp.ops.deploy import journal
    from zcp.ops.workflow.develop import record_deploy_attempt

    platform = app.require_platform()
    service = live.require_service(host)
    versions = [
        v
        for v in await platform.client.search_app_versions(platform.project.id, limit=20)
        if v.service_stack_id == service.service_id and v.source != "NONE" and not v.is_start_without_code
    ]
    newest = max(versions, key=lambda v: (v.sequence, v.created or ""), default=None)
    if newest is None or newest.status.upper() != "ACTIVE":
        found = "no build yet" if newest is None else f"the newest build is {newest.status}"
        wait = newest is not None and newest.status.upper() in _IN_FLIGHT
        raise PrerequisiteMissing(
            f"{host}: {found}; only a finished (ACTIVE) build can be recorded",
            suggestion=(
                f'Wait for it (zerops_events serviceHostname="{host}"), then record again.'
                if wait
                else f'Push again, or read why it failed: zerops_logs serviceHostname="{host}" source="build".'
            ),
            recovery=ToolCall.of("zerops_events", serviceHostname=host),
        )
    meta = await anyio.to_thread.run_sync(app.state.meta, host)
    stamped = bool(meta and meta.complete and not meta.first_deployed_at)
    state = await record_deploy_attempt(app, host, succeeded=True, strategy="record-deploy")
    await journal.forget(app, host)  # the push that timed out is settled now; never record it twice
    after = await anyio.to_thread.run_sync(app.state.meta, host)
    return {
        "hostname": host,
        "appVersionId": newest.id,
        "stamped": stamped,
        "firstDeployedAt": after.first_deployed_at if after else None,
        "note": None if meta else f"{host} is not managed by zcp; only the work session was updated",
        "workSessionState": state.wire(),
    }


def adopt_local(store: StateStore, live: LiveProject, host: str, *, in_container: bool) -> ServiceMeta:
    """Link a runtime to the local working directory (mode ``local-stage``)."""
    from zcp.axes import RuntimeClass, runtime_class_for
    from zcp.state.models import format_time

    if in_container:
        raise InvalidParameter(
            "adopt-local links a runtime to a laptop's working directory; zcp runs inside the project here",
            suggestion='Adopt runtimes with zerops_workflow action="start" workflow="bootstrap" route="adopt".',
        )
    service = live.require_service(host)
    kind = runtime_class_for(service.type_version)
    if kind in (RuntimeClass.MANAGED, RuntimeClass.UNKNOWN):
        raise InvalidParameter(
            f"{host} is not a runtime ({service.type_version})", suggestion="Link a runtime service."
        )
    meta = store.meta(host)
    if meta is not None and meta.mode == "local-stage" and meta.complete:
        raise InvalidParameter(
            f"{host} is already linked (local-stage)", suggestion="Start a develop session on it."
        )
    now = store.clock.now()
    linked = ServiceMeta(
        hostname=host,
        mode="local-stage",
        close_deploy_mode="unset",
        git_push_state=(meta.git_push_state if meta else None) or "unconfigured",
        remote_url=meta.remote_url if meta else None,
        build_integration=(meta.build_integration if meta else None) or "none",
        bootstrapped_at=format_time(now)[:10],
        first_deployed_at=format_time(now) if service.status == "ACTIVE" else None,
    )
    store.write_meta(linked)
    return linked


def reevaluate_auto_close(store: StateStore) -> None:
    """After a close-mode change, a session whose services are all green may close itself now."""
    from zcp.ops.workflow.develop import _WRITES, auto_close_progress

    with _WRITES:
        session = store.work_session()
        if session is None or session.closed:
            return
        progress = auto_close_progress(session, store.list_metas())
        if progress.enabled and not progress.pending and progress.total:
            session.closed_at = session.last_activity_at = store.now_text()
            session.close_reason = "auto-complete"
            store.write_work_session(session)
