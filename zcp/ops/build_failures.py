"""Why a build or deploy failed, guessed from its phase and its log lines.

A pure function: given where the pipeline stopped (the app version status), the platform's fail
reason and the build's log lines, :func:`classify_build_failure` names a category (the same
vocabulary as deploy failure classification: ``build``, ``start``, ``config``, ``network``,
``credential``, ``other``), a short cause and what to do next. Signals are checked in order; the
first that matches wins, so specific ones come before generic ones. When nothing matches, the phase
alone decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

FailureCategory = Literal["build", "start", "config", "network", "credential", "other"]


@dataclass(frozen=True)
class BuildFailure:
    """A classified failure: what kind, the likely cause, the next step, and the line that showed it."""

    category: FailureCategory
    cause: str
    hint: str
    signal: str | None = None


@dataclass(frozen=True)
class _Signal:
    pattern: re.Pattern[str]
    category: FailureCategory
    cause: str
    hint: str


def _signal(pattern: str, category: FailureCategory, cause: str, hint: str) -> _Signal:
    return _Signal(re.compile(pattern, re.IGNORECASE), category, cause, hint)


_LOGS = "read the build log with zerops_logs source=build"
SIGNALS: Final = (
    _signal(
        r"heap out of memory|out of memory|cannot allocate memory|\bkilled\b|exit code 137",
        "build",
        "the build ran out of memory",
        "Reduce build parallelism or memory use; " + _LOGS + ".",
    ),
    _signal(
        r"ERESOLVE|could not resolve dependenc|no matching distribution|version solving failed|"
        r"could not find a version|unable to resolve dependency|no matching version",
        "build",
        "dependencies could not be resolved",
        "Fix the dependency versions or the lock file, then deploy again; " + _LOGS + ".",
    ),
    _signal(
        r"could not resolve host|temporary failure in name resolution|ETIMEDOUT|ECONNRESET|"
        r"ECONNREFUSED|network is unreachable|TLS handshake timeout",
        "network",
        "a download during the build failed",
        "Retry the deploy; if it repeats, check the registry or URL the build downloads from.",
    ),
    _signal(
        r"authentication failed|permission denied \(publickey\)|could not read username|"
        r"\b401 unauthorized\b|\b403 forbidden\b|invalid credentials",
        "credential",
        "the build was refused access to a private resource",
        "Provide the token or key the build needs (as a secret env variable) and deploy again.",
    ),
    _signal(
        r"command not found|not found: |no such file or directory|executable file not found",
        "config",
        "a build command or file does not exist in the build container",
        'Check build.buildCommands and build.base in zerops.yaml (zerops_knowledge query="build base").',
    ),
    _signal(
        r"deployFiles|no files (were )?matched|nothing to deploy",
        "config",
        "deployFiles matched nothing to deploy",
        "Make build.deployFiles in zerops.yaml point at files the build produces.",
    ),
    _signal(
        r"SyntaxError|error TS\d+|compilation failed|cannot find symbol|undefined reference|"
        r"failed to compile|build failed with errors",
        "build",
        "the code does not compile",
        "Fix the compile errors shown in the build log and deploy again.",
    ),
)

#: Fallback by the phase the pipeline stopped in (app version status).
_PHASES: Final[dict[str, BuildFailure]] = {
    "BUILD_FAILED": BuildFailure(
        "build", "a build command failed", "Find the first error in the build log: zerops_logs source=build."
    ),
    "BUILD_VALIDATION_FAILED": BuildFailure(
        "config",
        "zerops.yaml did not pass validation",
        'Validate zerops.yaml (zerops_knowledge query="zerops.yaml") and fix the reported fields.',
    ),
    "PREPARING_RUNTIME_FAILED": BuildFailure(
        "config",
        "run.prepareCommands failed while preparing the runtime image",
        "Check run.prepareCommands (packages must exist for the base image; use sudo where needed).",
    ),
    "DEPLOY_FAILED": BuildFailure(
        "start",
        "the new version did not start (run.initCommands or run.start failed)",
        "Read the service's runtime logs (zerops_logs severity=error) and fix the start command.",
    ),
}


def classify_build_failure(status: str, fail_reason: str | None, lines: Sequence[str]) -> BuildFailure:
    """Classify a failed pipeline from its status, the platform's reason and its log lines."""
    texts = [*lines, fail_reason or ""]
    for signal in SIGNALS:
        for text in texts:
            if text and signal.pattern.search(text):
                return BuildFailure(signal.category, signal.cause, signal.hint, text.strip()[:200])
    fallback = _PHASES.get(status.upper())
    if fallback is not None:
        return fallback
    return BuildFailure("other", f"the pipeline ended {status or 'without a status'}", "Read the build log.")
