"""The log backend: the signed URL ``GET /project/{id}/log`` hands out, serving ``{"items": [...]}``.

Its credential is the ``accessToken`` in the query string (no ``Authorization`` header), valid for one
project until it expires on the sandbox clock.
"""

from __future__ import annotations

from typing import Any, Final

from zcp.sandbox import wire
from zcp.sandbox.failures import ApiFailure
from zcp.sandbox.logstore import query_logs
from zcp.sandbox.routes.base import Call, Endpoint

LOG_PREFIX: Final = "/_logs"


def read_logs(call: Call) -> Any:
    sandbox = call.sandbox
    project_id = call.params["projectId"]
    grant = sandbox.state.log_tokens.get(call.query.get("accessToken", ""))
    if grant is None or grant[0] != project_id:
        raise ApiFailure(403, "invalidAccessToken", "The log access token is invalid for this project.")
    if grant[1] < sandbox.now():
        raise ApiFailure(403, "accessTokenExpired", "The log access token has expired.")
    entries = query_logs(sandbox.state.logs, project_id, call.query)
    return {"items": [wire.log_item(entry) for entry in entries]}


ENDPOINTS: Final = (Endpoint("log_backend", "GET", "/{projectId}", read_logs, auth=False, prefix=LOG_PREFIX),)
