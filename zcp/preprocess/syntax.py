"""Parse ``<@...>`` text into a small tree, without running anything.

The grammar, informally (``ws`` is spaces, tabs and newlines)::

    text      := { plain | escape | item }
    escape    := "\\" any-character              the character itself, never special
    item      := "<@" call | "<>" | "<" literal
    call      := name "(" [ param { "," param } ] ")" { " " } { "|" modifier } ">"
    literal   := { plain | escape | item } { "|" modifier } ">"
    param     := ws ( bare-name | item { item } ) ws
    modifier  := ws name ws

Inside a literal ``(``, ``)`` and ``,`` are plain characters; inside a parameter list ``|`` is.
A parameter made of bare text is a variable reference (its trimmed text names the variable); one
made of items is the concatenation of their values. The whole input is parsed before anything is
evaluated, so a syntax error never leaves half the side effects (stored variables) behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zcp.preprocess.problems import ExpressionProblem, Reason

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOP_PLAIN = re.compile(r"[^\\<>]+")
_LITERAL_PLAIN = re.compile(r"[^\\<>|]+")
_PARAM_PLAIN = re.compile(r"[^\\<>,()]+")
_WS = " \t\r\n"


@dataclass(frozen=True)
class Text:
    """Characters copied to the output as they are (escapes already resolved)."""

    value: str


@dataclass(frozen=True)
class Modifier:
    """``| name`` applied to the value of the item it closes."""

    name: str
    offset: int


@dataclass(frozen=True)
class Literal:
    """``<...>``: the concatenated value of its parts, then its modifiers."""

    parts: tuple[Node, ...]
    modifiers: tuple[Modifier, ...]
    offset: int


@dataclass(frozen=True)
class VarRef:
    """A bare parameter: the value stored under ``name``."""

    name: str
    offset: int


@dataclass(frozen=True)
class Param:
    """One call parameter: a variable reference, or one or more items concatenated."""

    value: VarRef | tuple[Literal | Call, ...]
    offset: int


@dataclass(frozen=True)
class Call:
    """``<@name(params) | modifiers>``."""

    name: str
    params: tuple[Param, ...]
    modifiers: tuple[Modifier, ...]
    offset: int


Node = Text | Literal | Call


@dataclass(frozen=True)
class Template:
    """A parsed input: evaluate it with :mod:`zcp.preprocess.evaluate`."""

    source: str
    nodes: tuple[Node, ...]

    @property
    def has_items(self) -> bool:
        """True when the input holds at least one item (otherwise it only had escapes or text)."""
        return any(not isinstance(node, Text) for node in self.nodes)


def parse(source: str, *, max_depth: int = 64) -> Template:
    """Parse ``source``; raises :class:`ExpressionProblem` pointing at the offending character."""
    return Template(source, _Parser(source, max_depth).parse_top())


class _Parser:
    def __init__(self, source: str, max_depth: int) -> None:
        self.src = source
        self.pos = 0
        self.depth = 0
        self.max_depth = max_depth

    # --- helpers -------------------------------------------------------------------------------

    def peek(self) -> str:
        return self.src[self.pos] if self.pos < len(self.src) else ""

    def fail(
        self, reason: Reason, message: str, suggestion: str | None = None, *, at: int | None = None
    ) -> None:
        raise ExpressionProblem(self.pos if at is None else at, reason, message, suggestion)

    def unterminated(self, start: int, what: str) -> ExpressionProblem:
        return ExpressionProblem(
            start,
            Reason.UNTERMINATED,
            f"{what} opened here is never closed; expected '>'",
            "Close it with '>', or write \\< for a literal '<'.",
        )

    def escape(self) -> str:
        """Consume ``\\x`` and return ``x``; a lone backslash at the very end stays a backslash."""
        self.pos += 1
        if self.pos >= len(self.src):
            return "\\"
        char = self.src[self.pos]
        self.pos += 1
        return char

    def skip_ws(self) -> None:
        while self.pos < len(self.src) and self.src[self.pos] in _WS:
            self.pos += 1

    # --- grammar -------------------------------------------------------------------------------

    def parse_top(self) -> tuple[Node, ...]:
        nodes: list[Node] = []
        buf: list[str] = []
        src = self.src
        while self.pos < len(src):
            char = src[self.pos]
            if char == "\\":
                buf.append(self.escape())
            elif char == "<":
                _flush(buf, nodes)
                nodes.append(self.parse_item())
            elif char == ">":
                self.fail(
                    Reason.STRAY_CLOSE,
                    "'>' outside an expression",
                    "Write \\> for a literal '>', or check that every '<' before it is paired.",
                )
            else:
                match = _TOP_PLAIN.match(src, self.pos)
                assert match is not None
                buf.append(match.group())
                self.pos = match.end()
        _flush(buf, nodes)
        return tuple(nodes)

    def parse_item(self) -> Literal | Call:
        """Parse from a ``<`` to its closing ``>``."""
        start = self.pos
        self.depth += 1
        if self.depth > self.max_depth:
            self.fail(
                Reason.TOO_DEEP,
                f"expressions are nested deeper than {self.max_depth} levels",
                "Flatten the expression, for example with setVar and getVar.",
            )
        self.pos += 1
        nxt = self.peek()
        if nxt == "@":
            self.pos += 1
            item: Literal | Call = self.parse_call(start)
        elif nxt == ">":
            self.pos += 1
            item = Literal((), (), start)
        elif nxt == "":
            raise self.unterminated(start, "'<'")
        else:
            item = self.parse_literal(start)
        self.depth -= 1
        return item

    def parse_literal(self, start: int) -> Literal:
        parts: list[Node] = []
        buf: list[str] = []
        src = self.src
        while True:
            if self.pos >= len(src):
                raise self.unterminated(start, "the literal '<'")
            char = src[self.pos]
            if char == "\\":
                buf.append(self.escape())
            elif char == "<":
                _flush(buf, parts)
                parts.append(self.parse_item())
            elif char == ">":
                self.pos += 1
                _flush(buf, parts)
                return Literal(tuple(parts), (), start)
            elif char == "|":
                _flush(buf, parts)
                return Literal(tuple(parts), self.parse_modifiers(start), start)
            else:
                match = _LITERAL_PLAIN.match(src, self.pos)
                assert match is not None
                buf.append(match.group())
                self.pos = match.end()

    def parse_call(self, start: int) -> Call:
        name_start = self.pos
        match = _NAME.match(self.src, self.pos)
        name = match.group() if match else ""
        self.pos = match.end() if match else self.pos
        nxt = self.peek()
        if nxt == "(":
            if not name:
                self.fail(Reason.BAD_FUNCTION_NAME, "expected a function name between '<@' and '('")
            self.pos += 1
        elif nxt == "":
            raise self.unterminated(start, "the function call '<@'")
        elif nxt == "|":
            self.fail(
                Reason.MODIFIER_IN_NAME,
                "'|' is not allowed in a function name",
                "Write the parameters first: <@name(...) | modifier>.",
            )
        elif nxt == ">" and name:
            self.fail(
                Reason.MISSING_PARENTHESIS,
                f"expected '(' after the function name {name!r}",
                f"Call it with parentheses: <@{name}(...)>.",
            )
        else:
            what = f"character {nxt!r}" if nxt not in _WS else "whitespace"
            self.fail(
                Reason.BAD_FUNCTION_NAME,
                f"unexpected {what} in a function name; expected a name followed by '('"
                if name
                else f"expected a function name after '<@', found {what}",
                "Function names are letters, digits and '_', directly after '<@'.",
                at=self.pos if name else name_start,
            )
        params = self.parse_params(start)
        # Only spaces may separate ')' from the first '|' or the closing '>'.
        while self.peek() in (" ", "\t"):
            self.pos += 1
        nxt = self.peek()
        if nxt == ">":
            self.pos += 1
            return Call(name, params, (), start)
        if nxt == "|":
            return Call(name, params, self.parse_modifiers(start), start)
        if nxt == "":
            raise self.unterminated(start, "the function call '<@'")
        if nxt in "()":
            self.fail(
                Reason.MISPLACED_PARENTHESIS,
                f"unexpected {nxt!r} after the parameter list; expected '|' or '>'",
                "Escape parentheses that belong to the text (\\( and \\)).",
            )
        self.fail(
            Reason.UNEXPECTED_AFTER_CALL,
            f"unexpected {nxt!r} after the parameter list; expected '|' or '>'",
            "Only spaces may follow ')'; then either '| modifier' or the closing '>'.",
        )
        raise AssertionError("unreachable")

    def parse_params(self, call_start: int) -> tuple[Param, ...]:
        """Parse after ``(`` up to and including ``)``."""
        params: list[Param] = []
        self.skip_ws()
        if self.peek() == ")":
            self.pos += 1
            return ()
        while True:
            params.append(self.parse_param(call_start))
            char = self.peek()
            self.pos += 1
            if char == ")":
                return tuple(params)
            # parse_param stops only at ',' or ')' (or raises).

    def parse_param(self, call_start: int) -> Param:
        self.skip_ws()
        start = self.pos
        items: list[Literal | Call] = []
        bare: list[str] = []
        bare_start = -1
        src = self.src
        while True:
            if self.pos >= len(src):
                raise self.unterminated(call_start, "the function call '<@'")
            char = src[self.pos]
            if char in ",)":
                break
            if char == "<":
                if "".join(bare).strip():
                    self._mixed(bare_start)
                items.append(self.parse_item())
                continue
            if char == ">":
                self.fail(
                    Reason.MISPLACED_PARENTHESIS,
                    "the call is closed with '>' before its parameter list; expected ',' or ')'",
                    "Close the parameter list with ')' before '>'.",
                )
            if char == "(":
                self.fail(
                    Reason.MISPLACED_PARENTHESIS,
                    "'(' is not allowed inside a parameter list",
                    "Put text with parentheses in a <literal>, or escape them as \\( and \\).",
                )
            chunk_start = self.pos
            if char == "\\":
                chunk = self.escape()
            else:
                match = _PARAM_PLAIN.match(src, self.pos)
                assert match is not None
                chunk = match.group()
                self.pos = match.end()
            if chunk.strip():
                first_visible = chunk_start + len(chunk) - len(chunk.lstrip())
                if items:
                    self._mixed(first_visible)
                if bare_start < 0:
                    bare_start = first_visible
            bare.append(chunk)
        if items:
            return Param(tuple(items), start)
        name = "".join(bare).strip()
        if not name:
            self.fail(
                Reason.EMPTY_PARAMETER,
                f"expected a parameter before {self.peek()!r}",
                "Remove the extra ',' or put a <literal> or a variable name there.",
            )
        return Param(VarRef(name, bare_start if bare_start >= 0 else start), start)

    def _mixed(self, at: int) -> None:
        self.fail(
            Reason.MIXED_PARAMETER,
            "a parameter mixes bare text with <literals>; expected ',' or ')'",
            "Put all of the text inside the <literal>, or use a bare variable name alone.",
            at=at,
        )

    def parse_modifiers(self, item_start: int) -> tuple[Modifier, ...]:
        """Parse ``| a | b >`` starting at the first ``|``; consumes the closing ``>``."""
        modifiers: list[Modifier] = []
        src = self.src
        while True:
            # at '|'
            self.pos += 1
            name_start = self.pos
            end = self.pos
            while end < len(src) and src[end] not in "|>":
                end += 1
            if end >= len(src):
                raise self.unterminated(item_start, "the expression")
            raw = src[name_start:end]
            name = raw.strip()
            if not _NAME.fullmatch(name):
                lead = len(raw) - len(raw.lstrip())
                self.fail(
                    Reason.BAD_MODIFIER_NAME,
                    "expected a modifier name after '|'" if not name else f"{name!r} is not a modifier name",
                    "Modifier names are plain words such as upper or sha256; escape a literal '|' as \\|.",
                    at=name_start + lead,
                )
            modifiers.append(Modifier(name, name_start + len(raw) - len(raw.lstrip())))
            self.pos = end
            if src[end] == ">":
                self.pos += 1
                return tuple(modifiers)


def _flush(buf: list[str], into: list[Node]) -> None:
    if buf:
        into.append(Text("".join(buf)))
        buf.clear()
