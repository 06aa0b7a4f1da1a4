"""zcp's native push against the sandbox: the zcli sequence, setup choice, failures, rollback."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import httpx
import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.errors import DeployFailed, InvalidParameter, InvalidZeropsYaml, NotFoundError
from zcp.ops.archive import ArchiveOptions
from zcp.ops.push import PushRequest, Stage, choose_setup, push
from zcp.platform.client import ZeropsClient
from zcp.platform.polling import PollSchedule, ProcessPoller
from zcp.platform.push import upload_archive

pytestmark = pytest.mark.anyio

YAML = """\
zerops:
  - setup: appdev
    build:
      base: nodejs@22
      buildCommands: [npm ci]
      deployFiles: ./
    run:
      base: nodejs@22
      ports:
        - port: 3000
          httpSupport: true
      start: node server.js
  - setup: prod
    build:
      base: nodejs@22
      deployFiles: ./
    run:
      start: node server.js
"""


def _app(root: Path, yaml: str = YAML) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "zerops.yaml").write_text(yaml)
    (root / "server.js").write_text("require('http').createServer().listen(3000)\n")
    (root / "blob.bin").write_bytes(os.urandom(300_000))
    return root


async def _wait(client: ZeropsClient, sandbox: SandboxHandle, process_id: str) -> str:
    poller = ProcessPoller(
        client,
        schedule=PollSchedule(interval=1, max_interval=1),
        clock=sandbox.poll_clock,
    )
    result = await poller.wait(await client.get_process(process_id))
    return result.process.status


@pytest.mark.sandbox(seed="standard")
async def test_a_folder_is_pushed_the_way_zcli_does_and_builds(
    platform_client: ZeropsClient, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    stages: list[Stage] = []

    async def on_stage(stage: Stage) -> None:
        stages.append(stage)

    service = sandbox.service("appdev")
    result = await push(platform_client, PushRequest(service.id, _app(tmp_path / "app")), on_stage=on_stage)
    assert stages == ["validating", "creating", "uploading", "deploying"]
    assert result.setup == "appdev"
    assert result.process.action_name == "stack.build"
    assert [sandbox.hits(r) for r in ("validate_zerops_yaml", "create_app_version", "upload_archive")] == [
        1,
        1,
        1,
    ]
    record = sandbox.sandbox.state.app_versions[result.app_version.id]
    assert record.upload_size == result.archive.bytes_out > 300_000
    assert (record.source, record.user_id) == ("CLI", sandbox.sandbox.grant_for(sandbox.token).user_id)  # type: ignore[union-attr]
    assert await _wait(platform_client, sandbox, result.process.id) == "FINISHED"
    versions = await platform_client.search_service_app_versions(service.id)
    assert versions[0].id == result.app_version.id
    assert versions[0].status == "ACTIVE"
    assert {v.service_stack_id for v in versions} == {service.id}


@pytest.mark.sandbox(seed="standard")
async def test_git_mode_needs_a_commit_before_anything_is_created(
    platform_client: ZeropsClient, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    from zcp.errors import PrerequisiteMissing

    request = PushRequest(
        sandbox.service("appdev").id, _app(tmp_path / "app"), archive=ArchiveOptions(source="git")
    )
    with pytest.raises(PrerequisiteMissing):
        await push(platform_client, request)
    assert sandbox.hits("create_app_version") == 0


@pytest.mark.sandbox(seed="standard")
async def test_an_invalid_zerops_yaml_stops_before_an_app_version_exists(
    platform_client: ZeropsClient, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    broken = YAML.replace("      deployFiles: ./\n", "", 1)
    with pytest.raises(InvalidZeropsYaml) as error:
        await push(platform_client, PushRequest(sandbox.service("appdev").id, _app(tmp_path / "app", broken)))
    assert error.value.api_code == "zeropsYamlInvalidParameter"
    assert sandbox.hits("create_app_version") == 0


@pytest.mark.sandbox(seed="standard")
async def test_a_folder_without_zerops_yaml_is_not_found(
    platform_client: ZeropsClient, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotFoundError) as error:
        await push(platform_client, PushRequest(sandbox.service("appdev").id, tmp_path / "empty"))
    assert error.value.code == "FILE_NOT_FOUND"


@pytest.mark.sandbox(seed="standard")
async def test_a_refused_upload_is_a_deploy_failure(
    platform_client: ZeropsClient, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    sandbox.fault("upload_archive", status=500)
    with pytest.raises(DeployFailed) as error:
        await push(platform_client, PushRequest(sandbox.service("appdev").id, _app(tmp_path / "app")))
    assert error.value.code == "DEPLOY_FAILED"
    assert sandbox.hits("build_and_deploy") == 0


def test_the_setup_is_explicit_else_the_hostname_else_the_only_one() -> None:
    assert choose_setup(["appdev", "prod"], requested="prod", hostname="appdev") == "prod"
    assert choose_setup(["appdev", "prod"], requested=None, hostname="appdev") == "appdev"
    assert choose_setup(["web"], requested=None, hostname="appdev") == "web"
    with pytest.raises(InvalidParameter) as ambiguous:
        choose_setup(["dev", "prod"], requested=None, hostname="appdev")
    assert ambiguous.value.details == {"available": ["dev", "prod"]}
    with pytest.raises(InvalidParameter):
        choose_setup(["dev"], requested="stage", hostname="appdev")


async def test_the_upload_carries_no_credentials_and_streams_a_gzip_tar(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    bodies: list[bytes] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        bodies.append(b"".join([chunk async for chunk in request.stream]))  # type: ignore[union-attr]
        return httpx.Response(200, json={})

    from zcp.ops.archive import stream_archive

    root = _app(tmp_path / "app")
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        await upload_archive(http, "https://upload.example/v1/abc", stream_archive(root), timeout=5)
    assert "authorization" not in seen[0].headers
    assert seen[0].headers["content-type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(bodies[0]), mode="r:gz") as tar:
        assert "zerops.yaml" in tar.getnames()


async def test_an_upload_url_that_is_not_http_is_refused() -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(DeployFailed):
            await upload_archive(http, "file:///etc/passwd", b"", timeout=5)


@pytest.mark.sandbox(seed="standard")
async def test_an_earlier_version_is_deployed_again_without_a_build(
    platform_client: ZeropsClient, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    service = sandbox.service("appdev")
    first = await push(platform_client, PushRequest(service.id, _app(tmp_path / "one")))
    await _wait(platform_client, sandbox, first.process.id)
    second = await push(platform_client, PushRequest(service.id, _app(tmp_path / "two")))
    await _wait(platform_client, sandbox, second.process.id)
    builds_before = sandbox.hits("build_and_deploy")
    process = await platform_client.deploy_app_version(first.app_version.id)
    assert await _wait(platform_client, sandbox, process.id) == "FINISHED"
    versions = {v.id: v.status for v in await platform_client.search_service_app_versions(service.id)}
    assert (versions[first.app_version.id], versions[second.app_version.id]) == ("ACTIVE", "BACKUP")
    assert sandbox.hits("build_and_deploy") == builds_before
