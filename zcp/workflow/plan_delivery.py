"""Plans for how code gets delivered — strategy setup, cicd — and for export.

See the dispatch table in :mod:`zcp.workflow.plan` for the branches produced here.
"""

from __future__ import annotations

from pydantic import JsonValue

from zcp.axes import BuildIntegration, CloseMode, ExportStatus, GitPushState, Mode
from zcp.workflow.actions import (
    PUSH_SOURCE_MODES,
    NextAction,
    Plan,
    build_integration_call,
    close_mode_call,
    git_push_deploy,
    git_push_setup,
    record_deploy,
    start_bootstrap,
    start_develop,
    workflow_call,
)
from zcp.workflow.envelope import ServiceSnapshot, StateEnvelope

# --- strategy setup and cicd -----------------------------------------------------------------------


def _target(env: StateEnvelope) -> ServiceSnapshot | None:
    """The runtime a walkthrough is about: the first bootstrapped runtime, a stage half mapped to its dev half."""
    for svc in env.candidates:
        if svc.is_managed:
            continue
        if svc.mode is Mode.STAGE and (partner := env.dev_partner(svc.hostname)) is not None:
            return partner
        if svc.bootstrapped:
            return svc
    return None


def plan_setup(env: StateEnvelope) -> Plan:
    svc = _target(env)
    if svc is None:
        return Plan(
            branch="setup.no-service",
            primary=workflow_call(
                "List close modes",
                "Shows every managed runtime with its close mode and options.",
                action="close-mode",
            ),
        )
    host = svc.hostname
    if svc.close_mode in (None, CloseMode.UNSET):
        alternatives = [
            close_mode_call(
                host, CloseMode.MANUAL, "You deploy when you decide; sessions are closed by hand."
            )
        ]
        if svc.mode in PUSH_SOURCE_MODES:
            alternatives.insert(
                0,
                close_mode_call(
                    host, CloseMode.GIT_PUSH, "Deliver by pushing to a git remote that builds the app."
                ),
            )
        return Plan(
            branch="setup.close-mode",
            primary=close_mode_call(
                host,
                CloseMode.AUTO,
                "zcp deploys directly and closes the session once deploy and verify pass.",
            ),
            alternatives=tuple(alternatives),
        )
    if svc.close_mode is CloseMode.GIT_PUSH:
        if svc.git_push_state is not GitPushState.CONFIGURED:
            state = svc.git_push_state.value if svc.git_push_state else "unset"
            return Plan(
                branch="setup.git-push",
                primary=git_push_setup(
                    host,
                    f"Git push for {host} is {state}: give it the repository URL (the token is a project env var).",
                ),
            )
        if svc.build_integration in (None, BuildIntegration.NONE):
            return Plan(
                branch="setup.build-integration",
                primary=build_integration_call(
                    host,
                    BuildIntegration.WEBHOOK,
                    "Zerops builds every push through a webhook set up in its dashboard.",
                ),
                alternatives=(
                    build_integration_call(
                        host, BuildIntegration.ACTIONS, "A GitHub Actions workflow runs zcli push."
                    ),
                    build_integration_call(
                        host,
                        BuildIntegration.NONE,
                        "Pushes only store code; deploy with zerops_deploy yourself.",
                    ),
                ),
            )
        return Plan(
            branch="setup.push",
            primary=git_push_deploy(
                host, "Everything is configured: push, and the build integration deploys it."
            ),
            secondary=record_deploy(host, "Once zerops_events shows the build ACTIVE, record it."),
        )
    return Plan(
        branch="setup.done",
        primary=start_develop(
            [host], f"{host} delivers with close mode {svc.close_mode.value}; nothing more to set up."
        ),
    )


def plan_cicd(env: StateEnvelope) -> Plan:
    svc = _target(env)
    if svc is None:
        untracked = [s.hostname for s in env.services if s.is_runtime and not s.bootstrapped]
        if untracked:
            primary = start_bootstrap(
                f"{', '.join(untracked)} must be managed by zcp before a pipeline can deploy to it.",
                label="Adopt the existing runtimes",
                route="adopt",
            )
        else:
            primary = start_bootstrap(
                "A pipeline deploys to a runtime service; the project has none yet.", label="Create services"
            )
        return Plan(branch="cicd.no-runtime", primary=primary)
    host = svc.hostname
    if svc.mode not in PUSH_SOURCE_MODES:
        return Plan(
            branch="cicd.needs-push-source",
            primary=workflow_call(
                f"Add a stage partner for {host}",
                f"{host} is a lone dev service; git-based deploys need a push source (standard with a stage "
                "half, or simple). Plan the dev half with isExisting: true, bootstrapMode standard and a new "
                "stageHostname.",
                action="start",
                workflow="bootstrap",
                route="classic",
                intent=f"add a stage for {host}",
            ),
        )
    if svc.git_push_state is not GitPushState.CONFIGURED:
        return Plan(
            branch="cicd.git-push",
            primary=git_push_setup(host, "A pipeline starts from a git remote; connect it first."),
        )
    if svc.build_integration in (None, BuildIntegration.NONE):
        return Plan(
            branch="cicd.build-integration",
            primary=build_integration_call(
                host, BuildIntegration.ACTIONS, "A GitHub Actions workflow deploys every push with zcli."
            ),
            alternatives=(
                build_integration_call(
                    host, BuildIntegration.WEBHOOK, "Or let Zerops build pushes through a webhook."
                ),
            ),
        )
    if svc.close_mode is not CloseMode.GIT_PUSH:
        return Plan(
            branch="cicd.close-mode",
            primary=close_mode_call(
                host,
                CloseMode.GIT_PUSH,
                "Develop sessions then deliver by pushing, so the pipeline does the deploy.",
            ),
            alternatives=(
                git_push_deploy(host, "Or keep the close mode and push once to test the pipeline."),
            ),
        )
    return Plan(
        branch="cicd.ready",
        primary=git_push_deploy(host, "The pipeline is configured: push to run it."),
        secondary=record_deploy(host, "Once zerops_events shows the build ACTIVE, record it."),
    )


# --- export ----------------------------------------------------------------------------------------


def _export_call(
    label: str, rationale: str, host: str, variant: str | None, **extra: JsonValue
) -> NextAction:
    args: dict[str, JsonValue] = {"workflow": "export", "targetService": host}
    if variant:
        args["variant"] = variant
    args.update(extra)
    return NextAction(label=label, tool="zerops_workflow", args=args, rationale=rationale)


def plan_export(env: StateEnvelope) -> Plan:
    status = env.export_status
    variant = env.export_variant
    runtimes = [s for s in env.services if s.is_runtime]
    if status is ExportStatus.SCOPE_PROMPT or not runtimes:
        picks = [s.hostname for s in runtimes if s.mode is not Mode.STAGE] or ["<runtime hostname>"]
        calls = [
            _export_call(f"Export {h}", "An export bundle is built from one runtime service.", h, None)
            for h in picks
        ]
        return Plan(branch="export.scope", primary=calls[0], alternatives=tuple(calls[1:]))
    host = runtimes[0].hostname
    if status is ExportStatus.VARIANT_PROMPT:
        return Plan(
            branch="export.variant",
            primary=_export_call(
                "Export the stage variant", "The stage half carries the production setup.", host, "stage"
            ),
            alternatives=(
                _export_call("Export the dev variant", "Exports the development setup.", host, "dev"),
            ),
        )
    if status is ExportStatus.SCAFFOLD_REQUIRED:
        return Plan(
            branch="export.scaffold",
            primary=_export_call(
                "Export again after writing zerops.yaml",
                f"{host} has no zerops.yaml; write one (see guidance), commit it, then call export again.",
                host,
                variant,
            ),
        )
    if status is ExportStatus.GIT_PUSH_SETUP_REQUIRED:
        return Plan(
            branch="export.git-push-setup",
            primary=git_push_setup(host, "Publishing the bundle needs a configured git remote."),
            secondary=_export_call("Then export again", "Continue where export stopped.", host, variant),
        )
    if status is ExportStatus.CLASSIFY_PROMPT:
        return Plan(
            branch="export.classify",
            primary=_export_call(
                "Classify the project env vars",
                "Put every project env var in a bucket: infrastructure, auto-secret, external-secret or "
                "plain-config.",
                host,
                variant,
                envClassifications={"<KEY>": "<bucket>"},
            ),
        )
    if status is ExportStatus.VALIDATION_FAILED:
        return Plan(
            branch="export.validation-failed",
            primary=_export_call(
                "Export again after fixing the errors",
                "The bundle failed validation: fix each listed path (zerops.yaml changes are deployed in a "
                "develop session), then call export again.",
                host,
                variant,
            ),
            secondary=start_develop([host], "zerops.yaml fixes reach the service through a deploy."),
        )
    return Plan(
        branch="export.publish",
        primary=git_push_deploy(
            host, "Write the bundle files, commit them, and push; the repository then re-creates the project."
        ),
    )
