"""Drive platform tools through the MCP SDK client against the sandbox, without waiting for real.

:func:`tool_session` builds what ``zcp serve`` builds — an :class:`App` with a platform connection,
the server from the tool registry, an in-memory MCP client — but the platform client retries without
sleeping and every tool waits on the sandbox's manual clock, so a process that "takes" 4 s finishes
in a few milliseconds of real time.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
from mcp import Client
from mcp.types import CallToolResult

from tests.plugins.core import result_text
from tests.plugins.sandbox import SandboxHandle
from zcp.app import App
from zcp.auth import PlatformConnection, discover_project
from zcp.calls import ToolCall
from zcp.clock import Clock, FunctionClock
from zcp.runtime import RuntimeInfo
from zcp.server.app import build_server
from zcp.tools.dispatch import guard_tool_calls

#: Routes that change something on the platform.
MUTATING_ROUTES = (
    "start_service",
    "stop_service",
    "restart_service",
    "reload_service",
    "delete_service",
    "connect_shared_storage",
    "disconnect_shared_storage",
    "set_autoscaling",
    "set_service_env_file",
    "delete_user_data",
    "create_project_env",
    "delete_project_env",
    "import_services",
    "cancel_process",
    "enable_subdomain",
    "disable_subdomain",
)


def mutating_hits(sandbox: SandboxHandle) -> int:
    """How many requests reached a route that changes something."""
    return sum(sandbox.hits(route) for route in MUTATING_ROUTES)


def request_count(sandbox: SandboxHandle) -> int:
    """Every request the sandbox saw so far."""
    return len(sandbox.sandbox.requests)


def in_container(sandbox: SandboxHandle, hostname: str) -> RuntimeInfo:
    """The runtime of a zcp that runs inside the sandbox service ``hostname``."""
    service = sandbox.service(hostname)
    return RuntimeInfo(
        in_container=True, service_id=service.id, hostname=hostname, project_id=service.project_id
    )


@dataclass
class Progress:
    """Progress notifications a call received."""

    events: list[tuple[float, float | None, str | None]] = field(default_factory=list)

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.events.append((progress, total, message))

    @property
    def messages(self) -> list[str]:
        return [m or "" for _, _, m in self.events]


@dataclass
class ToolSession:
    client: Any
    app: App
    sandbox: SandboxHandle | None

    async def call(
        self, name: str, arguments: dict[str, Any] | None = None, progress: Progress | None = None
    ) -> CallToolResult:
        result: CallToolResult = await self.client.call_tool(
            name, arguments or {}, progress_callback=progress
        )
        return result

    async def ping(self) -> None:
        """A JSON-RPC ping (legacy sessions; the SDK warns that the 2026 protocol drops it)."""
        import warnings

        from mcp.shared.exceptions import MCPDeprecationWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            await self.client.send_ping()

    async def ok(self, name: str, arguments: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """Call and return the structured content, failing the test on an error result."""
        result = await self.call(name, arguments, **kw)
        assert not result.is_error, result_text(result)
        data: dict[str, Any] | None = result.structured_content
        assert data is not None
        return data

    async def error(self, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call and return the error wire JSON, failing the test when the call succeeded."""
        result = await self.call(name, arguments)
        return error_payload(result)


def commands(data: dict[str, Any], key: str = "nextActions") -> list[str]:
    """A result's next actions (``[{tool, args}]``) as the commands the text shows."""
    return [ToolCall.model_validate(call).command for call in data.get(key) or []]


def error_payload(result: CallToolResult) -> dict[str, Any]:
    assert result.is_error, result
    payload: dict[str, Any] = json.loads(result_text(result))
    assert set(payload) >= {"code", "error"}, payload
    return payload


@asynccontextmanager
async def knowledge_only_session() -> AsyncIterator[ToolSession]:
    """A session of a zcp without credentials (no platform connection)."""
    from zcp.config import Settings

    app = App(Settings())
    async with Client(guard_tool_calls(build_server(app)), mode="legacy") as mcp_client:
        yield ToolSession(mcp_client, app, None)


@asynccontextmanager
async def tool_session(
    sandbox: SandboxHandle,
    *,
    runtime: RuntimeInfo | None = None,
    mode: Literal["auto", "legacy"] = "legacy",
    token: str | None = None,
    clock: Clock | None = None,
    in_workflow: bool = False,
    **settings: Any,
) -> AsyncIterator[ToolSession]:
    """An MCP client session on a server whose platform connection points at ``sandbox``.

    The workflow state lives in a fresh temporary folder unless ``state_dir`` is given;
    ``in_workflow`` opens a bootstrap session first (tools gated on a workflow session then run).
    """
    with tempfile.TemporaryDirectory(prefix="zcp-state-") as scratch:
        settings.setdefault("state_dir", Path(scratch) / "state")
        # The schema cache too: the user's ~/.cache is never written by a test, nor shared between tests.
        settings.setdefault("schema_cache_dir", Path(scratch) / "schemas")
        async with _tool_session(
            sandbox, runtime=runtime, mode=mode, token=token, clock=clock, **settings
        ) as session:
            if in_workflow:
                open_bootstrap_session(session.app)
            yield session


def open_bootstrap_session(app: App) -> str:
    """Register an open bootstrap session (at provision, empty plan) for this process; returns its id."""
    from zcp.state.models import BootstrapSession, BootstrapState, RegistryEntry, ServicePlan, StepState

    store = app.state
    session = BootstrapSession(
        session_id="0123456789abcdef",
        pid=store.pid,
        intent="test",
        bootstrap=BootstrapState(
            current_step=1,
            steps=[
                StepState(name="discover", status="complete"),
                StepState(name="provision", status="in_progress"),
                StepState(name="close", status="pending"),
            ],
            plan=ServicePlan(targets=[]),
        ),
    )
    store.write_session(session)
    store.register(RegistryEntry(session_id=session.session_id, pid=store.pid, workflow="bootstrap"))
    return session.session_id


@asynccontextmanager
async def _tool_session(
    sandbox: SandboxHandle,
    *,
    runtime: RuntimeInfo | None,
    mode: Literal["auto", "legacy"],
    token: str | None,
    clock: Clock | None,
    **settings: Any,
) -> AsyncIterator[ToolSession]:
    app_settings = sandbox.settings(**settings)
    async with httpx.AsyncClient(timeout=5.0) as http:
        client = sandbox.client(http, token=token, timeout=app_settings.api_timeout)
        credentials = sandbox.credentials(token)
        found = await discover_project(client, credentials)
        platform = PlatformConnection(
            client=client,
            project=found.project,
            client_id=found.client_id,
            user=found.user,
            credentials=credentials,
            runtime=runtime or RuntimeInfo(in_container=False),
        )
        app = App(app_settings, platform=platform)
        app.clock = clock or FunctionClock(sleep_fn=sandbox.sleep, monotonic_fn=sandbox.monotonic)
        async with Client(guard_tool_calls(build_server(app)), mode=mode) as mcp_client:
            yield ToolSession(mcp_client, app, sandbox)
