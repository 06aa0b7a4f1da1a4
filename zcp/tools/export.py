"""``zerops_export``: the project or one service as re-importable import YAML.

Deviation from the reference tool: secret and env values in the YAML are replaced by ``<hidden>``
unless ``includeEnvValues=true`` (env values are only shown when asked for), and the result is always
structured (the service export too). The YAML is fenced as untrusted data in the readable text: it
carries hostnames and values that came from the project.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import anyio.to_thread
from pydantic import Field

from zcp.ops.export import PLACEHOLDER, hide_env_values
from zcp.ops.targets import user_services
from zcp.tools.base import ToolDefinition, ToolOutput
from zcp.tools.inputs import FlexBool, Hostname, find_service
from zcp.tools.untrusted import fence

if TYPE_CHECKING:
    from zcp.app import App

NAME = "zerops_export"
DESCRIPTION = (
    "The project (or one service) as re-importable import YAML. Secret and env values show as <hidden> "
    "unless includeEnvValues=true."
)


class ExportResult(ToolOutput):
    scope: Literal["project", "service"]
    project_id: str = Field(alias="projectId")
    project_name: str = Field(alias="projectName")
    service: str | None = None
    yaml: str
    values_hidden: int = Field(alias="valuesHidden")
    services: list[str] | None = None
    notes: list[str] | None = None

    def to_text(self) -> str:
        what = f"service {self.service}" if self.service else f"project {self.project_name}"
        text = f"Import YAML for {what}"
        if self.services is not None:
            text += f" ({len(self.services)} services)"
        text += ":\n" + fence(self.yaml)
        for note in self.notes or []:
            text += f"Note: {note}\n"
        return text


def export_tool(app: App) -> ToolDefinition:
    """Build the zerops_export tool bound to ``app``."""

    async def zerops_export(
        service: Annotated[Hostname | None, Field(description="only this service")] = None,
        includeEnvValues: Annotated[FlexBool, Field(description="show values")] = False,
    ) -> ExportResult:
        platform = app.require_platform()
        client, project = platform.client, platform.project
        services = await user_services(client, project.id)
        if service is not None:
            target = find_service(services, service)
            text = await client.export_service(target.id)
        else:
            text = await client.export_project(project.id)
        hidden = 0
        if not includeEnvValues:
            text, hidden = await anyio.to_thread.run_sync(hide_env_values, text)
        notes: list[str] = []
        if hidden:
            notes.append(
                f"{hidden} env value(s) are shown as {PLACEHOLDER}; ask with includeEnvValues=true for a YAML "
                "that re-imports with the same values."
            )
        if service is None:
            notes.append(
                "To add these services to an existing project, import the services: list without the "
                "project: section."
            )
        return ExportResult(
            scope="service" if service else "project",
            project_id=project.id,
            project_name=project.name,
            service=service,
            yaml=text,
            values_hidden=hidden,
            services=None if service else [s.name for s in services],
            notes=notes or None,
        )

    return ToolDefinition(
        name=NAME,
        title="Export project or service YAML",
        description=DESCRIPTION,
        fn=zerops_export,
        read_only=True,
        destructive=False,
        idempotent=True,
        open_world=True,
        needs_platform=True,
    )
