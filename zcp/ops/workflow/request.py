"""What one ``zerops_workflow`` call may send, and the shape checks that run before anything is read.

:data:`ACTIONS` is the table of parameters each action takes (``start`` per workflow:
:data:`START_PARAMS`); :func:`resolve_action` refuses a request that does not fit it — an unknown
workflow or action, a parameter the action does not take, ``workflow`` where only ``start`` and
``close`` take it — and returns the action to run (``export`` and ``cicd`` without one: ``start``).
:func:`need` refuses a missing required value with an example of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zcp.errors import InvalidParameter
from zcp.workflow.actions import STATUS_CALL
from zcp.workflow.bootstrap_plan import PlanTargetIn

__all__ = ["ACTIONS", "START_PARAMS", "WORKFLOWS", "WorkflowRequest", "need", "resolve_action"]

WORKFLOWS = ("bootstrap", "develop", "export", "cicd")

#: Parameters each action takes (besides ``action`` and ``workflow``); anything else is refused.
ACTIONS: dict[str, frozenset[str]] = {
    "start": frozenset(
        {
            "intent",
            "scope",
            "force",
            "route",
            "sessionId",
            "recipeSlug",
            "targetService",
            "variant",
            "envClassifications",
        }
    ),
    "status": frozenset(),
    "complete": frozenset({"step", "plan", "attestation"}),
    "skip": frozenset({"step", "reason"}),
    "iterate": frozenset(),
    "reset": frozenset(),
    "resume": frozenset({"sessionId"}),
    "list": frozenset(),
    "route": frozenset(),
    "close": frozenset(),
    "close-mode": frozenset({"closeMode"}),
    "git-push-setup": frozenset({"service", "remoteUrl"}),
    "build-integration": frozenset({"service", "integration"}),
    "record-deploy": frozenset({"targetService"}),
    "adopt-local": frozenset({"targetService"}),
}
#: What ``start`` takes per workflow.
START_PARAMS = {
    "bootstrap": frozenset({"intent", "route", "sessionId", "recipeSlug"}),
    "develop": frozenset({"intent", "scope", "force"}),
    "export": frozenset({"targetService", "variant", "envClassifications"}),
    "cicd": frozenset({"targetService"}),
}


@dataclass(frozen=True)
class WorkflowRequest:
    """The validated arguments of one ``zerops_workflow`` call (``None`` = not sent)."""

    action: str | None = None
    workflow: str | None = None
    intent: str | None = None
    scope: list[str] | None = None
    force: bool | None = None
    route: str | None = None
    sessionId: str | None = None
    recipeSlug: str | None = None
    step: str | None = None
    plan: list[PlanTargetIn] | None = None
    attestation: str | None = None
    reason: str | None = None
    closeMode: dict[str, str] | None = None
    service: str | None = None
    remoteUrl: str | None = None
    integration: str | None = None
    targetService: str | None = None
    variant: str | None = None
    envClassifications: dict[str, str] | None = None

    def sent(self) -> set[str]:
        return {k for k, v in self.__dict__.items() if v is not None and k not in ("action", "workflow")}


def _refuse_extras(request: WorkflowRequest, allowed: frozenset[str], what: str) -> None:
    extra = sorted(request.sent() - allowed)
    if extra:
        takes = ", ".join(sorted(allowed)) or "no other parameters"
        raise InvalidParameter(
            f"{what} does not take {', '.join(extra)}",
            suggestion=f"{what} takes {takes}; drop the rest.",
            details={"unexpected": extra, "accepted": sorted(allowed)},
        )


def need(value: Any, name: str, what: str, example: str) -> Any:
    """``value``, unless it is missing or blank: then ``INVALID_PARAMETER`` naming ``name``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidParameter(f"{what} needs {name}", suggestion=f"Send it, e.g. {example}.")
    return value


def resolve_action(req: WorkflowRequest) -> str:
    """The action ``req`` runs, once its shape fits :data:`ACTIONS` (see the module docstring)."""
    action, workflow = req.action, req.workflow
    if workflow is not None and workflow not in WORKFLOWS:
        hint = ' (recipes are started with route="recipe" on a bootstrap)' if workflow == "recipe" else ""
        raise InvalidParameter(
            f"{workflow!r} is not a workflow{hint}", suggestion=f"Workflows are {', '.join(WORKFLOWS)}."
        )
    if action is None:
        if workflow in ("export", "cicd"):
            action = "start"
        else:
            raise InvalidParameter(
                "zerops_workflow needs an action" + (f" for workflow={workflow}" if workflow else ""),
                suggestion='Re-orient with zerops_workflow action="status"; start work with action="start" '
                'workflow="develop" (or "bootstrap").',
                recovery=STATUS_CALL,
            )
    if action not in ACTIONS:
        raise InvalidParameter(
            f"{action!r} is not a zerops_workflow action",
            suggestion=f"Actions: {', '.join(ACTIONS)}.",
            recovery=STATUS_CALL,
        )
    if action == "start":
        if workflow is None:
            raise InvalidParameter(
                "action=start needs workflow", suggestion=f"workflow is one of {', '.join(WORKFLOWS)}."
            )
        _refuse_extras(req, START_PARAMS[workflow], f"start workflow={workflow}")
    else:
        _refuse_extras(req, ACTIONS[action], f"action={action}")
        if workflow is not None and action not in ("close",):
            raise InvalidParameter(
                f"action={action} does not take workflow",
                suggestion="Drop workflow (only start and close take it).",
            )
    return action
