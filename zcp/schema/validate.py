"""Validate zerops.yaml and import.yaml documents against a schema, problem by problem.

Each problem names its YAML path (``zerops[0].build.base``), the line it starts on, what is wrong
and, where one exists, a suggestion: the closest valid enum value, the keys allowed where an
unknown key stands, or the shape a value should have. ``jsonschema`` is imported on first use.
A leading ``#zeropsPreprocessor=on`` (or ``#yamlPreprocessor=on``) line is a YAML comment; with
it, string values holding ``<@...>`` expressions are not judged, since the platform expands them
first.

Import YAML is checked for both spellings of a managed service's deployment
(:mod:`~zcp.schema.managed_types`): ``postgresql:single@18`` + ``profile`` and the legacy
``postgresql@18`` + ``mode``. A schema that lists only one form accepts the other, profiles are
checked against the type and variant, and deprecated or ignored settings come back as ``notes``
(advice that does not make the document invalid).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from zcp.errors import InvalidImportYaml, InvalidZeropsYaml
from zcp.schema.bundled import bundled_schema
from zcp.schema.enums import technology
from zcp.schema.live import LoadedSchema, Origin
from zcp.schema.managed_types import both_forms, check_entry
from zcp.schema.sources import SchemaKind
from zcp.schema.yaml_marks import LoadedYaml, Mark, YamlProblem, load_yaml

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

MAX_DOCUMENT_CHARS = 1_000_000
_PREPROCESSOR_HEADER = re.compile(r"\A\s*#\s*(zerops|yaml)Preprocessor\s*=\s*on\b", re.IGNORECASE)
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_TYPE_WORDS = {
    "string": "a string",
    "array": "a list",
    "object": "a mapping",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


class SchemaProblem(BaseModel):
    """One thing wrong with a document."""

    model_config = ConfigDict(frozen=True)

    path: str
    message: str
    suggestion: str | None = None
    line: int | None = None
    column: int | None = None
    rule: str

    def render(self) -> str:
        """``path (line N): message — suggestion`` on one line."""
        where = self.path or "(document)"
        if self.line is not None:
            where += f" (line {self.line})"
        text = f"{where}: {self.message}"
        return f"{text} — {self.suggestion}" if self.suggestion else text


class ValidationReport(BaseModel):
    """The outcome of validating one document."""

    model_config = ConfigDict(frozen=True)

    kind: SchemaKind
    problems: tuple[SchemaProblem, ...] = ()
    schema_origin: Origin = "bundled"
    preprocessor: bool = False
    #: Advice that does not make the document invalid (a deprecated or ignored setting).
    notes: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def render(self) -> str:
        """One line per problem, or a short all-clear."""
        lines = [problem.render() for problem in self.problems] or [f"{self.kind.label}: valid"]
        return "\n".join([*lines, *(f"note: {note}" for note in self.notes)])

    def raise_for_problems(self) -> None:
        """Raise :class:`InvalidZeropsYaml` / :class:`InvalidImportYaml` when there is a problem."""
        if self.valid:
            return
        first = self.problems[0]
        count = len(self.problems)
        error_cls = InvalidZeropsYaml if self.kind is SchemaKind.ZEROPS else InvalidImportYaml
        more = f" (and {count - 1} more)" if count > 1 else ""
        raise error_cls(
            f"{self.kind.label} is invalid: {first.render()}{more}",
            suggestion=first.suggestion or "Fix the problems listed in details, then try again.",
            diagnostic=self.render(),
            details={"problems": [p.model_dump(exclude_none=True) for p in self.problems]},
        )


# --- entry points ------------------------------------------------------------------------------


def validate_zerops_yaml(
    text: str, *, schema: LoadedSchema | Mapping[str, Any] | None = None, required_setup: str | None = None
) -> ValidationReport:
    """Validate a zerops.yaml; ``required_setup`` must then name one of its ``setup`` entries."""
    return validate_document(SchemaKind.ZEROPS, text, schema=schema, required_setup=required_setup)


def validate_import_yaml(
    text: str, *, schema: LoadedSchema | Mapping[str, Any] | None = None
) -> ValidationReport:
    """Validate an import YAML (project and/or services)."""
    return validate_document(SchemaKind.IMPORT, text, schema=schema)


def validate_document(
    kind: SchemaKind,
    text: str,
    *,
    schema: LoadedSchema | Mapping[str, Any] | None = None,
    required_setup: str | None = None,
) -> ValidationReport:
    """Validate ``text`` as a ``kind`` document (bundled schema unless ``schema`` is given)."""
    if isinstance(schema, LoadedSchema):
        document, origin = schema.document, schema.origin
    elif schema is not None:
        document, origin = schema, "live"
    else:
        document, origin = bundled_schema(kind), "bundled"
    preprocessor = bool(_PREPROCESSOR_HEADER.match(text))

    def report(problems: list[SchemaProblem], notes: Sequence[str] = ()) -> ValidationReport:
        return ValidationReport(
            kind=kind,
            problems=tuple(problems),
            schema_origin=origin,
            preprocessor=preprocessor,
            notes=tuple(notes),
        )

    if len(text) > MAX_DOCUMENT_CHARS:
        return report(
            [
                SchemaProblem(
                    path="",
                    message=f"the document is larger than {MAX_DOCUMENT_CHARS} characters",
                    rule="size",
                )
            ]
        )
    try:
        loaded = load_yaml(text)
    except YamlProblem as exc:
        mark = exc.mark
        return report(
            [
                SchemaProblem(
                    path="",
                    message=f"not valid YAML: {exc.message}",
                    suggestion="Check indentation and quoting around the line shown.",
                    line=mark.line if mark else None,
                    column=mark.column if mark else None,
                    rule="yaml",
                )
            ]
        )
    if loaded.data is None:
        start = (
            "`zerops:` and a list of setups" if kind is SchemaKind.ZEROPS else "`project:` and/or `services:`"
        )
        return report(
            [
                SchemaProblem(
                    path="",
                    message="the document is empty",
                    suggestion=f"Start it with {start}.",
                    rule="empty",
                )
            ]
        )

    problems: list[SchemaProblem] = []
    notes: list[str] = []
    if kind is SchemaKind.IMPORT:
        document = _with_both_type_forms(document)
    validator = _validator(document)
    for error in validator.iter_errors(loaded.data):
        problems.extend(_explain(error, loaded, document))
    if kind is SchemaKind.IMPORT:
        # A type/profile finding says more than the bare enum miss at the same place; keep it alone.
        managed = _managed_type_problems(loaded, notes)
        covered = {p.path for p in managed}
        problems = [p for p in problems if p.path not in covered] + managed
    if preprocessor:
        problems = [p for p in problems if not _holds_expression(loaded, p)]
    if kind is SchemaKind.ZEROPS:
        problems.extend(_setup_problems(loaded, required_setup))
    return report(_ordered(problems), notes)


# --- managed-service types ----------------------------------------------------------------------

_COMPLETED: dict[int, tuple[Mapping[str, Any], Mapping[str, Any]]] = {}
_PROFILE_PROPERTIES: dict[str, Any] = {
    "profile": {
        "type": "string",
        "description": "Managed-service profile (autoscaling envelope and tuning).",
    },
    "profileOverrides": {"type": "object", "description": "Settings a profile lets you override."},
}


def _with_both_type_forms(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The import schema accepting both managed-type spellings and ``profile`` (cached per schema).

    A live schema may predate the 2026 variants or drop the legacy names; the platform takes both.
    """
    cached = _COMPLETED.get(id(document))
    if cached is not None and cached[0] is document:
        return cached[1]
    import copy

    completed: dict[str, Any] = copy.deepcopy(dict(document))
    service = completed.get("properties", {}).get("services", {}).get("items", {})
    props = service.get("properties") if isinstance(service, dict) else None
    if isinstance(props, dict):
        type_node = props.get("type")
        if isinstance(type_node, dict) and isinstance(type_node.get("enum"), list):
            type_node["enum"] = both_forms(str(v) for v in type_node["enum"])
        for key, node in _PROFILE_PROPERTIES.items():
            props.setdefault(key, node)
    if len(_COMPLETED) >= 8:
        _COMPLETED.clear()
    _COMPLETED[id(document)] = (document, completed)
    return completed


def _managed_type_problems(loaded: LoadedYaml, notes: list[str]) -> list[SchemaProblem]:
    """Type/mode/profile checks per service entry; advice goes to ``notes``."""
    data = loaded.data
    services = data.get("services") if isinstance(data, Mapping) else None
    if not isinstance(services, list):
        return []
    problems: list[SchemaProblem] = []
    for n, entry in enumerate(services):
        if not isinstance(entry, Mapping):
            continue
        for finding in check_entry(entry):
            path = ["services", n, finding.key]
            if finding.blocking:
                problems.append(_problem(loaded, path, finding.message, finding.suggestion, "managedType"))
            else:
                hint = f" — {finding.suggestion}" if finding.suggestion else ""
                notes.append(f"{format_path(path)}: {finding.message}{hint}")
    return problems


# --- helpers -----------------------------------------------------------------------------------

_VALIDATORS: dict[int, tuple[Mapping[str, Any], Validator]] = {}


def _validator(document: Mapping[str, Any]) -> Validator:
    """A compiled validator per schema object (kept for the few schemas a process sees)."""
    cached = _VALIDATORS.get(id(document))
    if cached is not None and cached[0] is document:
        return cached[1]
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(document)
    if len(_VALIDATORS) >= 8:
        _VALIDATORS.clear()
    _VALIDATORS[id(document)] = (document, validator)
    return validator


def format_path(path: Sequence[Any]) -> str:
    """``["zerops", 0, "build", "base"]`` → ``zerops[0].build.base``."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif _PLAIN_KEY.fullmatch(str(step)):
            out += f".{step}" if out else str(step)
        else:
            out += f"[{str(step)!r}]"
    return out


def describe_value(value: Any) -> str:
    """What kind of YAML value ``value`` is, in words."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def closest_value(value: str, allowed: Sequence[str], *, cutoff: float = 0.6) -> str | None:
    """The allowed value nearest to ``value`` (case-insensitive exact matches first)."""
    folded = {a.casefold(): a for a in allowed}
    if value.casefold() in folded:
        return folded[value.casefold()]
    found = difflib.get_close_matches(value, list(allowed), n=1, cutoff=cutoff)
    return found[0] if found else None


def _problem(
    loaded: LoadedYaml,
    path: Sequence[Any],
    message: str,
    suggestion: str | None,
    rule: str,
    *,
    key: bool = False,
) -> SchemaProblem:
    mark: Mark | None = loaded.mark_of(path, key=key)
    return SchemaProblem(
        path=format_path(path),
        message=message,
        suggestion=suggestion,
        line=mark.line if mark else None,
        column=mark.column if mark else None,
        rule=rule,
    )


def _explain(error: ValidationError, loaded: LoadedYaml, root: Mapping[str, Any]) -> list[SchemaProblem]:
    path = list(error.absolute_path)
    rule = str(error.validator)
    value = error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    where = format_path(path) or "the top level"
    expected: Any = error.validator_value

    if rule in ("oneOf", "anyOf") and error.context:
        branch = _matching_branch(error)
        if branch is not None:
            return [p for sub in branch for p in _explain(sub, loaded, root)]
        wanted = _branch_types(expected)
        return [
            _problem(
                loaded, path, f"expected {wanted}, got {describe_value(value)}", _shape_hint(wanted), "type"
            )
        ]
    if rule == "additionalProperties" and isinstance(value, dict):
        allowed = sorted((schema.get("properties") or {}).keys())
        extras = [k for k in value if k not in (schema.get("properties") or {})]
        out = []
        for extra in extras:
            guess = closest_value(str(extra), allowed)
            listing = f"Keys allowed here: {', '.join(allowed)}." if allowed else "No keys are allowed here."
            hint = f"Did you mean {guess!r}? {listing}" if guess else listing
            out.append(
                _problem(
                    loaded, [*path, extra], f"unknown key {str(extra)!r} under {where}", hint, rule, key=True
                )
            )
        return out
    if rule == "required" and isinstance(value, dict):
        missing = [k for k in expected if k not in value]
        return [
            _problem(loaded, path, f"missing required key {k!r}", f"Add {k!r} under {where}.", rule)
            for k in missing
        ]
    if rule == "enum":
        allowed = [a for a in expected if isinstance(a, str)]
        return [
            _problem(loaded, path, f"{value!r} is not an allowed value", _enum_hint(value, allowed), rule)
        ]
    if rule == "type":
        types = [str(t) for t in (expected if isinstance(expected, list) else [expected])]
        wanted = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        return [
            _problem(
                loaded, path, f"expected {wanted}, got {describe_value(value)}", _shape_hint(wanted), rule
            )
        ]
    if rule == "pattern":
        custom = schema.get("x-zcp-hint")
        hint = custom if isinstance(custom, str) else f"It must match the pattern {expected}."
        return [_problem(loaded, path, f"{value!r} has the wrong format", hint, rule)]
    if rule in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "above",
            "exclusiveMaximum": "below",
        }
        return [_problem(loaded, path, f"{value!r} must be {words[rule]} {expected}", None, rule)]
    if rule in ("minItems", "minLength"):
        noun = "item" if rule == "minItems" else "character"
        count = expected
        return [
            _problem(loaded, path, f"needs at least {count} {noun}{'s' if count != 1 else ''}", None, rule)
        ]
    if rule in ("maxItems", "maxLength"):
        noun = "item" if rule == "maxItems" else "character"
        return [_problem(loaded, path, f"allows at most {expected} {noun}s", None, rule)]
    return [_problem(loaded, path, error.message, None, rule)]


def _matching_branch(error: ValidationError) -> list[ValidationError] | None:
    """The errors of the only ``oneOf``/``anyOf`` branch whose type fits the value, if exactly one fits."""
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        index = sub.relative_schema_path[0] if sub.relative_schema_path else -1
        branches.setdefault(int(index), []).append(sub)
    fitting = [
        errors
        for errors in branches.values()
        if not any(sub.validator == "type" and not sub.relative_path for sub in errors)
    ]
    return fitting[0] if len(fitting) == 1 else None


def _branch_types(branches: Any) -> str:
    words: list[str] = []
    for branch in branches if isinstance(branches, list) else []:
        if not isinstance(branch, Mapping):
            continue
        kind = branch.get("type")
        if kind == "array":
            item = branch.get("items", {}).get("type") if isinstance(branch.get("items"), Mapping) else None
            words.append(f"a list of {item}s" if isinstance(item, str) else "a list")
        elif isinstance(kind, str):
            words.append(_TYPE_WORDS.get(kind, kind))
    return " or ".join(dict.fromkeys(words)) or "a different kind of value"


def _shape_hint(wanted: str) -> str | None:
    if wanted.startswith("a list") or " or a list" in wanted:
        return "Write a YAML list: one '- item' per line."
    if wanted == "a mapping":
        return "Write nested 'key: value' lines, indented under this key."
    if wanted == "a string":
        return "Quote the value to make it a string."
    return None


def _enum_hint(value: Any, allowed: Sequence[str]) -> str | None:
    if not isinstance(value, str):
        return f"Allowed values: {', '.join(allowed)}." if len(allowed) <= 12 else None
    guess = closest_value(value, allowed, cutoff=0.5)
    family = [a for a in allowed if technology(a) == technology(value)]
    parts = [f"Did you mean {guess!r}?"] if guess else []
    if family and len(family) <= 15:
        parts.append(f"Valid {technology(value)} values: {', '.join(family)}.")
    elif len(allowed) <= 12:
        parts.append(f"Allowed values: {', '.join(allowed)}.")
    elif not guess:
        parts.append("List the valid values with `zcp schema enums`.")
    return " ".join(parts) or None


def _holds_expression(loaded: LoadedYaml, problem: SchemaProblem) -> bool:
    """Whether the problem's value is a string with a ``<@...>`` expression (judged after expansion)."""
    node: Any = loaded.data
    for part in re.findall(r"\[(\d+)\]|\[('(?:[^'\\]|\\.)*')\]|([^.\[\]]+)", problem.path):
        index, quoted, plain = part
        key: Any = int(index) if index else (quoted[1:-1] if quoted else plain)
        fits_list = isinstance(node, list) and isinstance(key, int) and key < len(node)
        if fits_list or (isinstance(node, dict) and key in node):
            node = node[key]
        else:
            return False
    return isinstance(node, str) and "<@" in node


def _setup_problems(loaded: LoadedYaml, required_setup: str | None) -> list[SchemaProblem]:
    data = loaded.data
    entries = data.get("zerops") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return []
    names: list[str] = list(
        dict.fromkeys(e["setup"] for e in entries if isinstance(e, dict) and isinstance(e.get("setup"), str))
    )
    problems: list[SchemaProblem] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        name = entry.get("setup")
        if isinstance(name, str) and name in seen:
            problems.append(
                _problem(
                    loaded,
                    ["zerops", index, "setup"],
                    f"setup {name!r} is defined twice",
                    "Give each entry its own setup name.",
                    "unique",
                )
            )
        if isinstance(name, str):
            seen.add(name)
        parents = entry.get("extends")
        for parent in [parents] if isinstance(parents, str) else parents if isinstance(parents, list) else []:
            if isinstance(parent, str) and parent not in names:
                guess = closest_value(parent, [n for n in names if n != name])
                hint = f"Did you mean {guess!r}?" if guess else f"Setups in this file: {', '.join(names)}."
                problems.append(
                    _problem(
                        loaded,
                        ["zerops", index, "extends"],
                        f"extends unknown setup {parent!r}",
                        hint,
                        "extends",
                    )
                )
    if required_setup and required_setup not in names:
        guess = closest_value(required_setup, names)
        listing = f"Setups in this file: {', '.join(names)}." if names else "The file defines no setup."
        hint = (
            f"Did you mean {guess!r}? {listing}"
            if guess
            else f"{listing} Add a '- setup: {required_setup}' entry."
        )
        problems.append(_problem(loaded, ["zerops"], f"no setup named {required_setup!r}", hint, "setup"))
    return problems


def _ordered(problems: list[SchemaProblem]) -> list[SchemaProblem]:
    unique = list(dict.fromkeys(problems))
    return sorted(
        unique, key=lambda p: (p.line if p.line is not None else 1 << 30, p.column or 0, p.path, p.message)
    )
