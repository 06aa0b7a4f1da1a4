"""Every ZeropsClient method against the sandbox: what it sends is understood, what comes back decodes."""

from __future__ import annotations

import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.errors import (
    InvalidImportYaml,
    InvalidParameter,
    InvalidZeropsYaml,
    ProcessAlreadyTerminal,
    ProcessNotFound,
    ServiceNotFound,
)
from zcp.platform import LogQuery, PollSchedule, ProcessPoller, ZeropsClient
from zcp.platform.models import CustomAutoscaling, HorizontalAutoscaling, Resource, VerticalAutoscaling
from zcp.platform.requests import ZeropsYamlValidation

pytestmark = pytest.mark.anyio

NODE_YAML = """\
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
"""


def poller(client: ZeropsClient, sandbox: SandboxHandle) -> ProcessPoller:
    schedule = PollSchedule(interval=1.0, max_interval=1.0, timeout=120.0)
    return ProcessPoller(client, schedule, clock=sandbox.poll_clock)


@pytest.mark.sandbox(seed="standard")
async def test_user_info_names_the_user_and_the_organisation_used_for_searches(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    info = await platform_client.get_user_info()
    assert info.email == "jane@example.com"
    assert info.full_name == "Jane Doe"
    assert info.client_id == sandbox.project().client_id
    assert await platform_client.client_id() == info.client_id


@pytest.mark.sandbox(seed="standard")
async def test_the_organisation_id_is_fetched_once_and_cached(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    for _ in range(3):
        await platform_client.list_projects()
    assert sandbox.hits("get_user_info") == 1


@pytest.mark.sandbox(seed="multi_project")
async def test_list_projects_returns_every_project_of_the_organisation(platform_client: ZeropsClient) -> None:
    projects = await platform_client.list_projects()
    assert sorted(p.name for p in projects) == ["blog", "shop"]
    assert all(p.status == "ACTIVE" for p in projects)


@pytest.mark.sandbox(seed="standard")
async def test_get_project_carries_the_subdomain_host(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    project = await platform_client.get_project(sandbox.project().id)
    assert project.name == "demo"
    assert project.zerops_subdomain_host == "1df2.prg1.zerops.app"


@pytest.mark.sandbox(seed="multi_project")
async def test_list_services_keeps_only_the_requested_project(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    shop = sandbox.project("shop")
    services = await platform_client.list_services(shop.id)
    assert [(s.name, s.type_version) for s in services] == [("app", "nodejs@22")]


@pytest.mark.sandbox(seed="standard")
async def test_list_services_includes_build_services_that_callers_can_recognise_as_system(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    services = await platform_client.list_services(sandbox.project().id)
    visible = sorted(s.name for s in services if not s.is_system_service)
    assert visible == ["appdev", "appstage", "db"]
    assert {s.category for s in services if s.is_system_service} == {"BUILD"}


@pytest.mark.sandbox(seed="standard")
async def test_get_service_reads_ports_mode_and_subdomain(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    service = await platform_client.get_service(sandbox.service("appdev").id)
    assert service.subdomain_access is True
    assert service.mode == "NON_HA"
    assert [(p.port, p.http_routing, p.public) for p in service.ports] == [(3000, True, True)]


@pytest.mark.sandbox(seed="standard")
async def test_an_unknown_service_id_raises_service_not_found(platform_client: ZeropsClient) -> None:
    with pytest.raises(ServiceNotFound) as caught:
        await platform_client.get_service("doesNotExist0000000000")
    assert caught.value.api_code == "serviceStackNotFound"


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize(
    ("method", "during", "after"),
    [
        ("stop_service", "STOPPING", "STOPPED"),
        ("restart_service", "RESTARTING", "ACTIVE"),
        ("reload_service", "RELOADING", "ACTIVE"),
    ],
)
async def test_lifecycle_calls_return_a_process_whose_effect_lands_when_it_finishes(
    platform_client: ZeropsClient, sandbox: SandboxHandle, method: str, during: str, after: str
) -> None:
    service_id = sandbox.service("appstage").id
    process = await getattr(platform_client, method)(service_id)
    assert process.status == "PENDING"
    sandbox.advance(1)
    assert (await platform_client.get_service(service_id)).status == during
    result = await poller(platform_client, sandbox).wait(process)
    assert result.succeeded
    assert (await platform_client.get_service(service_id)).status == after


@pytest.mark.sandbox(seed="standard")
async def test_start_after_stop_brings_the_service_back(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    service_id = sandbox.service("appstage").id
    wait = poller(platform_client, sandbox).wait
    await wait(await platform_client.stop_service(service_id))
    assert (await wait(await platform_client.start_service(service_id))).succeeded
    assert (await platform_client.get_service(service_id)).status == "ACTIVE"


@pytest.mark.sandbox(seed="standard")
async def test_delete_service_removes_it_from_the_project(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    project_id, service_id = sandbox.project().id, sandbox.service("appstage").id
    process = await platform_client.delete_service(service_id)
    assert [s.status for s in await platform_client.list_services(project_id) if s.id == service_id] == [
        "DELETING"
    ]
    await poller(platform_client, sandbox).wait(process)
    assert service_id not in {s.id for s in await platform_client.list_services(project_id)}
    with pytest.raises(ServiceNotFound):
        await platform_client.get_service(service_id)


@pytest.mark.sandbox(seed="adoptable")
async def test_shared_storage_connects_and_disconnects(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    web, files = sandbox.service("web"), sandbox.service("files")
    wait = poller(platform_client, sandbox).wait
    assert (await wait(await platform_client.connect_shared_storage(web.id, files.id))).succeeded
    assert files.id in web.mounts
    assert (await wait(await platform_client.disconnect_shared_storage(web.id, files.id))).succeeded
    assert files.id not in web.mounts


@pytest.mark.sandbox(seed="standard")
async def test_subdomain_disable_then_enable_publishes_the_url_variable(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    service_id = sandbox.service("appdev").id
    wait = poller(platform_client, sandbox).wait
    await wait(await platform_client.disable_subdomain(service_id))
    assert not (await platform_client.get_service(service_id)).subdomain_access
    assert "zeropsSubdomain" not in {e.key for e in await platform_client.get_service_env(service_id)}
    assert (await wait(await platform_client.enable_subdomain(service_id))).succeeded
    sandbox.advance(2)
    env = {e.key: e.content for e in await platform_client.get_service_env(service_id)}
    assert env["zeropsSubdomain"] == "https://appdev-1df2-3000.prg1.zerops.app"


@pytest.mark.sandbox(seed="standard")
async def test_horizontal_scaling_applies_at_once_without_a_process(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    service_id = sandbox.service("appdev").id
    scaling = CustomAutoscaling(horizontal_autoscaling=HorizontalAutoscaling(max_container_count=3))
    assert await platform_client.set_autoscaling(service_id, scaling, mode="NON_HA") is None
    current = (await platform_client.get_service(service_id)).custom_autoscaling
    assert current is not None
    assert current.horizontal_autoscaling == HorizontalAutoscaling(max_container_count=3)


@pytest.mark.sandbox(seed="standard")
async def test_vertical_scaling_runs_as_a_process(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    service_id = sandbox.service("appdev").id
    scaling = CustomAutoscaling(
        vertical_autoscaling=VerticalAutoscaling(min_resource=Resource(memory_g_bytes=1.0))
    )
    process = await platform_client.set_autoscaling(service_id, scaling, mode="NON_HA")
    assert process is not None
    assert process.action_name == "stack.updateAutoscaling"
    await poller(platform_client, sandbox).wait(process)
    current = (await platform_client.get_service(service_id)).custom_autoscaling
    assert current is not None
    assert current.vertical_autoscaling is not None
    assert current.vertical_autoscaling.min_resource == Resource(memory_g_bytes=1.0)


@pytest.mark.sandbox(seed="standard")
async def test_service_env_file_upserts_named_keys_and_delete_removes_one(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    service_id = sandbox.service("appdev").id
    await platform_client.set_service_env_file(service_id, "DB_PORT=6432\nGREETING=hello\n")
    env = {e.key: e for e in await platform_client.get_service_env(service_id)}
    assert env["DB_PORT"].content == "6432"
    assert env["GREETING"].content == "hello"
    assert env["DB_HOST"].content == "${db_hostname}"
    process = await platform_client.delete_user_data(env["GREETING"].id)
    assert process.action_name == "stack.userDataFile"
    assert "GREETING" not in {e.key for e in await platform_client.get_service_env(service_id)}


@pytest.mark.sandbox(seed="standard")
async def test_project_env_is_created_read_and_deleted(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    project_id = sandbox.project().id
    await platform_client.create_project_env(project_id, "APP_KEY", "abc")
    env = await platform_client.get_project_env(project_id)
    assert [(e.key, e.content, e.sensitive) for e in env] == [("APP_KEY", "abc", False)]
    await platform_client.delete_project_env(env[0].id)
    assert await platform_client.get_project_env(project_id) == []


@pytest.mark.sandbox(seed="standard")
async def test_project_env_of_an_invisible_project_is_service_not_found(
    platform_client: ZeropsClient,
) -> None:
    with pytest.raises(ServiceNotFound):
        await platform_client.get_project_env("noSuchProject000000000")


@pytest.mark.sandbox(seed="standard")
async def test_exports_are_import_yaml(platform_client: ZeropsClient, sandbox: SandboxHandle) -> None:
    project_yaml = await platform_client.export_project(sandbox.project().id)
    service_yaml = await platform_client.export_service(sandbox.service("db").id)
    assert project_yaml.startswith("project:\n  name: demo\n")
    assert "hostname: appdev" in project_yaml
    assert (
        service_yaml == "services:\n- hostname: db\n  type: postgresql@16\n  mode: NON_HA\n  priority: 10\n"
    )


@pytest.mark.sandbox(seed="empty")
async def test_import_creates_services_whose_processes_bring_them_up(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    project_id = sandbox.project().id
    yaml_text = (
        "services:\n"
        "  - hostname: appdev\n    type: nodejs@22\n    startWithoutCode: true\n"
        "  - hostname: appstage\n    type: nodejs@22\n"
        "  - hostname: db\n    type: postgresql@16\n    mode: NON_HA\n    priority: 10\n"
    )
    result = await platform_client.import_services(project_id, yaml_text)
    assert result.project_name == "demo"
    assert [s.name for s in result.service_stacks] == ["db", "appdev", "appstage"]
    processes = [p for s in result.service_stacks for p in s.processes]
    outcomes = await poller(platform_client, sandbox).wait_all(processes)
    assert all(o.succeeded for o in outcomes)
    statuses = {s.name: s.status for s in await platform_client.list_services(project_id)}
    assert statuses == {"db": "ACTIVE", "appdev": "ACTIVE", "appstage": "READY_TO_DEPLOY"}


@pytest.mark.sandbox(seed="standard")
async def test_import_with_a_taken_hostname_is_invalid_import_yaml_with_field_meta(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    with pytest.raises(InvalidImportYaml) as caught:
        await platform_client.import_services(
            sandbox.project().id, "services:\n  - hostname: db\n    type: postgresql@16\n    mode: NON_HA\n"
        )
    assert caught.value.api_code == "serviceStackNameUnavailable"
    assert caught.value.api_meta is not None
    assert "db.hostname" in caught.value.api_meta[0]["metadata"]


@pytest.mark.sandbox(seed="standard")
async def test_zerops_yaml_validation_passes_a_good_file(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    appdev = sandbox.service("appdev")
    request = ZeropsYamlValidation(
        service_stack_name="appdev",
        service_stack_type_id=appdev.stack_type.id,
        service_stack_type_version_name="nodejs@22",
        zerops_yaml=NODE_YAML,
    )
    await platform_client.validate_zerops_yaml(request)


@pytest.mark.sandbox(seed="standard")
async def test_zerops_yaml_validation_failures_are_invalid_zerops_yaml_with_field_meta(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    request = ZeropsYamlValidation(
        service_stack_name="appdev",
        service_stack_type_id=sandbox.service("appdev").stack_type.id,
        service_stack_type_version_name="nodejs@22",
        zerops_yaml=NODE_YAML.replace(
            "base: nodejs@22\n      buildCommands", "base: nodejs@99\n      buildCommands"
        ),
    )
    with pytest.raises(InvalidZeropsYaml) as caught:
        await platform_client.validate_zerops_yaml(request)
    assert caught.value.api_code == "zeropsYamlInvalidParameter"
    assert caught.value.api_meta == [
        {
            "code": "zeropsYamlInvalidParameter",
            "error": "Invalid parameter.",
            "metadata": {"build.base": ["unknown base nodejs@99"]},
        }
    ]


async def test_zerops_yaml_validation_refuses_empty_inputs_without_calling_the_api() -> None:
    import httpx

    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        client = ZeropsClient(http, base_url="http://api.invalid", token="token-123456789")
        request = ZeropsYamlValidation(
            service_stack_name="appdev",
            service_stack_type_id="",
            service_stack_type_version_name="nodejs@22",
            zerops_yaml=" ",
        )
        with pytest.raises(InvalidParameter) as caught:
            await client.validate_zerops_yaml(request)
    assert "service_stack_type_id" in caught.value.message
    assert "zerops_yaml" in caught.value.message


@pytest.mark.sandbox(seed="standard")
async def test_get_process_of_an_unknown_id_is_process_not_found(platform_client: ZeropsClient) -> None:
    with pytest.raises(ProcessNotFound) as caught:
        await platform_client.get_process("noSuchProcess000000000")
    assert caught.value.api_code == "processNotFound"


@pytest.mark.sandbox(seed="standard")
async def test_cancelling_a_running_process_reports_it_canceled(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    service_id = sandbox.service("appstage").id
    process = await platform_client.restart_service(service_id)
    sandbox.advance(1)
    cancelled = await platform_client.cancel_process(process.id)
    assert cancelled.status == "CANCELLED"
    assert cancelled.normalized_status == "CANCELED"
    assert not cancelled.in_progress
    assert (await platform_client.get_service(service_id)).status == "ACTIVE"


@pytest.mark.sandbox(seed="standard")
async def test_cancelling_a_finished_process_is_process_already_terminal_without_a_cancel_call(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    process = await platform_client.restart_service(sandbox.service("appstage").id)
    await poller(platform_client, sandbox).wait(process)
    with pytest.raises(ProcessAlreadyTerminal):
        await platform_client.cancel_process(process.id)
    assert sandbox.hits("cancel_process") == 0


@pytest.mark.sandbox(seed="standard")
async def test_a_cancel_that_loses_the_race_is_process_already_terminal(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    process = await platform_client.restart_service(sandbox.service("appstage").id)
    sandbox.fault("cancel_process", status=400, code="processIsAlreadyOver", times=1)
    with pytest.raises(ProcessAlreadyTerminal) as caught:
        await platform_client.cancel_process(process.id)
    assert caught.value.api_code == "processIsAlreadyOver"


@pytest.mark.sandbox(seed="multi_project")
async def test_process_search_is_newest_first_and_scoped_to_the_project(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    shop = sandbox.project("shop")
    app = next(s for s in sandbox.sandbox.project_services(shop.id) if s.name == "app")
    restart = await platform_client.restart_service(app.id)
    found = await platform_client.search_processes(shop.id, limit=50)
    assert found[0].id == restart.id
    assert {p.project_id for p in found} == {shop.id}
    assert found[0].created_by_user is not None
    assert found[0].created_by_user.full_name == "Jane Doe"


@pytest.mark.sandbox(seed="multi_project")
async def test_search_limit_applies_before_the_project_filter(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    blog, shop = sandbox.project("blog"), sandbox.project("shop")
    blog_app = next(s for s in sandbox.sandbox.project_services(blog.id))
    sandbox.advance(1)
    await platform_client.restart_service(blog_app.id)
    assert await platform_client.search_processes(shop.id, limit=1) == []


@pytest.mark.sandbox(seed="standard")
async def test_app_version_search_returns_deploys_with_build_details(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    versions = await platform_client.search_app_versions(sandbox.project().id)
    built = [v for v in versions if v.build is not None]
    assert {v.status for v in built} == {"ACTIVE"}
    assert all(v.build is not None and v.build.pipeline_start for v in built)


@pytest.mark.sandbox(seed="empty")
async def test_stack_types_cover_runtimes_managed_services_and_storage(platform_client: ZeropsClient) -> None:
    types = await platform_client.list_service_stack_types()
    categories = {t.category for t in types}
    assert {"USER", "STANDARD", "SHARED_STORAGE", "OBJECT_STORAGE", "BUILD"} <= categories
    node = next(t for t in types if t.name == "Node.js")
    assert [v.name for v in node.service_stack_type_version_list if v.status == "ACTIVE"][-1] == "nodejs@24"


@pytest.mark.sandbox(seed="standard")
async def test_log_access_is_a_signed_url_and_logs_come_back_oldest_first(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    project_id = sandbox.project().id
    access = await platform_client.get_project_log_access(project_id)
    assert access.url.startswith("GET http://")
    assert "accessToken=" in access.fetch_url
    app = sandbox.service("appdev")
    with sandbox.sandbox.lock:
        for text in ("first", "second", "third"):
            sandbox.advance(1)
            sandbox.sandbox.emit_log(app, text)
    logs = await platform_client.fetch_logs(project_id, LogQuery(service_id=app.id, limit=2))
    assert [entry.message for entry in logs] == ["second", "third"]
