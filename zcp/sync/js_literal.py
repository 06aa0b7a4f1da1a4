"""Evaluate the small JavaScript expressions MDX pages use as data.

Pages pass literals and lookups to components: ``data={data.nodejs.base}``, ``value={`multi
line`}``, ``items={[{ label: 'x', href: '/y' }]}``, ``{' '}``. This evaluator understands
exactly that subset — strings, template literals, numbers, booleans, null, arrays, objects, names
bound in a scope and member access — and returns :data:`UNRESOLVED` for anything else (function
calls, JSX, arithmetic) instead of guessing. It never executes code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final


class _Unresolved:
    def __repr__(self) -> str:
        return "UNRESOLVED"

    def __bool__(self) -> bool:
        return False


#: What an expression evaluates to when it is outside the supported subset.
UNRESOLVED: Final = _Unresolved()

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>-?\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_$][\w$]*)
      | (?P<str>'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")
      | (?P<tpl>`(?:\\.|[^`\\])*`)
      | (?P<punct>\.\.\.|[\[\]{}(),:.?<>/=+\-*!&|;])
    )""",
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "'": "'", '"': '"', "\\": "\\", "`": "`", "$": "$"}


class _Fail(Exception):
    pass


def evaluate(source: str, scope: Mapping[str, Any] | None = None) -> Any:
    """Evaluate ``source``; names resolve in ``scope``. Unsupported input gives :data:`UNRESOLVED`."""
    try:
        tokens = _tokenize(source)
        parser = _Parser(tokens, scope or {})
        value = parser.expression()
        if parser.pos != len(tokens):
            return UNRESOLVED
        return value
    except _Fail:
        return UNRESOLVED


def _tokenize(source: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    source = re.sub(r"/\*.*?\*/", " ", source, flags=re.DOTALL)
    while pos < len(source):
        if not source[pos:].strip():
            break
        m = _TOKEN.match(source, pos)
        if m is None or m.end() == pos:
            raise _Fail
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


def _unquote(raw: str, *, template: bool) -> str:
    body = raw[1:-1]
    if template and "${" in body:
        raise _Fail
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body, flags=re.DOTALL)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], scope: Mapping[str, Any]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.scope = scope

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token[0] == "end" or (value is not None and token[1] != value):
            raise _Fail
        self.pos += 1
        return token

    def expression(self) -> Any:
        kind, text = self.peek()
        if kind == "punct" and text == "<":
            raise _Fail  # JSX inside data: not data
        value = self.primary()
        while True:
            kind, text = self.peek()
            if text == "." and kind == "punct":
                self.take()
                name = self.take()
                if name[0] != "name":
                    raise _Fail
                value = self.member(value, name[1])
            elif text == "[" and kind == "punct":
                self.take()
                key = self.expression()
                self.take("]")
                value = self.member(value, key)
            else:
                return value

    def member(self, value: Any, key: Any) -> Any:
        if value is UNRESOLVED:
            return UNRESOLVED
        if isinstance(value, Mapping) and isinstance(key, str):
            return value.get(key, UNRESOLVED)
        if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            return value[key]
        if isinstance(value, (list, str)) and key == "length":
            return len(value)
        return UNRESOLVED

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "str":
            return _unquote(text, template=False)
        if kind == "tpl":
            return _unquote(text, template=True)
        if kind == "name":
            if text in ("true", "false"):
                return text == "true"
            if text in ("null", "undefined"):
                return None
            return self.scope.get(text, UNRESOLVED)
        if text == "(":
            value = self.expression()
            self.take(")")
            return value
        if text == "[":
            items: list[Any] = []
            while self.peek()[1] != "]":
                items.append(self.expression())
                if self.peek()[1] == ",":
                    self.take()
                elif self.peek()[1] != "]":
                    raise _Fail
            self.take("]")
            return items
        if text == "{":
            obj: dict[str, Any] = {}
            while self.peek()[1] != "}":
                key_kind, key = self.take()
                if key_kind == "str":
                    key = _unquote(key, template=False)
                elif key_kind not in ("name", "num"):
                    raise _Fail
                if self.peek()[1] == ":":
                    self.take()
                    try:
                        obj[key] = self.expression()
                    except _Fail:
                        obj[key] = UNRESOLVED
                        self.skip_value()
                else:
                    obj[key] = self.scope.get(key, UNRESOLVED)  # shorthand { name }
                if self.peek()[1] == ",":
                    self.take()
                elif self.peek()[1] != "}":
                    raise _Fail
            self.take("}")
            return obj
        raise _Fail

    def skip_value(self) -> None:
        """Skip an unsupported property value up to the next ``,`` or ``}`` at this depth."""
        depth = 0
        while self.pos < len(self.tokens):
            text = self.tokens[self.pos][1]
            if text in "([{" and self.tokens[self.pos][0] == "punct":
                depth += 1
            elif text in ")]}" and self.tokens[self.pos][0] == "punct":
                if depth == 0:
                    return
                depth -= 1
            elif text == "," and depth == 0:
                return
            self.pos += 1
