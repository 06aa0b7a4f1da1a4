"""Mounting services' files into zcp's container: the tool's checks, and the mounts after a provision.

The mounter itself (sshfs units or the sandbox's links) is :mod:`zcp.remote.mounts`, reached through
:meth:`zcp.app.App.mounter`. Here: which services may be mounted (runtime services of the project,
never zcp's own) and :func:`auto_mount`, which a passing bootstrap provision calls for the plan's dev
services — best effort, one entry per service, a failure is reported and never fatal.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from zcp.errors import InvalidParameter, NotImplementedFeature, ZcpError
from zcp.platform import status as st

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.platform.models import ServiceStack
    from zcp.remote.mounts import MountStatus

log = logging.getLogger(__name__)

__all__ = ["auto_mount", "mountable", "require_container"]


def require_container(app: App, tool: str) -> None:
    """NOT_IMPLEMENTED outside a Zerops container (locally the working directory is the code)."""
    if not app.in_container:
        raise NotImplementedFeature(
            f"{tool} works inside a Zerops container, where services' files are mounted into zcp's workspace",
            suggestion="Locally the working directory is the source: edit it and deploy with zerops_deploy.",
        )


def mountable(services: Sequence[ServiceStack], hostname: str) -> ServiceStack:
    """The runtime service ``hostname`` (SERVICE_NOT_FOUND, or INVALID_PARAMETER for a managed one)."""
    from zcp.ops.deploy.service import find_runtime

    try:
        return find_runtime(services, hostname, "service to mount")
    except InvalidParameter as error:
        raise InvalidParameter(
            f"{hostname} is a managed service; only runtime services have files to mount",
            suggestion=error.suggestion,
        ) from None


def runtime_names(app: App, services: Sequence[ServiceStack]) -> list[str]:
    """Hostnames of the project's runtime services, zcp's own left out."""
    platform = app.require_platform()
    return sorted(
        s.name
        for s in platform.runtime.without_self(services)
        if not s.category or s.category == st.CATEGORY_RUNTIME
    )


def _entry(status: MountStatus) -> dict[str, Any]:
    return {"status": "mounted" if status.mounted else "not-mounted", **status.to_wire()}


async def auto_mount(app: App, hostnames: Sequence[str]) -> list[dict[str, Any]]:
    """Mount each dev service after a provision; one ``{hostname, mountPath?, status, error?}`` per host."""
    entries: list[dict[str, Any]] = []
    if not app.in_container:
        return entries
    try:
        mounter = app.mounter()
    except ZcpError as error:
        return [
            {"hostname": h, "status": "failed", "error": f"{error.code}: {error.message}"} for h in hostnames
        ]
    for host in hostnames:
        try:
            entries.append(_entry(await mounter.mount(host)))
        except ZcpError as error:
            log.info("auto-mount of %s failed: %s %s", host, error.code, error.message)
            entries.append({"hostname": host, "status": "failed", "error": f"{error.code}: {error.message}"})
        except OSError as error:
            entries.append({"hostname": host, "status": "failed", "error": str(error)})
    return entries
