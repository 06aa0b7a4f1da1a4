"""Render sandbox records as the Zerops API's JSON objects (field names as the reference lists them).

These renderers are written from the API reference, independently of the client's models, so the
contract tests compare two readings of the reference rather than one model with itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from zcp.sandbox.catalogue import CATALOGUE, StackType, StackVersion
from zcp.sandbox.model import AppVersion, EnvVar, Grant, LogEntry, Process, Project, Service, User
from zcp.sandbox.sandbox import Sandbox

_SEVERITY_LABELS = ("Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug")


def ts(moment: datetime | None) -> str | None:
    """RFC 3339 UTC; the fraction is trimmed of trailing zeros like the live API's variable precision."""
    if moment is None:
        return None
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += "." + f"{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


def user_info(sandbox: Sandbox, grant: Grant) -> dict[str, Any]:
    user: User = sandbox.user(grant)
    org = sandbox.state.organisations[grant.client_id]
    return {
        "id": user.id,
        "email": user.email,
        "fullName": user.full_name,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "avatar": None,
        "countryCallingCode": None,
        "phoneNumber": None,
        "language": {"id": "en", "name": "English"},
        "created": ts(user.created),
        "lastUpdate": ts(user.created),
        "status": "ACTIVE",
        "passwordIsSet": True,
        "totpIsSet": False,
        "hasPasskey": False,
        "hasU2F": False,
        "intercomHash": None,
        "clientUserList": [
            {
                "id": f"{user.id[:11]}{org.id[:11]}",
                "clientId": org.id,
                "userId": user.id,
                "status": "ACTIVE",
                "roleCode": grant.role,
                "canViewFinances": grant.role == "OWNER",
                "canEditFinances": grant.role == "OWNER",
                "canCreateProjects": grant.role in ("OWNER", "ADMIN"),
                "client": {"id": org.id, "accountName": org.name, "avatar": None},
            }
        ],
    }


def project_env(project: Project) -> list[dict[str, Any]]:
    return [
        {
            "id": var.id,
            "clientId": project.client_id,
            "projectId": project.id,
            "key": var.key,
            "content": var.content,
            "type": "USER",
            "sensitive": var.sensitive,
            "editable": True,
            "created": ts(var.created),
            "lastUpdate": ts(var.last_update),
        }
        for var in project.env
    ]


def project(project: Project, *, search_hit: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": project.id,
        "clientId": project.client_id,
        "name": project.name,
        "mode": project.mode,
        "status": project.status,
        "description": project.description,
        "tagList": [],
        "zeropsSubdomainHost": project.subdomain_host or None,
        "publicIpV4": None,
        "publicIpV6": None,
        "publicIpV4Shared": None,
        "publicZone": None,
        "logForwardingType": None,
        "autoStartup": True,
        "created": ts(project.created),
        "lastUpdate": ts(project.last_update),
    }
    if search_hit:
        data["envList"] = project_env(project)
        data["userRoles"] = []
    else:
        data["recipeSource"] = None
        data["recipeSourceUrl"] = None
        data["primaryInstanceLocation"] = None
    return data


def type_info(version: StackVersion) -> dict[str, Any]:
    return {
        "serviceStackTypeName": version.type_name,
        "serviceStackTypeCategory": version.category,
        "serviceStackTypeVersionName": version.name,
    }


def service(service: Service, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": service.id,
        "clientId": service.client_id,
        "projectId": service.project_id,
        "serviceStackTypeId": service.stack_type.id,
        "serviceStackTypeVersionId": service.version.id,
        "serviceStackTypeInfo": type_info(service.version),
        "name": service.name,
        "status": service.status,
        "mode": service.mode,
        "isSystem": service.stack_type.is_system,
        "subdomainAccess": service.subdomain_access,
        "ports": [
            {
                "protocol": p.protocol,
                "port": p.port,
                "description": p.description,
                "portRouting": p.port_routing,
                "httpRouting": p.http_routing,
                "scheme": p.scheme,
                "serviceId": service.id,
            }
            for p in service.ports
        ],
        "customAutoscaling": service.autoscaling,
        "startOnProjectStart": True,
        "created": ts(service.created),
        "lastUpdate": ts(service.last_update),
    }
    if detail:
        data["currentAutoscaling"] = service.autoscaling
        data["reloadAvailable"] = service.stack_type.is_runtime
        data["connectedStacks"] = sorted(service.mounts)
    return data


def service_light(service: Service) -> dict[str, Any]:
    return {
        "id": service.id,
        "name": service.name,
        "projectId": service.project_id,
        "serviceStackTypeId": service.stack_type.id,
        "serviceStackTypeVersionId": service.version.id,
        "serviceStackTypeInfo": type_info(service.version),
        "created": ts(service.created),
        "lastUpdate": ts(service.last_update),
    }


def _project_light(sandbox: Sandbox, project_id: str) -> dict[str, Any] | None:
    project = sandbox.state.projects.get(project_id)
    if project is None:
        return None
    return {"id": project.id, "name": project.name, "clientId": project.client_id, "status": project.status}


def process(sandbox: Sandbox, process: Process) -> dict[str, Any]:
    services = [sandbox.state.services[i] for i in process.service_ids if i in sandbox.state.services]
    user = sandbox.state.users.get(process.user_id or "")
    return {
        "id": process.id,
        "clientId": process.client_id,
        "projectId": process.project_id,
        "serviceStackId": services[0].id if services else None,
        "project": _project_light(sandbox, process.project_id),
        "serviceStacks": [service_light(s) for s in services],
        "status": process.status,
        "sequence": process.sequence,
        "actionName": process.action,
        "createdByUser": (
            {"type": "USER", "id": user.id, "email": user.email, "fullName": user.full_name} if user else None
        ),
        "canceledByUser": None,
        "createdBySystem": user is None,
        "appVersion": {"id": process.app_version_id} if process.app_version_id else None,
        "created": ts(process.created),
        "lastUpdate": ts(process.last_update),
        "started": ts(process.started),
        "finished": ts(process.finished),
        "publicMeta": {"failReason": process.fail_reason} if process.fail_reason else None,
    }


def service_env(service: Service, var: EnvVar) -> dict[str, Any]:
    return {
        "id": var.id,
        "clientId": service.client_id,
        "projectId": service.project_id,
        "serviceStackId": service.id,
        "key": var.key,
        "content": var.content,
        "type": var.type,
        "sensitive": var.sensitive,
        "created": ts(var.created),
        "lastUpdate": ts(var.last_update),
    }


def app_version(version: AppVersion, sandbox: Sandbox | None = None) -> dict[str, Any]:
    build = version.build
    user = sandbox.state.users.get(version.user_id or "") if sandbox is not None else None
    return {
        "id": version.id,
        "clientId": version.client_id,
        "projectId": version.project_id,
        "serviceStackId": version.service_id,
        "name": version.name,
        "source": version.source,
        "sequence": version.sequence,
        "status": version.status,
        "build": (
            {
                "serviceStackId": build.service_id,
                "serviceStackName": build.service_name,
                "serviceStackTypeVersionId": build.version_id,
                "pipelineStart": ts(build.pipeline_start),
                "pipelineFinish": ts(build.pipeline_finish),
                "pipelineFailed": ts(build.pipeline_failed),
                "containerCreationStart": ts(build.container_creation_start),
                "startDate": ts(build.start_date),
                "endDate": ts(build.end_date),
                "cacheSnapshotId": None,
            }
            if build
            else None
        ),
        "userData": [],
        "createdByUser": (
            {"type": "USER", "id": user.id, "email": user.email, "fullName": user.full_name} if user else None
        ),
        "githubIntegration": None,
        "publicGitSource": None,
        "created": ts(version.created),
        "lastUpdate": ts(version.last_update),
    }


def stack_type(stack: StackType) -> dict[str, Any]:
    default = next((v for v in reversed(stack.versions) if v.status == "ACTIVE"), stack.versions[-1])
    return {
        "id": stack.id,
        "name": stack.name,
        "description": stack.description,
        "category": stack.category,
        "defaultServiceStackVersionId": default.id,
        "defaultServiceStackVersion": {"id": default.id, "name": default.name},
        "created": "2023-01-01T00:00:00Z",
        "lastUpdate": "2025-01-01T00:00:00Z",
        "serviceStackTypeVersionList": [
            {
                "id": v.id,
                "serviceStackTypeId": stack.id,
                "name": v.name,
                "isBuild": v.is_build,
                "updateUrl": None,
                "status": v.status,
                "releaseDate": "2025-01-01T00:00:00Z",
            }
            for v in stack.versions
        ],
    }


def stack_types() -> list[dict[str, Any]]:
    return [stack_type(t) for t in CATALOGUE]


def log_item(entry: LogEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "timestamp": ts(entry.timestamp),
        "hostname": entry.hostname,
        "containerId": entry.container_id,
        "message": entry.message,
        "content": entry.message,
        "severity": entry.severity,
        "severityLabel": _SEVERITY_LABELS[entry.severity] if 0 <= entry.severity < 8 else str(entry.severity),
        "facility": entry.facility,
        "facilityLabel": f"local{entry.facility - 16}" if 16 <= entry.facility <= 23 else str(entry.facility),
        "priority": entry.facility * 8 + entry.severity,
        "tag": entry.tag,
        "appName": entry.app_name,
        "procId": "-",
        "msgId": "-",
        "structuredData": None,
        "version": 1,
        "client": None,
        "tlsPeer": None,
    }


def search_page(items: list[dict[str, Any]], *, total: int, limit: int | None, offset: int) -> dict[str, Any]:
    return {
        "limit": limit if limit is not None else total,
        "offset": offset,
        "totalHits": total,
        "items": items,
    }
