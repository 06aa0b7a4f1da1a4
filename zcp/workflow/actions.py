"""Plans and the actions they are made of: models, argument formatting and action builders.

A :class:`NextAction` is one tool call (tool name, arguments, a label and the reason); a
:class:`Plan` orders them. The builders here keep tool names and argument names in one place —
they are checked against the tool registry by the tests (:mod:`zcp.tools.vocabulary`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from zcp.axes import BuildIntegration, CloseMode, FailureClass, Mode, ServiceStatus
from zcp.calls import ToolCall
from zcp.workflow.envelope import AttemptInfo, ServiceSnapshot, StateEnvelope

#: What the agent writes where the plan cannot know the value.
INTENT_FILL = "<what the user asked for>"
#: The call that re-orients: an error's recovery when the way on depends on the state.
STATUS_CALL = ToolCall.of("zerops_workflow", action="status")

#: How a failure class is described, and what to do about it.
FAILURE_CLASS_TEXT: dict[FailureClass, tuple[str, str]] = {
    FailureClass.BUILD: (
        "the build failed (build commands, dependencies or a build timeout)",
        "Read the build log in the deploy result, fix zerops.yaml or the code, then deploy again.",
    ),
    FailureClass.START: (
        "the new container did not start (start command, ports or init commands)",
        "Read the runtime log, fix run.start / run.ports / initCommands, then deploy again.",
    ),
    FailureClass.VERIFY: (
        "the service runs but its health checks failed",
        "Check the failing check's detail and the runtime log, fix the app, then try again.",
    ),
    FailureClass.NETWORK: (
        "a transport error (SSH, upload or API connection)",
        "Retry; if it fails again, check the service with zerops_discover.",
    ),
    FailureClass.CONFIG: (
        "the configuration was rejected (zerops.yaml fields, setup name or env references)",
        "Fix the fields the error names, then try again.",
    ),
    FailureClass.CREDENTIAL: (
        "credentials were rejected (git token, registry or API token)",
        "Fix the credential (for git pushes the GIT_TOKEN project env var), then try again.",
    ),
    FailureClass.OTHER: (
        "the last attempt failed",
        "Read the error in the last response, fix the cause, then try again.",
    ),
}

PUSH_SOURCE_MODES = frozenset({Mode.STANDARD, Mode.SIMPLE, Mode.LOCAL_STAGE, Mode.LOCAL_ONLY})
SETTLED_STATUSES = frozenset({ServiceStatus.ACTIVE, ServiceStatus.RUNNING, ServiceStatus.READY_TO_DEPLOY})
FAILED_STATUSES = frozenset(
    {
        ServiceStatus.FAILED,
        ServiceStatus.ACTION_FAILED,
        ServiceStatus.CONTAINER_FAILED,
        ServiceStatus.REPAIR_FAILED,
    }
)


class NextAction(ToolCall):
    """One suggested tool call with a short label and the reason for it."""

    label: str
    rationale: str = ""


class Plan(BaseModel):
    """What to do next: one primary action, optionally a secondary one, per-service actions and
    alternatives. ``branch`` names the dispatch-table row that produced it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    branch: str
    primary: NextAction
    secondary: NextAction | None = None
    per_service: dict[str, NextAction] = Field(default_factory=dict)
    alternatives: tuple[NextAction, ...] = ()


# --- action builders -------------------------------------------------------------------------------


def workflow_call(label: str, rationale: str, **args: JsonValue) -> NextAction:
    return NextAction(label=label, tool="zerops_workflow", args=args, rationale=rationale)


def start_develop(scope: list[str], rationale: str, label: str = "Start a develop task") -> NextAction:
    args: dict[str, JsonValue] = {"action": "start", "workflow": "develop", "intent": INTENT_FILL}
    args["scope"] = list(scope) if scope else ["<runtime hostname>"]
    return NextAction(label=label, tool="zerops_workflow", args=args, rationale=rationale)


def start_bootstrap(rationale: str, label: str = "Start a bootstrap", **extra: JsonValue) -> NextAction:
    return workflow_call(label, rationale, action="start", workflow="bootstrap", intent=INTENT_FILL, **extra)


def close_develop(label: str, rationale: str) -> NextAction:
    return workflow_call(label, rationale, action="close", workflow="develop")


def verify_call(host: str, rationale: str, label: str | None = None) -> NextAction:
    return NextAction(
        label=label or f"Verify {host}",
        tool="zerops_verify",
        args={"serviceHostname": host},
        rationale=rationale,
    )


def restart_call(host: str, rationale: str) -> NextAction:
    return NextAction(
        label=f"Restart {host}",
        tool="zerops_manage",
        args={"action": "restart", "serviceHostname": host},
        rationale=rationale,
    )


def logs_call(host: str, rationale: str) -> NextAction:
    return NextAction(
        label=f"Read {host}'s error log",
        tool="zerops_logs",
        args={"serviceHostname": host, "severity": "ERROR", "since": "15m"},
        rationale=rationale,
    )


def events_call(host: str, rationale: str) -> NextAction:
    return NextAction(
        label=f"Check {host}'s events",
        tool="zerops_events",
        args={"serviceHostname": host},
        rationale=rationale,
    )


def record_deploy(host: str, rationale: str) -> NextAction:
    return workflow_call(f"Record {host}'s deploy", rationale, action="record-deploy", targetService=host)


def git_push_setup(host: str, rationale: str) -> NextAction:
    return workflow_call(
        f"Set up git push for {host}",
        rationale,
        action="git-push-setup",
        service=host,
        remoteUrl="<repository URL>",
    )


def build_integration_call(host: str, integration: BuildIntegration, rationale: str) -> NextAction:
    labels = {
        BuildIntegration.WEBHOOK: f"Build {host} from a Zerops webhook",
        BuildIntegration.ACTIONS: f"Build {host} with GitHub Actions",
        BuildIntegration.NONE: f"Keep {host} without a build integration",
    }
    return workflow_call(
        labels[integration],
        rationale,
        action="build-integration",
        service=host,
        integration=integration.value,
    )


def close_mode_call(host: str, mode: CloseMode, rationale: str) -> NextAction:
    return workflow_call(
        f"Set {host}'s close mode to {mode.value}",
        rationale,
        action="close-mode",
        closeMode={host: mode.value},
    )


def git_push_deploy(host: str, rationale: str) -> NextAction:
    return NextAction(
        label=f"Push {host}",
        tool="zerops_deploy",
        args={"targetService": host, "strategy": "git-push"},
        rationale=rationale,
    )


def iteration_tier(streak: int, cap: int) -> str:
    """What to do about a failure, by how many attempts in a row have failed (the cap stops the session).

    Tiers: the first two failures — diagnose the one cause the result names (the failure class's own
    advice, so nothing is added here); from the third — check the usual suspects systematically
    instead of guessing; the cap itself is handled by the plan.
    """
    if streak <= 2:
        return ""
    left = max(cap - streak, 0)
    return (
        f" {streak} failed attempts in a row ({left} left before zcp stops the session): stop guessing and "
        "check systematically — env var names against zerops_discover includeEnvs=true, the app listening on "
        "0.0.0.0 and the run.ports port, deployFiles against what run.start needs."
    )


def failure_sentence(what: str, host: str, attempt: AttemptInfo) -> str:
    cls = attempt.effective_failure_class
    description, advice = FAILURE_CLASS_TEXT[cls]
    reason = f": {attempt.reason}" if attempt.reason else ""
    return (
        f"The last {what} of {host} failed with failure class `{cls.value}` — {description}{reason}. {advice}"
    )


def diagnostic_for(host: str, attempt: AttemptInfo, env: StateEnvelope) -> NextAction | None:
    cls = attempt.effective_failure_class
    if cls in (FailureClass.START, FailureClass.VERIFY):
        return logs_call(host, "The runtime log usually says why the app did not start or answer.")
    if cls is FailureClass.NETWORK:
        return NextAction(
            label=f"Check {host}",
            tool="zerops_discover",
            args={"service": host},
            rationale="See whether the service is up before retrying.",
        )
    if cls is FailureClass.CREDENTIAL:
        return NextAction(
            label="Check the project env vars",
            tool="zerops_env",
            args={"action": "get", "project": "true"},
            rationale="Tokens such as GIT_TOKEN live in project env vars.",
        )
    if cls is FailureClass.OTHER:
        return events_call(host, "The event log shows the failed process and its reason.")
    return None


def dev_halves(services: tuple[ServiceSnapshot, ...], env: StateEnvelope) -> list[str]:
    """Bootstrapped runtimes minus stage halves (develop start adds those to the scope itself)."""
    hosts = []
    for svc in services:
        if not svc.bootstrapped or svc.is_managed:
            continue
        partner = env.dev_partner(svc.hostname)
        if svc.mode is Mode.STAGE and partner is not None and partner.bootstrapped:
            continue
        hosts.append(svc.hostname)
    return hosts
