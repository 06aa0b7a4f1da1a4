"""The tool layer's one mechanism: definitions, input checking, gating and the error wire format.

Every MCP tool is a :class:`ToolDefinition` (name, title, description, annotations, flags and an
async function with flat, ``Annotated`` parameters returning a :class:`ToolOutput`). It is
registered as a :class:`ZcpTool`, which wraps the SDK tool so that **every** failure — unknown or
invalid arguments, read-only refusals, missing credentials, a :class:`~zcp.errors.ZcpError` from
the operation, or an unexpected crash — comes back as one ``isError`` result carrying JSON::

    {"code": "...", "error": "...", "suggestion": "...", "apiCode"?, "recovery"?, "details"?,
     "untrusted"?: {"notice": "...", "diagnostic"?, "apiMeta"?}}

Successful calls return structured content (validated against the output schema) plus a
readable text rendering of the same result.
"""

from __future__ import annotations

import difflib
import json
import logging
import math
import operator
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver.tools.base import Tool
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from zcp.calls import ToolCall
from zcp.errors import InvalidParameter, ReadOnlyMode, ZcpError
from zcp.hostnames import is_valid_hostname
from zcp.secrets import redact, redact_obj
from zcp.tools.untrusted import ERROR_NOTICE, neutralise_all

if TYPE_CHECKING:
    from zcp.app import App

log = logging.getLogger(__name__)


#: The published shape of ``nextActions`` (every tool carries it, so it is kept lean).
NEXT_ACTIONS_SCHEMA: dict[str, Any] = {
    "items": {"properties": {"tool": {"type": "string"}, "args": {"type": "object"}}, "type": "object"},
    "type": "array",
}


class ToolOutput(BaseModel):
    """Base of every tool result: structured fields plus a readable rendering.

    ``nextActions`` are the calls that make sense next, as :class:`~zcp.calls.ToolCall` objects
    (``{"tool", "args"}``) in the structured content; the text shows them as commands on one
    ``next:`` line after the tool's own rendering (:meth:`render`).
    """

    model_config = ConfigDict(populate_by_name=True)

    next_actions: Annotated[list[ToolCall], WithJsonSchema(NEXT_ACTIONS_SCHEMA)] = Field(
        default_factory=list, alias="nextActions"
    )

    def to_text(self) -> str:
        """Readable text for the agent; defaults to indented JSON of the structured content."""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"next_actions"})
        return json.dumps(data, indent=2) + "\n"

    def render(self) -> str:
        """The text rendering plus the next actions as commands."""
        text = self.to_text()
        if self.next_actions:
            if text and not text.endswith("\n"):
                text += "\n"
            text += "next: " + " | ".join(call.command for call in self.next_actions) + "\n"
        return text


@dataclass(frozen=True)
class ToolDefinition:
    """Everything needed to register one tool; ``fn`` is bound to the app by its factory."""

    name: str
    title: str
    description: str
    fn: Callable[..., Awaitable[ToolOutput]]
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool
    needs_platform: bool = False
    #: Actions that only read, allowed in read-only mode although the tool can also write
    #: (the tool's ``readOnlyHint`` stays false: it says what the tool as a whole may do).
    read_actions: frozenset[str] = frozenset()

    @property
    def annotations(self) -> ToolAnnotations:
        # The title is published once, on the tool itself (not repeated in the annotations).
        return ToolAnnotations(
            read_only_hint=self.read_only,
            destructive_hint=self.destructive,
            idempotent_hint=self.idempotent,
            open_world_hint=self.open_world,
        )


#: Wire fields whose values come from outside zcp (the platform, the project): fenced in errors.
UNTRUSTED_ERROR_FIELDS = ("apiMeta", "diagnostic")
_API_CODE = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")


def error_result(error: ZcpError) -> CallToolResult:
    """The ``isError`` result for a zcp error, in the one wire format — the one place errors leave.

    zcp's own words (``code``, ``error``, ``suggestion``, ``details``, ``recovery``) stay at the top.
    Text from outside — the platform's message and raw output (``diagnostic``), its field meta
    (``apiMeta``), an ``apiCode`` that is not an identifier — moves into an ``untrusted`` section,
    last, after a notice, with backtick runs broken up: the same fence results use, in JSON terms.
    Registered secrets are masked everywhere (:meth:`ZcpError.to_wire`).
    """
    wire = error.to_wire()
    outside: dict[str, Any] = {}
    for key in UNTRUSTED_ERROR_FIELDS:
        if key in wire:
            outside[key] = wire.pop(key)
    code = wire.get("apiCode")
    if isinstance(code, str) and not _API_CODE.match(code):
        outside["apiCode"] = wire.pop("apiCode")
    if outside:
        wire["untrusted"] = {"notice": ERROR_NOTICE, **neutralise_all(outside)}
    return CallToolResult(
        content=[TextContent(type="text", text=json.dumps(wire, ensure_ascii=False))],
        is_error=True,
    )


def with_check_call(error: ZcpError, arguments: dict[str, Any]) -> ZcpError:
    """A failed change that may have landed anyway gets the call that shows whether it did."""
    if error.recovery is None and (error.details or {}).get("changeMayHaveApplied") is True:
        raw = arguments.get("serviceHostname")
        host = raw.strip() if isinstance(raw, str) else ""
        error.recovery = (
            ToolCall.of("zerops_events", serviceHostname=host)
            if is_valid_hostname(host)
            else ToolCall.of("zerops_events")
        )
    return error


def success_result(output: ToolOutput) -> CallToolResult:
    """Structured content plus its readable rendering, both redacted here: the one place results leave.

    Registered secrets (:mod:`zcp.secrets`) are masked in every string of both renderings, whatever
    the tool put where — an env value, a log line, an echoed query.
    """
    structured = output.model_dump(mode="json", by_alias=True, exclude_none=True)
    structured["nextActions"] = structured.pop("nextActions", [])  # last: what to do after reading the rest
    return CallToolResult(
        content=[TextContent(type="text", text=redact(output.render()))],
        structured_content=redact_obj(structured),
    )


def describe_validation_error(
    tool: str, exc: ValidationError, properties: dict[str, Any]
) -> InvalidParameter:
    """Turn pydantic's errors into one INVALID_PARAMETER naming each field and what to send."""
    problems: list[str] = []
    fields: list[str] = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ())) or "arguments"
        fields.append(loc)
        message = err["msg"]
        if err["type"] == "missing":
            message = "is required"
        problems.append(f"{loc}: {message}")
    hints: list[str] = []
    for name in dict.fromkeys(f.split(".", 1)[0] for f in fields):
        schema = properties.get(name, {})
        allowed = _enum_values(schema)
        if allowed:
            hints.append(f"{name} must be one of {', '.join(map(str, allowed))}")
        elif schema.get("description"):
            hints.append(f"{name}: {schema['description']}")
    return InvalidParameter(
        f"invalid arguments for {tool}: " + "; ".join(problems),
        suggestion=("; ".join(hints) + ".") if hints else f"Check the {tool} input schema.",
        details={"fields": sorted(set(fields))},
    )


#: The largest integer a JSON number carries exactly (and a float holds); nothing a tool takes is bigger.
MAX_SAFE_INTEGER = 2**53
_BOUNDS: tuple[tuple[str, Callable[[Any, Any], bool], str], ...] = (
    ("minimum", operator.ge, "at least"),
    ("maximum", operator.le, "at most"),
    ("exclusiveMinimum", operator.gt, "above"),
    ("exclusiveMaximum", operator.lt, "below"),
)


def _values(path: str, value: Any) -> list[tuple[str, Any]]:
    """Every scalar inside ``value`` with its path (``variables[1]``), iteratively."""
    found: list[tuple[str, Any]] = []
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                found.append((f"{where} key", key))
                stack.append((f"{where}.{key}" if isinstance(key, str) else where, child))
        elif isinstance(item, list | tuple):
            stack.extend((f"{where}[{index}]", child) for index, child in enumerate(item))
        else:
            found.append((where, item))
    return found


def check_argument_values(tool: str, arguments: dict[str, Any], properties: dict[str, Any]) -> None:
    """Refuse values no parameter can mean, before validation sees them (one INVALID_PARAMETER for all):

    * a NUL character in any text (it ends strings in C, paths and YAML);
    * a number that is not finite, or an integer beyond :data:`MAX_SAFE_INTEGER`;
    * a number outside the ``minimum``/``maximum`` its parameter publishes — the published schema is
      the contract, whether the bound came from a pydantic constraint or only from the schema.

    Huge integers are never formatted (Python refuses to print one of 5,000 digits).
    """
    problems: list[str] = []
    hints: list[str] = []
    for name, raw in arguments.items():
        for where, value in _values(name, raw):
            if isinstance(value, str) and "\x00" in value:
                problems.append(f"{where} contains a NUL character")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                continue
            elif isinstance(value, float) and not math.isfinite(value):
                problems.append(f"{where} is not a finite number")
            elif isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER:
                problems.append(f"{where} is too large a number")
            elif where == name:
                schema = properties.get(name, {})
                for key, holds, words in _BOUNDS:
                    bound = schema.get(key)
                    if isinstance(bound, int | float) and not holds(value, bound):
                        problems.append(f"{name}={value:g} is not {words} {bound:g}")
                        hints.append(_range_hint(name, schema))
                        break
    if problems:
        suggestion = (
            "; ".join(dict.fromkeys(hints)) + "." if hints else "Send plain text and ordinary numbers."
        )
        raise InvalidParameter(
            f"invalid arguments for {tool}: " + "; ".join(problems),
            suggestion=suggestion,
            details={"fields": sorted({p.split(" ", 1)[0].split("=", 1)[0] for p in problems})},
        )


def _range_hint(name: str, schema: dict[str, Any]) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    span = f"{low:g}–{high:g}" if low is not None and high is not None else ""
    described = f" ({schema['description']})" if schema.get("description") else ""
    return f"{name} takes {span or 'a value in its published range'}{described}"


def compact_schema(schema: dict[str, Any], *, output: bool = False) -> dict[str, Any]:
    """Publish a lean schema: inline ``$defs``, drop pydantic titles, ``X | None`` → ``X``.

    Arguments are still validated by the full pydantic model, so this only trims what every
    ``tools/list`` response carries (optional parameters are simply not required). An ``output``
    schema also drops ``additionalProperties: false``: it constrains what zcp sends, which a client
    never needs to check.
    """
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node and node["$ref"].startswith("#/$defs/"):
            target = dict(defs[node["$ref"].removeprefix("#/$defs/")])
            target.pop("description", None)
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return walk(merged)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("title", "$defs"):
                continue
            if key in ("properties", "patternProperties") and isinstance(value, dict):
                # Keys here are field names (a field may be called "title"), not schema keywords.
                out[key] = {name: walk(sub) for name, sub in value.items()}
                continue
            walked = walk(value)
            if key == "additionalProperties" and (walked in ({}, True) or (output and walked is False)):
                continue  # an empty schema (or true) allows anything, which is the default
            out[key] = walked
        options = out.get("anyOf")
        if isinstance(options, list):
            non_null = [o for o in options if o != {"type": "null"}]
            if len(non_null) == 1 and len(non_null) < len(options):
                del out["anyOf"]
                out = {**non_null[0], **out}
                if out.get("default") is None:
                    out.pop("default", None)
        return out

    result: dict[str, Any] = walk(schema)
    return result


def _enum_values(schema: dict[str, Any]) -> list[Any]:
    if "enum" in schema:
        return list(schema["enum"])
    for key in ("anyOf", "oneOf"):
        for option in schema.get(key, []):
            if "enum" in option:
                return list(option["enum"])
            if option.get("type") == "array" and "enum" in option.get("items", {}):
                return list(option["items"]["enum"])
    if schema.get("type") == "array" and "enum" in schema.get("items", {}):
        return list(schema["items"]["enum"])
    return []


class ZcpTool(Tool):
    """An SDK tool whose every outcome is a structured result (see the module docstring)."""

    definition: Any = None  # ToolDefinition; typed loosely because Tool is a pydantic model
    app: Any = None  # zcp.app.App

    @cached_property
    def output_schema(self) -> dict[str, Any] | None:
        """The published output schema, compacted (``None`` fields are omitted from results).

        The result model's docstring is left out: the tool's description already says what it returns.
        """
        schema = self.fn_metadata.output_schema
        if schema is None:
            return None
        compacted = compact_schema(schema, output=True)
        compacted.pop("description", None)
        properties = compacted.get("properties", {})
        if "nextActions" in properties:  # listed last, as in the results
            properties["nextActions"] = properties.pop("nextActions")
        return compacted

    @classmethod
    def create(cls, definition: ToolDefinition, app: App) -> ZcpTool:
        """Register ``definition`` for ``app``; the published schema rejects unknown keys."""
        base = Tool.from_function(
            definition.fn,
            name=definition.name,
            title=definition.title,
            description=definition.description,
            annotations=definition.annotations,
        )
        parameters = compact_schema(base.parameters)
        parameters["additionalProperties"] = False
        data = {name: getattr(base, name) for name in type(base).model_fields}
        data["parameters"] = parameters
        return cls(**data, definition=definition, app=app)

    async def run(self, arguments: dict[str, Any], context: Any, convert_result: bool = False) -> Any:
        definition: ToolDefinition = self.definition
        try:
            self._check_unknown_keys(arguments)
            check_argument_values(self.name, arguments, self.parameters.get("properties", {}))
            try:
                validated = self.fn_metadata.validate_arguments(arguments)
            except ValidationError as exc:
                raise describe_validation_error(
                    self.name, exc, self.parameters.get("properties", {})
                ) from None
            self._check_gates(definition, validated)
            passed: dict[str, Any] = {}
            if self.context_kwarg is not None:
                passed[self.context_kwarg] = context
            output = await self.fn_metadata.call_fn(self.fn, self.is_async, validated, passed)
            if not isinstance(output, ToolOutput):
                raise TypeError(f"{self.name} returned {type(output).__name__}, not a ToolOutput")
            return success_result(output)
        except ZcpError as error:
            log.info("tool %s failed: %s %s", self.name, error.code, error)
            return error_result(with_check_call(error, arguments))
        except Exception:
            log.exception("tool %s crashed", self.name)
            return error_result(
                ZcpError(
                    f"{self.name} failed unexpectedly (details are in the zcp server log)",
                    suggestion="Retry once; if it fails again, report it with the server log.",
                )
            )

    def _check_unknown_keys(self, arguments: dict[str, Any]) -> None:
        known = list(self.parameters.get("properties", {}))
        unknown = sorted(set(arguments) - set(known))
        if not unknown:
            return
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hints.append(f"'{key}' → '{close[0]}'" if close else f"'{key}' is not a parameter")
        raise InvalidParameter(
            f"unknown argument(s) for {self.name}: {', '.join(unknown)}",
            suggestion=f"{'; '.join(hints)}. Valid parameters: {', '.join(known)}.",
            details={"unknown": unknown, "valid": known},
        )

    def _check_gates(self, definition: ToolDefinition, arguments: dict[str, Any]) -> None:
        app = self.app
        action = arguments.get("action")
        reads = isinstance(action, str) and action in definition.read_actions
        if not definition.read_only and not reads and app.settings.read_only:
            allowed = (
                f" Read-only actions still work: {', '.join(sorted(definition.read_actions))}."
                if definition.read_actions
                else ""
            )
            raise ReadOnlyMode(
                f"{self.name}{f' action={action}' if action else ''} changes the project, "
                "and zcp is running read-only",
                suggestion="Restart zcp without --read-only (and with ZCP_READ_ONLY unset or 0) to allow changes."
                + allowed,
            )
        if definition.needs_platform:
            app.require_platform(self.name)
