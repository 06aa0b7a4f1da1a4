"""The one shape of a suggested tool call, used wherever zcp tells an agent what to call next.

A :class:`ToolCall` is a tool name plus arguments. Error recoveries (``recovery`` in the error wire
format), the next actions a tool result carries and the workflow plan's actions
(:class:`~zcp.workflow.actions.NextAction`, a ToolCall with a label and a reason) are all this type,
so one meta-test can check that every call zcp suggests names a registered tool, action and
parameters. :attr:`ToolCall.command` renders the call the way agents write it, deterministically.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue

__all__ = ["ToolCall", "format_arg"]

#: Arguments that say what a call is about come first; the rest follow sorted.
_LEADING_ARGS = {
    "action": 0,
    "workflow": 1,
    "step": 2,
    "sourceService": 3,
    "targetService": 4,
    "serviceHostname": 5,
    "service": 6,
    "hostname": 7,
}


def format_arg(value: JsonValue) -> str:
    """A string is double-quoted (JSON escapes); lists and objects are compact JSON in the order the
    caller built them (which is fixed, so the text is deterministic)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class ToolCall(BaseModel):
    """A call to one of zcp's tools: ``tool`` and its ``args`` (JSON values)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tool: str
    args: dict[str, JsonValue] = Field(default_factory=dict)

    @classmethod
    def of(cls, tool: str, **args: JsonValue) -> ToolCall:
        """``ToolCall.of("zerops_verify", serviceHostname="app")``."""
        return cls(tool=tool, args=args)

    @property
    def command(self) -> str:
        """The call as an agent would write it: ``tool action=… workflow=… key="value" …``.

        ``action``, ``workflow`` and the target lead (they say what the call is); the rest is sorted.
        """
        keys = sorted(self.args, key=lambda k: (_LEADING_ARGS.get(k, len(_LEADING_ARGS)), k))
        return " ".join([self.tool, *(f"{key}={format_arg(self.args[key])}" for key in keys)])

    @property
    def action(self) -> str | None:
        """The ``action`` argument, when the call has one."""
        value = self.args.get("action")
        return value if isinstance(value, str) else None

    def wire(self) -> dict[str, Any]:
        """The JSON form: ``{"tool": …, "args": {…}}`` (args omitted when empty, keys sorted)."""
        data: dict[str, Any] = {"tool": self.tool}
        if self.args:
            data["args"] = dict(sorted(self.args.items()))
        return data

    def __str__(self) -> str:
        return self.command
