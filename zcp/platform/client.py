"""The Zerops API client: one async method per platform call zcp makes.

Construct it around an ``httpx.AsyncClient`` (the one seam to the outside world; tests pass a client
pointed at the sandbox or a ``MockTransport``), or let :meth:`ZeropsClient.open` build and close one from
:class:`~zcp.config.Settings`. Every method returns pydantic models from :mod:`zcp.platform.models` or
raises one of :mod:`zcp.errors`; none of them polls — :mod:`zcp.platform.polling` does that.

Searches filter only by organisation (``clientId``) on the server; project scoping happens here after
the server's ``limit`` was applied, exactly like the Zerops CLI tooling does.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterable, AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio
import httpx

from zcp.clock import SYSTEM_CLOCK, Clock
from zcp.errors import InvalidParameter, ProcessAlreadyTerminal, ServiceNotFound, ZcpError
from zcp.platform.api import ApiCaller
from zcp.platform.logs import LogFetcher, LogQuery
from zcp.platform.models import (
    AppVersion,
    CustomAutoscaling,
    ExportYaml,
    ImportResult,
    LogAccess,
    LogItem,
    Process,
    ProcessNil,
    Project,
    ProjectEnv,
    SearchPage,
    ServiceEnv,
    ServiceEnvList,
    ServiceStack,
    ServiceStackType,
    UserInfo,
    ValidationSuccess,
    WireModel,
)
from zcp.platform.push import AppVersionCreate, BuildAndDeploy, PostAppVersion, upload_archive
from zcp.platform.requests import (
    AutoscalingRequest,
    EnvFileRequest,
    ImportRequest,
    ProjectEnvCreate,
    SearchFilter,
    SharedStorageAction,
    ZeropsYamlValidation,
)
from zcp.platform.retry import RetryPolicy
from zcp.secrets import SecretToken

if TYPE_CHECKING:
    from zcp.auth import Credentials
    from zcp.config import Settings

#: API codes a cancel answers with when the process finished in the meantime.
CANCEL_TOO_LATE_CODES = frozenset(
    {"processIsAlreadyOver", "processAlreadyFinished", "processCanNoLongerBeCanceled"}
)


class ZeropsClient:
    """Async access to the Zerops REST API for one token."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        token: str | SecretToken,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        clock: Clock = SYSTEM_CLOCK,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._api = ApiCaller(
            http,
            base_url=base_url,
            token=token,
            timeout=timeout,
            retry=retry,
            clock=clock,
            jitter=jitter,
        )
        self._logs = LogFetcher(http, timeout=timeout)
        self._client_id: str | None = None
        self._client_id_lock = anyio.Lock()

    def __repr__(self) -> str:
        return f"ZeropsClient(base_url={self._api.base_url!r}, token=***)"

    @property
    def base_url(self) -> str:
        return self._api.base_url

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        settings: Settings,
        credentials: Credentials,
        *,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> AsyncIterator[ZeropsClient]:
        """A client with its own connection pool, closed when the block ends."""
        timeout = httpx.Timeout(settings.api_timeout, connect=min(settings.api_timeout, 10.0))
        async with httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=False) as http:
            yield cls(
                http,
                base_url=credentials.api_host,
                token=credentials.token,
                timeout=settings.api_timeout,
                retry=retry,
            )

    # --- user and organisation -------------------------------------------------------------------

    async def get_user_info(self) -> UserInfo:
        """The token's user and organisations; also validates the token (401 → AuthTokenExpired)."""
        info = await self._api.call("GET", "/user/info", UserInfo, entity="auth", idempotent=True)
        if info.client_id:
            self._client_id = info.client_id
        return info

    async def client_id(self) -> str:
        """The organisation id every search filters on; fetched once, then cached for the client's life."""
        if self._client_id is None:
            async with self._client_id_lock:
                if self._client_id is None:
                    await self.get_user_info()
        return self._client_id or ""

    def remember_client_id(self, client_id: str) -> None:
        """Seed the cache (start-up already read ``/user/info``)."""
        self._client_id = client_id or None

    async def _cid(self, client_id: str | None) -> str:
        return client_id if client_id else await self.client_id()

    # --- projects --------------------------------------------------------------------------------

    async def list_projects(self, client_id: str | None = None) -> list[Project]:
        """Every project of the organisation."""
        body = SearchFilter.by_client(await self._cid(client_id))
        page = await self._api.call(
            "POST", "/project/search", SearchPage[Project], entity="project", body=body, idempotent=True
        )
        return list(page.items)

    async def get_project(self, project_id: str) -> Project:
        return await self._api.call(
            "GET",
            f"/project/{project_id}",
            Project,
            entity="project",
            target=f"project {project_id}",
            idempotent=True,
        )

    async def get_project_env(self, project_id: str, client_id: str | None = None) -> list[ProjectEnv]:
        """The project's environment variables (read through a project search by id)."""
        body = SearchFilter.by_client(await self._cid(client_id), id=project_id)
        page = await self._api.call(
            "POST", "/project/search", SearchPage[Project], entity="project", body=body, idempotent=True
        )
        if not page.items:
            raise ServiceNotFound(
                f"Project {project_id} was not found.",
                suggestion="Check the token sees this project.",
            )
        return list(page.items[0].env_list)

    async def create_project_env(
        self, project_id: str, key: str, content: str, *, sensitive: bool = False
    ) -> Process:
        body = ProjectEnvCreate(key=key, content=content, sensitive=sensitive)
        return await self._api.call(
            "POST",
            f"/project/{project_id}/env",
            Process,
            entity="project",
            target=f"project {project_id}",
            body=body,
            idempotent=False,
        )

    async def delete_project_env(self, env_id: str) -> Process:
        return await self._api.call(
            "DELETE",
            f"/project-env/{env_id}",
            Process,
            entity="env",
            target=f"project env {env_id}",
            idempotent=False,
        )

    async def export_project(self, project_id: str) -> str:
        """The project as re-importable import YAML."""
        result = await self._api.call(
            "GET",
            f"/project/{project_id}/export",
            ExportYaml,
            entity="project",
            target=f"project {project_id}",
            idempotent=True,
        )
        return result.yaml

    async def import_services(self, project_id: str, yaml_text: str) -> ImportResult:
        """Create services from import YAML; schema problems raise InvalidImportYaml and create nothing."""
        return await self._api.call(
            "POST",
            f"/project/{project_id}/service-stack/import",
            ImportResult,
            entity="import",
            target=f"project {project_id}",
            body=ImportRequest(yaml=yaml_text),
            idempotent=False,
        )

    # --- services --------------------------------------------------------------------------------

    async def list_services(self, project_id: str, client_id: str | None = None) -> list[ServiceStack]:
        """The project's services (system services included; filter with ``is_system_service``)."""
        body = SearchFilter.by_client(await self._cid(client_id))
        page = await self._api.call(
            "POST",
            "/service-stack/search",
            SearchPage[ServiceStack],
            entity="service",
            body=body,
            idempotent=True,
        )
        return [service for service in page.items if service.project_id == project_id]

    async def get_service(self, service_id: str) -> ServiceStack:
        """One service, read from the authoritative (never lagging) endpoint."""
        return await self._api.call(
            "GET",
            f"/service-stack/{service_id}",
            ServiceStack,
            entity="service",
            target=f"service {service_id}",
            idempotent=True,
        )

    async def _service_action(
        self, method: str, service_id: str, action: str, body: WireModel | None = None
    ) -> Process:
        return await self._api.call(
            method,
            f"/service-stack/{service_id}{action}",
            Process,
            entity="service",
            target=f"service {service_id}",
            body=body,
            idempotent=False,
        )

    async def start_service(self, service_id: str) -> Process:
        return await self._service_action("PUT", service_id, "/start")

    async def stop_service(self, service_id: str) -> Process:
        return await self._service_action("PUT", service_id, "/stop")

    async def restart_service(self, service_id: str) -> Process:
        return await self._service_action("PUT", service_id, "/restart")

    async def reload_service(self, service_id: str) -> Process:
        return await self._service_action("PUT", service_id, "/reload")

    async def delete_service(self, service_id: str) -> Process:
        return await self._service_action("DELETE", service_id, "")

    async def connect_shared_storage(self, service_id: str, storage_id: str) -> Process:
        body = SharedStorageAction(shared_storage_id=storage_id)
        return await self._service_action("PUT", service_id, "/connect-shared-storage", body)

    async def disconnect_shared_storage(self, service_id: str, storage_id: str) -> Process:
        body = SharedStorageAction(shared_storage_id=storage_id)
        return await self._service_action("PUT", service_id, "/disconnect-shared-storage", body)

    async def enable_subdomain(self, service_id: str) -> Process:
        return await self._service_action("PUT", service_id, "/enable-subdomain-access")

    async def disable_subdomain(self, service_id: str) -> Process:
        return await self._service_action("PUT", service_id, "/disable-subdomain-access")

    async def set_autoscaling(
        self, service_id: str, scaling: CustomAutoscaling, *, mode: str | None = None
    ) -> Process | None:
        """Change scaling limits; ``None`` means the platform applied it at once (nothing to poll).

        ``mode`` must repeat the service's current mode (``HA``/``NON_HA``); the API refuses changes.
        """
        body = AutoscalingRequest(mode=mode or None, custom_autoscaling=scaling)
        result = await self._api.call(
            "PUT",
            f"/service-stack/{service_id}/autoscaling",
            ProcessNil,
            entity="service",
            target=f"service {service_id}",
            body=body,
            idempotent=False,
        )
        return result.process

    async def export_service(self, service_id: str) -> str:
        result = await self._api.call(
            "GET",
            f"/service-stack/{service_id}/export",
            ExportYaml,
            entity="service",
            target=f"service {service_id}",
            idempotent=True,
        )
        return result.yaml

    # --- service environment --------------------------------------------------------------------

    async def get_service_env(self, service_id: str) -> list[ServiceEnv]:
        """Every variable of the service, platform-generated ones included."""
        result = await self._api.call(
            "GET",
            f"/service-stack/{service_id}/env",
            ServiceEnvList,
            entity="service",
            target=f"service {service_id}",
            idempotent=True,
        )
        return list(result.items)

    async def set_service_env_file(self, service_id: str, env_file: str) -> Process:
        """Set the variables in a ``KEY=value`` per line text; keys not named are left alone."""
        return await self._service_action(
            "PUT", service_id, "/user-data/env-file", EnvFileRequest(env_file=env_file)
        )

    async def delete_user_data(self, user_data_id: str) -> Process:
        """Delete one service variable by the ``id`` from :meth:`get_service_env`."""
        return await self._api.call(
            "DELETE",
            f"/user-data/{user_data_id}",
            Process,
            entity="env",
            target=f"variable {user_data_id}",
            idempotent=False,
        )

    # --- zerops.yaml ----------------------------------------------------------------------------

    async def validate_zerops_yaml(self, request: ZeropsYamlValidation) -> None:
        """Ask the platform to validate zerops.yaml for a service; InvalidZeropsYaml carries the field errors."""
        missing = [
            name
            for name in (
                "service_stack_name",
                "service_stack_type_id",
                "service_stack_type_version_name",
                "zerops_yaml",
            )
            if not getattr(request, name).strip()
        ]
        if missing:
            raise InvalidParameter(
                f"zerops.yaml validation needs {', '.join(missing)}.",
                suggestion="Pass the target service's hostname, type id, type version and the file text.",
            )
        await self._api.call(
            "POST",
            "/service-stack/zerops-yaml-validation",
            ValidationSuccess,
            entity="zerops_yaml",
            body=request,
            idempotent=True,
        )

    # --- processes and app versions -------------------------------------------------------------

    async def get_process(self, process_id: str) -> Process:
        return await self._api.call(
            "GET",
            f"/process/{process_id}",
            Process,
            entity="process",
            target=f"process {process_id}",
            idempotent=True,
        )

    async def cancel_process(self, process_id: str) -> Process:
        """Cancel a pending or running process; ProcessAlreadyTerminal when it is already over."""
        current = await self.get_process(process_id)
        if not current.in_progress:
            raise _already_terminal(current)
        try:
            return await self._api.call(
                "PUT",
                f"/process/{process_id}/cancel",
                Process,
                entity="process",
                target=f"process {process_id}",
                idempotent=False,
            )
        except ZcpError as error:
            if error.api_code in CANCEL_TOO_LATE_CODES:
                raise ProcessAlreadyTerminal(
                    f"Process {process_id} finished before it could be cancelled.",
                    suggestion="Read the process to see how it ended.",
                    api_code=error.api_code,
                ) from None
            raise

    async def search_processes(
        self, project_id: str, limit: int = 50, client_id: str | None = None
    ) -> list[Process]:
        """The newest processes of the organisation (``limit`` applies before the project filter)."""
        body = SearchFilter.by_client(await self._cid(client_id), newest_first=True, limit=limit)
        page = await self._api.call(
            "POST", "/process/search", SearchPage[Process], entity="process", body=body, idempotent=True
        )
        return [process for process in page.items if process.project_id == project_id]

    async def search_app_versions(
        self, project_id: str, limit: int = 10, client_id: str | None = None
    ) -> list[AppVersion]:
        """The newest app versions (deploys) of the organisation, kept to this project."""
        body = SearchFilter.by_client(await self._cid(client_id), newest_first=True, limit=limit)
        page = await self._api.call(
            "POST",
            "/app-version/search",
            SearchPage[AppVersion],
            entity="app_version",
            body=body,
            idempotent=True,
        )
        return [version for version in page.items if version.project_id == project_id]

    # --- the push API (what zcli push calls; zcp.ops.push runs the sequence) ----------------------

    async def create_app_version(self, service_id: str, *, name: str | None = None) -> PostAppVersion:
        """A new app version of a runtime service, ``UPLOADING``, with the URL its archive goes to."""
        return await self._api.call(
            "POST",
            f"/service-stack/{service_id}/app-version",
            PostAppVersion,
            entity="service",
            target=f"service {service_id}",
            body=AppVersionCreate(name=name),
            idempotent=False,
        )

    async def upload_archive(self, upload_url: str, content: AsyncIterable[bytes] | bytes) -> None:
        """Stream the gzip tar to ``upload_url`` (no token is sent there; DeployFailed on refusal)."""
        await upload_archive(self._api.http, upload_url, content, timeout=self._api.timeout)

    async def build_and_deploy(
        self, app_version_id: str, zerops_yaml: str, *, setup: str | None = None
    ) -> Process:
        """Start the build and deploy of an uploaded app version; returns its ``stack.build`` process."""
        return await self._api.call(
            "PUT",
            f"/app-version/{app_version_id}/build-and-deploy",
            Process,
            entity="zerops_yaml",
            target=f"app version {app_version_id}",
            body=BuildAndDeploy(zerops_yaml=zerops_yaml, zerops_yaml_setup=setup),
            idempotent=False,
        )

    async def deploy_app_version(self, app_version_id: str) -> Process:
        """Deploy an earlier app version again, without rebuilding (a rollback)."""
        return await self._api.call(
            "PUT",
            f"/app-version/{app_version_id}/deploy",
            Process,
            entity="app_version",
            target=f"app version {app_version_id}",
            idempotent=False,
        )

    async def search_service_app_versions(
        self, service_id: str, *, limit: int = 10, client_id: str | None = None
    ) -> list[AppVersion]:
        """The newest app versions of one service (filtered on the server, newest first)."""
        body = SearchFilter.by_client(
            await self._cid(client_id), newest_first=True, limit=limit, serviceStackId=service_id
        )
        page = await self._api.call(
            "POST",
            "/app-version/search",
            SearchPage[AppVersion],
            entity="app_version",
            body=body,
            idempotent=True,
        )
        return [version for version in page.items if version.service_stack_id == service_id]

    # --- catalogue -------------------------------------------------------------------------------

    async def list_service_stack_types(self) -> list[ServiceStackType]:
        """Every service type and version the platform offers."""
        body = SearchFilter(limit=500)
        page = await self._api.call(
            "POST",
            "/service-stack-type/search",
            SearchPage[ServiceStackType],
            entity="stack_type",
            body=body,
            idempotent=True,
        )
        return list(page.items)

    # --- logs ------------------------------------------------------------------------------------

    async def get_project_log_access(self, project_id: str) -> LogAccess:
        """A fresh signed log-backend URL (fetched again for every read; it expires)."""
        return await self._api.call(
            "GET",
            f"/project/{project_id}/log",
            LogAccess,
            entity="log",
            target=f"project {project_id}",
            idempotent=True,
        )

    async def fetch_logs(self, project_id: str, query: LogQuery) -> list[LogItem]:
        """Log entries of the project, oldest first, filtered by ``query``."""
        access = await self.get_project_log_access(project_id)
        return await self._logs.fetch(access, query)


def _already_terminal(process: Process) -> ProcessAlreadyTerminal:
    return ProcessAlreadyTerminal(
        f"Process {process.id} is already {process.normalized_status}; there is nothing to cancel.",
        suggestion="Read the process to see how it ended.",
        details={"processId": process.id, "status": process.normalized_status},
    )
