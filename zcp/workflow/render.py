"""Render the status block an agent reads: a stable markdown layout.

Sections, in this order, each left out when empty::

    ## Status
    Phase: …                    (intent, route/step, export status or close reason)
    Environment: … · Project: …
    Services:                   one line per service
    Pending restarts:           runtimes running without their latest variables
    Progress:                   last deploy/verify per scope service (develop)
    Blockers:                   what stops progress right now
    Guidance:                   the synthesized atom bodies
    Next:                       primary, secondary, per-service and alternative actions

The output depends only on its inputs and always ends with exactly one newline.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from zcp.axes import Phase, ServiceStatus
from zcp.workflow.actions import NextAction, Plan, restart_call
from zcp.workflow.envelope import AttemptInfo, ServiceSnapshot, StateEnvelope, WorkSessionSummary
from zcp.workflow.plan_develop import ordered_scope

__all__ = ["render_status"]

_QUIET_STATUSES = frozenset({ServiceStatus.ACTIVE, ServiceStatus.RUNNING})
_FAILED_STATUSES = frozenset(
    {
        ServiceStatus.FAILED,
        ServiceStatus.ACTION_FAILED,
        ServiceStatus.CONTAINER_FAILED,
        ServiceStatus.REPAIR_FAILED,
    }
)


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _phase_line(env: StateEnvelope) -> str:
    line = f"Phase: {env.phase.value}"
    session = env.work_session
    if env.phase is Phase.IDLE and env.idle_scenario is not None:
        line += f" ({env.idle_scenario.value})"
    elif env.phase is Phase.DEVELOP_ACTIVE and session is not None:
        line += f" — intent: {_quote(session.intent)}"
    elif env.phase is Phase.DEVELOP_CLOSED_AUTO and session is not None:
        why = (
            "every service deployed and verified"
            if session.close_reason == "auto-complete"
            else f"stopped at the iteration cap of {session.iteration_cap}"
        )
        line += f" — intent: {_quote(session.intent)} (closed: {session.close_reason}, {why})"
    elif env.phase is Phase.BOOTSTRAP_ACTIVE and env.bootstrap is not None:
        line += f" — route: {env.bootstrap.route.value}"
        if env.bootstrap.step is not None:
            line += f", step: {env.bootstrap.step.value}"
    elif env.phase is Phase.EXPORT_ACTIVE and env.export_status is not None:
        line += f" — status: {env.export_status.value}"
        if env.export_variant:
            line += f", variant: {env.export_variant}"
    return line


def _service_line(svc: ServiceSnapshot) -> str:
    head = f"- {svc.hostname} ({svc.type_version or 'unknown type'})"
    parts: list[str] = []
    if svc.is_managed:
        parts.append("managed")
    elif svc.bootstrapped:
        detail = [f"mode={svc.mode.value if svc.mode else 'unset'}"]
        if svc.stage_hostname:
            detail.append(f"stage={svc.stage_hostname}")
        detail.append(f"closeMode={svc.close_mode.value if svc.close_mode else 'unset'}")
        detail.append(f"gitPush={svc.git_push_state.value if svc.git_push_state else 'unconfigured'}")
        detail.append(f"buildIntegration={svc.build_integration.value if svc.build_integration else 'none'}")
        detail.append(f"deployed={'yes' if svc.deployed else 'no'}")
        parts.append(", ".join(detail))
    else:
        if svc.runtime.value == "unknown":
            parts.append("unknown runtime")
        if svc.resumable:
            parts.append(
                "interrupted bootstrap" + (f" (session {svc.resume_session})" if svc.resume_session else "")
            )
        elif svc.mode is not None:
            planned = f"planned mode={svc.mode.value}"
            if svc.stage_hostname:
                planned += f", stage={svc.stage_hostname}"
            parts.append(planned)
        else:
            parts.append("not bootstrapped")
    line = head + " — " + "; ".join(parts)
    if svc.status is not None and svc.status not in _QUIET_STATUSES:
        line += f" [{svc.status.value}]"
    return line


def _pending_restarts(services: Sequence[ServiceSnapshot]) -> list[str]:
    lines = []
    for svc in services:
        pending = svc.env_pending
        if pending is None:
            continue
        what = ", ".join(pending.keys) if pending.keys else "a variable (deleted or changed)"
        if pending.keys and pending.more_keys:
            what += f" and {pending.more_keys} more"
        scope = " (project variables included)" if pending.project else ""
        lines.append(
            f"- {svc.hostname}: {what}{scope} changed at {pending.since}, after its containers last booted; "
            f"it runs with the old values until `{restart_call(svc.hostname, '').command}` (or a deploy)"
        )
    return ["Pending restarts:", *lines] if lines else []


def _attempt_text(kind: str, attempt: AttemptInfo | None, streak: int) -> str:
    if attempt is None:
        return f"{kind} not yet"
    if attempt.result == "ok":
        return f"{kind} ok"
    if attempt.result == "pending":
        return f"{kind} pushed, build pending"
    cls = attempt.effective_failure_class.value
    times = f", {streak} in a row" if streak > 1 else ""
    reason = f": {attempt.reason}" if attempt.reason else ""
    return f"{kind} failed ({cls}{times}){reason}"


def _streak(attempts: Sequence[AttemptInfo]) -> int:
    count = 0
    for attempt in reversed(attempts):
        if attempt.result != "failed":
            break
        count += 1
    return count


def _progress(env: StateEnvelope, session: WorkSessionSummary) -> list[str]:
    if not (session.deploys or session.verifies):
        return []
    lines = ["Progress:"]
    for host in ordered_scope(env):
        deploy = _attempt_text("deploy", session.last_deploy(host), _streak(session.deploys.get(host, ())))
        verify = _attempt_text("verify", session.last_verify(host), _streak(session.verifies.get(host, ())))
        lines.append(f"- {host}: {deploy}; {verify}")
    return lines


def _blockers(env: StateEnvelope, plan: Plan | None) -> list[str]:
    items: list[str] = []
    session = env.work_session
    if env.phase is Phase.DEVELOP_ACTIVE and session is not None and session.services:
        order = ordered_scope(env)
        pending = [h for h in order if not session.is_green(h)]
        if pending:
            ready = len(order) - len(pending)
            line = f"{ready}/{len(order)} services deployed and verified; pending: {', '.join(pending)}"
            if plan is not None:
                line += f". Next: `{plan.primary.command}`"
            items.append(line)
        for host in order:
            streak = session.failed_streak(host)
            if streak >= session.iteration_cap:
                items.append(f"{host} reached the iteration cap ({streak} failed attempts in a row)")
    if (
        env.phase is Phase.DEVELOP_CLOSED_AUTO
        and session is not None
        and session.close_reason == "iteration-cap"
    ):
        items.append(f"the session stopped at the iteration cap of {session.iteration_cap} failed attempts")
    for svc in env.services:
        if svc.status in _FAILED_STATUSES:
            items.append(f"{svc.hostname} is {svc.status.value if svc.status else ''}")
    if env.export_status is not None and env.export_status.value == "validation-failed":
        items.append("the export bundle failed validation")
    return ["Blockers:", *(f"- {item}" for item in items)] if items else []


def _action_line(prefix: str, action: NextAction) -> list[str]:
    lines = [f"{prefix}{action.label} — `{action.command}`"]
    if action.rationale:
        indent = " " * (len(prefix) - len(prefix.lstrip()) + 2)
        lines.append(f"{indent}{action.rationale}")
    return lines


def _next(plan: Plan | None) -> list[str]:
    if plan is None:
        return []
    lines = ["Next:", *_action_line("- Primary: ", plan.primary)]
    if plan.secondary is not None:
        lines += _action_line("- Secondary: ", plan.secondary)
    if len(plan.per_service) > 1:
        lines.append("- Per service:")
        for host in sorted(plan.per_service):
            lines += _action_line(f"  - {host}: ", plan.per_service[host])
    if plan.alternatives:
        lines.append("- Alternatives:")
        for action in plan.alternatives:
            lines += _action_line("  - ", action)
    return lines


def render_status(envelope: StateEnvelope, plan: Plan | None = None, guidance: Sequence[str] = ()) -> str:
    """The status block: heading, phase, services, progress, blockers, guidance, next actions."""
    blocks: list[list[str]] = [["## Status"]]
    head = [_phase_line(envelope)]
    where = f"Environment: {envelope.environment.value}"
    if envelope.project.name:
        where += f" · Project: {envelope.project.name}"
    head.append(where)
    blocks.append(head)
    if envelope.services:
        blocks.append(["Services:", *(_service_line(s) for s in envelope.services)])
    else:
        blocks.append(["Services: none"])
    restarts = _pending_restarts(envelope.services)
    if restarts:
        blocks.append(restarts)
    session = envelope.work_session
    if session is not None and session.services:
        progress = _progress(envelope, session)
        if progress:
            blocks.append(progress)
    blockers = _blockers(envelope, plan)
    if blockers:
        blocks.append(blockers)
    bodies = [b.strip() for b in guidance if b.strip()]
    if bodies:
        blocks.append(["Guidance:"])
        blocks.extend([body] for body in bodies)
    nxt = _next(plan)
    if nxt:
        blocks.append(nxt)
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
