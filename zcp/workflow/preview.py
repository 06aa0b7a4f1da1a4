"""``zcp preview``: what an agent would read for a scenario, an envelope file or a few axis values.

Built for doc writers: edit an atom, preview, see which atoms match and why the others do not
(:func:`explain`), and which scenarios reach an atom (:func:`atom_usage`). Everything here returns
text; the CLI decides whether to print it plain or pretty.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from zcp.axes import (
    BuildIntegration,
    CloseMode,
    DeployState,
    Environment,
    ExportStatus,
    GitPushState,
    IdleScenario,
    Mode,
    Phase,
    Route,
    RuntimeClass,
    ServiceStatus,
    Step,
)
from zcp.errors import DocumentNotFound, InvalidParameter
from zcp.workflow.atoms import AtomSet
from zcp.workflow.envelope import StateEnvelope, envelope_from_mapping
from zcp.workflow.matching import EnvelopeView, explain_exclusion, matching_services
from zcp.workflow.pipeline import status_report
from zcp.workflow.scenarios import Scenario

__all__ = [
    "AxisFlags",
    "atom_usage",
    "envelope_from_flags",
    "explain",
    "find_scenario",
    "names_a_file",
    "preview_text",
]

#: A representative service type per runtime class, for envelopes built from flags.
_TYPE_FOR_RUNTIME = {
    RuntimeClass.DYNAMIC: "nodejs@22",
    RuntimeClass.STATIC: "static",
    RuntimeClass.IMPLICIT_WEBSERVER: "php-nginx@8.4",
    RuntimeClass.MANAGED: "postgresql@16",
    RuntimeClass.UNKNOWN: "",
}


@dataclass(frozen=True)
class AxisFlags:
    """Axis values from the command line; ``phase`` is required, everything else optional."""

    phase: Phase
    environment: Environment | None = None
    mode: Mode | None = None
    runtime: RuntimeClass | None = None
    close_mode: CloseMode | None = None
    git_push_state: GitPushState | None = None
    build_integration: BuildIntegration | None = None
    deploy_state: DeployState | None = None
    status: ServiceStatus | None = None
    route: Route | None = None
    step: Step | None = None
    idle_scenario: IdleScenario | None = None
    export_status: ExportStatus | None = None
    hostname: str | None = None
    type_version: str | None = None


def envelope_from_flags(flags: AxisFlags) -> StateEnvelope:
    """An envelope with (at most) one runtime — plus its stage partner in standard mode.

    The service is bootstrapped unless the phase is bootstrap-active (where services are planned)
    or the idle scenario says otherwise; a develop phase gets a work session scoped to it.
    """
    phase = flags.phase
    data: dict[str, object] = {"phase": phase.value, "project": {"id": "preview", "name": "preview"}}
    if flags.environment is not None:
        data["environment"] = flags.environment.value
    if flags.idle_scenario is not None:
        data["idleScenario"] = flags.idle_scenario.value
    if flags.export_status is not None:
        data["exportStatus"] = flags.export_status.value
    elif phase is Phase.EXPORT_ACTIVE:
        data["exportStatus"] = ExportStatus.SCOPE_PROMPT.value
    if flags.route is not None or flags.step is not None:
        data["bootstrap"] = {
            "route": (flags.route or Route.CLASSIC).value,
            **({"step": flags.step.value} if flags.step else {}),
        }
    service_flags = (
        flags.mode,
        flags.runtime,
        flags.close_mode,
        flags.git_push_state,
        flags.build_integration,
        flags.deploy_state,
        flags.status,
        flags.hostname,
        flags.type_version,
    )
    wants_service = any(v is not None for v in service_flags) or flags.idle_scenario in (
        IdleScenario.BOOTSTRAPPED,
        IdleScenario.ADOPT,
        IdleScenario.INCOMPLETE,
    )
    if phase is Phase.DEVELOP_ACTIVE or phase is Phase.DEVELOP_CLOSED_AUTO:
        wants_service = True
    services: list[dict[str, object]] = []
    if wants_service:
        services = _services_from_flags(flags)
    data["services"] = services
    if phase in (Phase.DEVELOP_ACTIVE, Phase.DEVELOP_CLOSED_AUTO):
        scope = [s["hostname"] for s in services if s.get("bootstrapped")]
        session: dict[str, object] = {"intent": "preview", "services": scope}
        if phase is Phase.DEVELOP_CLOSED_AUTO:
            session["closeReason"] = "auto-complete"
        data["workSession"] = session
    return envelope_from_mapping(data, source="flags")


def _services_from_flags(flags: AxisFlags) -> list[dict[str, object]]:
    runtime = flags.runtime or RuntimeClass.DYNAMIC
    type_version = flags.type_version or _TYPE_FOR_RUNTIME[runtime]
    mode = flags.mode
    if runtime is RuntimeClass.MANAGED:
        return [{"hostname": flags.hostname or "db", "typeVersion": type_version}]
    planned = flags.phase is Phase.BOOTSTRAP_ACTIVE
    untracked = flags.idle_scenario in (IdleScenario.ADOPT, IdleScenario.INCOMPLETE)
    if mode is None and not planned and not untracked:
        mode = Mode.DEV
    host = flags.hostname or ("appdev" if mode in (Mode.DEV, Mode.STANDARD) else "app")
    service: dict[str, object] = {"hostname": host, "typeVersion": type_version}
    if flags.status is not None:
        service["status"] = flags.status.value
    if mode is not None:
        service["mode"] = mode.value
    if flags.idle_scenario is IdleScenario.INCOMPLETE:
        service["resumable"] = True
    elif not planned and not untracked:
        service["bootstrapped"] = True
        service["deployed"] = flags.deploy_state is DeployState.DEPLOYED
        for key, value in (
            ("closeMode", flags.close_mode),
            ("gitPushState", flags.git_push_state),
            ("buildIntegration", flags.build_integration),
        ):
            if value is not None:
                service[key] = value.value
    services = [service]
    if mode is Mode.STANDARD:
        stage = host.removesuffix("dev") + "stage" if host.endswith("dev") else host + "stage"
        service["stageHostname"] = stage
        partner = {k: v for k, v in service.items() if k not in ("hostname", "stageHostname", "status")}
        partner.update(hostname=stage, mode=Mode.STAGE.value)
        services.append(partner)
    return services


def names_a_file(target: str) -> bool:
    """True when ``target`` is meant as an envelope file rather than a scenario name."""
    return target.endswith((".yaml", ".yml", ".json")) or "/" in target


def find_scenario(target: str, scenarios: Sequence[Scenario]) -> Scenario:
    """A scenario by name; unknown names suggest close ones (files are loaded by the CLI)."""
    for scenario in scenarios:
        if scenario.name == target:
            return scenario
    if not scenarios:
        raise InvalidParameter(
            f"no scenario named {target!r}: no scenario folder was found",
            suggestion="Pass --scenarios DIR (a checkout keeps them in tests/workflow/scenarios) or an envelope file.",
        )
    close = difflib.get_close_matches(target, [s.name for s in scenarios], n=3)
    hint = f"Did you mean {', '.join(close)}?" if close else "`zcp preview --list` shows every scenario."
    raise InvalidParameter(f"no scenario named {target!r}", suggestion=hint)


def preview_text(envelope: StateEnvelope, atoms: AtomSet) -> str:
    """The status block exactly as the workflow tools render it."""
    return status_report(envelope, atoms).text


def explain(envelope: StateEnvelope, atoms: AtomSet) -> str:
    """Matched atoms (with the services they rendered for) and, per unmatched atom, what excluded it."""
    view = EnvelopeView(envelope)
    matched: list[str] = []
    excluded: list[str] = []
    for atom in atoms.atoms:
        exclusion = explain_exclusion(atom, view)
        if exclusion is None:
            services = [s.hostname for s in matching_services(atom, view)] if atom.service_scoped else []
            suffix = f" — for {', '.join(services)}" if services else ""
            aggregate = " (aggregate)" if atom.aggregate else ""
            matched.append(f"- {atom.id} [priority {atom.priority}]{aggregate}{suffix}")
        else:
            excluded.append(f"- {atom.id}: {exclusion.detail}")
    excluded.sort()
    lines = [f"## Matched atoms ({len(matched)}, in render order)", "", *(matched or ["- none"])]
    lines += ["", f"## Not matched ({len(excluded)}, by id)", "", *(excluded or ["- none"])]
    return "\n".join(lines) + "\n"


def atom_usage(atom_id: str, atoms: AtomSet, scenarios: Sequence[Scenario]) -> str:
    """Which scenarios render an atom; for the others, the first axis that kept it out."""
    atom = atoms.get(atom_id)
    if atom is None:
        close = difflib.get_close_matches(atom_id, list(atoms.ids), n=3)
        raise DocumentNotFound(
            f"no atom with id {atom_id!r}",
            suggestion=f"Did you mean {', '.join(close)}?"
            if close
            else "Atom ids are the file names in corpus/atoms/.",
        )
    reached: list[str] = []
    missed: list[str] = []
    for scenario in scenarios:
        exclusion = explain_exclusion(atom, EnvelopeView(scenario.envelope))
        if exclusion is None:
            reached.append(f"- {scenario.name}")
        else:
            missed.append(f"- {scenario.name}: {exclusion.detail}")
    lines = [f"# {atom.id} ({atom.path})", ""]
    if atom.meta.coverageExempt:
        lines += [f"coverageExempt: {atom.meta.coverageExempt}", ""]
    lines += [f"## Reached by {len(reached)} scenario(s)", "", *(reached or ["- none"])]
    lines += ["", f"## Not reached by {len(missed)} scenario(s)", "", *(missed or ["- none"])]
    return "\n".join(lines) + "\n"
