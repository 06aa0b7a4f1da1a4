"""render_status: fixed section order, what each section says, and when a section is left out."""

from __future__ import annotations

from tests.plugins.workflow import EnvelopeFactory
from zcp.workflow.plan import build_plan
from zcp.workflow.render import render_status

SECTION_ORDER = [
    "## Status",
    "\nPhase:",
    "\nServices:",
    "\nProgress:",
    "\nBlockers:",
    "\nGuidance:\n",
    "\nNext:\n",
]


def test_sections_come_in_a_fixed_order_and_the_text_ends_with_one_newline(
    make_envelope: EnvelopeFactory,
) -> None:
    env = make_envelope(
        phase="develop-active",
        project={"name": "shop"},
        services=[{"hostname": "app", "typeVersion": "go@1", "bootstrapped": True, "mode": "simple"}],
        workSession={
            "intent": "add search",
            "services": ["app"],
            "deploys": {"app": [{"result": "failed", "failureClass": "build", "reason": "exit 2"}]},
        },
    )
    text = render_status(env, build_plan(env), ["First atom.", "Second atom."])
    positions = [text.index(marker) for marker in SECTION_ORDER]
    assert positions == sorted(positions)
    assert text.endswith(".\n") and not text.endswith("\n\n")
    assert 'Phase: develop-active — intent: "add search"' in text
    assert "Environment: container · Project: shop" in text
    assert "- app: deploy failed (build): exit 2; verify not yet" in text
    assert "Guidance:\n\nFirst atom.\n\nSecond atom.\n\nNext:" in text


def test_empty_sections_are_left_out(make_envelope: EnvelopeFactory) -> None:
    text = render_status(make_envelope(phase="idle"))
    assert text == "## Status\n\nPhase: idle (empty)\nEnvironment: container\n\nServices: none\n"


def test_service_lines_show_what_the_guidance_branches_on(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="idle",
        services=[
            {
                "hostname": "appdev",
                "typeVersion": "nodejs@22",
                "status": "ACTIVE",
                "bootstrapped": True,
                "deployed": True,
                "mode": "standard",
                "stageHostname": "appstage",
                "closeMode": "git-push",
                "gitPushState": "configured",
                "buildIntegration": "actions",
            },
            {"hostname": "db", "typeVersion": "postgresql@16", "status": "RUNNING"},
            {"hostname": "legacy", "typeVersion": "php-apache@8.3", "status": "STOPPED"},
            {"hostname": "odd"},
        ],
    )
    text = render_status(env)
    assert (
        "- appdev (nodejs@22) — mode=standard, stage=appstage, closeMode=git-push, gitPush=configured, "
        "buildIntegration=actions, deployed=yes\n"
    ) in text
    assert "- db (postgresql@16) — managed\n" in text
    assert "- legacy (php-apache@8.3) — not bootstrapped [STOPPED]\n" in text
    assert "- odd (unknown type) — unknown runtime; not bootstrapped" in text


def test_blockers_name_the_pending_services_and_the_same_next_call_as_the_plan(
    make_envelope: EnvelopeFactory,
) -> None:
    env = make_envelope(
        phase="develop-active",
        services=[
            {
                "hostname": "api",
                "typeVersion": "go@1",
                "bootstrapped": True,
                "deployed": True,
                "mode": "simple",
            },
            {
                "hostname": "web",
                "typeVersion": "static",
                "bootstrapped": True,
                "deployed": True,
                "mode": "simple",
            },
        ],
        workSession={
            "services": ["api", "web"],
            "deploys": {"api": [{"result": "ok"}], "web": [{"result": "ok"}]},
            "verifies": {"api": [{"result": "ok"}]},
        },
    )
    plan = build_plan(env)
    text = render_status(env, plan)
    assert (
        f"Blockers:\n- 1/2 services deployed and verified; pending: web. Next: `{plan.primary.command}`"
        in text
    )
    assert plan.primary.command == 'zerops_verify serviceHostname="web"'


def test_next_lists_primary_secondary_and_alternatives_with_reasons(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="idle",
        services=[
            {"hostname": "app", "typeVersion": "go@1", "bootstrapped": True, "mode": "dev"},
            {"hostname": "old", "typeVersion": "go@1"},
        ],
    )
    plan = build_plan(env)
    text = render_status(env, plan)
    next_block = text[text.index("Next:") :]
    assert next_block.startswith(f"Next:\n- Primary: {plan.primary.label} — `{plan.primary.command}`\n  ")
    assert '- Alternatives:\n  - Adopt the existing runtimes — `zerops_workflow action="start"' in next_block


def test_per_service_actions_appear_only_for_several_services(make_envelope: EnvelopeFactory) -> None:
    services = [
        {"hostname": "api", "typeVersion": "go@1", "bootstrapped": True, "deployed": True, "mode": "simple"},
        {
            "hostname": "web",
            "typeVersion": "static",
            "bootstrapped": True,
            "deployed": True,
            "mode": "simple",
        },
    ]
    both = make_envelope(phase="develop-active", services=services, workSession={"services": ["api", "web"]})
    one = make_envelope(phase="develop-active", services=services, workSession={"services": ["api"]})
    assert "- Per service:\n  - api: Deploy api" in render_status(both, build_plan(both))
    assert "Per service" not in render_status(one, build_plan(one))


def test_progress_appears_only_once_something_was_attempted(make_envelope: EnvelopeFactory) -> None:
    service = {"hostname": "app", "typeVersion": "go@1", "bootstrapped": True, "mode": "simple"}
    fresh = make_envelope(phase="develop-active", services=[service], workSession={"services": ["app"]})
    pushed = make_envelope(
        phase="develop-active",
        services=[service],
        workSession={
            "services": ["app"],
            "deploys": {"app": [{"result": "pending", "strategy": "git-push"}]},
        },
    )
    assert "Progress:" not in render_status(fresh)
    assert "- app: deploy pushed, build pending; verify not yet" in render_status(pushed)


def test_repeated_failures_show_how_many_in_a_row(make_envelope: EnvelopeFactory) -> None:
    env = make_envelope(
        phase="develop-active",
        services=[{"hostname": "app", "typeVersion": "go@1", "bootstrapped": True, "mode": "simple"}],
        workSession={
            "services": ["app"],
            "deploys": {"app": [{"result": "failed", "failureClass": "start"}] * 3},
        },
    )
    assert "- app: deploy failed (start, 3 in a row); verify not yet" in render_status(env)


def test_closed_sessions_say_why_they_closed(make_envelope: EnvelopeFactory) -> None:
    service = {"hostname": "app", "typeVersion": "go@1", "bootstrapped": True, "mode": "simple"}
    capped = make_envelope(
        phase="develop-closed-auto",
        services=[service],
        workSession={"intent": "x", "services": ["app"], "closeReason": "iteration-cap", "iterationCap": 3},
    )
    text = render_status(capped)
    assert (
        'Phase: develop-closed-auto — intent: "x" (closed: iteration-cap, stopped at the iteration cap of 3)'
        in text
    )
    assert "- the session stopped at the iteration cap of 3 failed attempts" in text
