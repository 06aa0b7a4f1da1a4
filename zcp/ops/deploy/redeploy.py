"""Deploy an earlier build of a service again, without building: a rollback.

``appVersion="latest"`` is the newest earlier build — the newest app version in ``BACKUP`` (what was
active before the current one); an id names any build that was deployed (``ACTIVE`` or ``BACKUP``).
The platform's ``PUT /app-version/{id}/deploy`` starts a process; zcp waits for it within the call's
budget and reports the version's status afterwards, like a deploy (recorded in the work session).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zcp.errors import InvalidParameter, PrerequisiteMissing
from zcp.ops.deploy.classify import classify_build
from zcp.ops.deploy.service import (
    DeployReport,
    Waiting,
    _runtime_log,
    current_state,
    find_runtime,
    record,
)

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.platform.models import AppVersion

__all__ = ["redeploy_version"]

DEPLOYED_STATUSES = ("ACTIVE", "BACKUP")


def _choose(versions: list[AppVersion], wanted: str, host: str) -> AppVersion:
    built = sorted(
        (v for v in versions if v.status in DEPLOYED_STATUSES and not v.is_start_without_code),
        key=lambda v: v.sequence,
        reverse=True,
    )
    listing = ", ".join(f"{v.id} ({v.status})" for v in built[:5]) or "none"
    if wanted == "latest":
        earlier = [v for v in built if v.status == "BACKUP"]
        if not earlier:
            raise PrerequisiteMissing(
                f"{host} has no earlier build to go back to",
                suggestion=f"Builds of {host}: {listing}. Deploy new code instead: "
                f'zerops_deploy targetService="{host}".',
            )
        return earlier[0]
    chosen = next((v for v in versions if v.id == wanted), None)
    if chosen is None:
        raise InvalidParameter(
            f"{wanted!r} is not one of the recent app versions of {host}",
            suggestion=f'Recent builds: {listing}; or pass appVersion="latest" for the one before the current.',
            details={"available": [v.id for v in built]},
        )
    if chosen.status not in DEPLOYED_STATUSES:
        raise InvalidParameter(
            f"app version {wanted} is {chosen.status}: only a build that was deployed can be deployed again",
            suggestion=f"Builds that can be: {listing}.",
        )
    return chosen


async def redeploy_version(app: App, host: str, wanted: str, waiting: Waiting) -> DeployReport:
    """Deploy the app version ``wanted`` (``latest`` or an id) of ``host`` again and wait for it."""
    from zcp.ops.targets import guard_self, project_services
    from zcp.ops.workflow.gates import require_managed

    platform = app.require_platform()
    client = platform.client
    services = await project_services(platform)
    target = find_runtime(services, host, "target")
    guard_self(platform, target, "deploy over")
    await require_managed(app, {target.name})
    versions = await client.search_service_app_versions(target.id, limit=20)
    chosen = _choose(versions, wanted.strip(), target.name)
    setup = getattr(chosen, "setup", None)
    report = DeployReport(
        status="DEPLOYING",
        mode="redeploy",
        pushed_with=None,
        target_service=target.name,
        target_service_id=target.id,
        target_service_type=target.type_version or None,
        app_version_id=chosen.id,
        message="",
    )
    process = await client.deploy_app_version(chosen.id)
    waited = await waiting.wait(process, label=f"redeploy {target.name}")
    if waited.still_running:
        report.timed_out = True
        report.message = (
            f"{target.name}: app version {chosen.id} is still being deployed; zcp stopped waiting."
        )
        report.next_actions = [f'zerops_process processId="{process.id}"']
        report.work_session_state = (await current_state(app)).wire()
        return report
    after = next(
        (v for v in await client.search_service_app_versions(target.id, limit=20) if v.id == chosen.id), None
    )
    report.build_status = after.status if after else None
    if waited.succeeded and after is not None and after.status == "ACTIVE":
        report.status = "DEPLOYED"
        report.message = f"{target.name}: app version {chosen.id} is ACTIVE again (no rebuild)."
        report.next_actions = [f'zerops_verify serviceHostname="{target.name}"']
        report.work_session_state = (await record(app, target.name, succeeded=True, setup=setup)).wire()
        return report
    reason = waited.process.fail_reason
    tail, lines, where = await _runtime_log(platform, target, process.created)
    report.status = "DEPLOY_FAILED"
    report.failed_phase = "init"
    report.runtime_logs, report.runtime_logs_source = tail or None, where
    classification = classify_build("DEPLOY_FAILED", reason, lines)
    report.failure_classification = classification.wire()
    report.message = (
        f"{target.name}: redeploying app version {chosen.id} failed ({classification.likely_cause})."
    )
    report.next_actions = [f'zerops_logs serviceHostname="{target.name}" severity="error" since="10m"']
    state = await record(
        app,
        target.name,
        succeeded=False,
        setup=setup,
        error=f"redeploy of {chosen.id} failed: {classification.likely_cause}",
        failure_class=classification.category.value,
    )
    report.work_session_state = state.wire()
    return report
