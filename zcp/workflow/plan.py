"""Build the plan: what the agent should do next, as tool calls with reasons.

:func:`build_plan` is a pure function of the envelope. It dispatches on the phase, then on the first
matching branch below; every plan names its branch (:attr:`Plan.branch`) so tests can prove each
row is reached by a scenario. Services are walked in scope order with a stage half after its dev
half; **deploy gaps come before verify gaps**, and a failed attempt's rationale names its failure
class.

=========================== =====================================================================
branch                      condition → primary action
=========================== =====================================================================
idle.empty                  no runtime services → start bootstrap (route menu)
idle.bootstrapped           a bootstrapped runtime → start develop with those runtimes as scope;
                            alternatives: adopt the untracked runtimes, add services
idle.adopt                  only untracked runtimes → bootstrap ``route=adopt``
idle.incomplete             an interrupted bootstrap → bootstrap ``route=resume`` with its session
                            id (the route menu when the id is unknown)
bootstrap.status            no route/step known → workflow status
bootstrap.discover          step discover → complete it with a plan (adopt: the existing runtimes,
                            ``isExisting``); secondary: inspect with ``zerops_discover``
bootstrap.provision-import  step provision, services not created yet → complete provision (zcp imports)
bootstrap.provision-wait    a service is still being created or started → ``zerops_discover``
bootstrap.provision-failed  a service failed to come up → its events
bootstrap.provision-done    every service settled (or adopt route) → complete provision
bootstrap.close             step close → complete close; secondary: start develop
develop.no-scope            no work session or empty scope → start develop with a scope
develop.iteration-cap       a scope service failed ``iterationCap`` times in a row → stop, close
                            the session and report to the user
develop.await-build         a git-push deploy is building → record-deploy once it is ACTIVE
develop.git-push-setup      next deploy is a git push but git push is not configured → set it up
develop.first-deploy        never-deployed service, no attempt yet → deploy it
develop.deploy              deployed service, no deploy in this session yet → deploy the change
develop.redeploy-failed     last deploy failed → fix and deploy again (names the failure class)
develop.env-restart         the primary would verify (or start, or close) a runtime whose variables changed after
                            its containers last booted → restart it first; the former primary comes second
develop.promote-stage       a stage half whose dev half is deployed and verified → cross-deploy
develop.start-dev-server    a container dev service deployed since its last verify (or never verified)
                            → ``zerops_dev_server`` start (its dev setup starts no app); then verify
develop.verify              deployed, not verified → ``zerops_verify``
develop.fix-verify          last verify failed, no deploy since → deploy the fix (names the failure
                            class; the fix reaches the service only with a deploy)
develop.reverify-failed     last verify failed, a deploy since → verify the fix
develop.close               every scope service deployed and verified → close the session
closed.auto-complete        session closed itself after success → close it, start the next task
closed.iteration-cap        session stopped at the iteration cap → close it and report to the user
setup.no-service            no bootstrapped runtime → list close modes
setup.close-mode            close mode unset → choose one (auto; alternatives git-push, manual)
setup.git-push              close mode git-push, git push not configured → git-push-setup
setup.build-integration     git push configured, no build integration → webhook (or actions)
setup.push                  git push and a build integration configured → first push
setup.done                  close mode auto or manual → start develop
cicd.no-runtime             no runtime managed by zcp → adopt or create one first
cicd.needs-push-source      target is a lone dev service → add a stage partner first
cicd.git-push               git push not configured → git-push-setup
cicd.build-integration      no build integration → GitHub Actions (or webhook)
cicd.close-mode             close mode is not git-push → switch to git-push
cicd.ready                  everything set → first push, then record-deploy
export.scope                export scope-prompt → export a runtime
export.variant              variant-prompt → choose stage (or dev)
export.scaffold             scaffold-required → write zerops.yaml, call export again
export.git-push-setup       git-push-setup-required → git-push-setup
export.classify             classify-prompt → classify the project env vars
export.validation-failed    validation-failed → fix the errors, call export again
export.publish              publish-ready → write the bundle, commit, push
=========================== =====================================================================

In the idle and develop phases, a runtime in scope running without its latest variables (``envPending``)
that the primary does not deploy (a deploy applies them too) also gets a restart: as the primary
(``develop.env-restart``, see above) when the primary acts on that runtime without deploying it or
closes the session, else as the secondary (or the first alternative when there is a secondary).

Where the original engine was inconsistent (``workflow-engine.md`` §12) this does what an agent
needs: adoption goes through ``workflow=bootstrap route=adopt`` (quirk 13); the blocker line and
the primary action always name the same service and tool (quirk 15); develop start always passes
the required ``scope``; stage halves are cross-deployed from their dev half only once it is green.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import JsonValue

from zcp.axes import Mode, Phase, RuntimeClass, Step
from zcp.workflow.actions import (
    FAILED_STATUSES,
    SETTLED_STATUSES,
    NextAction,
    Plan,
    dev_halves,
    events_call,
    restart_call,
    start_bootstrap,
    start_develop,
    workflow_call,
)
from zcp.workflow.envelope import StateEnvelope
from zcp.workflow.plan_delivery import plan_cicd, plan_export, plan_setup
from zcp.workflow.plan_develop import plan_closed, plan_develop, runs_a_dev_server

__all__ = ["BRANCHES", "NextAction", "Plan", "build_plan"]


# --- idle ------------------------------------------------------------------------------------------


def _plan_idle(env: StateEnvelope) -> Plan:
    runtimes = [s for s in env.services if not s.is_managed]
    bootstrapped = dev_halves(env.services, env)
    untracked = [s.hostname for s in runtimes if not s.bootstrapped and not s.resumable]
    resumable = [s for s in runtimes if s.resumable]
    adopt = start_bootstrap(
        f"{', '.join(untracked)} {'runs' if len(untracked) == 1 else 'run'} on Zerops without being managed "
        "by zcp; adopting records them as they are, without redeploying anything.",
        label="Adopt the existing runtimes",
        route="adopt",
    )
    if resumable:
        session = next((s.resume_session for s in resumable if s.resume_session), None)
        hosts = ", ".join(s.hostname for s in resumable)
        if session:
            primary = workflow_call(
                "Resume the interrupted bootstrap",
                f"A bootstrap of {hosts} stopped before it finished; resuming continues where it left off.",
                action="start",
                workflow="bootstrap",
                route="resume",
                sessionId=session,
            )
        else:
            primary = start_bootstrap(
                f"A bootstrap of {hosts} stopped before it finished; the route menu offers to resume it.",
                label="Open the bootstrap route menu",
            )
        return Plan(branch="idle.incomplete", primary=primary)
    if bootstrapped:
        alternatives = [adopt] if untracked else []
        alternatives.append(
            start_bootstrap(
                "Create more services (a database, a cache, another runtime).", "Add more services"
            )
        )
        return Plan(
            branch="idle.bootstrapped",
            primary=start_develop(
                bootstrapped,
                "Code changes, deploys and fixes happen in a develop session scoped to runtimes.",
            ),
            alternatives=tuple(alternatives),
        )
    if untracked:
        return Plan(
            branch="idle.adopt",
            primary=adopt,
            alternatives=(
                start_bootstrap("Create new services instead of adopting.", "Create new services"),
            ),
        )
    return Plan(
        branch="idle.empty",
        primary=start_bootstrap(
            "The project has no runtime services yet; a bootstrap creates them (the first call lists the routes).",
            label="Create services",
        ),
    )


# --- bootstrap -------------------------------------------------------------------------------------


def _adopt_targets(env: StateEnvelope) -> list[JsonValue]:
    targets: list[JsonValue] = []
    managed = [s for s in env.services if s.is_managed]
    for svc in env.services:
        if svc.is_managed or svc.runtime is RuntimeClass.UNKNOWN or svc.mode is Mode.STAGE:
            continue
        runtime: dict[str, JsonValue] = {
            "devHostname": svc.hostname,
            "type": svc.type_version or "<type@version>",
            "isExisting": True,
            "bootstrapMode": (svc.mode.value if svc.mode else "dev"),
        }
        if svc.stage_hostname:
            runtime["stageHostname"] = svc.stage_hostname
        # Existing managed services are listed once, on the first target.
        deps: list[JsonValue] = [
            {"hostname": m.hostname, "type": m.type_version or "<type@version>", "resolution": "EXISTS"}
            for m in (managed if not targets else [])
        ]
        targets.append({"runtime": runtime, "dependencies": deps})
    return targets


_CLASSIC_TARGET: JsonValue = [
    {
        "runtime": {
            "devHostname": "<hostname>",
            "type": "<type@version>",
            "bootstrapMode": "<standard|dev|simple>",
        },
        "dependencies": [{"hostname": "<hostname>", "type": "<type@version>", "resolution": "CREATE"}],
    }
]


def _plan_bootstrap(env: StateEnvelope) -> Plan:
    boot = env.bootstrap
    if boot is None or boot.step is None:
        return Plan(
            branch="bootstrap.status",
            primary=workflow_call(
                "Show the bootstrap status",
                "The current step and what it needs are in the status.",
                action="status",
            ),
        )
    adopting = boot.route.value == "adopt"
    if boot.step is Step.DISCOVER:
        targets = _adopt_targets(env) if adopting else []
        plan_arg: JsonValue = targets if targets else _CLASSIC_TARGET
        why = (
            "Plan every existing runtime with isExisting: true and its managed services as EXISTS."
            if adopting
            else "Submit one target per runtime (dev, standard with stageHostname, or simple) with its managed "
            "dependencies; an empty plan is valid for managed-only projects."
        )
        return Plan(
            branch="bootstrap.discover",
            primary=workflow_call(
                "Submit the service plan", why, action="complete", step="discover", plan=plan_arg
            ),
            secondary=NextAction(
                label="Inspect the project",
                tool="zerops_discover",
                args={},
                rationale="See what already exists before planning (hostnames must not collide).",
            ),
        )
    if boot.step is Step.PROVISION:
        complete = workflow_call(
            "Create and check the planned services",
            "zcp imports what the plan still lacks, waits, checks every planned service and records the "
            "managed services' env var names.",
            action="complete",
            step="provision",
        )
        failed = [s for s in env.services if s.status in FAILED_STATUSES]
        if failed:
            host = failed[0].hostname
            return Plan(
                branch="bootstrap.provision-failed",
                primary=events_call(
                    host,
                    f"{host} is {failed[0].status.value if failed[0].status else ''}; "
                    "its events say why before you fix the import and try again.",
                ),
                alternatives=(complete,),
            )
        statuses = [s.status for s in env.services]
        if adopting or (statuses and all(st in SETTLED_STATUSES for st in statuses)):
            return Plan(branch="bootstrap.provision-done", primary=complete)
        if any(st is not None for st in statuses):
            return Plan(
                branch="bootstrap.provision-wait",
                primary=NextAction(
                    label="Wait for the services to start",
                    tool="zerops_discover",
                    args={},
                    rationale="Some services are still being created or started; complete provisioning once "
                    "runtimes are RUNNING or ACTIVE (a stage half may stay READY_TO_DEPLOY).",
                ),
                alternatives=(complete,),
            )
        return Plan(branch="bootstrap.provision-import", primary=complete)
    return Plan(
        branch="bootstrap.close",
        primary=workflow_call(
            "Finish the bootstrap",
            "Closing records the services as managed by zcp; code and deploys belong to develop.",
            action="complete",
            step="close",
        ),
        secondary=start_develop(
            dev_halves(env.services, env)
            or [s.hostname for s in env.services if s.is_runtime and s.mode is not Mode.STAGE],
            "Write the app and deploy it in a develop session.",
            label="Then start developing",
        ),
    )


_BRANCH_ROW = re.compile(r"^([a-z]+\.[a-z-]+) {2,}(\S.*)$")

_DISPATCH: dict[Phase, Callable[[StateEnvelope], Plan]] = {
    Phase.IDLE: _plan_idle,
    Phase.BOOTSTRAP_ACTIVE: _plan_bootstrap,
    Phase.DEVELOP_ACTIVE: plan_develop,
    Phase.DEVELOP_CLOSED_AUTO: plan_closed,
    Phase.STRATEGY_SETUP: plan_setup,
    Phase.CICD_ACTIVE: plan_cicd,
    Phase.EXPORT_ACTIVE: plan_export,
}


def _branches_from_doc() -> dict[str, str]:
    table: dict[str, str] = {}
    current = ""
    for line in (__doc__ or "").splitlines():
        row = _BRANCH_ROW.match(line)
        if row is not None:
            current = row.group(1)
            table[current] = row.group(2).strip()
        elif current and line.startswith("    ") and line.strip():
            table[current] += " " + line.strip()
        else:
            current = ""
    return table


#: Every dispatch branch with its condition and action, read from the table in this docstring.
BRANCHES: dict[str, str] = _branches_from_doc()


def _deployed_by(action: NextAction) -> str | None:
    target = action.args.get("targetService") if action.tool == "zerops_deploy" else None
    return target if isinstance(target, str) else None


def _with_env_restart(env: StateEnvelope, plan: Plan) -> Plan:
    """Add the restart a runtime running without its latest variables needs (see the docstring)."""
    if env.phase not in (Phase.IDLE, Phase.DEVELOP_ACTIVE, Phase.DEVELOP_CLOSED_AUTO):
        return plan
    deployed = _deployed_by(plan.primary)
    pending = [s for s in env.candidates if s.env_pending is not None and s.hostname != deployed]
    if not pending:
        return plan
    svc = pending[0]
    info = svc.env_pending
    assert info is not None
    keys = ", ".join(info.keys) if info.keys else "a variable"
    session = env.work_session
    dev_server = runs_a_dev_server(env, svc, session.last_deploy(svc.hostname) if session else None)
    restart = restart_call(
        svc.hostname,
        f"{keys} changed at {info.since}, after {svc.hostname}'s containers last booted: it runs with the old "
        "values until a restart (a deploy applies them too)."
        + (" Start its dev server again afterwards." if dev_server else ""),
    )
    acts_on = plan.primary.args.get("serviceHostname") or plan.primary.args.get("hostname")
    if env.phase is Phase.DEVELOP_ACTIVE and (acts_on == svc.hostname or plan.branch == "develop.close"):
        return plan.model_copy(
            update={"branch": "develop.env-restart", "primary": restart, "secondary": plan.primary}
        )
    if plan.secondary is None:
        return plan.model_copy(update={"secondary": restart})
    return plan.model_copy(update={"alternatives": (restart, *plan.alternatives)})


def build_plan(envelope: StateEnvelope) -> Plan:
    """The next actions for an envelope (pure and deterministic)."""
    return _with_env_restart(envelope, _DISPATCH[envelope.phase](envelope))
