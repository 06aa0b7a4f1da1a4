"""Shared input types for tools: hostnames, tolerant booleans, service lookup.

Hostnames are checked against the one Zerops rule (:mod:`zcp.hostnames`) before any API call. Booleans accept the ``"true"``/``"false"`` strings agents often send.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Annotated, Any, Protocol, TypeVar

from pydantic import BeforeValidator, Field, Strict

from zcp.errors import ServiceNotFound
from zcp.hostnames import check_hostname


def _tolerant_bool(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


#: A boolean that also accepts the strings "true"/"false" (any case), and nothing looser ("yes",
#: 1, "on" are refused: they are more likely a mistake than a decision). Published as boolean.
FlexBool = Annotated[bool, BeforeValidator(_tolerant_bool), Strict()]

#: A hostname parameter: validated before any call.
Hostname = Annotated[str, BeforeValidator(check_hostname), Field(description="hostname, e.g. 'app'")]


class _Named(Protocol):
    @property
    def name(self) -> str: ...


ServiceT = TypeVar("ServiceT", bound=_Named)


def find_service(services: Sequence[ServiceT], hostname: str) -> ServiceT:
    """The service with that hostname, or :class:`ServiceNotFound` listing the ones that exist."""
    for service in services:
        if service.name == hostname:
            return service
    names = sorted(s.name for s in services)
    close = difflib.get_close_matches(hostname, names, n=1, cutoff=0.6)
    hint = f"Did you mean {close[0]!r}? " if close else ""
    raise ServiceNotFound(
        f"no service {hostname!r} in this project",
        suggestion=f"{hint}Services: {', '.join(names) or '(none)'}.",
        details={"available": names},
    )
