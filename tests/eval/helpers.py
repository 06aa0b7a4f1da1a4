"""Small builders for the evaluator's tests: scenarios, catalogs and answers without a zcp process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.agent import Answer, Call, Catalog, PlanFollower
from eval.scenario import Scenario
from eval.workspace import Workspace

WORKFLOW_PARAMS = frozenset(
    {
        "action",
        "workflow",
        "intent",
        "scope",
        "route",
        "recipeSlug",
        "step",
        "plan",
        "closeMode",
        "service",
        "remoteUrl",
        "integration",
        "targetService",
        "envClassifications",
        "sessionId",
        "force",
    }
)
CATALOG = Catalog(
    parameters={
        "zerops_workflow": WORKFLOW_PARAMS,
        "zerops_deploy": frozenset({"targetService", "sourceService", "setup", "strategy"}),
        "zerops_verify": frozenset({"serviceHostname"}),
        "zerops_discover": frozenset({"service"}),
        "zerops_dev_server": frozenset({"action", "hostname", "command", "port"}),
    },
    read_only=frozenset({"zerops_verify", "zerops_discover"}),
    workflow_actions=frozenset({"start", "status", "complete", "close", "close-mode", "git-push-setup"}),
    workflows=frozenset({"bootstrap", "develop", "export", "cicd"}),
)


def scenario(**fields: Any) -> Scenario:
    data: dict[str, Any] = {"id": "a-story", "title": "A story", "intent": "a python app"}
    data.update(fields)
    return Scenario.model_validate(data)


def agent(story: Scenario, tmp_path: Path, **options: Any) -> PlanFollower:
    mount = tmp_path / "mnt"
    mount.mkdir(exist_ok=True)
    workspace = Workspace(
        story.files, environment=story.environment, work_dir=tmp_path / "work", mount_root=mount
    )
    return PlanFollower(story, CATALOG, workspace, **options)


def answer(
    call: Call | None = None,
    *,
    next_actions: list[dict[str, Any]] | None = None,
    error: dict[str, Any] | None = None,
    text: str | None = None,
    **structured: Any,
) -> Answer:
    import json

    made = call or Call("zerops_workflow", {"action": "status"}, "test")
    if error is not None:
        return Answer(made, is_error=True, text=json.dumps(error))
    if text is not None:
        return Answer(made, is_error=True, text=text)
    data = dict(structured)
    if next_actions is not None:
        data["nextActions"] = next_actions
    return Answer(made, structured=data, text="…")


def action(tool: str, label: str = "", **args: Any) -> dict[str, Any]:
    return {"label": label or tool, "tool": tool, "args": args}
