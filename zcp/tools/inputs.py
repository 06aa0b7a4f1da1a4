"""Shared input types for tools: hostnames, tolerant booleans, service lookup.

Hostnames are checked against the Zerops rule (``a-z0-9``, at most 25 characters) before any
API call, so shell metacharacters, paths or injection attempts never reach the platform or a
shell. Booleans accept the ``"true"``/``"false"`` strings agents often send.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Annotated, Any, Protocol, TypeVar

from pydantic import BeforeValidator, Field, Strict

from zcp.errors import InvalidHostname, ServiceNotFound

HOSTNAME_RE = re.compile(r"^[a-z0-9]{1,25}$")


def check_hostname(value: Any) -> str:
    """Validate a service hostname; raises :class:`InvalidHostname` saying what is allowed."""
    if not isinstance(value, str):
        raise InvalidHostname(
            f"hostname must be a string, got {type(value).__name__}",
            suggestion="Use the service's hostname as shown by zerops_discover.",
        )
    text = value.strip()
    if not HOSTNAME_RE.match(text):
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise InvalidHostname(
            f"{shown!r} is not a valid service hostname",
            suggestion="Hostnames are 1-25 lowercase letters and digits (no dashes, dots or spaces); "
            "list them with zerops_discover.",
        )
    return text


def _tolerant_bool(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


#: A boolean that also accepts the strings "true"/"false" (any case), and nothing looser ("yes",
#: 1, "on" are refused: they are more likely a mistake than a decision). Published as boolean.
FlexBool = Annotated[bool, BeforeValidator(_tolerant_bool), Strict()]

#: A hostname parameter: validated before any call.
Hostname = Annotated[str, BeforeValidator(check_hostname), Field(description="service hostname, e.g. 'app'")]


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
