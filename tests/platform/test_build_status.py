"""Deploy status from app versions, and the BuildPoller following a sandbox build to its end."""

from __future__ import annotations

import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.platform import BuildPoller, PollSchedule, ZeropsClient, build_status, latest_build
from zcp.platform.models import AppVersion, AppVersionBuild
from zcp.sandbox import builds

pytestmark = pytest.mark.anyio

YAML = """\
zerops:
  - setup: appdev
    build:
      base: nodejs@22
      buildCommands: [npm ci]
      deployFiles: ./
    run:
      ports: [{port: 3000, httpSupport: true}]
      start: node server.js
"""


def version(
    vid: str,
    sequence: int,
    status: str,
    *,
    service: str = "svc",
    source: str = "CLI",
    build: AppVersionBuild | None = None,
) -> AppVersion:
    return AppVersion(
        id=vid,
        service_stack_id=service,
        sequence=sequence,
        status=status,
        source=source,
        build=build
        if build is not None or source == "NONE"
        else AppVersionBuild(pipeline_start="2025-06-02T08:00:00Z"),
    )


def test_the_newest_real_deploy_of_the_service_is_chosen() -> None:
    versions = [
        version("old", 1, "BACKUP"),
        version("placeholder", 3, "ACTIVE", source="NONE"),
        version("new", 2, "BUILDING"),
        version("other", 9, "ACTIVE", service="elsewhere"),
    ]
    chosen = latest_build(versions, "svc")
    assert chosen is not None
    assert chosen.id == "new"


def test_deploys_older_than_a_known_sequence_are_ignored() -> None:
    assert latest_build([version("a", 4, "ACTIVE")], "svc", after_sequence=4) is None


@pytest.mark.parametrize(
    ("status", "state", "phase"),
    [
        ("UPLOADING", "in_progress", None),
        ("WAITING_TO_BUILD", "in_progress", None),
        ("BUILDING", "in_progress", None),
        ("PREPARING_RUNTIME", "in_progress", None),
        ("WAITING_TO_DEPLOY", "in_progress", None),
        ("DEPLOYING", "in_progress", None),
        ("ACTIVE", "deployed", None),
        ("BUILD_FAILED", "failed", "build"),
        ("PREPARING_RUNTIME_FAILED", "failed", "prepare"),
        ("DEPLOY_FAILED", "failed", "init"),
        ("CANCELLED", "failed", "other"),
    ],
)
def test_each_app_version_status_classifies_the_deploy(status: str, state: str, phase: str | None) -> None:
    result = build_status(version("v", 1, status))
    assert (result.state, result.failure_phase) == (state, phase)


def test_a_recorded_pipeline_failure_ends_the_deploy_even_mid_pipeline() -> None:
    failed = AppVersionBuild(pipeline_start="2025-06-02T08:00:00Z", pipeline_failed="2025-06-02T08:00:21.5Z")
    result = build_status(version("v", 1, "BUILDING", build=failed))
    assert (result.state, result.failure_phase, result.duration) == ("failed", "build", 21.5)


def test_no_deploy_yet_is_pending() -> None:
    assert build_status(None).state == "pending"


def test_duration_spans_pipeline_start_to_finish_and_the_log_tag_names_the_version() -> None:
    finished = AppVersionBuild(
        pipeline_start="2025-06-02T08:10:00.4407Z", pipeline_finish="2025-06-02T08:11:02.1Z"
    )
    result = build_status(version("av1", 1, "ACTIVE", build=finished))
    assert result.duration == pytest.approx(61.6593)
    assert result.build_log_tag == "zbuilder@av1"


def _poller(client: ZeropsClient, sandbox: SandboxHandle) -> BuildPoller:
    return BuildPoller(
        client,
        PollSchedule(interval=1, max_interval=5, timeout=900),
        clock=sandbox.poll_clock,
    )


@pytest.mark.sandbox(seed="empty")
async def test_a_successful_sandbox_build_is_followed_to_deployed(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    project = sandbox.project()
    await platform_client.import_services(
        project.id, "services:\n  - hostname: appdev\n    type: nodejs@22\n"
    )
    sandbox.advance(30)
    appdev = sandbox.service("appdev")
    with sandbox.sandbox.lock:
        builds.deploy(sandbox.sandbox, sandbox.sandbox.state.grants[sandbox.token], appdev, YAML)
    result = await _poller(platform_client, sandbox).wait(project.id, appdev.id)
    assert result.status.state == "deployed"
    assert result.status.duration == pytest.approx(8.0)
    service = await platform_client.get_service(appdev.id)
    assert service.status == "ACTIVE"
    assert [p.port for p in service.ports] == [3000]


@pytest.mark.sandbox(seed="failed_build")
async def test_a_failed_build_reports_the_build_phase_and_its_logs_are_tagged(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    from zcp.platform import LogQuery

    project = sandbox.project()
    result = await _poller(platform_client, sandbox).wait(project.id, sandbox.service("appdev").id)
    assert (result.status.state, result.status.failure_phase) == ("failed", "build")
    version_ = result.status.app_version
    assert version_ is not None
    assert version_.build is not None
    assert version_.build.service_stack_id is not None
    tag = result.status.build_log_tag
    assert tag is not None
    logs = await platform_client.fetch_logs(
        project.id, LogQuery(service_id=version_.build.service_stack_id, tags=(tag,), severity="error")
    )
    assert [entry.message for entry in logs] == ["npm error code ERESOLVE", "Command failed with exit code 1"]


@pytest.mark.sandbox(seed="standard")
async def test_the_build_poller_times_out_on_a_deploy_that_never_starts(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    poller = BuildPoller(
        platform_client,
        PollSchedule(interval=1, max_interval=1, timeout=3),
        clock=sandbox.poll_clock,
    )
    appdev = sandbox.service("appdev")
    newest = max(v.sequence for v in sandbox.sandbox.state.app_versions.values() if v.service_id == appdev.id)
    result = await poller.wait(sandbox.project().id, appdev.id, after_sequence=newest)
    assert result.timed_out
    assert result.status.state == "pending"
