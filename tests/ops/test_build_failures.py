"""zcp.ops.build_failures: a failed pipeline's likely cause from its phase and log lines."""

from __future__ import annotations

import pytest

from zcp.ops.build_failures import classify_build_failure


@pytest.mark.parametrize(
    ("lines", "category", "cause"),
    [
        (["npm error code ERESOLVE", "exit 1"], "build", "dependencies could not be resolved"),
        (
            ["FATAL ERROR: Reached heap limit JavaScript heap out of memory"],
            "build",
            "the build ran out of memory",
        ),
        (
            ["curl: (6) Could not resolve host: registry.example"],
            "network",
            "a download during the build failed",
        ),
        (
            ["fatal: could not read Username for 'https://github.com'"],
            "credential",
            "the build was refused access to a private resource",
        ),
        (
            ["sh: 1: pnpm: command not found"],
            "config",
            "a build command or file does not exist in the build container",
        ),
        (["src/app.ts(3,1): error TS2304: Cannot find name 'x'"], "build", "the code does not compile"),
    ],
)
def test_signals_in_the_log_name_the_cause(lines: list[str], category: str, cause: str) -> None:
    failure = classify_build_failure("BUILD_FAILED", None, lines)
    assert (failure.category, failure.cause) == (category, cause)
    assert failure.signal is not None and failure.hint


def test_the_first_matching_signal_wins_over_later_lines() -> None:
    failure = classify_build_failure("BUILD_FAILED", None, ["Killed", "npm error code ERESOLVE"])
    assert failure.cause == "the build ran out of memory"


@pytest.mark.parametrize(
    ("status", "category"),
    [
        ("BUILD_FAILED", "build"),
        ("PREPARING_RUNTIME_FAILED", "config"),
        ("DEPLOY_FAILED", "start"),
        ("weird", "other"),
    ],
)
def test_without_signals_the_phase_decides(status: str, category: str) -> None:
    assert classify_build_failure(status, None, ["all fine here"]).category == category


def test_the_platform_fail_reason_is_a_signal_too() -> None:
    failure = classify_build_failure("BUILD_FAILED", "network is unreachable", [])
    assert failure.category == "network"
