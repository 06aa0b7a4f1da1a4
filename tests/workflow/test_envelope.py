"""StateEnvelope: strict validation with clear errors, derived values, canonical serialisation."""

from __future__ import annotations

import pytest

from tests.plugins.workflow import EnvelopeFactory
from zcp.axes import BuildIntegration, CloseMode, GitPushState, IdleScenario, RuntimeClass
from zcp.errors import InvalidParameter
from zcp.workflow.envelope import parse_envelope


def test_unknown_field_is_rejected_naming_the_field_and_its_line() -> None:
    text = "phase: idle\nservices:\n  - hostname: app\n    typeVersion: nodejs@22\n    colour: blue\n"
    with pytest.raises(InvalidParameter) as caught:
        parse_envelope(text, source="env.yaml")
    assert caught.value.code == "INVALID_PARAMETER"
    assert "env.yaml:5: services.0.colour: unknown field" in caught.value.message


def test_unknown_value_is_rejected_listing_the_allowed_values() -> None:
    with pytest.raises(InvalidParameter) as caught:
        parse_envelope("phase: develop\n", source="env.yaml")
    message = caught.value.message
    assert "env.yaml:1: phase: unknown value 'develop'" in message
    assert "develop-active" in message


def test_unknown_service_status_names_the_nested_field() -> None:
    text = "phase: idle\nservices:\n  - {hostname: app, typeVersion: go@1, status: HAPPY}\n"
    with pytest.raises(InvalidParameter) as caught:
        parse_envelope(text, source="e.yaml")
    assert "services.0.status: unknown value 'HAPPY'" in caught.value.message


def test_an_envelope_file_that_is_not_yaml_names_the_line() -> None:
    with pytest.raises(InvalidParameter) as caught:
        parse_envelope("phase: idle\nservices: [\n", source="bad.yaml")
    assert caught.value.message.startswith("bad.yaml:")
    assert "not valid YAML" in caught.value.message


def test_work_session_scope_must_name_envelope_services(make_envelope: EnvelopeFactory) -> None:
    with pytest.raises(InvalidParameter) as caught:
        make_envelope(phase="develop-active", workSession={"intent": "x", "services": ["ghost"]})
    assert "workSession.services names ghost" in caught.value.message


def test_attempts_for_services_outside_the_scope_are_rejected(make_envelope: EnvelopeFactory) -> None:
    with pytest.raises(InvalidParameter) as caught:
        make_envelope(
            phase="develop-active",
            services=[{"hostname": "app", "typeVersion": "go@1", "bootstrapped": True, "mode": "simple"}],
            workSession={"services": ["app"], "deploys": {"other": [{"result": "ok"}]}},
        )
    assert "deploys names other" in caught.value.message


def test_failure_class_on_a_successful_attempt_is_rejected(make_envelope: EnvelopeFactory) -> None:
    with pytest.raises(InvalidParameter) as caught:
        make_envelope(
            phase="develop-active",
            services=[{"hostname": "app", "typeVersion": "go@1", "bootstrapped": True, "mode": "simple"}],
            workSession={
                "services": ["app"],
                "deploys": {"app": [{"result": "ok", "failureClass": "build"}]},
            },
        )
    assert "failureClass is only allowed on a failed attempt" in caught.value.message


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (
            {"phase": "develop-active", "idleScenario": "empty"},
            "idleScenario is only allowed when phase is idle",
        ),
        ({"phase": "export-active"}, "exportStatus is required"),
        ({"phase": "develop-closed-auto"}, "workSession is required when phase is develop-closed-auto"),
        ({"phase": "idle", "exportStatus": "publish-ready"}, "only allowed when phase is export-active"),
        ({"phase": "idle", "bootstrap": {"route": "classic"}}, "bootstrap is only allowed"),
        (
            {"phase": "develop-closed-auto", "workSession": {"intent": "x"}},
            "closeReason is required when phase is develop-closed-auto",
        ),
        (
            {
                "phase": "idle",
                "services": [{"hostname": "db", "typeVersion": "postgresql@16", "bootstrapped": True}],
            },
            "managed service",
        ),
        (
            {"phase": "idle", "services": [{"hostname": "a", "typeVersion": "go@1", "bootstrapped": True}]},
            "needs a mode",
        ),
        ({"phase": "idle", "services": [{"hostname": "a", "deployed": True}]}, "only a bootstrapped service"),
        ({"phase": "idle", "services": [{"hostname": "a"}, {"hostname": "a"}]}, "more than once"),
        ({"phase": "idle", "services": [{"hostname": "Not_Valid"}]}, "services.0.hostname"),
    ],
)
def test_inconsistent_envelopes_are_rejected_with_a_reason(
    make_envelope: EnvelopeFactory, data: dict[str, object], fragment: str
) -> None:
    with pytest.raises(InvalidParameter) as caught:
        make_envelope(**data)
    assert fragment in caught.value.message


def test_runtime_class_is_derived_from_the_service_type(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="idle",
        services=[
            {"hostname": "api", "typeVersion": "php-nginx@8.4"},
            {"hostname": "db", "typeVersion": "postgresql@16"},
            {"hostname": "web", "typeVersion": "static"},
            {"hostname": "x"},
        ],
    )
    classes = {s.hostname: s.runtime for s in env.services}
    assert classes == {
        "api": RuntimeClass.IMPLICIT_WEBSERVER,
        "db": RuntimeClass.MANAGED,
        "web": RuntimeClass.STATIC,
        "x": RuntimeClass.UNKNOWN,
    }


def test_bootstrapped_runtimes_get_the_values_bootstrap_writes(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="idle",
        services=[{"hostname": "app", "typeVersion": "go@1", "bootstrapped": True, "mode": "dev"}],
    )
    svc = env.services[0]
    assert (svc.close_mode, svc.git_push_state, svc.build_integration) == (
        CloseMode.UNSET,
        GitPushState.UNCONFIGURED,
        BuildIntegration.NONE,
    )


@pytest.mark.parametrize(
    ("services", "expected"),
    [
        ([], IdleScenario.EMPTY),
        ([{"hostname": "db", "typeVersion": "postgresql@16"}], IdleScenario.EMPTY),
        ([{"hostname": "a", "typeVersion": "go@1"}], IdleScenario.ADOPT),
        (
            [
                {"hostname": "a", "typeVersion": "go@1", "bootstrapped": True, "mode": "dev"},
                {"hostname": "b"},
            ],
            IdleScenario.BOOTSTRAPPED,
        ),
        (
            [
                {"hostname": "a", "typeVersion": "go@1", "bootstrapped": True, "mode": "dev"},
                {"hostname": "b", "typeVersion": "go@1", "resumable": True},
            ],
            IdleScenario.INCOMPLETE,
        ),
    ],
)
def test_idle_scenario_is_derived_when_not_given(
    make_envelope: EnvelopeFactory, services: list[dict[str, object]], expected: IdleScenario
) -> None:
    assert make_envelope(phase="idle", services=services).idle_scenario is expected


def test_order_that_carries_no_meaning_does_not_change_the_canonical_form(
    make_envelope: EnvelopeFactory,
) -> None:
    services = [
        {"hostname": "web", "typeVersion": "static", "bootstrapped": True, "mode": "simple"},
        {"hostname": "api", "typeVersion": "go@1", "bootstrapped": True, "mode": "simple"},
    ]
    one = make_envelope(
        phase="develop-active",
        services=services,
        workSession={
            "services": ["web", "api"],
            "deploys": {"web": [{"result": "ok"}], "api": [{"result": "ok"}]},
        },
    )
    two = make_envelope(
        phase="develop-active",
        services=list(reversed(services)),
        workSession={
            "services": ["api", "web"],
            "deploys": {"api": [{"result": "ok"}], "web": [{"result": "ok"}]},
        },
    )
    assert one == two
    assert one.canonical_json() == two.canonical_json()
    assert [s.hostname for s in one.services] == ["api", "web"]
    assert one.work_session is not None and one.work_session.services == ("api", "web")


def test_canonical_yaml_parses_back_to_an_equal_envelope(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="develop-active",
        environment="local",
        project={"id": "p", "name": "demo"},
        services=[
            {"hostname": "app", "typeVersion": "nodejs@22", "bootstrapped": True, "mode": "local-stage"}
        ],
        workSession={
            "intent": "add search",
            "services": ["app"],
            "deploys": {"app": [{"result": "failed", "failureClass": "build", "reason": "exit 1"}]},
        },
    )
    assert parse_envelope(env.canonical_yaml()) == env
    assert parse_envelope(env.canonical_json()) == env


def test_failed_streak_counts_consecutive_failures_only(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="develop-active",
        services=[{"hostname": "app", "typeVersion": "go@1", "bootstrapped": True, "mode": "simple"}],
        workSession={
            "services": ["app"],
            "deploys": {
                "app": [{"result": "failed"}, {"result": "ok"}, {"result": "failed"}, {"result": "failed"}]
            },
            "verifies": {"app": [{"result": "failed"}]},
        },
    )
    assert env.work_session is not None
    assert env.work_session.failed_streak("app") == 2
