"""The control API (``/_sandbox/...``): steer a running sandbox from outside — faults, clock, seeds, logs.

It is not part of the Zerops API, takes no token (the sandbox listens on loopback only) and is never
subject to injected faults.

| method and path                     | body / answer                                                   |
|-------------------------------------|-----------------------------------------------------------------|
| ``GET /_sandbox/health``            | scenario, clock time, time scale, the token                     |
| ``GET /_sandbox/state``             | projects, services and processes, summarised                     |
| ``POST /_sandbox/reset``            | ``{"scenario": "...", "timeScale": 0.1}``                        |
| ``GET/POST/DELETE /_sandbox/faults``| list / add a rule (:class:`FaultRule` fields) / remove all        |
| ``DELETE /_sandbox/faults/{id}``    | remove one rule                                                  |
| ``POST /_sandbox/clock/advance``    | ``{"seconds": 5}`` (manual clock only)                           |
| ``GET /_sandbox/requests``          | the recorded requests, oldest first                              |
| ``POST /_sandbox/logs``             | ``{"hostname", "message", "severity", "facility", "tag"}``       |
| ``POST /_sandbox/deploys``          | ``{"hostname", "zeropsYaml", "setup", "outcome"}`` → a build    |
| ``POST /_sandbox/import-failures``  | ``{"hostname", "code", "message"}``: that service's import fails |
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from zcp.sandbox import builds, wire
from zcp.sandbox.clock import ManualClock
from zcp.sandbox.faults import FaultRule
from zcp.sandbox.model import Service
from zcp.sandbox.routes.base import json_response
from zcp.sandbox.sandbox import Sandbox

CONTROL_PREFIX: Final = "/_sandbox"


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _find_service(sandbox: Sandbox, body: dict[str, Any]) -> Service:
    wanted_id, wanted_name = body.get("serviceId"), body.get("hostname")
    for service in sandbox.state.services.values():
        if not service.deleted and (service.id == wanted_id or service.name == wanted_name):
            return service
    raise ControlError(404, f"no service {wanted_id or wanted_name!r}")


def health(sandbox: Sandbox, body: dict[str, Any], request: Request) -> Any:
    return {
        "ok": True,
        "scenario": sandbox.scenario,
        "time": wire.ts(sandbox.now()),
        "timeScale": sandbox.time_scale,
        "token": sandbox.token,
    }


def state(sandbox: Sandbox, body: dict[str, Any], request: Request) -> Any:
    return {
        "projects": [
            {"id": p.id, "name": p.name, "clientId": p.client_id} for p in sandbox.state.projects.values()
        ],
        "services": [
            {
                "id": s.id,
                "name": s.name,
                "projectId": s.project_id,
                "type": s.version.name,
                "status": s.status,
            }
            for s in sandbox.state.services.values()
            if not s.deleted
        ],
        "processes": [
            {"id": p.id, "action": p.action, "status": p.status} for p in sandbox.state.processes.values()
        ],
        "pendingEvents": len(sandbox.events),
    }


def reset(sandbox: Sandbox, body: dict[str, Any], request: Request) -> Any:
    from zcp.sandbox.scenarios import SCENARIOS

    scenario = body.get("scenario", "empty")
    if scenario not in SCENARIOS:
        raise ControlError(400, f"unknown scenario {scenario!r}; known: {', '.join(sorted(SCENARIOS))}")
    time_scale = body.get("timeScale")
    if time_scale is not None and (not isinstance(time_scale, int | float) or time_scale < 0):
        raise ControlError(400, "timeScale must be a non-negative number")
    sandbox.reset(scenario, time_scale=float(time_scale) if time_scale is not None else None)
    return health(sandbox, {}, request)


def list_faults(sandbox: Sandbox, body: dict[str, Any], request: Request) -> Any:
    return {"items": sandbox.faults.rules()}


def add_fault(sandbox: Sandbox, body: dict[str, Any], request: Request) -> Any:
    try:
        rule = FaultRule.from_json(body)
    except (TypeError, ValueError) as error:
        raise ControlError(400, str(error)) from None
    return sandbox.faults.add(rule).to_json()


def clear_faults(sandbox: Sandbox, body: dict[str, Any], request: Request) -> Any:
    sandbox.faults.clear()
    return {"items": []}


def remove_fault(sandbox: Sandbox, body: dict[str, Any], request: Request) -> Any:
    if not sandbox.faults.remove(request.path_params["faultId"]):
        raise ControlError(404, "no such fault rule")
    return {"items": sandbox.faults.rules()}


def advance_clock(sandbox: Sandbox, body: dict[str, Any], request: Request) -> Any:
    seconds = body.get("seconds")
    if not isinstance(seconds, int | float) or seconds < 0:
        raise ControlError(400, "seconds must be a non-negative number")
    if not isinstance(sandbox.clock, ManualClock):
        raise ControlError(409, "the sandbox runs on the system clock; only a manual clock can be advanced")
    sandbox.clock.advance(float(seconds))
    sandbox.advance()
    return health(sandbox, {}, request)


def requests(sandbox: Sandbox, body: dict[str, Any], request: Request) -> Any:
    return {
        "items": [
            {"method": r.method, "path": r.path, "route": r.route, "status": r.status, "fault": r.fault}
            for r in sandbox.requests
        ]
    }


def add_log(sandbox: Sandbox, body: dict[str, Any], request: Request) -> Any:
    service = _find_service(sandbox, body)
    message = body.get("message")
    if not isinstance(message, str):
        raise ControlError(400, "message is required")
    entry = sandbox.emit_log(
        service,
        message,
        severity=int(body.get("severity", 6)),
        facility=int(body.get("facility", 16)),
        tag=body.get("tag"),
    )
    return wire.log_item(entry)


def add_deploy(sandbox: Sandbox, body: dict[str, Any], request: Request) -> Any:
    service = _find_service(sandbox, body)
    outcome = body.get("outcome")
    if outcome is not None and outcome not in builds.OUTCOMES:
        raise ControlError(400, f"outcome must be one of {', '.join(builds.OUTCOMES)}")
    text = body.get("zeropsYaml")
    if not isinstance(text, str):
        raise ControlError(400, "zeropsYaml is required")
    grant = sandbox.state.grants[sandbox.token]
    version, process = builds.deploy(sandbox, grant, service, text, body.get("setup"), outcome=outcome)
    return {"appVersion": wire.app_version(version), "process": wire.process(sandbox, process)}


def add_import_failure(sandbox: Sandbox, body: dict[str, Any], request: Request) -> Any:
    hostname, code = body.get("hostname"), body.get("code", "projectImportUnableToCreateServiceStack")
    if not isinstance(hostname, str):
        raise ControlError(400, "hostname is required")
    sandbox.state.import_failures[hostname] = (
        str(code),
        str(body.get("message", "Unable to create the service.")),
    )
    return {"importFailures": sorted(sandbox.state.import_failures)}


Action = Callable[[Sandbox, dict[str, Any], Request], Any]

_ACTIONS: Final[tuple[tuple[str, str, Action], ...]] = (
    ("GET", "/health", health),
    ("GET", "/state", state),
    ("POST", "/reset", reset),
    ("GET", "/faults", list_faults),
    ("POST", "/faults", add_fault),
    ("DELETE", "/faults", clear_faults),
    ("DELETE", "/faults/{faultId}", remove_fault),
    ("POST", "/clock/advance", advance_clock),
    ("GET", "/requests", requests),
    ("POST", "/logs", add_log),
    ("POST", "/deploys", add_deploy),
    ("POST", "/import-failures", add_import_failure),
)


def _route(sandbox: Sandbox, method: str, path: str, action: Action) -> Route:
    async def serve(request: Request) -> Response:
        from zcp.sandbox.failures import ApiFailure

        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return json_response(400, {"error": "body is not JSON"})
        if not isinstance(body, dict):
            return json_response(400, {"error": "body must be a JSON object"})
        try:
            with sandbox.lock:
                sandbox.advance()
                return json_response(200, action(sandbox, body, request))
        except ControlError as error:
            return json_response(error.status, {"error": error.message})
        except ApiFailure as failure:
            return json_response(failure.status, failure.body())

    return Route(CONTROL_PREFIX + path, serve, methods=[method], name=f"control_{action.__name__}")


def control_routes(sandbox: Sandbox) -> list[Route]:
    return [_route(sandbox, method, path, action) for method, path, action in _ACTIONS]
