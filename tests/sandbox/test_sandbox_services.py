"""Service operations in the sandbox: validation errors, platform quirks, and nothing half-applied."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.errors import ApiError, ServiceNotFound
from zcp.platform import ZeropsClient
from zcp.platform.models import CustomAutoscaling, HorizontalAutoscaling, Resource, VerticalAutoscaling

pytestmark = pytest.mark.anyio

MISSING = "noSuchService000000000"


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_service(MISSING),
        lambda c: c.start_service(MISSING),
        lambda c: c.stop_service(MISSING),
        lambda c: c.restart_service(MISSING),
        lambda c: c.reload_service(MISSING),
        lambda c: c.delete_service(MISSING),
        lambda c: c.enable_subdomain(MISSING),
        lambda c: c.disable_subdomain(MISSING),
        lambda c: c.get_service_env(MISSING),
        lambda c: c.set_service_env_file(MISSING, "A=1"),
        lambda c: c.export_service(MISSING),
        lambda c: c.connect_shared_storage(MISSING, MISSING),
        lambda c: c.set_autoscaling(MISSING, CustomAutoscaling()),
        lambda c: c.delete_user_data(MISSING),
        lambda c: c.get_project(MISSING),
    ],
)
async def test_unknown_ids_are_service_not_found(
    platform_client: ZeropsClient, call: Callable[[ZeropsClient], Awaitable[Any]]
) -> None:
    with pytest.raises(ServiceNotFound):
        await call(platform_client)


def scaling_state(sandbox: SandboxHandle, hostname: str) -> Any:
    return copy.deepcopy(sandbox.service(hostname).autoscaling)


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize(
    ("scaling", "field"),
    [
        (
            CustomAutoscaling(
                vertical_autoscaling=VerticalAutoscaling(
                    min_resource=Resource(cpu_core_count=4), max_resource=Resource(cpu_core_count=2)
                )
            ),
            "customAutoscaling.verticalAutoscaling.minResource.cpuCoreCount",
        ),
        (
            CustomAutoscaling(
                vertical_autoscaling=VerticalAutoscaling(max_resource=Resource(memory_g_bytes=512))
            ),
            "customAutoscaling.verticalAutoscaling.maxResource.memoryGBytes",
        ),
        (
            CustomAutoscaling(vertical_autoscaling=VerticalAutoscaling(cpu_mode="TURBO")),
            "customAutoscaling.verticalAutoscaling.cpuMode",
        ),
        (
            CustomAutoscaling(horizontal_autoscaling=HorizontalAutoscaling(max_container_count=11)),
            "customAutoscaling.horizontalAutoscaling.maxContainerCount",
        ),
        (
            CustomAutoscaling(
                horizontal_autoscaling=HorizontalAutoscaling(min_container_count=4, max_container_count=2)
            ),
            "customAutoscaling.horizontalAutoscaling.minContainerCount",
        ),
    ],
)
async def test_invalid_scaling_values_name_the_field_and_change_nothing(
    platform_client: ZeropsClient, sandbox: SandboxHandle, scaling: CustomAutoscaling, field: str
) -> None:
    before = scaling_state(sandbox, "appdev")
    with pytest.raises(ApiError) as caught:
        await platform_client.set_autoscaling(sandbox.service("appdev").id, scaling, mode="NON_HA")
    assert caught.value.api_code == "invalidCustomAutoscalingValue"
    assert caught.value.api_meta is not None
    assert field in caught.value.api_meta[0]["metadata"]
    assert scaling_state(sandbox, "appdev") == before


@pytest.mark.sandbox(seed="standard")
async def test_a_new_minimum_above_the_stored_maximum_is_rejected(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    service_id = sandbox.service("appdev").id
    await platform_client.set_autoscaling(
        service_id,
        CustomAutoscaling(horizontal_autoscaling=HorizontalAutoscaling(max_container_count=2)),
        mode="NON_HA",
    )
    with pytest.raises(ApiError) as caught:
        await platform_client.set_autoscaling(
            service_id,
            CustomAutoscaling(horizontal_autoscaling=HorizontalAutoscaling(min_container_count=3)),
            mode="NON_HA",
        )
    assert caught.value.api_code == "invalidCustomAutoscalingValue"
    assert sandbox.service("appdev").autoscaling == {"horizontalAutoscaling": {"maxContainerCount": 2}}


@pytest.mark.sandbox(seed="standard")
async def test_the_mode_of_a_service_cannot_change(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    with pytest.raises(ApiError) as caught:
        await platform_client.set_autoscaling(
            sandbox.service("db").id,
            CustomAutoscaling(vertical_autoscaling=VerticalAutoscaling(cpu_mode="SHARED")),
            mode="HA",
        )
    assert caught.value.api_code == "modeUpdateForbiddenForThisStackCategory"


@pytest.mark.sandbox(seed="adoptable")
@pytest.mark.parametrize(
    ("hostname", "scaling", "code"),
    [
        (
            "cache",
            CustomAutoscaling(horizontal_autoscaling=HorizontalAutoscaling(max_container_count=3)),
            "customHorizontalAutoscalingForbiddenForThisStackCategory",
        ),
        (
            "files",
            CustomAutoscaling(
                vertical_autoscaling=VerticalAutoscaling(min_resource=Resource(disk_g_bytes=5))
            ),
            "customVerticalAutoscalingForbiddenForThisStackCategory",
        ),
    ],
)
async def test_scaling_a_category_that_cannot_scale_that_way_is_refused(
    platform_client: ZeropsClient,
    sandbox: SandboxHandle,
    hostname: str,
    scaling: CustomAutoscaling,
    code: str,
) -> None:
    with pytest.raises(ApiError) as caught:
        await platform_client.set_autoscaling(sandbox.service(hostname).id, scaling)
    assert caught.value.api_code == code


@pytest.mark.sandbox(seed="failed_build")
async def test_enabling_a_subdomain_before_any_http_port_exists_is_no_subdomain_ports(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    with pytest.raises(ApiError) as caught:
        await platform_client.enable_subdomain(sandbox.service("appdev").id)
    assert caught.value.api_code == "noSubdomainPorts"


@pytest.mark.sandbox(seed="adoptable")
async def test_disabling_a_disabled_subdomain_is_refused(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    with pytest.raises(ApiError) as caught:
        await platform_client.disable_subdomain(sandbox.service("cache").id)
    assert caught.value.api_code == "serviceStackSubdomainAccessAlreadyDisabled"


@pytest.mark.sandbox(seed="adoptable")
async def test_the_subdomain_variable_appears_only_after_the_process_finished(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    worker = sandbox.service("worker")
    worker.ports = list(sandbox.service("api").ports)
    worker.status = "ACTIVE"
    await platform_client.enable_subdomain(worker.id)
    sandbox.advance(2.0)
    assert worker.subdomain_access and worker.env_var("zeropsSubdomain") is None
    sandbox.advance(1.0)
    variable = worker.env_var("zeropsSubdomain")
    assert variable is not None
    assert variable.content == "https://worker-7c3a-8000.prg1.zerops.app"


@pytest.mark.sandbox(seed="adoptable")
@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda c, s: c.reload_service(s.service("cache").id), "serviceStackReloadNotAvailable"),
        (lambda c, s: c.restart_service(s.service("worker").id), "activeServiceStackRequired"),
        (
            lambda c, s: c.connect_shared_storage(s.service("web").id, s.service("cache").id),
            "sharedStorageInvalidCategory",
        ),
        (
            lambda c, s: c.connect_shared_storage(s.service("cache").id, s.service("files").id),
            "userServiceStackInvalidCategory",
        ),
        (
            lambda c, s: c.disconnect_shared_storage(s.service("web").id, s.service("files").id),
            "serviceStackConnectionNotFound",
        ),
        (
            lambda c, s: c.connect_shared_storage(s.service("files").id, s.service("files").id),
            "identicalSharedStorageAndServiceStack",
        ),
    ],
)
async def test_operations_the_platform_refuses_carry_its_code(
    platform_client: ZeropsClient,
    sandbox: SandboxHandle,
    call: Callable[[ZeropsClient, SandboxHandle], Awaitable[Any]],
    code: str,
) -> None:
    with pytest.raises(ApiError) as caught:
        await call(platform_client, sandbox)
    assert caught.value.api_code == code


@pytest.mark.sandbox(seed="failed_build")
async def test_a_service_waiting_for_its_first_deploy_cannot_be_restarted(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    with pytest.raises(ApiError) as caught:
        await platform_client.restart_service(sandbox.service("appdev").id)
    assert caught.value.api_code == "serviceStackIsReadyToDeploy"


@pytest.mark.sandbox(seed="standard")
async def test_cancelling_a_delete_keeps_the_service(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    service_id = sandbox.service("appstage").id
    process = await platform_client.delete_service(service_id)
    assert sandbox.service("appstage").status == "DELETING"
    await platform_client.cancel_process(process.id)
    sandbox.advance(60)
    assert (await platform_client.get_service(service_id)).status == "ACTIVE"
