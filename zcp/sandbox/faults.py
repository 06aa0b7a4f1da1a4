"""Fault injection: make chosen endpoints slow, fail, rate-limit, drop or trickle their answers.

A :class:`FaultRule` targets one route by name (``get_process``, ``search_services`` — see
:mod:`zcp.sandbox.routes.public`) or every route (``*``). Rules are added at start-up
(``zcp sandbox serve --fault …``) or at run time (the control API, or :class:`FaultInjector` directly in
tests). For each request the injector decides once, up front, what happens (:class:`FaultPlan`):

* ``latency`` — seconds to wait before handling (always applied);
* ``status`` — answer with this HTTP status and a JSON error body instead of handling the call
  (``retry_after`` adds a ``Retry-After`` header, e.g. with 429), with probability ``error_rate``;
* ``drop`` — handle the call, then send the status line and headers and close the connection before
  the body: the change may have happened but the client never hears about it;
* ``slow_body`` — seconds over which the JSON body trickles out in small chunks.

``times`` limits a rule to its first N effective hits, which is how a test says "fail twice, then work".
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, replace
from typing import Any, Final

_DEFAULT_CODES: Final = {
    401: "notAuthorized",
    403: "insufficientPrivileges",
    404: "notFound",
    429: "tooManyRequests",
    500: "internalServerError",
    502: "badGateway",
    503: "serviceUnavailable",
    504: "gatewayTimeout",
}


@dataclass(frozen=True)
class FaultRule:
    """One injected misbehaviour; see the module docstring for the fields."""

    endpoint: str = "*"
    latency: float = 0.0
    status: int | None = None
    error_rate: float = 1.0
    retry_after: float | None = None
    drop: bool = False
    slow_body: float = 0.0
    times: int | None = None
    code: str | None = None
    message: str | None = None
    id: str = ""

    def __post_init__(self) -> None:
        if self.latency < 0 or self.slow_body < 0:
            raise ValueError("latency and slow_body must not be negative")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"{self.status} is not an HTTP status")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1")

    @property
    def error_code(self) -> str:
        return self.code or _DEFAULT_CODES.get(self.status or 500, "injectedFault")

    @property
    def disruptive(self) -> bool:
        """True when the rule changes the answer (not just its timing)."""
        return self.status is not None or self.drop

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
        return cls(**data)

    @classmethod
    def parse(cls, spec: str) -> FaultRule:
        """``endpoint:key=value,key=value`` — the ``--fault`` syntax of ``zcp sandbox serve``.

        Example: ``get_process:status=503,times=2`` or ``*:latency=0.05``.
        """
        endpoint, _, options = spec.partition(":")
        values: dict[str, Any] = {"endpoint": endpoint.strip() or "*"}
        for part in filter(None, (p.strip() for p in options.split(","))):
            key, sep, raw = part.partition("=")
            key = key.strip()
            if key == "drop" and not sep:
                values["drop"] = True
                continue
            if not sep:
                raise ValueError(f"fault option {part!r} is not key=value")
            values[key] = _coerce(key, raw.strip())
        return cls.from_json(values)


def _coerce(key: str, raw: str) -> Any:
    if key in ("status", "times"):
        return int(raw)
    if key in ("latency", "error_rate", "retry_after", "slow_body"):
        return float(raw)
    if key == "drop":
        return raw.lower() in ("1", "true", "yes", "on")
    return raw


@dataclass(frozen=True)
class FaultPlan:
    """What happens to one request."""

    latency: float = 0.0
    status: int | None = None
    retry_after: float | None = None
    code: str = ""
    message: str = ""
    drop: bool = False
    slow_body: float = 0.0
    rule_ids: tuple[str, ...] = ()

    @property
    def label(self) -> str | None:
        if self.drop:
            return "drop"
        if self.status is not None:
            return f"status={self.status}"
        if self.latency or self.slow_body:
            return "slow"
        return None


@dataclass
class _Active:
    rule: FaultRule
    remaining: int | None
    hits: int = 0


class FaultInjector:
    """The live set of fault rules of one sandbox; thread-safe."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: dict[str, _Active] = {}
        self._seed = seed
        self._rng = random.Random(seed)
        self._counter = 0

    def reset(self) -> None:
        """Remove every rule and restart the random sequence (same seed, same decisions)."""
        with self._lock:
            self._rules.clear()
            self._rng = random.Random(self._seed)
            self._counter = 0

    def add(self, rule: FaultRule) -> FaultRule:
        """Install ``rule``; returns it with its assigned ``id``."""
        with self._lock:
            self._counter += 1
            stored = replace(rule, id=rule.id or f"fault-{self._counter}")
            self._rules[stored.id] = _Active(stored, stored.times)
            return stored

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            return self._rules.pop(rule_id, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {**a.rule.to_json(), "hits": a.hits, "remaining": a.remaining} for a in self._rules.values()
            ]

    def plan(self, route: str) -> FaultPlan:
        """Decide what happens to one request to ``route`` (consumes ``times`` of rules that fire)."""
        with self._lock:
            latency = 0.0
            slow = 0.0
            chosen: FaultRule | None = None
            fired: list[str] = []
            for active in list(self._rules.values()):
                rule = active.rule
                if rule.endpoint not in ("*", route):
                    continue
                effective = True
                if rule.disruptive:
                    effective = chosen is None and self._rng.random() < rule.error_rate
                    if effective:
                        chosen = rule
                if not effective:
                    continue
                latency = max(latency, rule.latency)
                slow = max(slow, rule.slow_body)
                active.hits += 1
                fired.append(rule.id)
                if active.remaining is not None:
                    active.remaining -= 1
                    if active.remaining <= 0:
                        del self._rules[rule.id]
            if chosen is None:
                return FaultPlan(latency=latency, slow_body=slow, rule_ids=tuple(fired))
            return FaultPlan(
                latency=latency,
                status=chosen.status if not chosen.drop else None,
                retry_after=chosen.retry_after,
                code=chosen.error_code,
                message=chosen.message or f"Injected fault ({chosen.error_code}).",
                drop=chosen.drop,
                slow_body=slow,
                rule_ids=tuple(fired),
            )
