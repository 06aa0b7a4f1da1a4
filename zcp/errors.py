"""The zcp exception tree and its wire codes.

Every failure an agent, a doc writer or a test can observe is one of these classes. Each class
fixes exactly one wire ``code``; tools never format errors by hand, they raise and the tool layer
turns the exception into the error wire format (see :meth:`ZcpError.to_wire`)::

    ZcpError                                UNKNOWN
    ├── InputError
    │   ├── InvalidParameter                INVALID_PARAMETER
    │   │   └── YamlRefused                 INVALID_PARAMETER
    │   ├── InvalidUsage                    INVALID_USAGE
    │   ├── InvalidHostname                 INVALID_HOSTNAME
    │   ├── InvalidEnvFormat                INVALID_ENV_FORMAT
    │   ├── InvalidScaling                  INVALID_SCALING
    │   ├── InvalidZeropsYaml               INVALID_ZEROPS_YML
    │   ├── InvalidImportYaml               INVALID_IMPORT_YML
    │   ├── ImportHasProject                IMPORT_HAS_PROJECT
    │   ├── ConfirmationRequired            CONFIRMATION_REQUIRED
    │   └── SelfServiceBlocked              SELF_SERVICE_BLOCKED
    ├── NotFoundError
    │   ├── DocumentNotFound                FILE_NOT_FOUND
    │   ├── ServiceNotFound                 SERVICE_NOT_FOUND
    │   └── ProcessNotFound                 PROCESS_NOT_FOUND
    ├── AuthError
    │   ├── AuthRequired                    AUTH_REQUIRED
    │   ├── AuthTokenExpired                AUTH_TOKEN_EXPIRED
    │   ├── TokenNoProject                  TOKEN_NO_PROJECT
    │   ├── TokenMultiProject               TOKEN_MULTI_PROJECT
    │   └── PermissionDenied                PERMISSION_DENIED
    ├── PlatformError
    │   ├── ApiError                        API_ERROR
    │   ├── ApiTimeout                      API_TIMEOUT
    │   ├── ApiRateLimited                  API_RATE_LIMITED
    │   ├── NetworkError                    NETWORK_ERROR
    │   └── ProcessAlreadyTerminal          PROCESS_ALREADY_TERMINAL
    ├── StateError
    │   ├── StateCorrupt                    STATE_CORRUPT
    │   ├── WorkSessionCorrupt              WORK_SESSION_CORRUPT
    │   ├── StateVersionUnsupported         STATE_VERSION_UNSUPPORTED
    │   └── StateLocked                     STATE_LOCKED
    ├── WorkflowError
    │   ├── WorkflowActive                  WORKFLOW_ACTIVE
    │   ├── WorkflowRequired                WORKFLOW_REQUIRED
    │   ├── SessionNotFound                 SESSION_NOT_FOUND
    │   ├── BootstrapNotActive              BOOTSTRAP_NOT_ACTIVE
    │   ├── PrerequisiteMissing             PREREQUISITE_MISSING
    │   └── IterationCapReached             ITERATION_CAP_REACHED
    ├── ReadOnlyMode                        READ_ONLY
    ├── DeployFailed                        DEPLOY_FAILED
    │   └── SshDeployFailed                 SSH_DEPLOY_FAILED
    ├── PreflightFailed                     PREFLIGHT_FAILED
    ├── SshError                            SSH_FAILED
    │   └── HostKeyRejected                 HOST_KEY_REJECTED
    ├── MountFailed                         MOUNT_FAILED
    ├── UnmountFailed                       UNMOUNT_FAILED
    ├── NotImplementedFeature               NOT_IMPLEMENTED
    ├── CorpusError                         CORPUS_INVALID
    ├── IndexUnavailable                    INDEX_UNAVAILABLE
    ├── SyncError                           SYNC_FAILED
    │   └── UpstreamMoved                   UPSTREAM_MOVED
    └── ConfigError                         CONFIG_INVALID

Later subsystems (deploy) add their classes here, one code each.

Messages and suggestions are written for the agent: the message says what went wrong, the
suggestion says what to do next, ideally as a literal tool call. Secrets never go into either;
:func:`zcp.secrets.redact` is applied to every wire payload as a last line of defence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from zcp.calls import ToolCall

__all__ = [
    "ApiError",
    "ApiRateLimited",
    "ApiTimeout",
    "AuthError",
    "AuthRequired",
    "AuthTokenExpired",
    "BootstrapNotActive",
    "ConfigError",
    "ConfirmationRequired",
    "CorpusError",
    "DeployFailed",
    "DocumentNotFound",
    "HostKeyRejected",
    "ImportHasProject",
    "IndexUnavailable",
    "InputError",
    "InvalidEnvFormat",
    "InvalidHostname",
    "InvalidImportYaml",
    "InvalidParameter",
    "InvalidScaling",
    "InvalidUsage",
    "InvalidZeropsYaml",
    "IterationCapReached",
    "MountFailed",
    "NetworkError",
    "NotFoundError",
    "NotImplementedFeature",
    "PermissionDenied",
    "PlatformError",
    "PreflightFailed",
    "PrerequisiteMissing",
    "ProcessAlreadyTerminal",
    "ProcessNotFound",
    "ReadOnlyMode",
    "SelfServiceBlocked",
    "ServiceNotFound",
    "SessionNotFound",
    "SshDeployFailed",
    "SshError",
    "StateCorrupt",
    "StateError",
    "StateLocked",
    "StateVersionUnsupported",
    "SyncError",
    "TokenMultiProject",
    "TokenNoProject",
    "UnmountFailed",
    "UpstreamMoved",
    "WorkSessionCorrupt",
    "WorkflowActive",
    "WorkflowError",
    "WorkflowRequired",
    "YamlRefused",
    "ZcpError",
    "all_error_classes",
]


class ZcpError(Exception):
    """Base of every zcp failure; carries what the error wire format needs."""

    code: ClassVar[str] = "UNKNOWN"

    def __init__(
        self,
        message: str,
        *,
        suggestion: str | None = None,
        api_code: str | None = None,
        api_meta: Sequence[Mapping[str, Any]] | None = None,
        recovery: ToolCall | None = None,
        diagnostic: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion
        self.api_code = api_code
        self.api_meta = list(api_meta) if api_meta else None
        self.recovery = recovery
        self.diagnostic = diagnostic
        self.details = dict(details) if details else None

    def to_wire(self) -> dict[str, Any]:
        """The JSON object an ``isError`` tool result carries; unset fields are omitted."""
        from zcp.secrets import redact_obj

        wire: dict[str, Any] = {"code": self.code, "error": self.message}
        if self.suggestion:
            wire["suggestion"] = self.suggestion
        if self.api_code:
            wire["apiCode"] = self.api_code
        if self.api_meta:
            wire["apiMeta"] = self.api_meta
        if self.diagnostic:
            wire["diagnostic"] = self.diagnostic
        if self.details:
            wire["details"] = self.details
        if self.recovery:
            wire["recovery"] = self.recovery.wire()
        redacted: dict[str, Any] = redact_obj(wire)
        return redacted

    def __str__(self) -> str:
        from zcp.secrets import redact

        return redact(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={str(self)!r})"


# --- bad input -------------------------------------------------------------------------------


class InputError(ZcpError):
    """The caller sent something zcp cannot act on; fixing the input fixes the call."""

    code = "INVALID_PARAMETER"


class InvalidParameter(InputError):
    """A parameter is missing, malformed, out of range or conflicts with another one."""

    code = "INVALID_PARAMETER"


class YamlRefused(InvalidParameter):
    """YAML zcp did not write would not load (:mod:`zcp.safe_yaml`, the one place that parses it).

    Syntax, a size, depth or alias limit, ``RecursionError`` and ``MemoryError`` all end here. The
    message says why in general terms and on which line, never quoting the text; ``reason`` is that
    why, ``line``/``column`` the 1-based position when known, and ``problem`` the parser's own words
    (they may quote a character of the text: only for documents the caller wrote inline). Callers
    re-raise it as their own code where one fits (``INVALID_ZEROPS_YML``, ``INVALID_IMPORT_YML``).
    """

    code = "INVALID_PARAMETER"

    def __init__(
        self,
        reason: str,
        *,
        what: str = "the YAML",
        line: int | None = None,
        column: int | None = None,
        problem: str | None = None,
    ) -> None:
        where = f" (line {line})" if line else ""
        super().__init__(
            f"{what} did not load: {reason}{where}",
            suggestion="Fix the YAML (plain mappings and lists, nested a few levels), then call again.",
        )
        self.reason = reason
        self.what = what
        self.line = line
        self.column = column
        self.problem = problem

    @property
    def detail(self) -> str:
        """The parser's own words when it gave some, else the general reason."""
        return self.problem or self.reason


class InvalidUsage(InputError):
    """The call is well-formed but not valid in the current state."""

    code = "INVALID_USAGE"


class InvalidHostname(InputError):
    """A service hostname does not follow the Zerops hostname rules."""

    code = "INVALID_HOSTNAME"


class InvalidEnvFormat(InputError):
    """An environment variable is not ``KEY=value`` or its key is not allowed."""

    code = "INVALID_ENV_FORMAT"


class InvalidScaling(InputError):
    """Scaling values are out of range or inconsistent (min above max, unknown CPU mode)."""

    code = "INVALID_SCALING"


class InvalidZeropsYaml(InputError):
    """A zerops.yaml document failed validation."""

    code = "INVALID_ZEROPS_YML"


class InvalidImportYaml(InputError):
    """An import YAML document failed validation."""

    code = "INVALID_IMPORT_YML"


class ImportHasProject(InputError):
    """An import YAML for an existing project carries a ``project:`` section."""

    code = "IMPORT_HAS_PROJECT"


class ConfirmationRequired(InputError):
    """A destructive call needs an explicit confirmation naming its exact targets."""

    code = "CONFIRMATION_REQUIRED"


class SelfServiceBlocked(InputError):
    """The call would stop, restart, replace or delete the service zcp itself runs in."""

    code = "SELF_SERVICE_BLOCKED"


# --- things that do not exist ------------------------------------------------------------------


class NotFoundError(ZcpError):
    """The named thing does not exist; the suggestion lists what does."""

    code = "FILE_NOT_FOUND"


class DocumentNotFound(NotFoundError):
    """No knowledge document, section or recipe has that name or URI."""

    code = "FILE_NOT_FOUND"


class ServiceNotFound(NotFoundError):
    """No service in the project has that hostname or id."""

    code = "SERVICE_NOT_FOUND"


class ProcessNotFound(NotFoundError):
    """No platform process has that id."""

    code = "PROCESS_NOT_FOUND"


# --- credentials -------------------------------------------------------------------------------


class AuthError(ZcpError):
    """Credentials are missing, wrong, or see the wrong set of projects."""

    code = "AUTH_REQUIRED"


class AuthRequired(AuthError):
    """No Zerops token is configured; only the knowledge tools work."""

    code = "AUTH_REQUIRED"


class AuthTokenExpired(AuthError):
    """The API rejected the token (HTTP 401)."""

    code = "AUTH_TOKEN_EXPIRED"


class TokenNoProject(AuthError):
    """The token sees no project; zcp manages exactly one."""

    code = "TOKEN_NO_PROJECT"


class TokenMultiProject(AuthError):
    """The token sees several projects; zcp manages exactly one."""

    code = "TOKEN_MULTI_PROJECT"


class PermissionDenied(AuthError):
    """The token is valid but not allowed to do this (HTTP 403), or a local file is not writable."""

    code = "PERMISSION_DENIED"


# --- the platform ------------------------------------------------------------------------------


class PlatformError(ZcpError):
    """The Zerops API failed or could not be reached."""

    code = "API_ERROR"


class ApiError(PlatformError):
    """The API answered with an error (4xx other than auth/not-found/rate limit, or 5xx)."""

    code = "API_ERROR"


class ApiTimeout(PlatformError):
    """The API did not answer within the configured timeout."""

    code = "API_TIMEOUT"


class ApiRateLimited(PlatformError):
    """The API answered 429 and the retry budget ran out."""

    code = "API_RATE_LIMITED"


class NetworkError(PlatformError):
    """The API host could not be reached (DNS, refused, reset)."""

    code = "NETWORK_ERROR"


class ProcessAlreadyTerminal(PlatformError):
    """A process cannot be cancelled because it already finished, failed or was cancelled."""

    code = "PROCESS_ALREADY_TERMINAL"


# --- zcp's state files ---------------------------------------------------------------------------


class StateError(ZcpError):
    """A file under the state folder (``.zcp/state``) cannot be used; it is never silently replaced."""

    code = "STATE_CORRUPT"


class StateCorrupt(StateError):
    """A state file is unreadable or not in the expected shape; the message names the file and the
    ``reset`` call that clears it."""

    code = "STATE_CORRUPT"


class WorkSessionCorrupt(StateError):
    """This process's develop work session file is unreadable or malformed."""

    code = "WORK_SESSION_CORRUPT"


class StateVersionUnsupported(StateError):
    """A state file was written by a newer zcp (its ``version`` is unknown); it is refused, not rewritten."""

    code = "STATE_VERSION_UNSUPPORTED"


class StateLocked(StateError):
    """Another process holds the lock on a state file (or the index, or a docs pull) for too long."""

    code = "STATE_LOCKED"


# --- workflows ---------------------------------------------------------------------------------


class WorkflowError(ZcpError):
    """A workflow call does not fit the current workflow state; the suggestion names the call that does."""

    code = "WORKFLOW_ACTIVE"


class WorkflowActive(WorkflowError):
    """Another workflow session is already open (in this process, or holding the same hostnames)."""

    code = "WORKFLOW_ACTIVE"


class WorkflowRequired(WorkflowError):
    """The tool only acts inside a workflow session (bootstrap or develop), and none is open."""

    code = "WORKFLOW_REQUIRED"


class SessionNotFound(WorkflowError):
    """No workflow session with that id (or none for this process)."""

    code = "SESSION_NOT_FOUND"


class BootstrapNotActive(WorkflowError):
    """A bootstrap step was completed or skipped while no bootstrap is at that step."""

    code = "BOOTSTRAP_NOT_ACTIVE"


class PrerequisiteMissing(WorkflowError):
    """Something must exist first: a bootstrapped service, a git remote or commit, a successful build,
    a program (zcli, sshfs, git)."""

    code = "PREREQUISITE_MISSING"


class IterationCapReached(WorkflowError):
    """The iteration cap (``ZCP_MAX_ITERATIONS``) is reached: stop retrying and report to the user."""

    code = "ITERATION_CAP_REACHED"


# --- zcp itself --------------------------------------------------------------------------------


class ReadOnlyMode(ZcpError):
    """A mutating tool was called while zcp runs read-only."""

    code = "READ_ONLY"


class NotImplementedFeature(ZcpError):
    """The capability exists in the interface but not in this environment or version."""

    code = "NOT_IMPLEMENTED"


class CorpusError(ZcpError):
    """A corpus file is unreadable or its frontmatter is invalid; the message names file and line."""

    code = "CORPUS_INVALID"


class IndexUnavailable(ZcpError):
    """The search index could not be opened or built."""

    code = "INDEX_UNAVAILABLE"


class SyncError(ZcpError):
    """A docs sync pull or push failed; the previous corpus is left untouched."""

    code = "SYNC_FAILED"


class UpstreamMoved(SyncError):
    """Upstream changed a file since it was pulled; pushing would overwrite someone's edit."""

    code = "UPSTREAM_MOVED"


class ConfigError(ZcpError):
    """A setting (env var, flag or config file) is malformed; raised at start-up."""

    code = "CONFIG_INVALID"


# --- deploys, SSH and mounts ------------------------------------------------------------------


class DeployFailed(ZcpError):
    """Pushing code failed before the build started (archive, upload, build-and-deploy, zcli push).

    ``classification`` (``{"category", "likelyCause"?, "suggestedAction"?, "signals"?}``) says what kind
    of failure it was; it is published as ``failureClassification``.
    """

    code = "DEPLOY_FAILED"

    def __init__(
        self, message: str, *, classification: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.classification = dict(classification) if classification else None

    def to_wire(self) -> dict[str, Any]:
        from zcp.secrets import redact_obj

        wire = super().to_wire()
        if self.classification:
            wire["failureClassification"] = redact_obj(self.classification)
        return wire


class SshDeployFailed(DeployFailed):
    """``zcli push`` run over SSH on the source service failed; the full output is in ``diagnostic``."""

    code = "SSH_DEPLOY_FAILED"


class PreflightFailed(ZcpError):
    """A deploy was refused before anything moved: ``checks`` lists what passed and what failed."""

    code = "PREFLIGHT_FAILED"

    def __init__(self, message: str, *, checks: Sequence[Mapping[str, Any]] = (), **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.checks = [dict(check) for check in checks]

    def to_wire(self) -> dict[str, Any]:
        from zcp.secrets import redact_obj

        wire = super().to_wire()
        if self.checks:
            wire["checks"] = redact_obj(self.checks)
        return wire


class SshError(ZcpError):
    """A service could not be reached over SSH (refused, unreachable, authentication, no such service)."""

    code = "SSH_FAILED"


class HostKeyRejected(SshError):
    """The service's SSH host key is not the pinned one (or none is pinned): zcp refused to connect."""

    code = "HOST_KEY_REJECTED"


class MountFailed(ZcpError):
    """A service's files could not be mounted (sshfs failed, the mount is not writable, a stale mount)."""

    code = "MOUNT_FAILED"


class UnmountFailed(ZcpError):
    """A mount could not be removed."""

    code = "UNMOUNT_FAILED"


def all_error_classes() -> list[type[ZcpError]]:
    """Every class in the tree, for meta-tests that check codes are unique per leaf."""
    found: list[type[ZcpError]] = []
    pending: list[type[ZcpError]] = [ZcpError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__name__)
