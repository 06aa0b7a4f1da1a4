"""``zerops_env``: read, set and delete service or project environment variables; write a local .env.

* ``get`` lists the variables; values only with ``includeValues=true`` (they are often credentials).
* ``set`` takes ``KEY=value`` strings. ``<@...>`` expressions are expanded first (one batch, so
  ``setVar``/``getVar`` work across variables) and the expanded values are stored. Values are not
  echoed unless ``includeValues=true``.
* ``delete`` takes keys; a key that is not set is refused before anything changes.
* A service only sees changed variables after a restart, so ``set``/``delete`` restart what the change
  affects and wait for it (``skipRestart=true`` leaves that to the caller and says which restarts are
  due). That flow and its restart policy are :func:`zcp.ops.env.change_env`.
* ``generate-dotenv`` writes ``.env`` next to the local ``zerops.yaml`` with the variables of one
  setup (default: the service's hostname) and the project's, references resolved from the live
  project, so the code runs locally against the project's services.

Deviations from the Go original: values hidden by default (``includeValues``), ``setup``/``path``
for ``generate-dotenv`` (the original used the hostname as the setup and the working directory),
and conflicting parameters are refused instead of ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from zcp.calls import ToolCall
from zcp.errors import InvalidParameter
from zcp.ops import dotenv as dotenv_ops
from zcp.ops import env as env_ops
from zcp.ops.targets import project_services
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import FlexBool, Hostname, find_service
from zcp.tools.untrusted import fence_records
from zcp.tools.waiting import Outcome, ProcessOut, ProcessWaiter, WaitSeconds, process_out

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.auth import PlatformConnection
    from zcp.platform.models import ServiceStack

NAME = "zerops_env"
DESCRIPTION = (
    "Env variables of a service (serviceHostname) or the project (project=true): get (values only with "
    "includeValues), set KEY=value (<@...> expanded), delete keys; set/delete restart what sees the change "
    "(skipRestart to skip). generate-dotenv writes a local .env, references resolved."
)

EnvAction = Literal["get", "set", "delete", "generate-dotenv"]


class VariableOut(BaseModel):
    """One variable; ``value`` only when values were asked for (it is data from the project: untrusted)."""

    model_config = ConfigDict(populate_by_name=True)

    key: str
    value: str | None = None
    type: str | None = None
    generated: bool | None = None
    is_reference: bool | None = Field(default=None, alias="isReference")
    replaced: bool | None = None


class EnvResult(ToolOutput):
    """What zerops_env did."""

    action: EnvAction
    service_hostname: str | None = Field(default=None, alias="serviceHostname")
    variables: list[VariableOut]
    outcome: Outcome | None = None
    processes: list[ProcessOut] | None = None
    restart_skipped: bool | None = Field(default=None, alias="restartSkipped")
    path: str | None = None
    unresolved: list[str] | None = None
    warnings: list[str] | None = None

    def to_text(self) -> str:
        where = f"service {self.service_hostname}" if self.service_hostname else "the project"
        verb = {"get": "has", "set": "set", "delete": "deleted", "generate-dotenv": "wrote"}[self.action]
        if self.action == "generate-dotenv":
            lines = [f"{verb} {self.path} with {len(self.variables)} variable(s) for {where}"]
        else:
            lines = [f"{where} {verb} {len(self.variables)} variable(s)"]
        with_values = [v for v in self.variables if v.value is not None]
        if with_values:
            lines.append(fence_records(f"{v.key}={v.value}" for v in with_values).rstrip("\n"))
        elif self.variables:
            lines.append(", ".join(_label(v) for v in self.variables))
            if self.action == "get":
                lines.append("(values hidden; includeValues=true shows them)")
        for process in self.processes or []:
            lines.append(process.render(f"{process.service or 'project'}: "))
        if self.unresolved:
            lines.append("unresolved references: " + ", ".join("${" + name + "}" for name in self.unresolved))
        lines += [f"warning: {w}" for w in self.warnings or []]
        return "\n".join(lines) + "\n"


def _label(variable: VariableOut) -> str:
    tags = [
        t
        for t in (
            variable.type,
            "generated" if variable.generated else None,
            "replaced" if variable.replaced else None,
        )
        if t
    ]
    return variable.key + (f" ({', '.join(tags)})" if tags else "")


def _check_combination(
    action: str,
    service_hostname: str | None,
    project: bool,
    variables: list[str] | None,
    skip_restart: bool,
    setup: str | None,
    path: str | None,
    wait_seconds: float | None,
) -> None:
    """Refuse parameters that conflict or do not apply to ``action``, saying what to send instead."""
    if action == "generate-dotenv":
        if service_hostname is None or project:
            raise InvalidParameter(
                "generate-dotenv needs serviceHostname (the service whose zerops.yaml setup to use), not project",
                suggestion='e.g. zerops_env action="generate-dotenv" serviceHostname="app".',
            )
    elif project and service_hostname is not None:
        raise InvalidParameter(
            "give serviceHostname or project=true, not both",
            suggestion="serviceHostname for one service's variables; project=true for variables every service inherits.",
        )
    elif not project and service_hostname is None:
        raise InvalidParameter(
            f"{action} needs a target: serviceHostname or project=true",
            suggestion=f'e.g. zerops_env action="{action}" serviceHostname="app", or project=true.',
        )
    misplaced = []
    if variables is not None and action not in ("set", "delete"):
        misplaced.append("variables (set/delete only)")
    if skip_restart and action not in ("set", "delete"):
        misplaced.append("skipRestart (set/delete only)")
    if wait_seconds is not None and action not in ("set", "delete"):
        misplaced.append("waitSeconds (set/delete only)")
    if (setup is not None or path is not None) and action != "generate-dotenv":
        misplaced.append("setup/path (generate-dotenv only)")
    if misplaced:
        raise InvalidParameter(
            f"not used by {action}: {', '.join(misplaced)}",
            suggestion="Drop them, or pick the action they belong to.",
        )


def env_tool(app: App) -> ToolDefinition:
    """Build the zerops_env tool bound to ``app``."""

    async def zerops_env(
        action: Annotated[EnvAction, Field(description="what to do")],
        serviceHostname: Annotated[Hostname | None, Field(description="the service")] = None,
        project: Annotated[
            FlexBool, Field(description="project variables (every service inherits them)")
        ] = False,
        variables: Annotated[
            list[str] | None,
            Field(description='set: ["KEY=value"]; delete: ["KEY"]'),
        ] = None,
        includeValues: Annotated[FlexBool, Field(description="show values (often secrets)")] = False,
        skipRestart: Annotated[FlexBool, Field(description="set/delete: no restart")] = False,
        setup: Annotated[str | None, Field(description="generate-dotenv: setup (default hostname)")] = None,
        path: Annotated[str | None, Field(description="generate-dotenv: zerops.yaml path")] = None,
        waitSeconds: WaitSeconds = None,
        ctx: Context | None = None,
    ) -> EnvResult:
        _check_combination(action, serviceHostname, project, variables, skipRestart, setup, path, waitSeconds)
        platform = app.require_platform()
        services = await project_services(platform)
        service = find_service(services, serviceHostname) if serviceHostname is not None else None
        host = service.name if service is not None else None

        if action == "get":
            return await _get(platform, service, includeValues)
        if action == "generate-dotenv":
            assert service is not None
            written = await dotenv_ops.generate_dotenv(
                platform, service, services, setup=setup, path=path, work_dir=app.settings.work_dir
            )
            built = written.dotenv
            return EnvResult(
                action="generate-dotenv",
                service_hostname=service.name,
                variables=[
                    VariableOut(key=k, value=v if includeValues else None) for k, v in built.values.items()
                ],
                path=str(built.path),
                unresolved=list(built.unresolved) or None,
                warnings=list(written.warnings) or None,
                next_actions=list(written.next_actions),
            )

        waiter = ProcessWaiter(
            app, ctx, wait_seconds=waitSeconds, subject=f"env {action} {host or 'project'}"
        )
        change = await env_ops.change_env(
            platform, services, service, action, variables or [], skip_restart=skipRestart, waiter=waiter
        )
        return EnvResult(
            action=action,
            service_hostname=host,
            variables=[
                VariableOut(
                    key=v.key,
                    value=v.value if includeValues else None,
                    is_reference=v.is_reference or None,
                    replaced=v.replaced or None,
                )
                for v in change.variables
            ],
            outcome=change.outcome,
            processes=[process_out(w, service=host) for w in change.changes]
            + [process_out(r, service=r.label) for r in change.restarts],
            restart_skipped=True if skipRestart else None,
            warnings=list(change.warnings) or None,
            next_actions=list(change.next_actions),
        )

    return ToolDefinition(
        name=NAME,
        title="Manage environment variables",
        description=DESCRIPTION,
        fn=zerops_env,
        read_only=False,
        read_actions=frozenset({"get", "generate-dotenv"}),
        destructive=True,
        idempotent=False,
        open_world=True,
        needs_platform=True,
    )


async def _get(
    platform: PlatformConnection,
    service: ServiceStack | None,
    values: bool,
) -> EnvResult:
    if service is not None:
        listed = [
            VariableOut(
                key=v.key,
                value=v.content if values else None,
                type=v.type or None,
                generated=v.type.upper() in env_ops.GENERATED_TYPES or None,
                is_reference=env_ops.is_reference(v.content) or None,
            )
            for v in await platform.client.get_service_env(service.id)
        ]
    else:
        listed = [
            VariableOut(
                key=v.key,
                value=v.content if values else None,
                type=v.type or None,
                is_reference=env_ops.is_reference(v.content) or None,
            )
            for v in await env_ops.project_vars(platform)
        ]
    target: dict[str, JsonValue] = (
        {"serviceHostname": service.name} if service is not None else {"project": True}
    )
    return EnvResult(
        action="get",
        service_hostname=service.name if service is not None else None,
        variables=listed,
        next_actions=[] if values else [ToolCall.of(NAME, action="get", includeValues=True, **target)],
    )
