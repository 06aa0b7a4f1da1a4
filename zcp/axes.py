"""The closed vocabulary of guidance axes, shared by the corpus, the index and the synthesizer.

An atom (a piece of workflow guidance) declares, per axis, the values it applies to. An empty axis
matches everything; values within one axis are alternatives (OR); different axes must all hold
(AND). Envelope-wide axes are checked once against the project state; per-service axes must all
hold for one and the same service.

This module is the single definition: frontmatter validation, the Whoosh keyword fields and the
envelope models all read the value sets from here, so a new value is added in exactly one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    """Where the project is in its lifecycle, as the workflow engine sees it."""

    IDLE = "idle"
    BOOTSTRAP_ACTIVE = "bootstrap-active"
    DEVELOP_ACTIVE = "develop-active"
    DEVELOP_CLOSED_AUTO = "develop-closed-auto"
    STRATEGY_SETUP = "strategy-setup"
    CICD_ACTIVE = "cicd-active"
    EXPORT_ACTIVE = "export-active"


class Environment(StrEnum):
    """Where zcp itself runs: inside the managed project, or on a developer's machine."""

    CONTAINER = "container"
    LOCAL = "local"


class IdleScenario(StrEnum):
    """Sub-cases of the idle phase."""

    EMPTY = "empty"
    BOOTSTRAPPED = "bootstrapped"
    ADOPT = "adopt"
    INCOMPLETE = "incomplete"


class Route(StrEnum):
    """How a bootstrap session was started."""

    RESUME = "resume"
    ADOPT = "adopt"
    RECIPE = "recipe"
    CLASSIC = "classic"


class Step(StrEnum):
    """Bootstrap steps, in order."""

    DISCOVER = "discover"
    PROVISION = "provision"
    CLOSE = "close"


class Mode(StrEnum):
    """How a runtime service is used: a dev/stage pair half, a lone dev or simple service, or local."""

    DEV = "dev"
    STAGE = "stage"
    STANDARD = "standard"
    SIMPLE = "simple"
    LOCAL_STAGE = "local-stage"
    LOCAL_ONLY = "local-only"


class RuntimeClass(StrEnum):
    """What kind of process a service runs, derived from its type (see :func:`runtime_class_for`)."""

    DYNAMIC = "dynamic"
    STATIC = "static"
    IMPLICIT_WEBSERVER = "implicit-webserver"
    MANAGED = "managed"
    UNKNOWN = "unknown"


class CloseMode(StrEnum):
    """How a develop session delivers its result when the work is done."""

    UNSET = "unset"
    AUTO = "auto"
    GIT_PUSH = "git-push"
    MANUAL = "manual"


class GitPushState(StrEnum):
    """Whether pushing the service's code to a git remote is set up."""

    UNCONFIGURED = "unconfigured"
    CONFIGURED = "configured"
    BROKEN = "broken"
    UNKNOWN = "unknown"


class BuildIntegration(StrEnum):
    """What builds the service after a git push."""

    NONE = "none"
    WEBHOOK = "webhook"
    ACTIONS = "actions"


class DeployState(StrEnum):
    """Whether a bootstrapped service has ever had a successful deploy."""

    NEVER_DEPLOYED = "never-deployed"
    DEPLOYED = "deployed"


class ExportStatus(StrEnum):
    """Where a stateless export conversation stands."""

    SCOPE_PROMPT = "scope-prompt"
    VARIANT_PROMPT = "variant-prompt"
    SCAFFOLD_REQUIRED = "scaffold-required"
    GIT_PUSH_SETUP_REQUIRED = "git-push-setup-required"
    CLASSIFY_PROMPT = "classify-prompt"
    VALIDATION_FAILED = "validation-failed"
    PUBLISH_READY = "publish-ready"


class ServiceStatus(StrEnum):
    """Service statuses the guidance distinguishes (platform spellings, ``SERVICE_`` prefix dropped)."""

    NEW = "NEW"
    CREATING = "CREATING"
    READY_TO_DEPLOY = "READY_TO_DEPLOY"
    ACTIVE = "ACTIVE"
    RUNNING = "RUNNING"
    STARTING = "STARTING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    RESTARTING = "RESTARTING"
    RELOADING = "RELOADING"
    UPGRADING = "UPGRADING"
    SCALING = "SCALING"
    REPAIRING = "REPAIRING"
    MOVING_CONTAINER = "MOVING_CONTAINER"
    DELETING = "DELETING"
    DELETED = "DELETED"
    FAILED = "FAILED"
    ACTION_FAILED = "ACTION_FAILED"
    CONTAINER_FAILED = "CONTAINER_FAILED"
    REPAIR_FAILED = "REPAIR_FAILED"


class FailureClass(StrEnum):
    """Why a deploy or verify attempt failed; guidance and plans name the class."""

    BUILD = "build"
    START = "start"
    VERIFY = "verify"
    NETWORK = "network"
    CONFIG = "config"
    CREDENTIAL = "credential"
    OTHER = "other"


@dataclass(frozen=True)
class Axis:
    """One frontmatter axis: its key, its value set and whether it is checked per service."""

    key: str
    values: type[StrEnum]
    per_service: bool

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(v.value for v in self.values)


#: Every axis an atom may declare, in the order lint messages and explanations report them.
AXES: tuple[Axis, ...] = (
    Axis("phases", Phase, per_service=False),
    Axis("environments", Environment, per_service=False),
    Axis("routes", Route, per_service=False),
    Axis("steps", Step, per_service=False),
    Axis("idleScenarios", IdleScenario, per_service=False),
    Axis("envelopeDeployStates", DeployState, per_service=False),
    Axis("exportStatuses", ExportStatus, per_service=False),
    Axis("modes", Mode, per_service=True),
    Axis("runtimes", RuntimeClass, per_service=True),
    Axis("closeModes", CloseMode, per_service=True),
    Axis("gitPushStates", GitPushState, per_service=True),
    Axis("buildIntegrations", BuildIntegration, per_service=True),
    Axis("deployStates", DeployState, per_service=True),
    Axis("serviceStatuses", ServiceStatus, per_service=True),
    Axis("failureClasses", FailureClass, per_service=True),
)

AXES_BY_KEY: dict[str, Axis] = {axis.key: axis for axis in AXES}

#: The token indexed for an axis an atom leaves empty, so "empty matches all" is a plain term query.
ANY_VALUE = "_any"

_MANAGED_PREFIXES = (
    "postgresql",
    "mariadb",
    "mysql",
    "valkey",
    "keydb",
    "elasticsearch",
    "meilisearch",
    "rabbitmq",
    "kafka",
    "nats",
    "clickhouse",
    "qdrant",
    "typesense",
    "object-storage",
    "objectstorage",
    "shared-storage",
    "sharedstorage",
)


def runtime_class_for(type_version: str) -> RuntimeClass:
    """Classify a service type such as ``nodejs@22`` or ``php-nginx@8.4``.

    Managed services come first; PHP with a bundled web server serves files without a start
    command; ``static`` and ``nginx`` only serve files; everything else runs a process we start.
    """
    name = type_version.strip().lower()
    if not name:
        return RuntimeClass.UNKNOWN
    if name.startswith(_MANAGED_PREFIXES):
        return RuntimeClass.MANAGED
    if name.startswith(("php-apache", "php-nginx")):
        return RuntimeClass.IMPLICIT_WEBSERVER
    if name.startswith(("static", "nginx")):
        return RuntimeClass.STATIC
    return RuntimeClass.DYNAMIC


_NOOP_START = re.compile(r"^\s*zsc\s+noop(\s|$)")


def is_noop_start(start: object) -> bool:
    """Whether a ``run.start`` is ``zsc noop …``: it keeps the container alive and listens nowhere (the
    dev setups' start, where a dev server the agent runs is the app)."""
    return isinstance(start, str) and _NOOP_START.match(start) is not None


def starts_no_app(start: object) -> bool:
    """Whether a ``run.start`` value starts nothing: absent, empty, or ``zsc noop``."""
    return start is None or (isinstance(start, str) and not start.strip()) or is_noop_start(start)
