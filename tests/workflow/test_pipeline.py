"""The public pipeline API, canonical round trips, and a property test over generated envelopes."""

from __future__ import annotations

import functools
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import zcp.workflow as workflow
from tests.plugins.workflow import CORPUS_DIR
from zcp.axes import (
    BuildIntegration,
    CloseMode,
    ExportStatus,
    FailureClass,
    GitPushState,
    Mode,
    Phase,
    ServiceStatus,
)
from zcp.errors import InvalidParameter
from zcp.workflow.atoms import AtomSet, load_atoms
from zcp.workflow.envelope import StateEnvelope, envelope_from_mapping, parse_envelope
from zcp.workflow.plan import BRANCHES
from zcp.workflow.scenarios import Scenario

_PLACEHOLDER_SHAPED = re.compile(r"(?<!\$)\{[A-Za-z][A-Za-z0-9_-]*\}")
TYPES = ["nodejs@22", "go@1", "php-nginx@8.4", "static", "postgresql@16", "valkey@7.2", ""]
HOSTS = ["app", "appdev", "appstage", "api", "db", "web", "worker"]


def test_the_package_exposes_the_pipeline(scenarios: tuple[Scenario, ...], real_atoms: AtomSet) -> None:
    scenario = next(s for s in scenarios if s.name == "develop-first-deploy-standard-pair")
    report = workflow.status_report(scenario.envelope, real_atoms)
    assert report.text == workflow.render_status(
        scenario.envelope, workflow.build_plan(scenario.envelope), [r.body for r in report.renders]
    )
    assert report.atom_ids[0] == "develop-first-deploy-overview"
    assert report.guide == workflow.join_guidance(workflow.synthesize(scenario.envelope, real_atoms))
    assert "\n\n---\n\n" in report.guide


def test_an_unknown_package_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = workflow.no_such_thing


def test_every_scenario_survives_a_canonical_yaml_round_trip(scenarios: tuple[Scenario, ...]) -> None:
    for scenario in scenarios:
        assert parse_envelope(scenario.envelope.canonical_yaml()) == scenario.envelope, scenario.name


def test_a_plan_serialises_to_plain_json_data(scenarios: tuple[Scenario, ...]) -> None:
    scenario = next(s for s in scenarios if s.name == "develop-first-deploy-two-pairs")
    data = workflow.build_plan(scenario.envelope).model_dump(mode="json")
    assert data["branch"] == "develop.promote-stage"
    assert data["primary"]["tool"] == "zerops_deploy"
    assert set(data["per_service"]) == {"apistage", "web", "webdev"}


@st.composite
def envelopes(draw: st.DrawFn) -> dict[str, Any]:
    hosts = draw(st.lists(st.sampled_from(HOSTS), unique=True, max_size=4))
    services: list[dict[str, Any]] = []
    for host in hosts:
        service: dict[str, Any] = {"hostname": host, "typeVersion": draw(st.sampled_from(TYPES))}
        if draw(st.booleans()):
            service["status"] = draw(st.sampled_from(list(ServiceStatus))).value
        managed = service["typeVersion"].startswith(("postgresql", "valkey"))
        if not managed and draw(st.booleans()):
            service.update(
                bootstrapped=True,
                deployed=draw(st.booleans()),
                mode=draw(st.sampled_from(list(Mode))).value,
                closeMode=draw(st.sampled_from(list(CloseMode))).value,
                gitPushState=draw(st.sampled_from(list(GitPushState))).value,
                buildIntegration=draw(st.sampled_from(list(BuildIntegration))).value,
            )
        if not managed and draw(st.booleans()):
            keys = draw(st.lists(st.sampled_from(["FLAG", "API_URL", "MODE"]), unique=True, max_size=3))
            service["envPending"] = {
                "keys": keys,
                "since": "2025-03-01T10:00:00Z",
                "project": draw(st.booleans()),
            }
        services.append(service)
    if len(hosts) >= 2 and draw(st.booleans()):
        services[0]["stageHostname"] = hosts[1]
    phase = draw(st.sampled_from(list(Phase)))
    data: dict[str, Any] = {
        "phase": phase.value,
        "services": services,
        "environment": draw(st.sampled_from(["container", "local"])),
    }
    if phase is Phase.EXPORT_ACTIVE:
        data["exportStatus"] = draw(st.sampled_from(list(ExportStatus))).value
    if phase is Phase.BOOTSTRAP_ACTIVE and draw(st.booleans()):
        data["bootstrap"] = {
            "route": draw(st.sampled_from(["classic", "adopt", "resume"])),
            "step": draw(st.sampled_from(["discover", "provision", "close"])),
        }
    if phase in (Phase.DEVELOP_ACTIVE, Phase.DEVELOP_CLOSED_AUTO) and hosts:
        scope = draw(st.lists(st.sampled_from(hosts), unique=True, min_size=1))
        attempt = st.builds(
            lambda result, cls: {
                "result": result,
                **({"failureClass": cls.value} if result == "failed" and cls else {}),
            },
            st.sampled_from(["ok", "failed", "pending"]),
            st.none() | st.sampled_from(list(FailureClass)),
        )
        history = st.dictionaries(st.sampled_from(scope), st.lists(attempt, max_size=6), max_size=len(scope))
        data["workSession"] = {
            "intent": "task",
            "services": scope,
            "deploys": draw(history),
            "verifies": draw(history),
        }
        if phase is Phase.DEVELOP_CLOSED_AUTO:
            data["workSession"]["closeReason"] = draw(st.sampled_from(["auto-complete", "iteration-cap"]))
    return data


@functools.cache
def corpus_atoms() -> AtomSet:
    return load_atoms(CORPUS_DIR, strict=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=envelopes())
def test_any_valid_envelope_renders_deterministically_without_placeholders(data: dict[str, Any]) -> None:
    real_atoms = corpus_atoms()
    try:
        envelope: StateEnvelope = envelope_from_mapping(data)
    except InvalidParameter:
        assume(False)
        return
    report = workflow.status_report(envelope, real_atoms)
    assert report.plan.branch in BRANCHES
    assert _PLACEHOLDER_SHAPED.findall(report.text) == []
    assert report.text.endswith("\n") and not report.text.endswith("\n\n")
    assert workflow.status_report(parse_envelope(envelope.canonical_json()), real_atoms).text == report.text
