"""Wire models read the reference's JSON examples and write the exact wire names back."""

from __future__ import annotations

from zcp.platform.models import (
    CustomAutoscaling,
    ImportResult,
    Process,
    Resource,
    SearchPage,
    ServiceStack,
    UserInfo,
    VerticalAutoscaling,
)
from zcp.platform.requests import AutoscalingRequest, SearchFilter

SERVICE_HIT = {
    "id": "wWq8U62VmGm2hOCm2eYZLg",
    "projectId": "cewHX5QqA35Dfqj5q2LoDw",
    "serviceStackTypeId": "4RAWqfCwLn9N6rbMg6KuiA",
    "serviceStackTypeInfo": {
        "serviceStackTypeName": "Node.js",
        "serviceStackTypeCategory": "USER",
        "serviceStackTypeVersionName": "nodejs@22",
    },
    "name": "appdev",
    "status": "ACTIVE",
    "mode": "NON_HA",
    "subdomainAccess": True,
    "ports": [
        {
            "protocol": "tcp",
            "port": 3000,
            "description": "",
            "portRouting": False,
            "httpRouting": True,
            "scheme": "http",
            "serviceId": None,
        }
    ],
    "customAutoscaling": {
        "verticalAutoscaling": {
            "cpuMode": "SHARED",
            "minResource": {"cpuCoreCount": 1, "memoryGBytes": 0.5, "diskGBytes": 1},
            "maxResource": {"cpuCoreCount": 4, "memoryGBytes": 8, "diskGBytes": 20},
            "minFreeResource": {
                "cpuCoreCount": 0.1,
                "cpuCorePercent": 0,
                "memoryGBytes": 0.25,
                "memoryPercent": 0,
            },
            "startCpuCoreCount": 2,
            "swapEnabled": True,
        },
        "horizontalAutoscaling": {"minContainerCount": 1, "maxContainerCount": 1},
    },
    "someFieldFromANewerApi": {"x": 1},
}


def test_a_service_search_hit_decodes_with_its_nested_shapes() -> None:
    page = SearchPage[ServiceStack].model_validate(
        {"limit": 100, "offset": 0, "totalHits": 1, "items": [SERVICE_HIT]}
    )
    service = page.items[0]
    assert (service.hostname, service.type_version, service.category) == ("appdev", "nodejs@22", "USER")
    assert service.ports[0].public
    scaling = service.custom_autoscaling
    assert scaling is not None
    assert scaling.vertical_autoscaling is not None
    assert scaling.vertical_autoscaling.max_resource == Resource(
        cpu_core_count=4, memory_g_bytes=8, disk_g_bytes=20
    )


def test_user_info_takes_the_organisation_from_the_first_membership() -> None:
    info = UserInfo.model_validate(
        {"email": "a@b.c", "clientUserList": [{"clientId": "org1"}, {"clientId": "org2"}]}
    )
    assert info.client_id == "org1"
    assert UserInfo.model_validate({"clientUserList": []}).client_id == ""


def test_a_process_reads_its_fail_reason_and_service_list() -> None:
    process = Process.model_validate(
        {
            "id": "K6",
            "actionName": "stack.restart",
            "status": "FAILED",
            "serviceStacks": [{"id": "w", "name": "appdev"}],
            "publicMeta": {"failReason": "container failed to start"},
        }
    )
    assert process.fail_reason == "container failed to start"
    assert [s.name for s in process.service_stacks] == ["appdev"]
    assert Process.model_validate({"id": "x", "publicMeta": {"failReason": ""}}).fail_reason is None


def test_an_import_result_keeps_per_service_errors() -> None:
    result = ImportResult.model_validate(
        {
            "projectId": "p",
            "projectName": "demo",
            "serviceStacks": [
                {
                    "id": "",
                    "name": "db",
                    "error": {"code": "x", "message": "no", "meta": {"a": ["b"]}},
                    "processes": [],
                }
            ],
        }
    )
    assert result.service_stacks[0].error is not None
    assert result.service_stacks[0].error.meta == {"a": ["b"]}


def test_the_autoscaling_body_uses_wire_names_and_explicit_nulls() -> None:
    body = AutoscalingRequest(
        mode="NON_HA",
        custom_autoscaling=CustomAutoscaling(
            vertical_autoscaling=VerticalAutoscaling(min_resource=Resource(memory_g_bytes=1.0))
        ),
    ).to_wire()
    assert body == {
        "mode": "NON_HA",
        "customAutoscaling": {
            "verticalAutoscaling": {
                "cpuMode": None,
                "minResource": {"cpuCoreCount": None, "memoryGBytes": 1.0, "diskGBytes": None},
                "maxResource": None,
                "minFreeResource": None,
                "startCpuCoreCount": None,
                "swapEnabled": None,
            },
            "horizontalAutoscaling": None,
        },
    }


def test_the_search_filter_helper_builds_client_scoped_newest_first_searches() -> None:
    body = SearchFilter.by_client("cid", newest_first=True, limit=10, id="p1").to_wire()
    assert body["search"] == [
        {"name": "clientId", "operator": "eq", "value": "cid"},
        {"name": "id", "operator": "eq", "value": "p1"},
    ]
    assert body["sort"] == [{"name": "created", "ascending": False}]
    assert body["limit"] == 10
