"""Plans for develop sessions: open (deploy and verify gaps, failures, the iteration cap) and auto-closed.

See the dispatch table in :mod:`zcp.workflow.plan` for the branches produced here.
"""

from __future__ import annotations

from zcp.axes import CloseMode, Environment, GitPushState, Mode, RuntimeClass
from zcp.workflow.actions import (
    PUSH_SOURCE_MODES,
    NextAction,
    Plan,
    close_develop,
    close_mode_call,
    dev_halves,
    diagnostic_for,
    events_call,
    failure_sentence,
    git_push_deploy,
    git_push_setup,
    iteration_tier,
    logs_call,
    record_deploy,
    start_develop,
    verify_call,
)
from zcp.workflow.envelope import AttemptInfo, ServiceSnapshot, StateEnvelope, WorkSessionSummary


def ordered_scope(env: StateEnvelope) -> list[str]:
    """The work-session scope in walk order: hostnames sorted, with every stage half whose dev half is
    also in scope moved after the rest (a stage is promoted from its dev half, never before it)."""
    session = env.work_session
    if session is None:
        return []
    scope = set(session.services)

    def is_promoted_stage(host: str) -> bool:
        partner = env.dev_partner(host)
        return partner is not None and partner.hostname in scope

    return sorted(session.services, key=lambda h: (is_promoted_stage(h), h))


def _delivers_by_push(svc: ServiceSnapshot | None) -> bool:
    """Whether the next deploy of a service is a git push.

    A local-only service can only be deployed by pushing; a deployed push source with close mode
    git-push delivers that way (a first deploy always takes the direct path).
    """
    if svc is None:
        return False
    if svc.mode is Mode.LOCAL_ONLY:
        return True
    return svc.deployed and svc.close_mode is CloseMode.GIT_PUSH and svc.mode in PUSH_SOURCE_MODES


def _deploy_action(env: StateEnvelope, host: str, rationale: str) -> NextAction:
    svc = env.service(host)
    partner = env.dev_partner(host)
    if (
        svc is not None
        and svc.mode is Mode.STAGE
        and partner is not None
        and env.environment is Environment.CONTAINER
    ):
        return NextAction(
            label=f"Promote {partner.hostname} to {host}",
            tool="zerops_deploy",
            args={"sourceService": partner.hostname, "targetService": host, "setup": "prod"},
            rationale=rationale,
        )
    if _delivers_by_push(svc):
        return git_push_deploy(host, rationale)
    return NextAction(
        label=f"Deploy {host}", tool="zerops_deploy", args={"targetService": host}, rationale=rationale
    )


def _deploy_the_fix(sentence: str) -> str:
    """A failed verify's advice, ending with the deploy that brings the fix (it may say so already)."""
    if "deploy again" in sentence:
        return sentence
    return sentence + " The fix reaches the service with a deploy: deploy it, then verify again."


def runs_a_dev_server(
    env: StateEnvelope, svc: ServiceSnapshot | None, last_deploy: AttemptInfo | None = None
) -> bool:
    """A dynamic dev service in the container environment: its dev setup starts no app (see the atoms).

    Unless its last deploy says otherwise: a dev setup whose ``run.start`` is a real command started
    the app itself, and a dev server on the same port would only collide with it.
    """
    if last_deploy is not None and last_deploy.result == "ok" and last_deploy.starts_app is True:
        return False
    return (
        svc is not None
        and svc.runtime is RuntimeClass.DYNAMIC
        and svc.mode in (Mode.DEV, Mode.STANDARD)
        and env.environment is Environment.CONTAINER
    )


def _dev_server_start(host: str, rationale: str) -> NextAction:
    return NextAction(
        label=f"Start {host}'s dev server",
        tool="zerops_dev_server",
        args={"action": "start", "hostname": host, "command": "<start command>", "port": "<port>"},
        rationale=rationale,
    )


class _Develop:
    """The develop-active dispatch, split into small steps over one envelope."""

    def __init__(self, env: StateEnvelope, session: WorkSessionSummary) -> None:
        self.env = env
        self.session = session
        self.order = ordered_scope(env)

    def waiting_stage(self, host: str) -> str | None:
        """The dev half a stage half waits for (not yet deployed and verified), if any."""
        partner = self.env.dev_partner(host)
        if partner is None or partner.hostname not in self.session.services:
            return None
        return None if self.session.is_green(partner.hostname) else partner.hostname

    def deploy_step(self, host: str) -> tuple[str, NextAction, NextAction | None]:
        env, session = self.env, self.session
        svc = env.service(host)
        last = session.last_deploy(host)
        if last is not None and last.result == "pending":
            return (
                "develop.await-build",
                record_deploy(
                    host,
                    f"The push of {host} is recorded but its build runs asynchronously; once zerops_events shows "
                    "the build ACTIVE, record it so the session counts it.",
                ),
                events_call(host, "Watch the build until it is ACTIVE (or failed)."),
            )
        partner = env.dev_partner(host)
        if (
            svc is not None
            and svc.mode is Mode.STAGE
            and partner is not None
            and partner.hostname in session.services
        ):
            why = (
                failure_sentence("deploy", host, last)
                if last is not None and last.result == "failed"
                else f"{partner.hostname} is deployed and verified; promote the same code to its stage half."
            )
            return "develop.promote-stage", _deploy_action(env, host, why), None
        if svc is not None and _delivers_by_push(svc) and svc.git_push_state is not GitPushState.CONFIGURED:
            return (
                "develop.git-push-setup",
                git_push_setup(
                    host,
                    f"{host} delivers by git push, but git push is {svc.git_push_state.value if svc.git_push_state else 'unset'}; "
                    "set up the remote before pushing.",
                ),
                None,
            )
        if last is not None and last.result == "failed":
            return (
                "develop.redeploy-failed",
                _deploy_action(
                    env,
                    host,
                    failure_sentence("deploy", host, last)
                    + iteration_tier(session.failed_streak(host), session.iteration_cap),
                ),
                diagnostic_for(host, last, env),
            )
        if svc is not None and svc.bootstrapped and not svc.deployed:
            return (
                "develop.first-deploy",
                _deploy_action(
                    env,
                    host,
                    f"{host} has never been deployed: write zerops.yaml and the app first (see guidance), then deploy.",
                ),
                None,
            )
        return (
            "develop.deploy",
            _deploy_action(
                env, host, f"No deploy of {host} in this session yet: deploy once the change is made."
            ),
            None,
        )

    def verify_step(self, host: str) -> tuple[str, NextAction, NextAction | None]:
        env, session = self.env, self.session
        last = session.last_verify(host)
        svc = env.service(host)
        if runs_a_dev_server(env, svc, session.last_deploy(host)) and (
            last is None or session.fix_deployed(host)
        ):
            return (
                "develop.start-dev-server",
                _dev_server_start(
                    host,
                    f"{host} is a dev service: its deploy starts no app (`zsc noop`), so start the dev server, "
                    "then verify.",
                ),
                verify_call(host, "Once the dev server answers, verify; auto-close needs a passing verify."),
            )
        if last is not None and last.result == "failed":
            if session.fix_deployed(host):
                return (
                    "develop.reverify-failed",
                    verify_call(
                        host,
                        f"{host} was deployed again after its last verify failed (failure class "
                        f"`{last.effective_failure_class.value}`{': ' + last.reason if last.reason else ''}); "
                        "verify that the fix works.",
                        label=f"Verify {host} again",
                    ),
                    diagnostic_for(host, last, env),
                )
            return (
                "develop.fix-verify",
                _deploy_action(
                    env,
                    host,
                    _deploy_the_fix(failure_sentence("verify", host, last))
                    + iteration_tier(session.failed_streak(host), session.iteration_cap),
                ),
                diagnostic_for(host, last, env),
            )
        return (
            "develop.verify",
            verify_call(host, f"{host} is deployed but not verified yet; auto-close needs a passing verify."),
            None,
        )

    def per_service(self) -> dict[str, NextAction]:
        actions: dict[str, NextAction] = {}
        for host in self.order:
            if self.session.needs_deploy(host):
                waiting = self.waiting_stage(host)
                if waiting is not None:
                    actions[host] = _deploy_action(
                        self.env, host, f"After {waiting} is deployed and verified."
                    )
                else:
                    actions[host] = self.deploy_step(host)[1]
            elif not self.session.is_green(host):
                actions[host] = self.verify_step(host)[1]
        return actions if len(actions) > 1 else {}

    def plan(self) -> Plan:
        env, session = self.env, self.session
        for host in self.order:
            streak = session.failed_streak(host)
            if streak >= session.iteration_cap:
                last = session.last_deploy(host)
                if last is None or last.result != "failed":
                    last = session.last_verify(host)
                detail = ""
                if last is not None and last.result == "failed":
                    cls = last.effective_failure_class.value
                    detail = f" (last failure class `{cls}`{': ' + last.reason if last.reason else ''})"
                return Plan(
                    branch="develop.iteration-cap",
                    primary=close_develop(
                        "Stop and report to the user",
                        f"{host} failed {streak} times in a row{detail}, reaching the iteration cap of "
                        f"{session.iteration_cap}. Stop retrying: tell the user what was tried and what failed, and "
                        "ask how to proceed.",
                    ),
                    secondary=logs_call(host, "Gather the evidence for the summary."),
                )
        deploy_gaps = [h for h in self.order if session.needs_deploy(h) and self.waiting_stage(h) is None]
        if deploy_gaps:
            branch, primary, secondary = self.deploy_step(deploy_gaps[0])
            return Plan(branch=branch, primary=primary, secondary=secondary, per_service=self.per_service())
        verify_gaps = [h for h in self.order if not session.is_green(h)]
        if verify_gaps:
            branch, primary, secondary = self.verify_step(verify_gaps[0])
            return Plan(branch=branch, primary=primary, secondary=secondary, per_service=self.per_service())
        unset = [
            h for h in self.order if (s := env.service(h)) is not None and s.close_mode is CloseMode.UNSET
        ]
        alternatives = tuple(
            close_mode_call(
                h, CloseMode.AUTO, "With close mode auto, sessions close themselves once all is green."
            )
            for h in unset
            if env.dev_partner(h) is None
        )
        return Plan(
            branch="develop.close",
            primary=close_develop(
                "Close the develop session",
                "Every service in scope is deployed and verified; this close mode does not close the session "
                "by itself.",
            ),
            secondary=start_develop(
                list(session.services),
                "Start the next task when the user has one.",
                label="Start the next task",
            ),
            alternatives=alternatives,
        )


def plan_develop(env: StateEnvelope) -> Plan:
    session = env.work_session
    if session is None or not session.services:
        return Plan(
            branch="develop.no-scope",
            primary=start_develop(
                dev_halves(env.services, env),
                "A develop session needs a scope: the runtimes the task changes.",
            ),
        )
    return _Develop(env, session).plan()


def plan_closed(env: StateEnvelope) -> Plan:
    session = env.work_session
    assert session is not None  # the envelope validator requires it in this phase
    scope = list(session.services)
    if session.close_reason == "iteration-cap":
        order = ordered_scope(env)
        failing = max(order, key=lambda h: (session.failed_streak(h), -order.index(h))) if order else ""
        streak = session.failed_streak(failing) if failing else 0
        last = session.last_deploy(failing) if failing else None
        if last is None or last.result != "failed":
            last = session.last_verify(failing) if failing else None
        detail = ""
        if last is not None and last.result == "failed":
            cls = last.effective_failure_class.value
            detail = f" The last failure was class `{cls}`{': ' + last.reason if last.reason else ''}."
        return Plan(
            branch="closed.iteration-cap",
            primary=close_develop(
                "Close the stopped session and report to the user",
                f"The session stopped at the iteration cap ({session.iteration_cap}); {failing or 'a service'} "
                f"failed {streak} times in a row.{detail} Summarise what was tried for the user and ask how to "
                "proceed before starting again.",
            ),
            secondary=logs_call(failing, "Gather the evidence for the summary.") if failing else None,
        )
    return Plan(
        branch="closed.auto-complete",
        primary=close_develop(
            "Close the finished session",
            "Every service in scope was deployed and verified; the task is done.",
        ),
        secondary=start_develop(
            scope, "Start the next task when the user has one.", label="Start the next task"
        ),
    )
