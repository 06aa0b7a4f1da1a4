"""Failure classification and setup choice: pure functions over outputs, statuses and setup lists."""

from __future__ import annotations

import pytest

from zcp.axes import FailureClass
from zcp.ops.deploy.classify import classify_build, classify_ssh_error, classify_transport
from zcp.ops.deploy.gitpush import classify_git_push
from zcp.ops.deploy.preflight import resolve_setup, setup_names
from zcp.safe_yaml import load_yaml


@pytest.mark.parametrize(
    ("output", "status", "category"),
    [
        ("✗ not logged in: run `zcli login` first", 1, FailureClass.CREDENTIAL),
        ("ssh: connect to host appdev port 22: Connection refused", 255, FailureClass.NETWORK),
        ("✗ zerops.yaml has no setup 'web' (INVALID_PARAMETER)", 1, FailureClass.CONFIG),
        ("bash: zcli: command not found", 127, FailureClass.CONFIG),
        ("signal: killed", 137, FailureClass.OTHER),
        ("• Validating zerops.yaml\n✗ The Zerops API refused POST … (HTTP 400 x)", 1, FailureClass.OTHER),
        ("", 255, FailureClass.NETWORK),
        ("something odd", 3, FailureClass.OTHER),
    ],
)
def test_transport_failures_are_classified_from_the_output(
    output: str, status: int, category: FailureClass
) -> None:
    assert classify_transport(output, status).category is category


def test_zclis_progress_lines_are_not_evidence() -> None:
    found = classify_transport("• Validating zerops.yaml\n• Creating package\n✗ boom", 1)
    assert found.category is FailureClass.OTHER and not found.signals


def test_a_push_that_timed_out_is_a_network_problem() -> None:
    assert classify_transport("• Uploading package", 124, timed_out=True).category is FailureClass.NETWORK


@pytest.mark.parametrize(
    ("status", "reason", "lines", "category"),
    [
        ("BUILD_FAILED", None, ["npm ERR! ERESOLVE unable to resolve dependency tree"], FailureClass.BUILD),
        ("BUILD_FAILED", None, ["bash: pnpm: command not found"], FailureClass.CONFIG),
        ("BUILD_FAILED", None, ["FATAL ERROR: JavaScript heap out of memory"], FailureClass.BUILD),
        ("DEPLOY_FAILED", "deploy failed: the readiness check did not pass", [], FailureClass.VERIFY),
        (
            "DEPLOY_FAILED",
            "deploy failed: the start command exited",
            ["process exited with code 1"],
            FailureClass.START,
        ),
        ("PREPARING_RUNTIME_FAILED", None, [], FailureClass.CONFIG),
        ("CANCELED", None, [], FailureClass.OTHER),
    ],
)
def test_build_failures_are_classified_by_signals_then_phase(
    status: str, reason: str | None, lines: list[str], category: FailureClass
) -> None:
    found = classify_build(status, reason, lines)
    assert found.category is category
    assert found.wire()["category"] == category.value


def test_ssh_errors_are_network_or_credential() -> None:
    assert classify_ssh_error("unreachable").category is FailureClass.NETWORK
    assert classify_ssh_error("auth").category is FailureClass.CREDENTIAL
    assert classify_ssh_error("host-key").category is FailureClass.CREDENTIAL


@pytest.mark.parametrize(
    ("output", "category"),
    [
        ("remote: Invalid username or password.\nfatal: Authentication failed", FailureClass.CREDENTIAL),
        ("fatal: unable to access 'https://x/': Could not resolve host: x", FailureClass.NETWORK),
        (" ! [rejected]        HEAD -> main (fetch first)", FailureClass.CONFIG),
        ("fatal: '/tmp/x.git' does not appear to be a git repository", FailureClass.CONFIG),
        ("weird", FailureClass.OTHER),
    ],
)
def test_git_push_failures_are_classified(output: str, category: FailureClass) -> None:
    assert classify_git_push(output).category is category


@pytest.mark.parametrize(
    ("names", "requested", "target", "role", "chosen"),
    [
        (["dev", "prod"], "prod", "appstage", "stage", "prod"),
        (["appdev", "dev"], None, "appdev", "dev", "appdev"),  # named like the target wins
        (["dev", "prod"], None, "appdev", "dev", "dev"),
        (["dev", "prod"], None, "appstage", "stage", "prod"),
        (["dev", "stage", "prod"], None, "appstage", "stage", "stage"),
        (["dev", "prod"], None, "app", "simple", "prod"),
        (["web"], None, "app", None, "web"),  # the only setup
        (["a", "b"], None, "app", None, None),
        (["dev"], "prod", "app", None, None),
    ],
)
def test_the_setup_is_explicit_then_by_hostname_then_by_role_then_the_only_one(
    names: list[str], requested: str | None, target: str, role: str | None, chosen: str | None
) -> None:
    setup, why = resolve_setup(names, requested=requested, target=target, role=role)  # type: ignore[arg-type]
    assert setup == chosen
    assert why


def test_setup_names_are_read_in_file_order_and_garbage_is_none() -> None:
    assert setup_names(load_yaml("zerops:\n  - setup: b\n  - setup: a\n")) == ["b", "a"]
    assert setup_names(load_yaml("zerops: 3")) is None
    assert setup_names(None) is None
