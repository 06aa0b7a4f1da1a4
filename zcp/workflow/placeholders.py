"""Atom body templates: placeholders and the repeating per-service block.

A body is parsed once into a :class:`Template` (literal text, placeholders, at most one level of
``<!-- for-each-service -->`` block) and rendered many times. Parsing is where every problem is
caught — an unknown ``{word}``, a block marker that is not on a line of its own, an unclosed or
nested block — each reported with its line, so nothing half-substituted can ever be rendered.

A ``{word}`` right after ``$`` is a Zerops env reference (``${db_hostname}``), not a placeholder.
Rendering is one pass over pre-split parts, so a value containing braces is never re-expanded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "BLOCK_END",
    "BLOCK_START",
    "MISSING",
    "PLACEHOLDERS",
    "Block",
    "Placeholder",
    "Template",
    "TemplateError",
    "parse_template",
]

#: Every placeholder an atom may use, with the text written when its value does not exist.
MISSING: dict[str, str] = {
    "hostname": "<hostname>",
    "stage-hostname": "<stage hostname>",
    "project-name": "<project name>",
    "service-type": "<service type>",
}
PLACEHOLDERS: tuple[str, ...] = tuple(MISSING)

BLOCK_START = "<!-- for-each-service -->"
BLOCK_END = "<!-- end-for-each-service -->"

# A placeholder-shaped token: a letter, then letters, digits, `_` or `-`, in braces, not after `$`.
_TOKEN = re.compile(r"(?<!\$)\{([A-Za-z][A-Za-z0-9_-]*)\}")
_MARKER = re.compile(r"<!--\s*(end-)?for-each-service\s*-->")
_LINES = re.compile(r"[^\n]*\n|[^\n]+\Z")


class TemplateError(ValueError):
    """A body that cannot be rendered safely; ``line`` is 1-based within the body."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Placeholder:
    name: str


@dataclass(frozen=True)
class Block:
    """The repeated per-service part of an aggregate atom."""

    parts: tuple[str | Placeholder, ...]


Part = str | Placeholder | Block


@dataclass(frozen=True)
class Template:
    """A parsed body: render with :meth:`render`."""

    parts: tuple[Part, ...]

    @property
    def has_block(self) -> bool:
        return any(isinstance(p, Block) for p in self.parts)

    @property
    def placeholders(self) -> frozenset[str]:
        names: set[str] = set()
        for part in self.parts:
            if isinstance(part, Placeholder):
                names.add(part.name)
            elif isinstance(part, Block):
                names.update(p.name for p in part.parts if isinstance(p, Placeholder))
        return frozenset(names)

    def render(self, values: Mapping[str, str], per_service: Sequence[Mapping[str, str]] = ()) -> str:
        """Substitute ``values``; the block repeats once per mapping in ``per_service``.

        The result is trimmed of surrounding whitespace, as atom bodies are.
        """
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, Placeholder):
                out.append(values[part.name])
            else:
                for service_values in per_service:
                    for inner in part.parts:
                        out.append(inner if isinstance(inner, str) else service_values[inner.name])
        return "".join(out).strip()


def _split_line(text: str, line_no: int) -> list[str | Placeholder]:
    parts: list[str | Placeholder] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        name = match.group(1)
        if name not in MISSING:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise TemplateError(
                line_no,
                f"unknown placeholder {{{name}}} (known: {known}; write <{name}> for a value the agent fills in)",
            )
        if match.start() > pos:
            parts.append(text[pos : match.start()])
        parts.append(Placeholder(name))
        pos = match.end()
    if pos < len(text):
        parts.append(text[pos:])
    return parts


def _merge(parts: list[str | Placeholder]) -> list[str | Placeholder]:
    merged: list[str | Placeholder] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + part
        else:
            merged.append(part)
    return merged


def parse_template(body: str, *, allow_block: bool) -> Template:
    """Parse an atom body; raises :class:`TemplateError` with the body line of the first problem."""
    parts: list[Part] = []
    current: list[str | Placeholder] = []
    block: list[str | Placeholder] | None = None
    block_line = 0
    for index, line in enumerate(_LINES.findall(body)):
        line_no = index + 1
        marker = _MARKER.search(line)
        if marker is not None:
            if line.strip() != marker.group(0):
                raise TemplateError(line_no, "a for-each-service marker must sit on a line of its own")
            closing = marker.group(1) is not None
            if not allow_block:
                raise TemplateError(line_no, "for-each-service blocks need `multiService: aggregate`")
            if not closing:
                if block is not None:
                    raise TemplateError(line_no, "for-each-service blocks cannot be nested")
                if any(isinstance(p, Block) for p in parts):
                    raise TemplateError(line_no, "an atom may have only one for-each-service block")
                parts.extend(_merge(current))
                current = []
                block = []
                block_line = line_no
            else:
                if block is None:
                    raise TemplateError(line_no, "end-for-each-service without a for-each-service before it")
                parts.append(Block(tuple(_merge(block))))
                block = None
            continue
        target = current if block is None else block
        target.extend(_split_line(line, line_no))
    if block is not None:
        raise TemplateError(
            block_line, "for-each-service block is never closed (add <!-- end-for-each-service -->)"
        )
    parts.extend(_merge(current))
    return Template(tuple(parts))
