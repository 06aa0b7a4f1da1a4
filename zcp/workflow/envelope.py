"""The state envelope: everything the guidance pipeline knows about a project, as typed data.

The envelope is the only input of the pure pipeline (:func:`~zcp.workflow.plan.build_plan`,
:func:`~zcp.workflow.synthesis.synthesize`, :func:`~zcp.workflow.render.render_status`). It is
built from live reads by the workflow tools, by hand for walkthroughs (strategy setup, cicd, export)
and from YAML files by the scenario fixtures and ``zcp preview``.

Canonical form: services are sorted by hostname, the work-session scope is sorted, maps serialise
with sorted keys, and nothing here holds a wall-clock value, so two equal envelopes serialise (and
render) to the same bytes in any process. Attempt histories keep their order: it is chronological.

Unknown keys and values are rejected with an error naming the field (see :func:`parse_envelope`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from zcp.axes import (
    BuildIntegration,
    CloseMode,
    DeployState,
    Environment,
    ExportStatus,
    FailureClass,
    GitPushState,
    IdleScenario,
    Mode,
    Phase,
    Route,
    RuntimeClass,
    ServiceStatus,
    Step,
    runtime_class_for,
)
from zcp.errors import InvalidParameter
from zcp.hostnames import HOSTNAME_PATTERN
from zcp.safe_yaml import YamlRefused, compose_yaml, load_yaml

__all__ = [
    "AttemptInfo",
    "BootstrapSummary",
    "CloseReason",
    "EnvPending",
    "Hostname",
    "ProjectInfo",
    "ServiceSnapshot",
    "StateEnvelope",
    "WorkSessionSummary",
    "envelope_from_mapping",
    "parse_envelope",
]

Hostname = Annotated[str, StringConstraints(pattern=HOSTNAME_PATTERN)]

#: Why a develop work session stopped on its own.
CloseReason = Literal["auto-complete", "iteration-cap"]

#: Iteration cap used when an envelope does not say (matches ``ZCP_MAX_ITERATIONS``' default).
DEFAULT_ITERATION_CAP = 5


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        use_enum_values=False,
    )


class ProjectInfo(_Model):
    """The Zerops project zcp manages (the name may be unknown)."""

    id: str = ""
    name: str = ""


class AttemptInfo(_Model):
    """One deploy or verify attempt in a work session.

    ``pending`` is a deploy whose build runs asynchronously (a git push): neither success nor failure
    until ``record-deploy`` confirms it.
    """

    result: Literal["ok", "failed", "pending"]
    failure_class: FailureClass | None = None
    reason: str | None = None
    strategy: Literal["zcli", "git-push", "record-deploy"] | None = None
    setup: str | None = None
    #: A successful deploy whose setup starts the app itself (``False``: it starts nothing, a dev
    #: server does; ``None``: not known, e.g. a local push or a git push).
    starts_app: bool | None = None

    @model_validator(mode="after")
    def _class_only_on_failure(self) -> AttemptInfo:
        if self.failure_class is not None and self.result != "failed":
            raise ValueError("failureClass is only allowed on a failed attempt")
        return self

    @property
    def effective_failure_class(self) -> FailureClass:
        """The failure class, ``other`` when a failed attempt was not classified."""
        return self.failure_class or FailureClass.OTHER


Attempts = tuple[AttemptInfo, ...]


class WorkSessionSummary(_Model):
    """The develop work session of this process: its task, scope and attempt history."""

    intent: str = ""
    services: tuple[Hostname, ...] = Field(default=(), description="the session scope (sorted)")
    close_reason: CloseReason | None = None
    deploys: dict[Hostname, Attempts] = Field(default_factory=dict)
    verifies: dict[Hostname, Attempts] = Field(default_factory=dict)
    #: Services deployed again after their last verify: that verify was about an older version.
    deployed_since_verify: tuple[Hostname, ...] = ()
    iteration_cap: Annotated[int, Field(ge=1, le=100)] = DEFAULT_ITERATION_CAP

    @model_validator(mode="after")
    def _canonical(self) -> WorkSessionSummary:
        if len(set(self.services)) != len(self.services):
            raise ValueError("services lists a hostname twice")
        object.__setattr__(self, "services", tuple(sorted(self.services)))
        for field in ("deploys", "verifies"):
            history: dict[str, Attempts] = getattr(self, field)
            stray = sorted(set(history) - set(self.services))
            if stray:
                raise ValueError(f"{field} names {', '.join(stray)}, which is not in the session scope")
            object.__setattr__(self, field, {k: history[k] for k in sorted(history) if history[k]})
        stray = sorted(set(self.deployed_since_verify) - set(self.services))
        if stray:
            raise ValueError(
                f"deployedSinceVerify names {', '.join(stray)}, which is not in the session scope"
            )
        object.__setattr__(self, "deployed_since_verify", tuple(sorted(set(self.deployed_since_verify))))
        return self

    @property
    def closed(self) -> bool:
        return self.close_reason is not None

    def last_deploy(self, host: str) -> AttemptInfo | None:
        attempts = self.deploys.get(host, ())
        return attempts[-1] if attempts else None

    def last_verify(self, host: str) -> AttemptInfo | None:
        attempts = self.verifies.get(host, ())
        return attempts[-1] if attempts else None

    def is_green(self, host: str) -> bool:
        """Whether the host's last deploy succeeded and a verify after it passed."""
        deploy, verify = self.last_deploy(host), self.last_verify(host)
        return (
            deploy is not None
            and deploy.result == "ok"
            and verify is not None
            and verify.result == "ok"
            and host not in self.deployed_since_verify
        )

    def fix_deployed(self, host: str) -> bool:
        """Whether the host was deployed again after its last (failed) verify."""
        return host in self.deployed_since_verify

    def needs_deploy(self, host: str) -> bool:
        """Whether the host has no successful last deploy (none yet, failed, or a push still building)."""
        deploy = self.last_deploy(host)
        return deploy is None or deploy.result != "ok"

    def failed_streak(self, host: str) -> int:
        """How many of the host's most recent deploy and verify attempts failed in a row.

        Deploys and verifies are counted together: a deploy that builds but never verifies is as
        much a failed iteration as one that does not build.
        """
        streak = 0
        for attempt in reversed(self.deploys.get(host, ())):
            if attempt.result != "failed":
                break
            streak += 1
        verify_streak = 0
        for attempt in reversed(self.verifies.get(host, ())):
            if attempt.result != "failed":
                break
            verify_streak += 1
        return max(streak, verify_streak)


class BootstrapSummary(_Model):
    """Which bootstrap route and step an infrastructure session is at."""

    route: Route
    step: Step | None = None


class EnvPending(_Model):
    """Variables that changed after a running runtime's containers last booted: it still runs with the
    old values until a restart (or a deploy). Computed by the live shell (:mod:`zcp.ops.env_live`)."""

    keys: tuple[Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")], ...] = Field(
        default=(), description="changed keys (a deleted variable leaves none)"
    )
    more_keys: Annotated[int, Field(ge=0)] = 0
    since: str = Field(description="when the newest such change was made (UTC, ISO 8601)")
    project: bool = False


class ServiceSnapshot(_Model):
    """One service of the project as the guidance sees it.

    ``runtime_class`` is derived from ``type_version`` when omitted. A bootstrapped runtime (one zcp
    manages) always has a mode, and its close mode, git-push state and build integration default to
    ``unset`` / ``unconfigured`` / ``none`` — the values bootstrap writes.
    """

    hostname: Hostname
    type_version: str = ""
    runtime_class: RuntimeClass | None = None
    status: ServiceStatus | None = None
    bootstrapped: bool = False
    deployed: bool = False
    resumable: bool = False
    resume_session: str | None = None
    mode: Mode | None = None
    stage_hostname: Hostname | None = None
    close_mode: CloseMode | None = None
    git_push_state: GitPushState | None = None
    build_integration: BuildIntegration | None = None
    env_pending: EnvPending | None = None

    @model_validator(mode="after")
    def _normalise(self) -> ServiceSnapshot:
        if self.runtime_class is None:
            object.__setattr__(self, "runtime_class", runtime_class_for(self.type_version))
        if self.is_managed and (self.bootstrapped or self.mode is not None):
            raise ValueError(
                f"{self.hostname} is a managed service: it has no mode and is never bootstrapped"
            )
        if self.is_managed and self.env_pending is not None:
            raise ValueError(f"{self.hostname} is a managed service: envPending is for runtimes")
        if self.bootstrapped and self.resumable:
            raise ValueError(f"{self.hostname}: a service is bootstrapped or resumable, not both")
        if self.resume_session is not None and not self.resumable:
            raise ValueError(f"{self.hostname}: resumeSession needs resumable: true")
        if self.deployed and not self.bootstrapped:
            raise ValueError(f"{self.hostname}: only a bootstrapped service has a deploy state (deployed)")
        if self.stage_hostname is not None and self.stage_hostname == self.hostname:
            raise ValueError(f"{self.hostname}: stageHostname must name another service")
        if self.bootstrapped:
            if self.mode is None:
                raise ValueError(f"{self.hostname}: a bootstrapped service needs a mode")
            if self.close_mode is None:
                object.__setattr__(self, "close_mode", CloseMode.UNSET)
            if self.git_push_state is None:
                object.__setattr__(self, "git_push_state", GitPushState.UNCONFIGURED)
            if self.build_integration is None:
                object.__setattr__(self, "build_integration", BuildIntegration.NONE)
        return self

    @property
    def runtime(self) -> RuntimeClass:
        """The runtime class (always set after validation)."""
        return self.runtime_class or RuntimeClass.UNKNOWN

    @property
    def is_managed(self) -> bool:
        return self.runtime is RuntimeClass.MANAGED

    @property
    def is_runtime(self) -> bool:
        """A service that runs the user's code (not managed, not of an unknown type)."""
        return self.runtime not in (RuntimeClass.MANAGED, RuntimeClass.UNKNOWN)

    @property
    def deploy_state(self) -> DeployState | None:
        """``deployed`` / ``never-deployed`` for bootstrapped services, else ``None``."""
        if not self.bootstrapped:
            return None
        return DeployState.DEPLOYED if self.deployed else DeployState.NEVER_DEPLOYED

    def axis_value(self, key: str) -> str | None:
        """This service's value on a per-service axis of :data:`zcp.axes.AXES`."""
        value: Any
        if key == "modes":
            value = self.mode
        elif key == "runtimes":
            value = self.runtime
        elif key == "closeModes":
            value = self.close_mode
        elif key == "gitPushStates":
            value = self.git_push_state
        elif key == "buildIntegrations":
            value = self.build_integration
        elif key == "deployStates":
            value = self.deploy_state
        elif key == "serviceStatuses":
            value = self.status
        else:
            raise KeyError(f"{key} is not a per-service axis")
        return None if value is None else str(value.value)


class StateEnvelope(_Model):
    """The typed project state every guidance decision is made from."""

    phase: Phase
    environment: Environment = Environment.CONTAINER
    idle_scenario: IdleScenario | None = None
    export_status: ExportStatus | None = None
    export_variant: Literal["dev", "stage"] | None = None
    project: ProjectInfo = Field(default_factory=ProjectInfo)
    services: tuple[ServiceSnapshot, ...] = ()
    work_session: WorkSessionSummary | None = None
    bootstrap: BootstrapSummary | None = None

    @model_validator(mode="after")
    def _consistent(self) -> StateEnvelope:
        hosts = [s.hostname for s in self.services]
        duplicates = sorted({h for h in hosts if hosts.count(h) > 1})
        if duplicates:
            raise ValueError(f"services lists {', '.join(duplicates)} more than once")
        object.__setattr__(self, "services", tuple(sorted(self.services, key=lambda s: s.hostname)))
        phase = self.phase
        if phase is Phase.IDLE:
            if self.idle_scenario is None:
                object.__setattr__(self, "idle_scenario", derive_idle_scenario(self.services))
        elif self.idle_scenario is not None:
            raise ValueError("idleScenario is only allowed when phase is idle")
        if phase is Phase.EXPORT_ACTIVE and self.export_status is None:
            raise ValueError("exportStatus is required when phase is export-active")
        if phase is not Phase.EXPORT_ACTIVE and (self.export_status or self.export_variant):
            raise ValueError("exportStatus and exportVariant are only allowed when phase is export-active")
        if self.bootstrap is not None and phase is not Phase.BOOTSTRAP_ACTIVE:
            raise ValueError("bootstrap is only allowed when phase is bootstrap-active")
        session = self.work_session
        if phase is Phase.DEVELOP_CLOSED_AUTO and session is None:
            raise ValueError("workSession is required when phase is develop-closed-auto")
        if session is not None:
            unknown = sorted(set(session.services) - set(hosts))
            if unknown:
                raise ValueError(f"workSession.services names {', '.join(unknown)}, which is not in services")
            if phase is Phase.DEVELOP_ACTIVE and session.closed:
                raise ValueError("workSession.closeReason must be empty while phase is develop-active")
            if phase is Phase.DEVELOP_CLOSED_AUTO and not session.closed:
                raise ValueError("workSession.closeReason is required when phase is develop-closed-auto")
        return self

    # --- derived views -------------------------------------------------------------------------

    def service(self, hostname: str) -> ServiceSnapshot | None:
        for svc in self.services:
            if svc.hostname == hostname:
                return svc
        return None

    @property
    def scoped(self) -> bool:
        """Whether a develop work session narrows guidance to its scope."""
        return (
            self.phase in (Phase.DEVELOP_ACTIVE, Phase.DEVELOP_CLOSED_AUTO)
            and self.work_session is not None
            and bool(self.work_session.services)
        )

    @property
    def candidates(self) -> tuple[ServiceSnapshot, ...]:
        """The services guidance is about: the work-session scope in develop, else every service."""
        if not self.scoped or self.work_session is None:
            return self.services
        scope = set(self.work_session.services)
        return tuple(s for s in self.services if s.hostname in scope)

    def failure_class_of(self, hostname: str) -> FailureClass | None:
        """The class of the host's current failure in the work session, if it is failing.

        That is its last deploy when that failed, else its last verify when the deploy is fine
        and the verify failed. A deploy still building is not a failure.
        """
        session = self.work_session
        if session is None:
            return None
        deploy = session.last_deploy(hostname)
        if deploy is None:
            return None
        if deploy.result == "failed":
            return deploy.effective_failure_class
        verify = session.last_verify(hostname)
        if deploy.result == "ok" and verify is not None and verify.result == "failed":
            return verify.effective_failure_class
        return None

    def service_axis_value(self, service: ServiceSnapshot, key: str) -> str | None:
        """A service's value on a per-service axis, including those that need the work session."""
        if key == "failureClasses":
            failure = self.failure_class_of(service.hostname)
            return None if failure is None else failure.value
        return service.axis_value(key)

    def dev_partner(self, hostname: str) -> ServiceSnapshot | None:
        """The dev half whose ``stageHostname`` is ``hostname`` (standard pairs), if any."""
        for svc in self.services:
            if svc.stage_hostname == hostname:
                return svc
        return None

    # --- canonical serialisation ----------------------------------------------------------------

    def canonical_data(self) -> dict[str, Any]:
        """Plain data in canonical form (camelCase keys, unset fields left out)."""
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return data

    def canonical_json(self) -> str:
        """Compact JSON with sorted keys: equal envelopes give equal strings."""
        return json.dumps(self.canonical_data(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def canonical_yaml(self) -> str:
        """Readable YAML with sorted keys (what ``zcp preview --show-envelope`` prints)."""
        text: str = yaml.safe_dump(
            self.canonical_data(), sort_keys=True, allow_unicode=True, default_flow_style=False, width=100
        )
        return text


def derive_idle_scenario(services: tuple[ServiceSnapshot, ...]) -> IdleScenario:
    """Which idle sub-case a project is in; managed services never count."""
    runtimes = [s for s in services if not s.is_managed]
    if any(s.resumable for s in runtimes):
        return IdleScenario.INCOMPLETE
    if any(s.bootstrapped for s in runtimes):
        return IdleScenario.BOOTSTRAPPED
    if runtimes:
        return IdleScenario.ADOPT
    return IdleScenario.EMPTY


# --- loading from files ---------------------------------------------------------------------------


def _describe(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    if kind == "enum":
        ctx = error.get("ctx") or {}
        return f"unknown value {error.get('input')!r} (allowed: {ctx.get('expected', '')})"
    if kind == "literal_error":
        ctx = error.get("ctx") or {}
        return f"unknown value {error.get('input')!r} (allowed: {ctx.get('expected', '')})"
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def _node_line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at ``loc``, as deep as the path can be followed."""
    line = None if node is None else node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    node = value
                    line = key.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def envelope_from_mapping(data: Any, *, source: str = "envelope", text: str | None = None) -> StateEnvelope:
    """Validate plain data as an envelope; errors name ``source[:line]``, the field and the problem."""
    if not isinstance(data, Mapping):
        raise InvalidParameter(f"{source}: an envelope must be a mapping of fields to values")
    try:
        return StateEnvelope.model_validate(data)
    except ValidationError as exc:
        root: yaml.Node | None = None
        if text is not None:
            try:
                root = compose_yaml(text, what=source)
            except YamlRefused:
                root = None
        problems = []
        for error in exc.errors()[:5]:
            loc = tuple(error.get("loc") or ())
            field = ".".join(str(p) for p in loc) or "envelope"
            line = _node_line(root, loc) if root is not None else None
            where = f"{source}:{line}" if line else source
            problems.append(f"{where}: {field}: {_describe(error)}")
        more = len(exc.errors()) - len(problems)
        if more > 0:
            problems.append(f"… and {more} more")
        raise InvalidParameter(
            "invalid envelope: " + "; ".join(problems),
            suggestion="Fix the named fields; `zcp preview --show-envelope` prints a valid envelope to start from.",
        ) from None


def parse_envelope(text: str, *, source: str = "envelope") -> StateEnvelope:
    """Parse an envelope from YAML (or JSON) text (:mod:`zcp.safe_yaml`'s limits hold)."""
    try:
        data = load_yaml(text, what=source)
    except YamlRefused as refused:
        where = f"{source}:{refused.line}" if refused.line else source
        raise InvalidParameter(f"{where}: not valid YAML: {refused.detail}") from None
    return envelope_from_mapping(data, source=source, text=text)
