"""Parse the body of an MDX page into a small tree: markdown text, code, JSX, expressions, ESM.

Only the MDX layer is parsed; markdown stays raw text (markdown-it handles it later, in the corpus).
The parser follows MDX's own rules where they differ from CommonMark: ``<`` followed by a letter
starts JSX anywhere outside code, ``{`` starts a JavaScript expression, ``import``/``export`` at
column 0 of the top level start an ESM block that runs to the next blank line, and ``:::kind``
lines open Docusaurus admonitions. Broken structure (an unclosed tag, fence, comment or
expression, a mismatched closing tag) raises :class:`MdxSyntaxError` with the line it starts on.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

__all__ = [
    "Admonition",
    "Attribute",
    "Comment",
    "Element",
    "Esm",
    "Expression",
    "Fence",
    "InlineCode",
    "MdxSyntaxError",
    "Node",
    "Text",
    "parse_mdx",
]


class MdxSyntaxError(Exception):
    """The MDX text is not well formed; ``line`` is 1-based in the page."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class Text:
    """Raw markdown text (may span lines)."""

    text: str
    line: int


@dataclass(frozen=True, slots=True)
class InlineCode:
    """A code span, backticks included."""

    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Fence:
    """A fenced code block: raw lines (prefix included) up to and including the closing fence."""

    text: str
    line: int
    prefix: str  # what precedes the opening fence on its line (indentation, list marker, '>')
    info: str


@dataclass(frozen=True, slots=True)
class Expression:
    """A ``{…}`` JavaScript expression; ``source`` is what is between the braces."""

    source: str
    line: int


@dataclass(frozen=True, slots=True)
class Comment:
    """An MDX ``{/* … */}`` or HTML ``<!-- … -->`` comment."""

    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Esm:
    """An ``import``/``export`` block."""

    source: str
    line: int


@dataclass(frozen=True, slots=True)
class Attribute:
    """A JSX attribute; ``value`` is a string literal, an expression, or ``None`` for a bare flag."""

    name: str
    value: str | Expression | None


@dataclass(frozen=True, slots=True)
class Element:
    """A JSX element (component or HTML tag); ``flow`` when it starts its own line."""

    name: str
    attributes: tuple[Attribute, ...]
    children: tuple[Node, ...]
    line: int
    flow: bool

    def attr(self, name: str) -> str | Expression | None:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute.value
        return None

    def has_attr(self, name: str) -> bool:
        return any(a.name == name for a in self.attributes)


@dataclass(frozen=True, slots=True)
class Admonition:
    """A ``:::kind Title`` … ``:::`` block."""

    kind: str
    title: str
    children: tuple[Node, ...]
    line: int
    end_line: int  # first line after the closing ':::'


Node = Text | InlineCode | Fence | Expression | Comment | Esm | Element | Admonition

VOID_TAGS = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "source", "col", "area", "embed"})

_FENCE_OPEN = re.compile(r"((?:[ \t]*(?:>|[-*+]|\d{1,9}[.)])(?=[ \t]))*[ \t]*)(`{3,}|~{3,})([^\n]*)")
_ADMONITION_OPEN = re.compile(r"[ \t]*(:{3,})([A-Za-z]+)(?:\[([^\]\n]*)\]|[ \t]+([^\n]*?))?[ \t]*\r?$")
_ADMONITION_CLOSE = re.compile(r"[ \t]*(:{3,})[ \t]*\r?$")
_SPECIAL = re.compile(r"[`<{\\\n]")
_TAG_NAME = re.compile(r"[A-Za-z][\w.:-]*")
_ATTR_NAME = re.compile(r"[A-Za-z_:][\w:.-]*")
_CLOSE_TAG = re.compile(r"</[ \t]*([A-Za-z][\w.:-]*)?[ \t]*>")
_WS = re.compile(r"\s*")


def parse_mdx(text: str, first_line: int = 1) -> tuple[Node, ...]:
    """Parse an MDX body; ``first_line`` is the file line the body starts on (for messages)."""
    return _Parser(text, first_line).parse()


class _Parser:
    def __init__(self, text: str, first_line: int) -> None:
        self.s = text
        self.n = len(text)
        self.first_line = first_line
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", text))]

    # --- positions -----------------------------------------------------------------------------

    def line_of(self, pos: int) -> int:
        return bisect.bisect_right(self.line_starts, pos) - 1 + self.first_line

    def line_end(self, pos: int) -> int:
        """Index just past the newline ending the line that holds ``pos`` (or the text end)."""
        end = self.s.find("\n", pos)
        return self.n if end < 0 else end + 1

    def starts_line(self, pos: int) -> bool:
        start = self.s.rfind("\n", 0, pos) + 1
        return not self.s[start:pos].strip()

    # --- structure -----------------------------------------------------------------------------

    def parse(self) -> tuple[Node, ...]:
        nodes, _ = self.children(0, close=None, colons=0, top=True, opened_at=0)
        return tuple(nodes)

    def children(
        self, pos: int, *, close: str | None, colons: int, top: bool, opened_at: int
    ) -> tuple[list[Node], int]:
        """Parse nodes until ``</close>``, a closing ``:::`` of ``colons`` length, or the end."""
        s = self.s
        nodes: list[Node] = []
        buf = pos

        def flush(upto: int) -> None:
            if upto > buf:
                nodes.append(Text(s[buf:upto], self.line_of(buf)))

        while pos < self.n:
            if pos == 0 or s[pos - 1] == "\n":
                eol = self.line_end(pos)
                line = s[pos:eol].rstrip("\n")
                fence = _FENCE_OPEN.fullmatch(line)
                if fence and not (fence.group(2)[0] == "`" and "`" in fence.group(3)):
                    flush(pos)
                    fenced, pos = self.fence(pos, fence)
                    nodes.append(fenced)
                    buf = pos
                    continue
                if top and line.startswith(("import ", "export ", "import{", "export{")):
                    flush(pos)
                    esm, pos = self.esm(pos)
                    nodes.append(esm)
                    buf = pos
                    continue
                opener = _ADMONITION_OPEN.match(line)
                if opener:
                    flush(pos)
                    start = pos
                    title = (opener.group(3) or opener.group(4) or "").strip()
                    inner, pos = self.children(
                        eol, close=None, colons=len(opener.group(1)), top=False, opened_at=pos
                    )
                    end_line = self.line_of(pos) + (0 if s[pos - 1] == "\n" else 1)
                    nodes.append(
                        Admonition(
                            opener.group(2).lower(), title, tuple(inner), self.line_of(start), end_line
                        )
                    )
                    buf = pos
                    continue
                closer = _ADMONITION_CLOSE.match(line)
                if closer and colons and len(closer.group(1)) == colons:
                    flush(pos)
                    return nodes, eol
            eol = self.line_end(pos)
            m = _SPECIAL.search(s, pos, eol)
            if m is None:
                pos = eol
                continue
            j = m.start()
            ch = s[j]
            if ch == "\n":
                pos = j + 1
            elif ch == "\\":
                pos = j + 2
            elif ch == "`":
                end = self.code_span_end(j)
                if end is None:
                    pos = j + (len(s[j:]) - len(s[j:].lstrip("`")))
                    continue
                flush(j)
                nodes.append(InlineCode(s[j:end], self.line_of(j)))
                pos = buf = end
            elif ch == "{":
                flush(j)
                braced, pos = self.brace(j)
                nodes.append(braced)
                buf = pos
            else:  # "<"
                nxt = s[j + 1 : j + 2]
                if s.startswith("<!--", j):
                    end = s.find("-->", j + 4)
                    if end < 0:
                        raise MdxSyntaxError(self.line_of(j), "HTML comment '<!--' is never closed")
                    flush(j)
                    nodes.append(Comment(s[j : end + 3], self.line_of(j)))
                    pos = buf = end + 3
                elif nxt == "/":
                    closing = _CLOSE_TAG.match(s, j)
                    if closing is None:
                        raise MdxSyntaxError(self.line_of(j), "malformed closing tag")
                    name = closing.group(1) or ""
                    if close is None:
                        raise MdxSyntaxError(
                            self.line_of(j), f"closing tag </{name}> has no matching opening tag"
                        )
                    if name != close:
                        raise MdxSyntaxError(
                            self.line_of(j),
                            f"closing tag </{name}> does not match <{close}> opened at line "
                            f"{self.line_of(opened_at)}",
                        )
                    flush(j)
                    return nodes, closing.end()
                elif nxt.isalpha() or nxt == ">":
                    flush(j)
                    element, pos = self.element(j)
                    nodes.append(element)
                    buf = pos
                else:
                    pos = j + 1
        flush(pos)
        if close is not None:
            raise MdxSyntaxError(self.line_of(opened_at), f"<{close or ''}> is never closed")
        if colons:
            raise MdxSyntaxError(self.line_of(opened_at), "admonition ':::' is never closed")
        return nodes, pos

    def fence(self, pos: int, opener: re.Match[str]) -> tuple[Fence, int]:
        marker = opener.group(2)
        closing = re.compile(r"[ \t>]*" + re.escape(marker[0]) + "{" + str(len(marker)) + r",}[ \t]*\r?")
        cursor = self.line_end(pos)
        while cursor < self.n:
            eol = self.line_end(cursor)
            if closing.fullmatch(self.s[cursor:eol].rstrip("\n")):
                return (
                    Fence(self.s[pos:eol], self.line_of(pos), opener.group(1), opener.group(3).strip()),
                    eol,
                )
            cursor = eol
        raise MdxSyntaxError(self.line_of(pos), f"code fence {marker} is never closed")

    def esm(self, pos: int) -> tuple[Esm, int]:
        start = pos
        while pos < self.n:
            eol = self.line_end(pos)
            if not self.s[pos:eol].strip():
                break
            pos = eol
        return Esm(self.s[start:pos], self.line_of(start)), pos

    def code_span_end(self, j: int) -> int | None:
        """End of the code span opened by the backtick run at ``j`` (same paragraph), else ``None``."""
        s = self.s
        run = len(s[j:]) - len(s[j:].lstrip("`"))
        limit = s.find("\n\n", j)
        limit = self.n if limit < 0 else limit
        pattern = re.compile(r"(?<!`)`{" + str(run) + r"}(?!`)")
        m = pattern.search(s, j + run, limit)
        return m.end() if m else None

    def brace(self, j: int) -> tuple[Node, int]:
        s = self.s
        inner = _WS.match(s, j + 1)
        k = inner.end() if inner else j + 1
        if s.startswith("/*", k):
            end = s.find("*/", k + 2)
            close = _WS.match(s, end + 2) if end >= 0 else None
            if end < 0 or close is None or s[close.end() : close.end() + 1] != "}":
                raise MdxSyntaxError(self.line_of(j), "MDX comment '{/*' is never closed with '*/}'")
            return Comment(s[j : close.end() + 1], self.line_of(j)), close.end() + 1
        end = self.balanced(j)
        return Expression(s[j + 1 : end - 1], self.line_of(j)), end

    def balanced(self, j: int) -> int:
        """Index just past the ``}`` matching the ``{`` at ``j``, skipping JS strings and templates."""
        s = self.s
        depth = 0
        pos = j
        while pos < self.n:
            ch = s[pos]
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return pos + 1
            elif ch in "'\"":
                end = pos + 1
                while end < self.n and s[end] != ch and s[end] != "\n":
                    end += 2 if s[end] == "\\" else 1
                pos = end
            elif ch == "`":
                pos = self.template_end(pos) - 1
            pos += 1
        raise MdxSyntaxError(self.line_of(j), "expression '{' is never closed")

    def template_end(self, j: int) -> int:
        s = self.s
        pos = j + 1
        while pos < self.n:
            ch = s[pos]
            if ch == "\\":
                pos += 2
                continue
            if ch == "`":
                return pos + 1
            if ch == "$" and s.startswith("${", pos):
                pos = self.balanced(pos + 1)
                continue
            pos += 1
        raise MdxSyntaxError(self.line_of(j), "template literal '`' is never closed")

    def element(self, j: int) -> tuple[Element, int]:
        s = self.s
        flow = self.starts_line(j)
        name_match = _TAG_NAME.match(s, j + 1)
        name = name_match.group(0) if name_match else ""
        pos = name_match.end() if name_match else j + 1
        attributes: list[Attribute] = []
        self_closing = False
        while True:
            ws = _WS.match(s, pos)
            pos = ws.end() if ws else pos
            if pos >= self.n:
                raise MdxSyntaxError(self.line_of(j), f"tag <{name}> is never closed with '>'")
            if s.startswith("/>", pos):
                self_closing = True
                pos += 2
                break
            if s[pos] == ">":
                pos += 1
                break
            if s[pos] == "{":
                pos = self.balanced(pos)  # {...spread}
                continue
            attr = _ATTR_NAME.match(s, pos)
            if attr is None:
                raise MdxSyntaxError(self.line_of(pos), f"unexpected {s[pos]!r} in tag <{name}>")
            pos = attr.end()
            ws = _WS.match(s, pos)
            after = ws.end() if ws else pos
            value: str | Expression | None = None
            if s[after : after + 1] == "=":
                vstart = _WS.match(s, after + 1)
                pos = vstart.end() if vstart else after + 1
                quote = s[pos : pos + 1]
                if quote in ("'", '"'):
                    end = s.find(quote, pos + 1)
                    if end < 0:
                        raise MdxSyntaxError(self.line_of(pos), f"attribute {attr.group(0)} is never closed")
                    value = s[pos + 1 : end]
                    pos = end + 1
                elif quote == "{":
                    end = self.balanced(pos)
                    value = Expression(s[pos + 1 : end - 1], self.line_of(pos))
                    pos = end
                else:
                    raise MdxSyntaxError(
                        self.line_of(pos), f"attribute {attr.group(0)} of <{name}> has no value"
                    )
            attributes.append(Attribute(attr.group(0), value))
        line = self.line_of(j)
        if self_closing or name in VOID_TAGS:
            return Element(name, tuple(attributes), (), line, flow), pos
        children, pos = self.children(pos, close=name, colons=0, top=False, opened_at=j)
        return Element(name, tuple(attributes), tuple(children), line, flow), pos
