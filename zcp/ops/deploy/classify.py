"""Why a deploy failed, in the one vocabulary of failure classes (:class:`zcp.axes.FailureClass`).

Two kinds of failure, two pure classifiers:

* :func:`classify_transport` — the push never got a build going: SSH refused or unreachable, zcli
  not logged in, zerops.yaml refused by the platform, the upload cut off. Decided from the pusher's
  exit status and output.
* :func:`classify_build` — the platform ran the pipeline and it ended without ``ACTIVE``. The build
  failure signals of :mod:`zcp.ops.build_failures` decide first (out of memory, unresolvable
  dependencies, a missing command…); a readiness or health check that never passed is ``verify`` (the
  app runs but does not answer as configured); a start command that exited is ``start``.

Each returns a :class:`Classification` whose :meth:`~Classification.wire` is the
``failureClassification`` object of results and errors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from zcp.axes import FailureClass
from zcp.ops.build_failures import classify_build_failure

__all__ = ["Classification", "classify_build", "classify_ssh_error", "classify_transport"]


@dataclass(frozen=True)
class Classification:
    """A failure class, its likely cause, what to do, and the output lines that showed it."""

    category: FailureClass
    likely_cause: str
    suggested_action: str
    signals: tuple[str, ...] = ()

    def wire(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "category": self.category.value,
            "likelyCause": self.likely_cause,
            "suggestedAction": self.suggested_action,
        }
        if self.signals:
            data["signals"] = list(self.signals)
        return data


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    category: FailureClass
    cause: str
    action: str


def _rule(pattern: str, category: FailureClass, cause: str, action: str) -> _Rule:
    return _Rule(re.compile(pattern, re.IGNORECASE), category, cause, action)


#: Transport signals, most specific first.
TRANSPORT_RULES: Final = (
    _rule(
        r"not logged in|token was refused|AUTH_TOKEN_EXPIRED|\b401\b|unauthori[sz]ed|invalid token",
        FailureClass.CREDENTIAL,
        "zcli on the service has no valid Zerops token",
        "Check zcp's token (ZCP_API_KEY) can deploy to the project, then deploy again.",
    ),
    _rule(
        r"permission denied \(publickey|authentication failed|host key",
        FailureClass.CREDENTIAL,
        "the SSH login to the source service was refused",
        "Check ZCP_SSH_KEY and the pinned host keys (docs/remote.md), then deploy again.",
    ),
    _rule(
        r"connection refused|no route to host|could not resolve|name or service not known|"
        r"network is unreachable|connection (reset|timed out|closed|was lost)|ECONNRESET|ETIMEDOUT",
        FailureClass.NETWORK,
        "the source service or the API could not be reached",
        "Check the service runs (zerops_discover), then deploy again.",
    ),
    _rule(
        r"zerops\.ya?ml|INVALID_ZEROPS_YML|no setup|setups in the file|validation|deployFiles",
        FailureClass.CONFIG,
        "the platform refused zerops.yaml or the setup",
        'Fix zerops.yaml as the output says (zerops_knowledge query="zerops.yaml"), then deploy again.',
    ),
    _rule(
        r"zcli: (command )?not found|zcli: No such file",
        FailureClass.CONFIG,
        "zcli is not installed on the source service",
        "Deploy from a Zerops runtime service (zcli is preinstalled there).",
    ),
    _rule(
        r"signal: killed|\bkilled\b|exit (status|code) 137",
        FailureClass.OTHER,
        "zcli was killed on the source service (likely out of memory)",
        "Scale up the source service's RAM (zerops_scale) or shrink what is pushed (.deployignore).",
    ),
)


def _signal_lines(text: str, pattern: re.Pattern[str], limit: int = 2) -> tuple[str, ...]:
    found = [line.strip()[:200] for line in text.splitlines() if pattern.search(line)]
    return tuple(found[:limit])


_PROGRESS: Final = re.compile(r"^\s*[•✓]")
_API_REFUSED: Final = re.compile(r"API refused|\bHTTP [45]\d\d\b|API_ERROR", re.IGNORECASE)


def classify_transport(output: str, exit_status: int, *, timed_out: bool = False) -> Classification:
    """Classify a push that ended before a build started, from its exit status and output.

    zcli's progress lines (``• Validating zerops.yaml``) are not evidence and are skipped.
    """
    output = "\n".join(line for line in output.splitlines() if not _PROGRESS.match(line))
    for rule in TRANSPORT_RULES:
        if rule.pattern.search(output):
            return Classification(rule.category, rule.cause, rule.action, _signal_lines(output, rule.pattern))
    if _API_REFUSED.search(output):
        return Classification(
            FailureClass.OTHER,
            "the Zerops API refused a step of the push",
            "Read the API's message in the error; retry once the service is ready (zerops_discover).",
            _signal_lines(output, _API_REFUSED),
        )
    if timed_out:
        return Classification(
            FailureClass.NETWORK,
            "the push did not finish in time (a slow upload or a hung connection)",
            "Check the source service (zerops_discover) and deploy again; shrink the upload with .deployignore.",
        )
    if exit_status in (255, 143, 129):
        return Classification(
            FailureClass.NETWORK,
            f"the connection to the source service ended (exit {exit_status})",
            "Deploy again; if it repeats, check the service with zerops_discover.",
        )
    return Classification(
        FailureClass.OTHER,
        f"the push failed (exit {exit_status})",
        "Read the output in diagnostic, fix the cause, then deploy again.",
    )


def classify_ssh_error(reason: str | None) -> Classification:
    """Classify not reaching the source service at all (``SshError.details.reason``)."""
    if reason == "auth":
        return Classification(
            FailureClass.CREDENTIAL,
            "the SSH login to the source service was refused",
            "Check ZCP_SSH_KEY (docs/remote.md), then deploy again.",
        )
    if reason == "host-key":
        return Classification(
            FailureClass.CREDENTIAL,
            "the source service's SSH host key is not the pinned one",
            "Check the pinned host keys (docs/remote.md) before trusting a new key.",
        )
    return Classification(
        FailureClass.NETWORK,
        "the source service could not be reached over SSH",
        "Check it runs (zerops_discover), then deploy again.",
    )


_CHECK_FAILED: Final = re.compile(
    r"readiness check|health ?check|did not pass|not ready within|no answer on port", re.IGNORECASE
)
_START_FAILED: Final = re.compile(
    r"start command exited|process exited with code|exited with (status|code)", re.IGNORECASE
)


def classify_build(status: str, fail_reason: str | None, lines: Sequence[str]) -> Classification:
    """Classify a pipeline that ended without ``ACTIVE`` (see the module docstring)."""
    texts = [fail_reason or "", *lines]
    if status.upper() == "DEPLOY_FAILED":
        checked = [t for t in texts if t and _CHECK_FAILED.search(t)]
        if checked:
            return Classification(
                FailureClass.VERIFY,
                "the new version started but its readiness/health check never passed",
                "Make the app answer the check (port, path, bind 0.0.0.0) or fix deploy.readinessCheck, "
                "then deploy again.",
                tuple(t.strip()[:200] for t in checked[:2]),
            )
    failure = classify_build_failure(status, fail_reason, lines)
    category = FailureClass(failure.category)
    signals: tuple[str, ...] = (failure.signal,) if failure.signal else ()
    if status.upper() == "DEPLOY_FAILED" and category is FailureClass.START:
        exited = [t.strip()[:200] for t in texts if t and _START_FAILED.search(t)]
        signals = tuple(exited[:2]) or signals
    return Classification(category, failure.cause, failure.hint, signals)
