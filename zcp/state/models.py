"""The shapes of the files under the state folder, field for field as the original zcp wrote them.

A project that the Go zcp managed is picked up as it is: the JSON keys, the ``version`` values and
the enum spellings are the original's (``workflow-engine.md`` §5.1, §6.1, §7.1, §8). Unknown keys are
kept (``extra="allow"``) and written back, so a newer zcp's additions are never lost; a file whose
``version`` is newer than :data:`STATE_VERSION` is refused by the store, not rewritten.

Times are RFC 3339 UTC strings with whole seconds (``2026-12-02T17:07:29Z``); ``bootstrappedAt`` is a
date (``2026-12-02``); an empty string means "not yet", as in the original.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

__all__ = [
    "STATE_VERSION",
    "BootstrapSession",
    "BootstrapState",
    "CloseReason",
    "DeployAttempt",
    "PlanDependency",
    "PlanRuntime",
    "PlanTarget",
    "RecipeMatch",
    "Registry",
    "RegistryEntry",
    "ServiceMeta",
    "ServicePlan",
    "StepState",
    "VerifyAttempt",
    "WorkSession",
    "format_time",
    "parse_time",
]

#: The only state-file version zcp writes and reads.
STATE_VERSION = "1"

MetaMode = Literal["standard", "dev", "simple", "local-stage", "local-only"]
CloseDeployMode = Literal["unset", "auto", "git-push", "manual"]
GitPushStateValue = Literal["unconfigured", "configured", "broken", "unknown"]
BuildIntegrationValue = Literal["none", "webhook", "actions"]
StepName = Literal["discover", "provision", "close"]
StepStatus = Literal["pending", "in_progress", "complete", "skipped"]
FailureClassValue = Literal["build", "start", "verify", "network", "config", "credential", "other"]
CloseReason = Literal["auto-complete", "iteration-cap", "explicit", "abandoned"]
WorkflowName = Literal["bootstrap", "recipe", "work"]


def format_time(moment: datetime) -> str:
    """``2026-12-02T17:07:29Z`` (UTC, whole seconds)."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> datetime | None:
    """The moment an RFC 3339 string names, or ``None`` for empty or malformed text."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class StateModel(BaseModel):
    """Base of every state file shape: camelCase keys, unknown keys kept."""

    model_config = ConfigDict(extra="allow", alias_generator=to_camel, populate_by_name=True)

    def to_file(self) -> dict[str, Any]:
        """The JSON object written to disk (unset optional fields left out)."""
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return data


# --- services/{hostname}.json -------------------------------------------------------------------


class ServiceMeta(StateModel):
    """What zcp knows about a runtime it manages; one file per runtime (a dev/stage pair shares one)."""

    hostname: str
    mode: MetaMode | None = None
    stage_hostname: str | None = None
    close_deploy_mode: CloseDeployMode | None = None
    close_deploy_mode_confirmed: bool | None = None
    git_push_state: GitPushStateValue | None = None
    remote_url: str | None = None
    build_integration: BuildIntegrationValue | None = None
    #: The bootstrap session that created it; ``""`` for an adopted service.
    bootstrap_session: str = ""
    #: ``YYYY-MM-DD`` once the bootstrap finished; ``""`` while it is still being provisioned.
    bootstrapped_at: str = ""
    first_deployed_at: str | None = None

    @property
    def complete(self) -> bool:
        return bool(self.bootstrapped_at)

    @property
    def deployed(self) -> bool:
        return bool(self.first_deployed_at)

    @property
    def adopted(self) -> bool:
        return self.complete and not self.bootstrap_session

    @property
    def push_target(self) -> str:
        """The service a push of this runtime builds: the stage half of a pair, else the runtime itself."""
        return self.stage_hostname or self.hostname

    @property
    def hostnames(self) -> tuple[str, ...]:
        return (self.hostname, self.stage_hostname) if self.stage_hostname else (self.hostname,)

    def role_of(self, hostname: str) -> Literal["dev", "stage", "simple"] | None:
        """``stage`` for the stage half, ``simple`` for a simple service, ``dev`` for the primary host."""
        if hostname == self.stage_hostname:
            return "stage"
        if hostname != self.hostname:
            return None
        return "simple" if self.mode == "simple" else "dev"

    def to_file(self) -> dict[str, Any]:
        data = super().to_file()
        # Always present in the original's files, "" meaning adopted / not finished.
        data["bootstrapSession"] = self.bootstrap_session
        data["bootstrappedAt"] = self.bootstrapped_at
        return data


# --- sessions/{sessionId}.json ------------------------------------------------------------------


class PlanRuntime(StateModel):
    dev_hostname: str
    type: str
    is_existing: bool = False
    bootstrap_mode: Literal["standard", "dev", "simple"]
    stage_hostname: str | None = None


class PlanDependency(StateModel):
    hostname: str
    type: str
    mode: Literal["HA", "NON_HA"] | None = None
    resolution: Literal["CREATE", "EXISTS", "SHARED"]


class PlanTarget(StateModel):
    runtime: PlanRuntime
    dependencies: list[PlanDependency] = Field(default_factory=list)


class ServicePlan(StateModel):
    targets: list[PlanTarget] = Field(default_factory=list)
    created_at: str = ""

    @property
    def all_existing(self) -> bool:
        """Every runtime exists already and every dependency is ``EXISTS``: a pure adoption."""
        return bool(self.targets) and all(
            t.runtime.is_existing and all(d.resolution == "EXISTS" for d in t.dependencies)
            for t in self.targets
        )


class StepState(StateModel):
    name: StepName
    status: StepStatus = "pending"
    attestation: str | None = None
    skip_reason: str | None = None
    completed_at: str | None = None


class RecipeMatch(StateModel):
    slug: str
    title: str | None = None
    description: str | None = None
    confidence: float = 1.0
    import_yaml: str | None = None
    mode: str | None = None


class BootstrapState(StateModel):
    active: bool = True
    current_step: int = 0
    steps: list[StepState] = Field(default_factory=list)
    plan: ServicePlan | None = None
    discovered_env_vars: dict[str, list[str]] | None = None
    #: ``recipe`` or ``adopt``; the classic route is stored as empty, as in the original.
    route: str | None = None
    recipe_match: RecipeMatch | None = None
    #: zcp's addition: the session was taken over from a zcp process that is gone.
    resumed: bool | None = None


class BootstrapSession(StateModel):
    """An infrastructure (bootstrap) session; ``pid`` is the zcp process that owns it."""

    version: str = STATE_VERSION
    session_id: str
    pid: int
    project_id: str = ""
    workflow: Literal["bootstrap", "recipe"] = "bootstrap"
    iteration: int = 0
    intent: str = ""
    created_at: str = ""
    updated_at: str = ""
    bootstrap: BootstrapState | None = None


# --- work/{pid}.json ----------------------------------------------------------------------------


class DeployAttempt(StateModel):
    attempted_at: str
    succeeded_at: str | None = None
    setup: str | None = None
    #: ``zcli`` (a direct push), ``git-push`` or ``record-deploy``.
    strategy: str | None = None
    error: str | None = None
    failure_class: FailureClassValue | None = None
    #: Whether the deployed setup starts the app itself (``False``: its ``run.start`` is ``zsc noop``
    #: or absent, so a dev server has to be started); ``None`` when the deploy could not tell.
    starts_app: bool | None = None


class VerifyAttempt(StateModel):
    attempted_at: str
    passed_at: str | None = None
    summary: str | None = None
    passed: bool = False
    failure_class: FailureClassValue | None = None


class WorkSession(StateModel):
    """A develop work session: one per zcp process, keyed by its PID."""

    version: str = STATE_VERSION
    pid: int
    project_id: str = ""
    environment: Literal["container", "local"] = "local"
    intent: str = ""
    services: list[str] = Field(default_factory=list)
    created_at: str = ""
    last_activity_at: str = ""
    deploys: dict[str, list[DeployAttempt]] | None = None
    verifies: dict[str, list[VerifyAttempt]] | None = None
    closed_at: str | None = None
    close_reason: CloseReason | None = None

    @property
    def closed(self) -> bool:
        return bool(self.closed_at)


# --- registry.json --------------------------------------------------------------------------------


def work_entry_id(pid: int) -> str:
    """The registry id of the develop work session of process ``pid`` (``work-<pid>``)."""
    return f"work-{pid}"


class RegistryEntry(StateModel):
    session_id: str
    pid: int
    workflow: WorkflowName
    project_id: str = ""
    intent: str = ""
    created_at: str = ""
    updated_at: str = ""


class Registry(StateModel):
    version: str = STATE_VERSION
    sessions: list[RegistryEntry] = Field(default_factory=list)
