"""The public REST API (``/api/rest/public/...``): every call the zcp client makes, plus zcli's deploy calls.

:data:`ENDPOINTS` is the table; route names are what fault rules target.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from zcp.sandbox import builds, envs, exporter, importer, lifecycle, wire
from zcp.sandbox.failures import invalid_input
from zcp.sandbox.routes.base import Call, Endpoint, Handler
from zcp.sandbox.search import parse_search, run_search

LOG_ACCESS_SECONDS: Final = 3600


def _search(call: Call, items: list[dict[str, Any]]) -> dict[str, Any]:
    request = parse_search(call.body)
    page, total = run_search(items, request)
    return wire.search_page(page, total=total, limit=request.limit, offset=request.offset)


# --- user, projects ----------------------------------------------------------------------------


def get_user_info(call: Call) -> Any:
    return wire.user_info(call.sandbox, call.user)


def search_projects(call: Call) -> Any:
    projects = call.sandbox.visible_projects(call.user)
    return _search(call, [wire.project(p, search_hit=True) for p in projects])


def get_project(call: Call) -> Any:
    return wire.project(call.sandbox.project(call.user, call.params["projectId"]))


def export_project(call: Call) -> Any:
    project = call.sandbox.project(call.user, call.params["projectId"])
    return {"yaml": exporter.export_project(call.sandbox, project)}


def create_project_env(call: Call) -> Any:
    process = envs.create_project_env(call.sandbox, call.user, call.params["projectId"], call.body)
    return wire.process(call.sandbox, process)


def delete_project_env(call: Call) -> Any:
    return wire.process(call.sandbox, envs.delete_project_env(call.sandbox, call.user, call.params["envId"]))


def import_services(call: Call) -> Any:
    sandbox = call.sandbox
    sandbox.require_write(call.user)
    project = sandbox.project(call.user, call.params["projectId"])
    if not isinstance(call.body, dict):
        raise invalid_input({"yaml": "required"})
    plan = importer.plan_import(sandbox, project, call.body.get("yaml"))
    results = importer.apply_import(sandbox, call.user, project, plan)
    stacks = []
    for service, hostname, process, failure in results:
        stacks.append(
            {
                "id": service.id if service else "",
                "name": hostname,
                "error": {"code": failure[0], "message": failure[1], "meta": None} if failure else None,
                "processes": [wire.process(sandbox, process)] if process else [],
            }
        )
    return {"projectId": project.id, "projectName": project.name, "serviceStacks": stacks}


def get_project_log(call: Call) -> Any:
    sandbox = call.sandbox
    project = sandbox.project(call.user, call.params["projectId"])
    token = sandbox.ids.secret(32)
    expiration = sandbox.now() + timedelta(seconds=LOG_ACCESS_SECONDS)
    sandbox.state.log_tokens[token] = (project.id, expiration)
    url = f"{call.base_url}/_logs/{project.id}?accessToken={token}"
    return {
        "accessToken": token,
        "expiration": wire.ts(expiration),
        "url": f"GET {url}",
        "urlInfo": f"GET {url}&info=1",
        "urlPlain": f"GET {url}&plain=1",
    }


# --- services ----------------------------------------------------------------------------------


def search_services(call: Call) -> Any:
    sandbox = call.sandbox
    services = [
        s
        for s in sandbox.state.services.values()
        if not s.deleted and call.user.sees_project(s.client_id, s.project_id)
    ]
    return _search(call, [wire.service(s) for s in services])


def get_service(call: Call) -> Any:
    return wire.service(call.sandbox.service(call.user, call.params["serviceStackId"]), detail=True)


def _state_change(action: str) -> Handler:
    def handler(call: Call) -> Any:
        process = lifecycle.change_state(call.sandbox, call.user, call.params["serviceStackId"], action)
        return wire.process(call.sandbox, process)

    handler.__name__ = f"{action}_service"
    return handler


def delete_service(call: Call) -> Any:
    return wire.process(
        call.sandbox, lifecycle.delete_service(call.sandbox, call.user, call.params["serviceStackId"])
    )


def _storage(connect: bool) -> Handler:
    def handler(call: Call) -> Any:
        process = lifecycle.shared_storage(
            call.sandbox, call.user, call.params["serviceStackId"], call.body, connect=connect
        )
        return wire.process(call.sandbox, process)

    return handler


def set_autoscaling(call: Call) -> Any:
    process = lifecycle.set_autoscaling(call.sandbox, call.user, call.params["serviceStackId"], call.body)
    return {"process": wire.process(call.sandbox, process) if process else None}


def enable_subdomain(call: Call) -> Any:
    process = lifecycle.enable_subdomain(call.sandbox, call.user, call.params["serviceStackId"])
    return wire.process(call.sandbox, process)


def disable_subdomain(call: Call) -> Any:
    process = lifecycle.disable_subdomain(call.sandbox, call.user, call.params["serviceStackId"])
    return wire.process(call.sandbox, process)


def get_service_env(call: Call) -> Any:
    service, variables = envs.service_env(call.sandbox, call.user, call.params["serviceStackId"])
    return {"items": [wire.service_env(service, v) for v in variables]}


def set_service_env_file(call: Call) -> Any:
    process = envs.set_env_file(call.sandbox, call.user, call.params["serviceStackId"], call.body)
    return wire.process(call.sandbox, process)


def delete_user_data(call: Call) -> Any:
    return wire.process(
        call.sandbox, envs.delete_user_data(call.sandbox, call.user, call.params["userDataId"])
    )


def export_service(call: Call) -> Any:
    service = call.sandbox.service(call.user, call.params["serviceStackId"])
    return {"yaml": exporter.export_service(call.sandbox, service)}


def validate_zerops_yaml(call: Call) -> Any:
    from zcp.sandbox.zerops_yaml import validate_request

    validate_request(call.body)
    return {"success": True}


# --- processes, app versions, catalogue --------------------------------------------------------


def get_process(call: Call) -> Any:
    return wire.process(call.sandbox, call.sandbox.process(call.user, call.params["processId"]))


def cancel_process(call: Call) -> Any:
    sandbox = call.sandbox
    sandbox.require_write(call.user)
    process = sandbox.process(call.user, call.params["processId"])
    return wire.process(sandbox, sandbox.cancel(process))


def search_processes(call: Call) -> Any:
    sandbox = call.sandbox
    processes = [
        p for p in sandbox.state.processes.values() if call.user.sees_project(p.client_id, p.project_id)
    ]
    return _search(call, [wire.process(sandbox, p) for p in processes])


def search_app_versions(call: Call) -> Any:
    versions = [
        v
        for v in call.sandbox.state.app_versions.values()
        if call.user.sees_project(v.client_id, v.project_id)
    ]
    return _search(call, [wire.app_version(v, call.sandbox) for v in versions])


def search_service_stack_types(call: Call) -> Any:
    return _search(call, wire.stack_types())


# --- zcli's deploy calls -----------------------------------------------------------------------


def region_zcli(call: Call) -> Any:
    host = call.base_url.split("://", 1)[-1]
    return {"items": [{"name": "prg1", "isDefault": True, "address": host, "guiAddress": host}]}


def create_app_version(call: Call) -> Any:
    sandbox = call.sandbox
    sandbox.require_write(call.user)
    service = sandbox.service(call.user, call.params["serviceStackId"])
    name = call.body.get("name") if isinstance(call.body, dict) else None
    version = builds.create_app_version(
        sandbox, service, name=name if isinstance(name, str) else None, user_id=call.user.user_id
    )
    data = wire.app_version(version, sandbox)
    data["uploadUrl"] = f"{call.base_url}/_sandbox/upload/{version.id}"
    return data


def build_and_deploy(call: Call) -> Any:
    sandbox = call.sandbox
    version = builds.app_version_for(sandbox, call.user, call.params["appVersionId"])
    body = call.body if isinstance(call.body, dict) else {}
    text = body.get("zeropsYaml")
    if not isinstance(text, str) or not text.strip():
        raise invalid_input({"zeropsYaml": "required string"})
    setup = body.get("zeropsYamlSetup")
    process = builds.start_build(sandbox, call.user, version, text, setup if isinstance(setup, str) else None)
    return wire.process(sandbox, process)


def deploy_app_version(call: Call) -> Any:
    version = builds.app_version_for(call.sandbox, call.user, call.params["appVersionId"])
    return wire.process(call.sandbox, builds.redeploy_version(call.sandbox, call.user, version))


_SID = "/service-stack/{serviceStackId}"

#: Every public endpoint, in the order of the API reference's inventory, then zcli's deploy calls.
ENDPOINTS: Final = (
    Endpoint("get_user_info", "GET", "/user/info", get_user_info),
    Endpoint("search_projects", "POST", "/project/search", search_projects),
    Endpoint("get_project", "GET", "/project/{projectId}", get_project),
    Endpoint("search_services", "POST", "/service-stack/search", search_services),
    Endpoint("validate_zerops_yaml", "POST", "/service-stack/zerops-yaml-validation", validate_zerops_yaml),
    Endpoint("get_service", "GET", _SID, get_service),
    Endpoint("start_service", "PUT", f"{_SID}/start", _state_change("start")),
    Endpoint("stop_service", "PUT", f"{_SID}/stop", _state_change("stop")),
    Endpoint("restart_service", "PUT", f"{_SID}/restart", _state_change("restart")),
    Endpoint("reload_service", "PUT", f"{_SID}/reload", _state_change("reload")),
    Endpoint("connect_shared_storage", "PUT", f"{_SID}/connect-shared-storage", _storage(True)),
    Endpoint("disconnect_shared_storage", "PUT", f"{_SID}/disconnect-shared-storage", _storage(False)),
    Endpoint("set_autoscaling", "PUT", f"{_SID}/autoscaling", set_autoscaling),
    Endpoint("get_service_env", "GET", f"{_SID}/env", get_service_env),
    Endpoint("set_service_env_file", "PUT", f"{_SID}/user-data/env-file", set_service_env_file),
    Endpoint("delete_user_data", "DELETE", "/user-data/{userDataId}", delete_user_data),
    Endpoint("create_project_env", "POST", "/project/{projectId}/env", create_project_env),
    Endpoint("delete_project_env", "DELETE", "/project-env/{envId}", delete_project_env),
    Endpoint("export_project", "GET", "/project/{projectId}/export", export_project),
    Endpoint("export_service", "GET", f"{_SID}/export", export_service),
    Endpoint("import_services", "POST", "/project/{projectId}/service-stack/import", import_services),
    Endpoint("delete_service", "DELETE", _SID, delete_service),
    Endpoint("get_process", "GET", "/process/{processId}", get_process),
    Endpoint("cancel_process", "PUT", "/process/{processId}/cancel", cancel_process),
    Endpoint("enable_subdomain", "PUT", f"{_SID}/enable-subdomain-access", enable_subdomain),
    Endpoint("disable_subdomain", "PUT", f"{_SID}/disable-subdomain-access", disable_subdomain),
    Endpoint("get_project_log", "GET", "/project/{projectId}/log", get_project_log),
    Endpoint("search_processes", "POST", "/process/search", search_processes),
    Endpoint("search_app_versions", "POST", "/app-version/search", search_app_versions),
    Endpoint("search_service_stack_types", "POST", "/service-stack-type/search", search_service_stack_types),
    # zcli push
    Endpoint("region_zcli", "GET", "/region/zcli", region_zcli, auth=False),
    Endpoint("create_app_version", "POST", f"{_SID}/app-version", create_app_version),
    Endpoint("build_and_deploy", "PUT", "/app-version/{appVersionId}/build-and-deploy", build_and_deploy),
    Endpoint("deploy_app_version", "PUT", "/app-version/{appVersionId}/deploy", deploy_app_version),
    # PUT <uploadUrl> streams: see zcp.sandbox.routes.uploads
)
