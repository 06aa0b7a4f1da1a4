"""Import into the sandbox: per-field validation, all-or-nothing, services coming up, export round trips."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from tests.plugins.sandbox import SandboxHandle
from zcp.errors import InvalidImportYaml
from zcp.platform import PollSchedule, ProcessPoller, ZeropsClient

pytestmark = pytest.mark.anyio


def snapshot(sandbox: SandboxHandle) -> tuple[int, int, int, list[str]]:
    state = sandbox.sandbox.state
    return (
        len(state.services),
        len(state.processes),
        len(state.app_versions),
        sorted(s.name for s in state.services.values()),
    )


async def rejected(client: ZeropsClient, sandbox: SandboxHandle, text: str) -> InvalidImportYaml:
    before = snapshot(sandbox)
    with pytest.raises(InvalidImportYaml) as caught:
        await client.import_services(sandbox.project().id, text)
    assert snapshot(sandbox) == before, "a rejected import must change nothing"
    return caught.value


def fields(error: InvalidImportYaml) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in error.api_meta or []:
        for key, values in item["metadata"].items():
            found.setdefault(key, []).extend(values)
    return found


async def finish(
    client: ZeropsClient, sandbox: SandboxHandle, processes: Iterator[object] | list[object]
) -> None:
    poller = ProcessPoller(client, PollSchedule(interval=1, max_interval=1), clock=sandbox.poll_clock)
    for process in processes:
        await poller.wait(process)  # type: ignore[arg-type]


@pytest.mark.sandbox(seed="standard")
async def test_malformed_yaml_is_rejected_with_the_parser_reason(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    error = await rejected(platform_client, sandbox, "services:\n  - hostname: [unclosed\n")
    assert error.api_code == "projectImportInvalidYaml"
    assert "reason" in fields(error)


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "project:\n  name: x\nservices:\n  - hostname: a\n    type: nodejs@22\n",
            "projectImportProjectIncluded",
        ),
        ("services: []\n", "projectImportInvalidConfigStructure"),
        ("services: nope\n", "projectImportInvalidConfigStructure"),
        ("- just\n- a list\n", "projectImportInvalidConfigStructure"),
    ],
)
async def test_structural_problems_are_rejected(
    platform_client: ZeropsClient, sandbox: SandboxHandle, text: str, code: str
) -> None:
    assert (await rejected(platform_client, sandbox, text)).api_code == code


@pytest.mark.sandbox(seed="standard")
async def test_every_field_problem_is_reported_at_once_and_nothing_is_created(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    text = """\
services:
  - hostname: good
    type: nodejs@22
  - hostname: Bad_Name
    type: nodejs@22
  - hostname: api
    type: nodejs@99
  - hostname: cache
    type: valkey@7.2
    mode: WEIRD
  - hostname: bucket
    type: object-storage
    mode: NON_HA
  - hostname: web
    type: nodejs@22
    maxContainers: 20
    verticalAutoscaling:
      minRam: 100
  - hostname: db
    type: postgresql@16
    mode: NON_HA
  - hostname: queue
    type: nats@2.12
  - hostname: typo
    type: nodejs@22
    hostnme: x
"""
    error = await rejected(platform_client, sandbox, text)
    reported = fields(error)
    assert reported["Bad_Name.hostname"]
    assert reported["serviceStackTypeVersion"] == ["nodejs@99"]
    assert reported["cache.mode"] == ["Allowed values: [HA, NON_HA], WEIRD given."]
    assert reported["bucket.mode"] == ["mode not supported"]
    assert reported["web.maxContainers"] == ["must be a whole number between 1 and 10"]
    assert reported["web.verticalAutoscaling.minRam"]
    assert reported["db.hostname"] == ["db already exists in the project"]
    assert reported["parameter"] == ["queue.mode"]
    assert reported["typo.hostnme"] == ["unknown field"]
    assert "good.hostname" not in reported
    assert {item["code"] for item in error.api_meta or []} >= {
        "serviceStackNameInvalid",
        "serviceStackTypeNotFound",
        "projectImportInvalidParameter",
        "serviceStackNameUnavailable",
        "projectImportMissingParameter",
    }


@pytest.mark.sandbox(seed="empty")
async def test_duplicate_hostnames_and_bad_mounts_are_rejected(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    text = (
        "services:\n"
        "  - hostname: app\n    type: nodejs@22\n    mount: [db]\n"
        "  - hostname: app\n    type: nodejs@22\n"
        "  - hostname: db\n    type: postgresql@16\n    mode: NON_HA\n"
    )
    reported = fields(await rejected(platform_client, sandbox, text))
    assert reported["app.hostname"] == ["duplicate hostname in this import"]
    assert reported["app.mount"] == ["db is not a shared storage"]


@pytest.mark.sandbox(seed="empty")
async def test_imported_services_come_up_with_secrets_mounts_and_a_start_without_code_record(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    text = """\
services:
  - hostname: files
    type: shared-storage
  - hostname: app
    type: nodejs@22
    startWithoutCode: true
    enableSubdomainAccess: true
    minContainers: 1
    maxContainers: 3
    mount: [files]
    envSecrets:
      APP_SECRET: abc
    dotEnvSecrets: |
      FROM_DOTENV="quoted value"
    envVariables:
      DROPPED: yes
  - hostname: db
    type: postgresql@16
    mode: HA
    priority: 10
"""
    result = await platform_client.import_services(sandbox.project().id, text)
    assert [s.name for s in result.service_stacks] == ["db", "files", "app"]
    await finish(platform_client, sandbox, [p for s in result.service_stacks for p in s.processes])
    app, db, files = sandbox.service("app"), sandbox.service("db"), sandbox.service("files")
    assert (app.status, db.status, db.mode, files.status) == ("ACTIVE", "ACTIVE", "HA", "ACTIVE")
    env = {v.key: (v.content, v.type) for v in app.env}
    assert env["APP_SECRET"] == ("abc", "SECRET")
    assert env["FROM_DOTENV"] == ("quoted value", "SECRET")
    assert "DROPPED" not in env
    assert app.mounts == {files.id}
    assert app.subdomain_requested and not app.subdomain_access
    assert {v.key for v in db.env} >= {"hostname", "port", "user", "password", "connectionString"}
    versions = [v for v in sandbox.sandbox.state.app_versions.values() if v.service_id == app.id]
    assert [(v.source, v.status, v.build) for v in versions] == [("NONE", "ACTIVE", None)]


@pytest.mark.sandbox(seed="empty")
async def test_higher_priority_services_finish_first(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    text = "services:\n  - hostname: app\n    type: nodejs@22\n  - hostname: db\n    type: postgresql@16\n    mode: NON_HA\n    priority: 5\n"
    await platform_client.import_services(sandbox.project().id, text)
    sandbox.advance(7)
    assert (sandbox.service("db").status, sandbox.service("app").status) == ("ACTIVE", "CREATING")


@pytest.mark.sandbox(seed="standard")
async def test_override_reimports_an_existing_service_instead_of_duplicating_it(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    db_id = sandbox.service("db").id
    text = "services:\n  - hostname: db\n    type: postgresql@16\n    mode: NON_HA\n    override: true\n"
    result = await platform_client.import_services(sandbox.project().id, text)
    assert result.service_stacks[0].id == db_id
    assert [s.name for s in sandbox.sandbox.project_services(sandbox.project().id)].count("db") == 1


@pytest.mark.sandbox(seed="empty")
async def test_a_service_the_platform_cannot_create_comes_back_as_a_per_service_error(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    sandbox.sandbox.state.import_failures["cache"] = (
        "projectImportUnableToCreateServiceStack",
        "No capacity.",
    )
    text = "services:\n  - hostname: app\n    type: nodejs@22\n  - hostname: cache\n    type: valkey@7.2\n    mode: NON_HA\n"
    result = await platform_client.import_services(sandbox.project().id, text)
    by_name = {s.name: s for s in result.service_stacks}
    assert by_name["cache"].error is not None
    assert by_name["cache"].error.code == "projectImportUnableToCreateServiceStack"
    assert by_name["cache"].processes == []
    assert by_name["app"].error is None
    assert [s.name for s in sandbox.sandbox.project_services(sandbox.project().id)] == ["app"]


@pytest.mark.sandbox(seed="standard")
async def test_an_exported_project_imports_into_an_empty_one_with_the_same_services(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    exported = yaml.safe_load(await platform_client.export_project(sandbox.project().id))
    assert exported["project"]["name"] == "demo"
    services_only = yaml.safe_dump({"services": exported["services"]}, sort_keys=False)
    sandbox.sandbox.reset("empty")
    result = await platform_client.import_services(sandbox.project().id, services_only)
    await finish(platform_client, sandbox, [p for s in result.service_stacks for p in s.processes])
    reexported = yaml.safe_load(await platform_client.export_project(sandbox.project().id))
    assert [s["hostname"] for s in reexported["services"]] == ["db", "appdev", "appstage"]
    assert reexported["services"][1]["envSecrets"] == exported["services"][1]["envSecrets"]


@pytest.mark.sandbox(seed="standard")
async def test_a_read_only_token_cannot_import(sandbox: SandboxHandle) -> None:
    import httpx

    from zcp.errors import PermissionDenied

    async with httpx.AsyncClient() as http:
        client = sandbox.client(http, token=sandbox.read_only_token)
        with pytest.raises(PermissionDenied):
            await client.import_services(
                sandbox.project().id, "services:\n  - hostname: x\n    type: nodejs@22\n"
            )
