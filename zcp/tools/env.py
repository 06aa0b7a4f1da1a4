"""``zerops_env``: read, set and delete service or project environment variables; write a local .env.

* ``get`` lists the variables; values only with ``includeValues=true`` (they are often credentials).
* ``set`` takes ``KEY=value`` strings. ``<@...>`` expressions are expanded first (one batch, so
  ``setVar``/``getVar`` work across variables) and the expanded values are stored. Values are not
  echoed unless ``includeValues=true``.
* ``delete`` takes keys; a key that is not set is refused before anything changes.
* A service only sees changed variables after a restart, so ``set``/``delete`` restart what the change
  affects — the service, or for project variables every running runtime, never zcp's own service —
  and wait for it (``skipRestart=true`` leaves that to the caller and says which restarts are due).
* ``generate-dotenv`` writes ``.env`` next to the local ``zerops.yaml`` with the variables of one
  setup (default: the service's hostname) and the project's, references resolved from the live
  project, so the code runs locally against the project's services.

Deviations from the Go original: values hidden by default (``includeValues``), ``setup``/``path``
for ``generate-dotenv`` (the original used the hostname as the setup and the working directory),
and conflicting parameters are refused instead of ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, ConfigDict, Field

from zcp.errors import InvalidParameter, ZcpError
from zcp.ops import dotenv as dotenv_ops
from zcp.ops import env as env_ops
from zcp.ops.manage import run_action
from zcp.ops.targets import project_services
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import FlexBool, Hostname, find_service
from zcp.tools.untrusted import fence
from zcp.tools.waiting import Outcome, ProcessOut, ProcessWaiter, Waited, WaitSeconds, outcome_of, poll_call

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.auth import PlatformConnection
    from zcp.platform.models import ServiceStack

NAME = "zerops_env"
DESCRIPTION = (
    "Env variables of a service (serviceHostname) or the project (project=true): get (values only with "
    "includeValues), set KEY=value (<@...> expanded), delete keys; set/delete restart affected services "
    "and wait (skipRestart to skip). generate-dotenv writes a local .env with references resolved."
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
    next_actions: list[str] = Field(default_factory=list, alias="nextActions")

    def to_text(self) -> str:
        where = f"service {self.service_hostname}" if self.service_hostname else "the project"
        verb = {"get": "has", "set": "set", "delete": "deleted", "generate-dotenv": "wrote"}[self.action]
        if self.action == "generate-dotenv":
            lines = [f"{verb} {self.path} with {len(self.variables)} variable(s) for {where}"]
        else:
            lines = [f"{where} {verb} {len(self.variables)} variable(s)"]
        with_values = [v for v in self.variables if v.value is not None]
        if with_values:
            lines.append(fence("\n".join(f"{v.key}={v.value}" for v in with_values)).rstrip("\n"))
        elif self.variables:
            lines.append(", ".join(_label(v) for v in self.variables))
            if self.action == "get":
                lines.append("(values hidden; includeValues=true shows them)")
        for process in self.processes or []:
            lines.append(process.render(f"{process.service or 'project'}: "))
        if self.unresolved:
            lines.append("unresolved references: " + ", ".join("${" + name + "}" for name in self.unresolved))
        lines += [f"warning: {w}" for w in self.warnings or []]
        if self.next_actions:
            lines.append("next: " + " | ".join(self.next_actions))
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
            return await _dotenv(
                platform, service, services, setup, path, includeValues, app.settings.work_dir
            )

        waiter = ProcessWaiter(
            app, ctx, wait_seconds=waitSeconds, subject=f"env {action} {host or 'project'}"
        )
        if action == "set":
            assignments = env_ops.expand_values(env_ops.parse_assignments(variables or []))
            if service is not None:
                process, replaced = await env_ops.set_service_vars(platform, service, assignments)
                pending = [(service.name, process)]
            else:
                pending, replaced = await env_ops.set_project_vars(platform, assignments)
            out_vars = [
                VariableOut(
                    key=a.key,
                    value=a.value if includeValues else None,
                    is_reference=env_ops.is_reference(a.value) or None,
                    replaced=a.key in replaced or None,
                )
                for a in assignments
            ]
        else:
            keys = env_ops.parse_keys(variables or [])
            if service is not None:
                pending = await env_ops.delete_service_vars(platform, service, keys)
            else:
                pending = await env_ops.delete_project_vars(platform, keys)
            out_vars = [VariableOut(key=k) for k in keys]
        waited = await waiter.wait_all(pending)
        outcome = outcome_of(waited)
        warnings = [w.problem for w in waited if w.problem]
        next_actions: list[str] = []
        restarts: list[Waited] = []
        plan = env_ops.restart_targets(services, platform.runtime, service=service)
        warnings += plan.notes
        restart_calls = [f'zerops_manage action="restart" serviceHostname="{t.name}"' for t in plan.targets]
        if outcome == "running":
            next_actions = [poll_call(w.process.id) for w in waited if w.still_running]
            if not skipRestart and plan.targets:
                warnings.append("the change is still being applied, so nothing was restarted yet")
                next_actions += restart_calls
        elif outcome == "failed":
            next_actions = [f'zerops_events serviceHostname="{host}"' if host else "zerops_events"]
        elif skipRestart:
            next_actions = restart_calls
        else:
            restarts, restart_warnings = await _restart(platform, waiter, plan.targets)
            warnings += restart_warnings
            if outcome_of(restarts) == "running":
                outcome = "running"
            next_actions = [poll_call(r.process.id) for r in restarts if r.still_running]
            next_actions += [f'zerops_verify serviceHostname="{r.label}"' for r in restarts if r.succeeded]
        if skipRestart and plan.targets:
            warnings.append(
                "not restarted: "
                + ", ".join(t.name for t in plan.targets)
                + " (they see the change after a restart)"
            )
        return EnvResult(
            action=action,
            service_hostname=host,
            variables=out_vars,
            outcome=outcome,
            processes=[w.out(service=host) for w in waited] + [r.out(service=r.label) for r in restarts],
            restart_skipped=True if skipRestart else None,
            warnings=warnings or None,
            next_actions=next_actions,
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
    return EnvResult(
        action="get",
        service_hostname=service.name if service is not None else None,
        variables=listed,
        next_actions=[] if values else [_get_call(service) + " includeValues=true"],
    )


def _get_call(service: ServiceStack | None) -> str:
    target = f'serviceHostname="{service.name}"' if service is not None else "project=true"
    return f'zerops_env action="get" {target}'


async def _restart(
    platform: PlatformConnection, waiter: ProcessWaiter, targets: tuple[ServiceStack, ...]
) -> tuple[list[Waited], list[str]]:
    """Restart each target and wait; a refusal becomes a warning, not a failed call."""
    started = []
    warnings = []
    for target in targets:
        try:
            started.append((target.name, await run_action(platform, "restart", target)))
        except ZcpError as error:
            warnings.append(f"restart of {target.name} failed: {error.code} {error}")
    return await waiter.wait_all(started), warnings


async def _dotenv(
    platform: PlatformConnection,
    service: ServiceStack,
    services: list[ServiceStack],
    setup: str | None,
    path: str | None,
    values: bool,
    work_dir: Path,
) -> EnvResult:
    zerops_yaml = dotenv_ops.locate_zerops_yaml(path, work_dir)
    built = await dotenv_ops.build_dotenv(platform, service, services, zerops_yaml, setup or service.name)
    dotenv_ops.write_atomically(built.path, dotenv_ops.render_dotenv(built.values))
    warnings = []
    if built.existed:
        warnings.append(f"replaced the existing {built.path}")
    if not dotenv_ops.ignored_by_git(built.path):
        warnings.append(f"{built.path.name} holds credentials: add it to .gitignore")
    next_actions = []
    if built.managed_hosts:
        warnings.append(
            f"{', '.join(built.managed_hosts)} resolve only inside the project network: run "
            f"`zcli vpn up {platform.project.id}` before starting the app locally"
        )
    if built.unresolved:
        next_actions.append(f'zerops_env action="get" serviceHostname="{service.name}"')
    return EnvResult(
        action="generate-dotenv",
        service_hostname=service.name,
        variables=[
            VariableOut(key=k, value=v if values else None, is_reference=None)
            for k, v in built.values.items()
        ],
        path=str(built.path),
        unresolved=list(built.unresolved) or None,
        warnings=warnings or None,
        next_actions=next_actions,
    )
