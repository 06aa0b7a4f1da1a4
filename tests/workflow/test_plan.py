"""build_plan: the dispatch table, deploy-before-verify, failure classes, pairs, the iteration cap."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.plugins.workflow import EnvelopeFactory
from zcp.axes import FailureClass, Phase
from zcp.errors import InvalidParameter
from zcp.tools.vocabulary import registry_vocabulary
from zcp.workflow.actions import NextAction, Plan
from zcp.workflow.plan import BRANCHES, build_plan
from zcp.workflow.scenarios import Scenario


def svc(host: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "hostname": host,
        "typeVersion": "nodejs@22",
        "bootstrapped": True,
        "mode": "simple",
    }
    data.update(extra)
    return data


PAIR = [
    svc("appdev", mode="standard", stageHostname="appstage", deployed=True, closeMode="auto"),
    svc("appstage", mode="stage", deployed=True, closeMode="auto"),
]


def actions_of(plan: Plan) -> Iterator[NextAction]:
    yield plan.primary
    if plan.secondary is not None:
        yield plan.secondary
    yield from plan.per_service.values()
    yield from plan.alternatives


def test_every_branch_of_the_dispatch_table_is_reached_by_a_scenario(scenarios: tuple[Scenario, ...]) -> None:
    reached = {build_plan(s.envelope).branch for s in scenarios}
    assert sorted(set(BRANCHES) - reached) == []


def test_every_plan_names_a_branch_of_the_table(scenarios: tuple[Scenario, ...]) -> None:
    assert {build_plan(s.envelope).branch for s in scenarios} <= set(BRANCHES)


def test_the_table_has_a_branch_for_every_phase() -> None:
    prefixes = {branch.split(".")[0] for branch in BRANCHES}
    expected = {"idle", "bootstrap", "develop", "closed", "setup", "cicd", "export"}
    assert prefixes == expected
    assert len(Phase) == len(expected)


def test_every_suggested_call_uses_a_real_tool_and_real_arguments(scenarios: tuple[Scenario, ...]) -> None:
    vocabulary = registry_vocabulary()
    for scenario in scenarios:
        for action in actions_of(build_plan(scenario.envelope)):
            where = f"{scenario.name}: {action.command}"
            raw = {k: v if isinstance(v, str) else "" for k, v in action.args.items()}
            assert vocabulary.problems(action.tool, raw) == [], where
            assert action.label and action.rationale, where


def test_develop_start_always_passes_the_required_scope(scenarios: tuple[Scenario, ...]) -> None:
    for scenario in scenarios:
        for action in actions_of(build_plan(scenario.envelope)):
            if action.args.get("workflow") == "develop" and action.args.get("action") == "start":
                assert action.args.get("scope"), f"{scenario.name}: {action.command}"


def test_deploy_gaps_come_before_verify_gaps(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="develop-active",
        services=[svc("api", deployed=True), svc("web", deployed=True)],
        workSession={"services": ["api", "web"], "deploys": {"api": [{"result": "ok"}]}},
    )
    plan = build_plan(env)
    assert plan.branch == "develop.deploy"
    assert plan.primary.command == 'zerops_deploy targetService="web"'
    assert plan.per_service["api"].tool == "zerops_verify"


@pytest.mark.parametrize("failure_class", list(FailureClass))
def test_a_failed_deploy_names_its_failure_class(
    make_envelope: EnvelopeFactory, failure_class: FailureClass
) -> None:
    env = make_envelope(
        phase="develop-active",
        services=[svc("app", deployed=True, closeMode="auto")],
        workSession={
            "services": ["app"],
            "deploys": {"app": [{"result": "failed", "failureClass": failure_class.value, "reason": "boom"}]},
        },
    )
    plan = build_plan(env)
    assert plan.branch == "develop.redeploy-failed"
    assert plan.primary.command == 'zerops_deploy targetService="app"'
    assert f"failure class `{failure_class.value}`" in plan.primary.rationale
    assert ": boom." in plan.primary.rationale


def test_a_failed_verify_names_its_class_and_suggests_the_runtime_log(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="develop-active",
        services=[svc("app", deployed=True)],
        workSession={
            "services": ["app"],
            "deploys": {"app": [{"result": "ok"}]},
            "verifies": {"app": [{"result": "failed", "failureClass": "start"}]},
        },
    )
    plan = build_plan(env)
    assert plan.branch == "develop.fix-verify"
    assert plan.primary.command == 'zerops_deploy targetService="app"'
    assert "failure class `start`" in plan.primary.rationale
    assert plan.secondary is not None and plan.secondary.tool == "zerops_logs"


def test_a_fix_deployed_after_a_failed_verify_is_verified_next(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="develop-active",
        services=[svc("app", deployed=True)],
        workSession={
            "services": ["app"],
            "deploys": {"app": [{"result": "ok"}, {"result": "ok"}]},
            "verifies": {
                "app": [{"result": "failed", "failureClass": "verify", "reason": "http_root: HTTP 500"}]
            },
            "deployedSinceVerify": ["app"],
        },
    )
    plan = build_plan(env)
    assert plan.branch == "develop.reverify-failed"
    assert plan.primary.command == 'zerops_verify serviceHostname="app"'
    assert "http_root: HTTP 500" in plan.primary.rationale


def test_a_passing_verify_older_than_the_last_deploy_does_not_make_a_service_green(
    make_envelope: EnvelopeFactory,
) -> None:
    env = make_envelope(
        phase="develop-active",
        services=[svc("app", deployed=True)],
        workSession={
            "services": ["app"],
            "deploys": {"app": [{"result": "ok"}, {"result": "ok"}]},
            "verifies": {"app": [{"result": "ok"}]},
            "deployedSinceVerify": ["app"],
        },
    )
    plan = build_plan(env)
    assert plan.branch == "develop.verify"
    assert plan.primary.command == 'zerops_verify serviceHostname="app"'


def test_an_unclassified_failure_counts_as_other(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="develop-active",
        services=[svc("app", deployed=True)],
        workSession={"services": ["app"], "deploys": {"app": [{"result": "failed"}]}},
    )
    assert "failure class `other`" in build_plan(env).primary.rationale


def test_a_stage_half_waits_for_its_dev_half_to_be_green(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="develop-active",
        services=PAIR,
        workSession={"services": ["appdev", "appstage"], "deploys": {"appdev": [{"result": "ok"}]}},
    )
    plan = build_plan(env)
    assert plan.branch == "develop.start-dev-server"
    assert plan.primary.tool == "zerops_dev_server" and plan.primary.args["hostname"] == "appdev"
    assert plan.per_service["appstage"].command == (
        'zerops_deploy sourceService="appdev" targetService="appstage" setup="prod"'
    )


def test_a_green_dev_half_is_promoted_to_its_stage(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="develop-active",
        services=PAIR,
        workSession={
            "services": ["appdev", "appstage"],
            "deploys": {"appdev": [{"result": "ok"}]},
            "verifies": {"appdev": [{"result": "ok"}]},
        },
    )
    plan = build_plan(env)
    assert plan.branch == "develop.promote-stage"
    assert plan.primary.args == {"sourceService": "appdev", "targetService": "appstage", "setup": "prod"}
    assert plan.per_service == {}


def test_from_a_laptop_the_stage_is_deployed_from_the_working_tree(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="develop-active",
        environment="local",
        services=PAIR,
        workSession={
            "services": ["appdev", "appstage"],
            "deploys": {"appdev": [{"result": "ok"}]},
            "verifies": {"appdev": [{"result": "ok"}]},
        },
    )
    assert build_plan(env).primary.command == 'zerops_deploy targetService="appstage"'


def test_a_dev_service_starts_its_dev_server_before_it_is_verified(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="develop-active",
        services=[svc("appdev", mode="dev")],
        workSession={"services": ["appdev"], "deploys": {"appdev": [{"result": "ok"}]}},
    )
    plan = build_plan(env)
    assert plan.branch == "develop.start-dev-server"
    assert plan.primary.tool == "zerops_dev_server" and plan.primary.args["action"] == "start"
    assert plan.secondary is not None and plan.secondary.command == 'zerops_verify serviceHostname="appdev"'


def test_a_dev_setup_whose_deploy_started_the_app_is_verified_not_given_a_dev_server(
    make_envelope: EnvelopeFactory,
) -> None:
    def plan_after(starts_app: bool | None) -> Any:
        deploy: dict[str, Any] = {"result": "ok"}
        if starts_app is not None:
            deploy["startsApp"] = starts_app
        return build_plan(
            make_envelope(
                phase="develop-active",
                services=[svc("appdev", mode="dev")],
                workSession={"services": ["appdev"], "deploys": {"appdev": [deploy]}},
            )
        )

    started = plan_after(True)
    assert started.branch == "develop.verify"
    assert started.primary.command == 'zerops_verify serviceHostname="appdev"'
    assert plan_after(False).branch == plan_after(None).branch == "develop.start-dev-server"


def test_a_dev_service_redeployed_after_a_failed_verify_starts_its_dev_server_again(
    make_envelope: EnvelopeFactory,
) -> None:
    session = {
        "services": ["appdev"],
        "deploys": {"appdev": [{"result": "ok"}, {"result": "ok"}]},
        "verifies": {"appdev": [{"result": "failed", "failureClass": "verify"}]},
    }
    redeployed = make_envelope(
        phase="develop-active",
        services=[svc("appdev", mode="dev")],
        workSession={**session, "deployedSinceVerify": ["appdev"]},
    )
    failed = make_envelope(phase="develop-active", services=[svc("appdev", mode="dev")], workSession=session)
    assert build_plan(redeployed).branch == "develop.start-dev-server"
    assert build_plan(failed).branch == "develop.fix-verify"
    local = make_envelope(
        phase="develop-active",
        environment="local",
        services=[svc("appdev", mode="dev")],
        workSession={"services": ["appdev"], "deploys": {"appdev": [{"result": "ok"}]}},
    )
    assert build_plan(local).branch == "develop.verify"


def test_a_git_push_service_is_pushed_and_its_async_build_recorded(make_envelope: EnvelopeFactory) -> None:
    service = svc(
        "app", deployed=True, closeMode="git-push", gitPushState="configured", buildIntegration="webhook"
    )
    idle_session = make_envelope(
        phase="develop-active", services=[service], workSession={"services": ["app"]}
    )
    assert build_plan(idle_session).primary.command == 'zerops_deploy targetService="app" strategy="git-push"'
    pushed = make_envelope(
        phase="develop-active",
        services=[service],
        workSession={
            "services": ["app"],
            "deploys": {"app": [{"result": "pending", "strategy": "git-push"}]},
        },
    )
    assert build_plan(pushed).primary.command == 'zerops_workflow action="record-deploy" targetService="app"'


def test_the_iteration_cap_stops_the_loop_and_it_is_configurable(make_envelope: EnvelopeFactory) -> None:
    failures = [{"result": "failed", "failureClass": "build"}] * 2
    session = {"services": ["app"], "deploys": {"app": failures}}
    below = make_envelope(phase="develop-active", services=[svc("app")], workSession=session)
    at_cap = make_envelope(
        phase="develop-active", services=[svc("app")], workSession={**session, "iterationCap": 2}
    )
    assert build_plan(below).branch == "develop.redeploy-failed"
    plan = build_plan(at_cap)
    assert plan.branch == "develop.iteration-cap"
    assert plan.primary.command == 'zerops_workflow action="close" workflow="develop"'
    assert "iteration cap of 2" in plan.primary.rationale
    assert "`build`" in plan.primary.rationale


def test_an_idle_project_starts_develop_with_dev_halves_only(make_envelope: EnvelopeFactory) -> None:
    plan = build_plan(make_envelope(phase="idle", services=PAIR))
    assert plan.branch == "idle.bootstrapped"
    assert plan.primary.args["scope"] == ["appdev"]


def test_an_interrupted_bootstrap_is_resumed_by_its_session(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="idle",
        services=[{"hostname": "a", "typeVersion": "go@1", "resumable": True, "resumeSession": "abc"}],
    )
    assert build_plan(env).primary.command == (
        'zerops_workflow action="start" workflow="bootstrap" route="resume" sessionId="abc"'
    )


def test_a_command_quotes_strings_and_writes_lists_and_objects_as_json() -> None:
    action = NextAction(
        label="x",
        tool="zerops_workflow",
        args={"scope": ["a", "b"], "workflow": "develop", "intent": 'say "hi"', "action": "start"},
    )
    assert action.command == (
        'zerops_workflow action="start" workflow="develop" intent="say \\"hi\\"" scope=["a","b"]'
    )


def test_per_service_actions_are_listed_only_for_more_than_one_service(
    make_envelope: EnvelopeFactory,
) -> None:
    env = make_envelope(phase="develop-active", services=[svc("app")], workSession={"services": ["app"]})
    assert build_plan(env).per_service == {}


# --- a variable change the service has not restarted with ------------------------------------------

PENDING = {"keys": ["FLAG"], "since": "2025-03-01T10:00:00Z"}
RESTART = 'zerops_manage action="restart" serviceHostname="api"'


def test_a_deploy_of_the_pending_service_needs_no_restart(make_envelope: EnvelopeFactory) -> None:
    plain = make_envelope(
        phase="develop-active", services=[svc("api", deployed=True)], workSession={"services": ["api"]}
    )
    pending = make_envelope(
        phase="develop-active",
        services=[svc("api", deployed=True, envPending=PENDING)],
        workSession={"services": ["api"]},
    )
    assert build_plan(pending) == build_plan(plain)  # the deploy boots new containers anyway
    assert build_plan(pending).branch == "develop.deploy"


def test_a_pending_service_is_restarted_before_the_session_closes(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="develop-active",
        services=[svc("api", deployed=True, closeMode="manual", envPending=PENDING)],
        workSession={
            "services": ["api"],
            "deploys": {"api": [{"result": "ok"}]},
            "verifies": {"api": [{"result": "ok"}]},
        },
    )
    plan = build_plan(env)
    assert plan.branch == "develop.env-restart"
    assert (
        plan.primary.command == RESTART and "FLAG changed at 2025-03-01T10:00:00Z" in plan.primary.rationale
    )
    assert (
        plan.secondary is not None
        and plan.secondary.command == 'zerops_workflow action="close" workflow="develop"'
    )


def test_a_pending_service_outside_the_scope_changes_nothing(make_envelope: EnvelopeFactory) -> None:
    services = [svc("api", deployed=True), svc("web", deployed=True)]
    session = {"services": ["api"], "deploys": {"api": [{"result": "ok"}]}}
    plain = make_envelope(phase="develop-active", services=services, workSession=session)
    services[1] = svc("web", deployed=True, envPending=PENDING)
    pending = make_envelope(phase="develop-active", services=services, workSession=session)
    assert build_plan(pending) == build_plan(plain)


def test_when_the_plan_has_a_secondary_the_restart_is_the_first_alternative(
    make_envelope: EnvelopeFactory,
) -> None:
    env = make_envelope(
        phase="develop-active",
        services=[svc("api", deployed=True), svc("web", deployed=True, envPending={**PENDING, "keys": []})],
        workSession={
            "services": ["api", "web"],
            "deploys": {"api": [{"result": "failed", "failureClass": "start"}]},
        },
    )
    plan = build_plan(env)
    assert plan.branch == "develop.redeploy-failed" and plan.secondary is not None
    assert plan.alternatives[0].command == RESTART.replace("api", "web")
    assert plan.alternatives[0].rationale.startswith("a variable changed at")


def test_bootstrap_plans_are_left_alone(make_envelope: EnvelopeFactory) -> None:
    services = [svc("api", bootstrapped=False, mode=None, status="ACTIVE")]
    plain = make_envelope(
        phase="bootstrap-active", services=services, bootstrap={"route": "adopt", "step": "discover"}
    )
    services[0] = {**services[0], "envPending": PENDING}
    pending = make_envelope(
        phase="bootstrap-active", services=services, bootstrap={"route": "adopt", "step": "discover"}
    )
    assert build_plan(pending) == build_plan(plain)


def test_a_managed_service_never_carries_a_pending_env_change(make_envelope: EnvelopeFactory) -> None:
    with pytest.raises(InvalidParameter, match="envPending is for runtimes"):
        make_envelope(
            phase="idle", services=[{"hostname": "db", "typeVersion": "postgresql@16", "envPending": PENDING}]
        )
