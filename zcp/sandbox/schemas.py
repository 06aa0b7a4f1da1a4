"""The public JSON schema endpoints: zerops.yaml and import.yaml, served from zcp's bundled copies.

The real API publishes both schemas without a token at the paths :mod:`zcp.schema.sources` fetches
from, so pointing ``ZCP_API_HOST`` at a sandbox running this extension gives ``zcp.schema`` a live
source that answers, can be faulted (route names ``zerops_yml_schema`` and ``import_yml_schema``) and
is counted in the request log.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Final

from starlette.routing import BaseRoute

from zcp.sandbox.routes.base import API_PREFIX, Call, Endpoint, endpoint_route
from zcp.sandbox.sandbox import Sandbox
from zcp.schema.bundled import bundled_schema_text
from zcp.schema.sources import IMPORT_SCHEMA_PATH, ZEROPS_SCHEMA_PATH, SchemaKind


def _schema(kind: SchemaKind) -> Callable[[Call], Any]:
    def serve(call: Call) -> Any:
        return json.loads(bundled_schema_text(kind))

    return serve


ENDPOINTS: Final = (
    Endpoint(
        "zerops_yml_schema",
        "GET",
        ZEROPS_SCHEMA_PATH.removeprefix(API_PREFIX),
        _schema(SchemaKind.ZEROPS),
        auth=False,
        json_body=False,
    ),
    Endpoint(
        "import_yml_schema",
        "GET",
        IMPORT_SCHEMA_PATH.removeprefix(API_PREFIX),
        _schema(SchemaKind.IMPORT),
        auth=False,
        json_body=False,
    ),
)


def schema_routes(sandbox: Sandbox) -> Sequence[BaseRoute]:
    """The two schema routes for ``sandbox``."""
    return [endpoint_route(sandbox, endpoint) for endpoint in ENDPOINTS]
