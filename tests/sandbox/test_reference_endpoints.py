"""The sandbox against the API reference: every endpoint of its inventory, method, path and wire fields.

The table below is transcribed from the reference (``zerops-api.md`` §2–§4): the method and path of each
call zcp makes and the response field names the reference lists for its success DTO. The walk sends each
call as raw HTTP — no zcp client involved — and checks the answer carries those names.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.sandbox.routes import public

PROCESS_FIELDS = {
    "id", "clientId", "projectId", "serviceStackId", "project", "serviceStacks", "status", "sequence",
    "createdByUser", "canceledByUser", "actionName", "created", "lastUpdate", "started", "finished",
    "createdBySystem", "appVersion", "publicMeta",
}  # fmt: skip
SEARCH_FIELDS = {"limit", "offset", "totalHits", "items"}
SERVICE_FIELDS = {
    "id", "clientId", "projectId", "serviceStackTypeId", "serviceStackTypeVersionId", "serviceStackTypeInfo",
    "name", "status", "mode", "subdomainAccess", "ports", "customAutoscaling", "created", "lastUpdate",
}  # fmt: skip
PORT_FIELDS = {"protocol", "port", "description", "portRouting", "httpRouting", "scheme", "serviceId"}
TYPE_INFO_FIELDS = {"serviceStackTypeName", "serviceStackTypeCategory", "serviceStackTypeVersionName"}
PROJECT_FIELDS = {"id", "clientId", "name", "mode", "status", "zeropsSubdomainHost", "created", "lastUpdate"}
ENV_FIELDS = {
    "id",
    "clientId",
    "projectId",
    "serviceStackId",
    "key",
    "content",
    "type",
    "sensitive",
    "created",
    "lastUpdate",
}
PROJECT_ENV_FIELDS = {
    "id",
    "created",
    "lastUpdate",
    "clientId",
    "projectId",
    "key",
    "content",
    "type",
    "sensitive",
    "editable",
}
APP_VERSION_FIELDS = {
    "id",
    "clientId",
    "projectId",
    "serviceStackId",
    "source",
    "status",
    "sequence",
    "build",
    "created",
    "lastUpdate",
}
BUILD_FIELDS = {
    "serviceStackId", "serviceStackName", "serviceStackTypeVersionId", "pipelineStart", "pipelineFinish",
    "pipelineFailed", "containerCreationStart", "startDate", "endDate", "cacheSnapshotId",
}  # fmt: skip
STACK_TYPE_FIELDS = {
    "id",
    "name",
    "description",
    "defaultServiceStackVersionId",
    "category",
    "created",
    "lastUpdate",
    "serviceStackTypeVersionList",
}
STACK_VERSION_FIELDS = {"id", "serviceStackTypeId", "name", "isBuild", "updateUrl", "status", "releaseDate"}
USER_FIELDS = {"id", "email", "fullName", "clientUserList"}
CLIENT_USER_FIELDS = {"id", "clientId", "userId", "status", "roleCode", "client"}
LOG_ACCESS_FIELDS = {"accessToken", "expiration", "url", "urlInfo", "urlPlain"}
IMPORT_FIELDS = {"projectId", "projectName", "serviceStacks"}
IMPORT_STACK_FIELDS = {"id", "name", "error", "processes"}

#: (#, method, path) exactly as the reference's inventory lists them (prefix /api/rest/public).
REFERENCE_INVENTORY = [
    (1, "GET", "/user/info"),
    (2, "POST", "/project/search"),
    (3, "GET", "/project/{projectId}"),
    (4, "POST", "/service-stack/search"),
    (5, "GET", "/service-stack/{serviceStackId}"),
    (6, "PUT", "/service-stack/{id}/start"),
    (7, "PUT", "/service-stack/{id}/stop"),
    (8, "PUT", "/service-stack/{id}/restart"),
    (9, "PUT", "/service-stack/{id}/reload"),
    (10, "PUT", "/service-stack/{id}/connect-shared-storage"),
    (11, "PUT", "/service-stack/{id}/disconnect-shared-storage"),
    (12, "PUT", "/service-stack/{id}/autoscaling"),
    (13, "GET", "/service-stack/{id}/env"),
    (14, "PUT", "/service-stack/{id}/user-data/env-file"),
    (15, "DELETE", "/user-data/{userDataId}"),
    (16, "POST", "/project/search"),
    (17, "POST", "/project/{projectId}/env"),
    (18, "DELETE", "/project-env/{envId}"),
    (19, "GET", "/project/{projectId}/export"),
    (20, "GET", "/service-stack/{id}/export"),
    (21, "POST", "/project/{projectId}/service-stack/import"),
    (22, "POST", "/service-stack/zerops-yaml-validation"),
    (23, "DELETE", "/service-stack/{id}"),
    (24, "GET", "/process/{processId}"),
    (25, "PUT", "/process/{processId}/cancel"),
    (26, "PUT", "/service-stack/{id}/enable-subdomain-access"),
    (27, "PUT", "/service-stack/{id}/disable-subdomain-access"),
    (28, "GET", "/project/{projectId}/log"),
    (29, "POST", "/process/search"),
    (30, "POST", "/app-version/search"),
    (31, "POST", "/service-stack-type/search"),
]


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_reference_endpoint_has_a_sandbox_route_with_the_same_method_and_path() -> None:
    routes = {(e.method, _shape(e.full_path)) for e in public.ENDPOINTS}
    missing = [
        (number, method, path)
        for number, method, path in REFERENCE_INVENTORY
        if (method, _shape("/api/rest/public" + path)) not in routes
    ]
    assert missing == []


def _has(data: dict[str, Any], fields: set[str], where: str) -> None:
    absent = sorted(fields - set(data))
    assert absent == [], f"{where} lacks {absent}"


def _check_process(data: dict[str, Any], where: str) -> None:
    _has(data, PROCESS_FIELDS, where)
    for light in data["serviceStacks"]:
        _has(light, {"id", "name"}, f"{where}.serviceStacks[]")


@pytest.mark.sandbox(seed="standard", time_scale=0)
def test_walking_the_inventory_returns_the_reference_wire_fields(sandbox: SandboxHandle) -> None:
    headers = {"Authorization": f"Bearer {sandbox.token}", "Content-Type": "application/json"}
    project = sandbox.project()
    appdev, appstage, db = sandbox.service("appdev"), sandbox.service("appstage"), sandbox.service("db")
    empty_search: dict[str, Any] = {"search": [], "sort": [], "offset": None, "limit": None, "text": None}
    client_filter = {"name": "clientId", "operator": "eq", "value": project.client_id}
    client_search: dict[str, Any] = {**empty_search, "search": [client_filter]}
    seen: set[int] = set()

    with httpx.Client(base_url=sandbox.url + "/api/rest/public", headers=headers, timeout=5) as http:

        def call(number: int, method: str, path: str, body: Any = None) -> Any:
            reply = http.request(
                method, path, json=body if body is not None else ({} if method in ("PUT", "DELETE") else None)
            )
            assert reply.status_code == 200, (number, reply.text)
            assert reply.headers["content-type"].startswith("application/json")
            seen.add(number)
            sandbox.advance(0)  # time scale 0: everything started so far is now finished
            return reply.json()

        user = call(1, "GET", "/user/info")
        _has(user, USER_FIELDS, "UserAuthorize")
        _has(user["clientUserList"][0], CLIENT_USER_FIELDS, "clientUserList[]")

        projects = call(2, "POST", "/project/search", client_search)
        _has(projects, SEARCH_FIELDS, "EsProjectResponse")
        _has(projects["items"][0], PROJECT_FIELDS | {"envList"}, "EsProject")

        _has(call(3, "GET", f"/project/{project.id}"), PROJECT_FIELDS, "Project")

        services = call(4, "POST", "/service-stack/search", client_search)
        _has(services, SEARCH_FIELDS, "EsServiceStackResponse")
        hit = next(s for s in services["items"] if s["id"] == appdev.id)
        _has(hit, SERVICE_FIELDS, "EsServiceStack")
        _has(hit["serviceStackTypeInfo"], TYPE_INFO_FIELDS, "serviceStackTypeInfo")
        _has(hit["ports"][0], PORT_FIELDS, "ports[]")

        detail = call(5, "GET", f"/service-stack/{appdev.id}")
        _has(detail, SERVICE_FIELDS | {"currentAutoscaling"}, "ServiceStack")

        for number, action in ((7, "stop"), (6, "start"), (8, "restart"), (9, "reload")):
            _check_process(call(number, "PUT", f"/service-stack/{appstage.id}/{action}"), action)

        storage = sandbox.sandbox
        with storage.lock:
            from zcp.sandbox.importer import apply_import, plan_import

            grant = storage.state.grants[sandbox.token]
            plan = plan_import(storage, project, "services:\n  - hostname: files\n    type: shared-storage\n")
            apply_import(storage, grant, project, plan)
        sandbox.advance(0)
        files = sandbox.service("files")
        _check_process(
            call(
                10, "PUT", f"/service-stack/{appdev.id}/connect-shared-storage", {"sharedStorageId": files.id}
            ),
            "connect",
        )
        _check_process(
            call(
                11,
                "PUT",
                f"/service-stack/{appdev.id}/disconnect-shared-storage",
                {"sharedStorageId": files.id},
            ),
            "disconnect",
        )

        scaling = call(
            12,
            "PUT",
            f"/service-stack/{appdev.id}/autoscaling",
            {
                "mode": "NON_HA",
                "customAutoscaling": {
                    "verticalAutoscaling": {"minResource": {"memoryGBytes": 1}},
                    "horizontalAutoscaling": None,
                },
            },
        )
        assert set(scaling) == {"process"}
        _check_process(scaling["process"], "ProcessNil.process")

        env = call(13, "GET", f"/service-stack/{appdev.id}/env")
        assert set(env) == {"items"}
        _has(env["items"][0], ENV_FIELDS, "ServiceStackEnv")

        _check_process(
            call(
                14, "PUT", f"/service-stack/{appdev.id}/user-data/env-file", {"envFile": "GREETING=hello\n"}
            ),
            "env-file",
        )
        greeting = next(
            v for v in call(13, "GET", f"/service-stack/{appdev.id}/env")["items"] if v["key"] == "GREETING"
        )
        _check_process(call(15, "DELETE", f"/user-data/{greeting['id']}"), "user-data delete")

        _check_process(
            call(
                17,
                "POST",
                f"/project/{project.id}/env",
                {"key": "APP_KEY", "content": "x", "sensitive": False},
            ),
            "project env",
        )
        by_id = {
            **client_search,
            "search": [client_filter, {"name": "id", "operator": "eq", "value": project.id}],
        }
        env_list = call(16, "POST", "/project/search", by_id)["items"][0]["envList"]
        _has(env_list[0], PROJECT_ENV_FIELDS, "ProjectEnv")
        _check_process(call(18, "DELETE", f"/project-env/{env_list[0]['id']}"), "project env delete")

        assert set(call(19, "GET", f"/project/{project.id}/export")) == {"yaml"}
        assert set(call(20, "GET", f"/service-stack/{db.id}/export")) == {"yaml"}

        imported = call(
            21,
            "POST",
            f"/project/{project.id}/service-stack/import",
            {
                "yaml": "services:\n  - hostname: cache\n    type: valkey@7.2\n    mode: NON_HA\n",
                "recipeSource": None,
                "recipeSourceUrl": None,
            },
        )
        _has(imported, IMPORT_FIELDS, "ProjectImport")
        _has(imported["serviceStacks"][0], IMPORT_STACK_FIELDS, "ProjectImportServiceStack")
        _check_process(imported["serviceStacks"][0]["processes"][0], "import process")

        validation = {
            "serviceStackName": "appdev",
            "serviceStackTypeId": appdev.stack_type.id,
            "serviceStackTypeVersionName": "nodejs@22",
            "zeropsYaml": "zerops:\n  - setup: appdev\n    build:\n      base: nodejs@22\n      deployFiles: ./\n    run:\n      start: node s.js\n",
            "operation": "BUILD_AND_DEPLOY",
            "zeropsYamlSetup": None,
        }
        assert call(22, "POST", "/service-stack/zerops-yaml-validation", validation) == {"success": True}

        restart = call(8, "PUT", f"/service-stack/{appdev.id}/restart")
        _check_process(call(24, "GET", f"/process/{restart['id']}"), "GetProcess")
        sandbox.sandbox.time_scale = 1.0  # this one must still be running when cancelled
        pending = http.put(f"/service-stack/{appdev.id}/restart", json={}).json()
        _check_process(call(25, "PUT", f"/process/{pending['id']}/cancel"), "CancelProcess")
        sandbox.sandbox.time_scale = 0.0

        _check_process(call(27, "PUT", f"/service-stack/{appdev.id}/disable-subdomain-access"), "disable")
        _check_process(call(26, "PUT", f"/service-stack/{appdev.id}/enable-subdomain-access"), "enable")

        _has(call(28, "GET", f"/project/{project.id}/log"), LOG_ACCESS_FIELDS, "ProjectLog")

        newest = {**client_search, "sort": [{"name": "created", "ascending": False}], "limit": 50}
        processes = call(29, "POST", "/process/search", newest)
        _has(processes, SEARCH_FIELDS, "EsProcessResponse")
        _check_process(processes["items"][0], "EsProcess")

        versions = call(30, "POST", "/app-version/search", {**newest, "limit": 10})
        _has(versions, SEARCH_FIELDS, "EsAppVersionResponse")
        built = next(v for v in versions["items"] if v["build"])
        _has(built, APP_VERSION_FIELDS, "EsAppVersion")
        _has(built["build"], BUILD_FIELDS, "build")

        types = call(31, "POST", "/service-stack-type/search", {**empty_search, "limit": 500})
        _has(types, SEARCH_FIELDS, "EsServiceStackTypeResponse")
        _has(types["items"][0], STACK_TYPE_FIELDS, "EsServiceStackType")
        _has(
            types["items"][0]["serviceStackTypeVersionList"][0],
            STACK_VERSION_FIELDS,
            "ServiceStackTypeVersionLight",
        )

        _check_process(call(23, "DELETE", f"/service-stack/{appstage.id}"), "DeleteService")

    assert seen == {number for number, _, _ in REFERENCE_INVENTORY}


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/user/info"), ("DELETE", "/user/info"), ("PATCH", "/project/x")]
)
def test_a_wrong_method_or_unknown_path_answers_404_endpoint_not_found_in_json(
    sandbox: SandboxHandle, method: str, path: str
) -> None:
    reply = httpx.request(
        method,
        f"{sandbox.url}/api/rest/public{path}",
        headers={"Authorization": f"Bearer {sandbox.token}"},
        timeout=5,
    )
    assert reply.status_code == 404
    assert reply.json()["error"]["code"] == "endpointNotFound"


@pytest.mark.sandbox(seed="standard")
def test_body_less_puts_accept_the_sdk_empty_object_with_a_trailing_newline(sandbox: SandboxHandle) -> None:
    service = sandbox.service("appdev")
    reply = httpx.put(
        f"{sandbox.url}/api/rest/public/service-stack/{service.id}/restart",
        content=b"{}\n",
        headers={"Authorization": f"Bearer {sandbox.token}", "Content-Type": "application/json"},
        timeout=5,
    )
    assert reply.status_code == 200
    assert reply.json()["actionName"] == "stack.restart"


@pytest.mark.sandbox(seed="standard")
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token-123456", "Basic abc"])
def test_requests_without_a_valid_bearer_token_get_a_json_401(
    sandbox: SandboxHandle, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    reply = httpx.get(f"{sandbox.url}/api/rest/public/user/info", headers=headers, timeout=5)
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "notAuthorized"
