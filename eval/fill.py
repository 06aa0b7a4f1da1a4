"""Filling the ``<…>`` placeholders of a suggested call with what the user supplies, and nothing else.

zcp writes a placeholder where it cannot know a value: ``intent="<what the user asked for>"``,
``scope=["<runtime hostname>"]``, a discover ``plan`` template, ``remoteUrl="<repository URL>"``,
``envClassifications={"<KEY>": "<bucket>"}``, a dev server's ``command``/``port``. Each is answered
from the scenario by the argument it sits in; a placeholder the scenario has no answer for is a
finding (:class:`Unfillable`), never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import JsonValue

__all__ = ["PLACEHOLDER", "FillContext", "Unfillable", "fill_call", "has_placeholder"]

PLACEHOLDER = re.compile(r"<[A-Za-z][^<>]*>")


class Unfillable(Exception):
    """zcp asked for a value the user does not supply."""

    def __init__(self, key: str, value: JsonValue) -> None:
        super().__init__(f"zcp asked for {value!r} in {key!r}, which this scenario's user does not supply")
        self.key = key
        self.value = value


def has_placeholder(value: Any) -> bool:
    """Whether a JSON value contains a ``<…>`` placeholder anywhere."""
    if isinstance(value, str):
        return PLACEHOLDER.search(value) is not None
    if isinstance(value, list):
        return any(has_placeholder(v) for v in value)
    if isinstance(value, dict):
        return any(has_placeholder(k) or has_placeholder(v) for k, v in value.items())
    return False


@dataclass(frozen=True)
class FillContext:
    """The user's answers, as the placeholders need them."""

    bootstrap_intent: str
    develop_intent: str | None = None
    scope: list[str] | None = None
    plan: list[dict[str, JsonValue]] | None = None
    remote_url: str | None = None
    env_classifications: dict[str, str] | None = None
    dev_servers: dict[str, tuple[str, int]] | None = None


def _intent(args: dict[str, JsonValue], ctx: FillContext) -> str | None:
    if args.get("workflow") == "develop":
        return ctx.develop_intent
    return ctx.bootstrap_intent


def fill_call(args: dict[str, JsonValue], ctx: FillContext) -> dict[str, JsonValue]:
    """``args`` with every placeholder answered; raises :class:`Unfillable` for one that cannot be."""
    filled: dict[str, JsonValue] = {}
    host = args.get("hostname")
    for key, value in args.items():
        if not has_placeholder(value):
            filled[key] = value
            continue
        answer: JsonValue | None = None
        if key == "intent":
            answer = _intent(args, ctx)
        elif key == "scope":
            answer = list(ctx.scope) if ctx.scope else None
        elif key == "plan":
            answer = list(ctx.plan) if ctx.plan is not None else None
        elif key == "remoteUrl":
            answer = ctx.remote_url
        elif key == "envClassifications":
            answer = dict(ctx.env_classifications) if ctx.env_classifications is not None else None
        elif (
            key in ("command", "port")
            and isinstance(host, str)
            and ctx.dev_servers
            and host in ctx.dev_servers
        ):
            command, port = ctx.dev_servers[host]
            answer = command if key == "command" else port
        if answer is None:
            raise Unfillable(key, value)
        filled[key] = answer
    return filled
