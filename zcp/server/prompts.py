"""MCP prompts: the user-invoked starting points for zcp's main flows, all texts in this one module.

Each :class:`PromptSpec` is a name, a title, a one-line description, its arguments (each may name
a completion source) and a template rendered with :meth:`str.format`. Prompts may name only
registered tools, actions and parameters; a meta-test checks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["PROMPTS", "PromptArgumentSpec", "PromptSpec", "find_prompt", "render_prompt"]

#: Where an argument's completions come from.
CompletionSource = Literal["service", "runtime", "recipe", "mode"]


@dataclass(frozen=True)
class PromptArgumentSpec:
    name: str
    description: str
    required: bool = False
    completion: CompletionSource | None = None


@dataclass(frozen=True)
class PromptSpec:
    name: str
    title: str
    description: str
    arguments: tuple[PromptArgumentSpec, ...]
    template: str


_BOOTSTRAP = """\
Set up this stack in the Zerops project: {stack}.

Work through it in this order, calling the tools rather than guessing:
1. `zerops_workflow action="status"` to see whether a session is already open; if one is, continue it.
2. `zerops_discover` to see which services exist already (reuse them rather than duplicating).
3. Read before writing configuration: {knowledge}
4. `zerops_workflow action="start" workflow="bootstrap" intent="{stack}"` returns the ways to get there \
(resume, adopt existing services, a recipe, or a plan of your own); pick one{mode_hint} and follow the \
steps it returns until the session closes.
5. Deploy the code with `zerops_deploy targetService=...`, then check it with `zerops_verify`; follow \
the `recovery` of any failed check.

Stop and ask me before deleting or replacing anything that already exists.
"""

_DIAGNOSE = """\
The latest deploy of `{service}` failed{symptom_text}. Find out why and fix it.

1. `zerops_events serviceHostname="{service}"` — which build or process failed, and when.
2. `zerops_logs serviceHostname="{service}" source="build"` — the build log of the failed build; read \
the first error, not the last line.
3. `zerops_logs serviceHostname="{service}" severity="error"` — the runtime log, in case the build \
passed and the app failed to start.
4. `zerops_verify serviceHostname="{service}"` — what is unhealthy now; each failed check carries a \
recovery call.
5. Look up the cause with `zerops_knowledge query="..."` (zerops.yaml fields, ports, env references) \
before changing anything.
6. Fix the code or zerops.yaml, deploy again with `zerops_deploy targetService="{service}"` and verify.

Tell me the root cause in one or two sentences before the fix.
"""

_PROMOTE = """\
Promote what runs on the dev service `{dev}` to the stage service `{stage}`.

1. `zerops_verify serviceHostname="{dev}"` — promote only a healthy dev service.
2. `zerops_workflow action="status"` — check the pair and whether a work session is open.
3. `zerops_deploy sourceService="{dev}" targetService="{stage}"` — build the dev service's code with \
stage's zerops.yaml setup (from a developer machine, deploy the working directory with \
`zerops_deploy targetService="{stage}"`).
4. `zerops_verify serviceHostname="{stage}"` — follow the recovery of any failed check.

If `{stage}` needs env variables that dev has, compare them with `zerops_env action="get"` on both \
before deploying.
"""

_EXPORT = """\
Export {what} as import YAML that recreates it in another Zerops project.

1. `zerops_discover` — what the project contains.
2. `zerops_export{service_arg}` — the re-importable YAML; secret and env values stay `<hidden>` \
unless you ask for them with `includeEnvValues=true` (ask me first).
3. Save it as `zerops-import.yaml` and tell me what a fresh import would not carry over (data in \
databases and storage, app code that has to be deployed again).

For a repository bundle (import YAML plus zerops.yaml, ready to publish), use \
`zerops_workflow workflow="export"` instead.
"""

PROMPTS: tuple[PromptSpec, ...] = (
    PromptSpec(
        name="bootstrap-stack",
        title="Bootstrap a stack",
        description="Create the services for a stack (runtime plus databases/caches), deploy and verify it.",
        arguments=(
            PromptArgumentSpec(
                "stack", "What to build, e.g. 'a Python app with PostgreSQL and Valkey'.", required=True
            ),
            PromptArgumentSpec("recipe", "A recipe to start from (optional).", completion="recipe"),
            PromptArgumentSpec(
                "mode", "standard (dev + stage), dev or simple (optional).", completion="mode"
            ),
        ),
        template=_BOOTSTRAP,
    ),
    PromptSpec(
        name="diagnose-failed-deploy",
        title="Diagnose a failed deploy",
        description="Find why the last build or deploy of a service failed, fix it and redeploy.",
        arguments=(
            PromptArgumentSpec("service", "Hostname of the service whose deploy failed.", True, "runtime"),
            PromptArgumentSpec("symptom", "What you saw, if anything (optional)."),
        ),
        template=_DIAGNOSE,
    ),
    PromptSpec(
        name="promote-dev-to-stage",
        title="Promote dev to stage",
        description="Deploy what runs on a dev service to its stage service and verify it.",
        arguments=(
            PromptArgumentSpec("dev", "Hostname of the dev service, e.g. appdev.", True, "runtime"),
            PromptArgumentSpec(
                "stage",
                "Hostname of the stage service (default: dev's name ending in stage).",
                False,
                "runtime",
            ),
        ),
        template=_PROMOTE,
    ),
    PromptSpec(
        name="export-project",
        title="Export the project",
        description="Export the project (or one service) as re-importable import YAML.",
        arguments=(PromptArgumentSpec("service", "Export only this service (optional).", False, "service"),),
        template=_EXPORT,
    ),
)


def find_prompt(name: str) -> PromptSpec | None:
    """The prompt called ``name``, or ``None``."""
    return next((p for p in PROMPTS if p.name == name), None)


def _stage_for(dev: str) -> str:
    return dev.removesuffix("dev") + "stage" if dev.endswith("dev") else f"{dev}stage"


def render_prompt(spec: PromptSpec, arguments: Mapping[str, str]) -> str:
    """The prompt text for ``arguments`` (names already checked against ``spec``)."""
    values = {a.name: (arguments.get(a.name) or "").strip() for a in spec.arguments}
    if spec.name == "bootstrap-stack":
        recipe, mode = values["recipe"], values["mode"]
        values["knowledge"] = (
            f'`zerops_knowledge recipe="{recipe}"` for the recipe, then `zerops_knowledge query="..."` for '
            "anything it leaves open."
            if recipe
            else '`zerops_knowledge runtime="..." services=[...]` for a briefing on the runtime and the '
            "managed services."
        )
        values["mode_hint"] = f" (in {mode} mode)" if mode else ""
    elif spec.name == "diagnose-failed-deploy":
        values["symptom_text"] = f" ({values['symptom']})" if values["symptom"] else ""
    elif spec.name == "promote-dev-to-stage":
        values["stage"] = values["stage"] or _stage_for(values["dev"])
    elif spec.name == "export-project":
        service = values["service"]
        values["what"] = f"the service `{service}`" if service else "the whole project"
        values["service_arg"] = f' service="{service}"' if service else ""
    return spec.template.format(**values)
