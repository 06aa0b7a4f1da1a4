"""Shared input types for tools: hostnames, tolerant booleans, service lookup.

Hostnames are checked against the one Zerops rule (:mod:`zcp.hostnames`) before any API call. Booleans accept the ``"true"``/``"false"`` strings agents often send.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, Strict

from zcp.hostnames import check_hostname
from zcp.ops.targets import find_service as find_service  # the tools' service lookup


def _tolerant_bool(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


#: A boolean that also accepts the strings "true"/"false" (any case), and nothing looser ("yes",
#: 1, "on" are refused: they are more likely a mistake than a decision). Published as boolean.
FlexBool = Annotated[bool, BeforeValidator(_tolerant_bool), Strict()]

#: A hostname parameter: validated before any call.
Hostname = Annotated[str, BeforeValidator(check_hostname), Field(description="hostname, e.g. 'app'")]
