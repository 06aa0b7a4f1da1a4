"""``PUT <uploadUrl>``: the archive upload, streamed (a 50 MB archive never sits in memory whole).

No token: the URL is the grant, as on the platform. The body goes to the containers host's upload
folder when one runs (``--run-code`` builds unpack it from there), else it is only counted. An app
version takes one upload; a second answers ``400 appVersionIsNotBeingUploaded``. Faults apply under
the route name ``upload_archive`` (latency, a forced status, a dropped answer, a slow body).
"""

from __future__ import annotations

import contextlib
import os
from typing import Final

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from zcp.sandbox import builds
from zcp.sandbox.failures import ApiFailure
from zcp.sandbox.routes.base import json_response
from zcp.sandbox.sandbox import RequestRecord, Sandbox

ROUTE: Final = "upload_archive"
PATH: Final = "/_sandbox/upload/{appVersionId}"


def upload_route(sandbox: Sandbox) -> Route:
    """The streaming upload endpoint of ``sandbox``."""

    async def serve(request: Request) -> Response:
        plan = sandbox.faults.plan(ROUTE)

        def record(status: int) -> None:
            sandbox.record_request(RequestRecord(request.method, request.url.path, ROUTE, status, plan.label))

        if plan.latency:
            await anyio.sleep(plan.latency)
        if plan.status is not None:
            headers = {"retry-after": f"{plan.retry_after:g}"} if plan.retry_after is not None else None
            record(plan.status)
            failure = ApiFailure(plan.status, plan.code, plan.message)
            return json_response(plan.status, failure.body(), headers=headers)
        version_id = request.path_params["appVersionId"]
        try:
            with sandbox.lock:
                sandbox.advance()
                version = sandbox.state.app_versions.get(version_id)
                if version is None:
                    raise ApiFailure(404, "appVersionNotFound", "App version not found.")
                builds.check_uploadable(version)
                target = sandbox.host.upload_path(version_id) if sandbox.host is not None else None
            size = await _receive(request, target)
            with sandbox.lock:
                builds.receive_upload(sandbox, version, size)
        except ApiFailure as failure:
            record(failure.status)
            return json_response(failure.status, failure.body(), plan)
        record(200)
        return json_response(200, {}, plan)

    return Route(PATH, serve, methods=["PUT"], name=ROUTE)


async def _receive(request: Request, target: os.PathLike[str] | None) -> int:
    """Stream the body to ``target`` (through a temporary name) or just count it; returns its size."""
    size = 0
    if target is None:
        async for chunk in request.stream():
            size += len(chunk)
        return size
    partial = f"{os.fspath(target)}.part"
    try:
        with open(partial, "wb") as handle:
            async for chunk in request.stream():
                handle.write(chunk)
                size += len(chunk)
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
    return size
