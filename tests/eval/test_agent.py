"""The plan-following agent's policy, against hand-made answers (no zcp process)."""

from __future__ import annotations

from pathlib import Path

from eval.agent import Call, Fail, Stop
from tests.eval.helpers import action, agent, answer, scenario

INTENT = "<what the user asked for>"


def test_the_first_call_is_the_status_that_re_orients(tmp_path: Path) -> None:
    follower = agent(scenario(), tmp_path)
    first = follower.decide(None)
    assert isinstance(first, Call)
    assert (first.tool, first.args) == ("zerops_workflow", {"action": "status"})


def test_the_primary_next_action_is_made_exactly_as_suggested(tmp_path: Path) -> None:
    follower = agent(scenario(), tmp_path)
    seen = answer(next_actions=[action("zerops_verify", serviceHostname="app"), action("zerops_discover")])
    decision = follower.decide(seen)
    assert isinstance(decision, Call)
    assert (decision.tool, decision.args) == ("zerops_verify", {"serviceHostname": "app"})


def test_a_bootstrap_intent_placeholder_is_filled_with_the_users_request(tmp_path: Path) -> None:
    follower = agent(scenario(intent="a python app"), tmp_path)
    suggested = action("zerops_workflow", action="start", workflow="bootstrap", intent=INTENT)
    decision = follower.decide(answer(next_actions=[suggested]))
    assert isinstance(decision, Call)
    assert decision.args == {"action": "start", "workflow": "bootstrap", "intent": "a python app"}


def test_the_route_menu_takes_the_users_choice_not_the_first_option(tmp_path: Path) -> None:
    follower = agent(scenario(answers={"route": "classic"}), tmp_path)
    menu = answer(
        status="route-menu",
        next_actions=[
            action(
                "zerops_workflow",
                action="start",
                workflow="bootstrap",
                route="recipe",
                recipeSlug="python",
                intent="x",
            ),
            action("zerops_workflow", action="start", workflow="bootstrap", route="classic", intent="x"),
        ],
    )
    decision = follower.decide(menu)
    assert isinstance(decision, Call) and decision.args["route"] == "classic"


def test_a_route_the_menu_does_not_offer_fails_naming_what_it_offers(tmp_path: Path) -> None:
    follower = agent(scenario(answers={"route": "recipe", "recipe": "django"}), tmp_path)
    menu = answer(
        status="route-menu",
        next_actions=[
            action("zerops_workflow", action="start", workflow="bootstrap", route="classic", intent="x")
        ],
    )
    decision = follower.decide(menu)
    assert isinstance(decision, Fail)
    assert "recipe django" in decision.reason and "classic" in decision.reason


def test_a_develop_start_takes_the_next_task_and_the_agent_stops_when_none_is_left(tmp_path: Path) -> None:
    follower = agent(scenario(answers={"tasks": ["add a page"]}), tmp_path)
    ask = action("zerops_workflow", action="start", workflow="develop", intent=INTENT, scope=["app"])
    first = follower.decide(answer(next_actions=[ask]))
    assert isinstance(first, Call) and first.args["intent"] == "add a page"
    second = follower.decide(answer(Call("zerops_workflow", {"action": "close"}, "t"), next_actions=[ask]))
    assert isinstance(second, Stop)


def test_a_task_that_is_a_call_is_made_instead_of_the_develop_start(tmp_path: Path) -> None:
    story = scenario(answers={"tasks": [{"tool": "zerops_workflow", "args": {"workflow": "export"}}]})
    follower = agent(story, tmp_path)
    ask = action("zerops_workflow", action="start", workflow="develop", intent=INTENT, scope=["app"])
    decision = follower.decide(answer(next_actions=[ask]))
    assert isinstance(decision, Call)
    assert decision.args == {"workflow": "export"} and decision.origin == "the user's next request"


def test_a_placeholder_the_user_cannot_fill_fails_the_scenario(tmp_path: Path) -> None:
    follower = agent(scenario(), tmp_path)
    suggested = action(
        "zerops_workflow", action="git-push-setup", service="app", remoteUrl="<repository URL>"
    )
    decision = follower.decide(answer(next_actions=[suggested]))
    assert isinstance(decision, Fail) and "remoteUrl" in decision.reason


def test_a_tool_zcp_does_not_offer_fails_before_it_is_called(tmp_path: Path) -> None:
    follower = agent(scenario(), tmp_path)
    decision = follower.decide(answer(next_actions=[action("zerops_mount", action="mount")]))
    assert isinstance(decision, Fail) and "zerops_mount" in decision.reason
    assert decision.call is not None and decision.call.tool == "zerops_mount"


def test_an_argument_or_action_that_does_not_exist_fails(tmp_path: Path) -> None:
    follower = agent(scenario(), tmp_path)
    extra = follower.decide(answer(next_actions=[action("zerops_verify", serviceHostname="a", deep=True)]))
    unknown = follower.decide(answer(next_actions=[action("zerops_workflow", action="promote")]))
    assert isinstance(extra, Fail) and "deep" in extra.reason
    assert isinstance(unknown, Fail) and "promote" in unknown.reason


def test_zcp_rejecting_its_own_suggestion_fails_but_a_domain_error_follows_its_recovery(
    tmp_path: Path,
) -> None:
    follower = agent(scenario(), tmp_path)
    rejected = follower.decide(answer(error={"code": "INVALID_PARAMETER", "error": "bad"}))
    assert isinstance(rejected, Fail) and "INVALID_PARAMETER" in rejected.reason
    recovery = {"tool": "zerops_discover", "args": {"service": "app"}}
    recovered = follower.decide(
        answer(error={"code": "PREREQUISITE_MISSING", "error": "x", "recovery": recovery})
    )
    assert isinstance(recovered, Call) and (recovered.tool, recovered.args) == (
        "zerops_discover",
        {"service": "app"},
    )
    plain = follower.decide(answer(error={"code": "API_ERROR", "error": "x"}))
    assert isinstance(plain, Call) and plain.args == {"action": "status"}


def test_an_error_that_is_not_zcps_error_format_is_a_refusal(tmp_path: Path) -> None:
    follower = agent(scenario(), tmp_path)
    decision = follower.decide(answer(text="Input validation error: 'port' is not an integer"))
    assert isinstance(decision, Fail) and "Input validation error" in decision.reason


def test_a_next_action_written_as_a_call_is_followed_but_prose_is_not(tmp_path: Path) -> None:
    follower = agent(scenario(), tmp_path)
    deploy = Call("zerops_deploy", {"targetService": "app"}, "t")
    written = answer(deploy, status="DEPLOYED", nextActions=['zerops_verify serviceHostname="app"', "prose"])
    decision = follower.decide(written)
    assert isinstance(decision, Call) and (decision.tool, decision.args) == (
        "zerops_verify",
        {"serviceHostname": "app"},
    )
    prose = answer(
        deploy, status="DEPLOYED", nextActions=["Read the build log", 'zerops_verify serviceHostname="app"']
    )
    decision = follower.decide(prose)
    assert isinstance(decision, Call) and decision.args == {"action": "status"}


def test_written_calls_are_read_as_json_arguments_and_placeholders_are_not_calls() -> None:
    from eval.agent import parse_command

    assert parse_command('zerops_env action="get" project=true') == (
        "zerops_env",
        {"action": "get", "project": True},
    )
    assert parse_command("zerops_events limit=10") == ("zerops_events", {"limit": 10})
    assert parse_command("zerops_import content=<import YAML>") is None
    assert parse_command("git push") is None


def test_a_status_without_next_actions_fails(tmp_path: Path) -> None:
    follower = agent(scenario(), tmp_path)
    decision = follower.decide(answer(phase="idle", next_actions=[]))
    assert isinstance(decision, Fail) and "no next action" in decision.reason


def test_the_same_change_from_the_same_state_twice_is_a_loop(tmp_path: Path) -> None:
    follower = agent(scenario(), tmp_path)
    same = answer(next_actions=[action("zerops_workflow", action="complete", step="close")], atoms=["a"])
    assert isinstance(follower.decide(same), Call)
    again = follower.decide(same)
    assert isinstance(again, Fail) and again.reason.startswith("loop:")


def test_times_and_generated_ids_do_not_make_a_state_new(tmp_path: Path) -> None:
    follower = agent(scenario(), tmp_path)
    close = [action("zerops_workflow", action="complete", step="close")]
    first = answer(
        next_actions=close, createdAt="2025-06-02T08:00:00Z", message="version 4Hk2mQ9vXcL4pN8sT1wY6b"
    )
    later = answer(
        next_actions=close, createdAt="2025-06-02T08:05:10Z", message="version 9Zq1rT5uWcK3oM7sD2xE4a"
    )
    assert isinstance(follower.decide(first), Call)
    assert isinstance(follower.decide(later), Fail)


def test_a_read_only_call_may_repeat_while_waiting_then_it_is_a_loop(tmp_path: Path) -> None:
    follower = agent(scenario(), tmp_path, patience=2.0, poll_seconds=1.0)
    same = answer(next_actions=[action("zerops_discover")])
    decisions = [follower.decide(same) for _ in range(4)]
    assert [type(d).__name__ for d in decisions] == ["Call", "Call", "Call", "Fail"]
    assert [d.wait for d in decisions[:3] if isinstance(d, Call)] == [0.0, 1.0, 1.0]


def test_a_failed_deploy_or_verify_moves_that_service_to_its_next_revision(tmp_path: Path) -> None:
    files = {"app": [{"a.txt": "1"}, {"a.txt": "2"}, {"a.txt": "3"}]}
    follower = agent(scenario(files=files), tmp_path)
    deploy = Call("zerops_deploy", {"targetService": "app"}, "t")
    follower.observe(answer(deploy, status="BUILD_FAILED"))
    assert follower.workspace.revision("app") == 1
    follower.observe(answer(deploy, status="DEPLOYED"))
    verify = Call("zerops_verify", {"serviceHostname": "app"}, "t")
    follower.observe(answer(verify, status="degraded", services=[{"hostname": "app", "status": "degraded"}]))
    assert follower.workspace.revision("app") == 2
    follower.observe(answer(deploy, error={"code": "DEPLOY_FAILED", "error": "x"}))
    assert follower.workspace.revision("app") == 2  # the last revision stays
