"""Render a parsed MDX body as plain markdown, keeping a line map for the way back.

The renderer resolves what a page means, not just what it says: ``import`` bindings (JSON data,
MDX partials, components), ``export const`` values, the site's ``<SetVar>``/``<Var>`` variables
and partial pages are evaluated, so a runtime page that is only ``<BuildProcessContent />`` comes
out as the full text it shows on the site. Components are turned into markdown by the handlers
in :mod:`zcp.sync.mdx_components`; unknown ones keep their children and add a :class:`Notice`.

The top level is rendered in *line groups*: runs of nodes that start and end on line boundaries
of the source. Each group remembers its source lines, so :mod:`zcp.sync.doc_transform` can put
untouched MDX back verbatim when a doc writer pushes an edit.
"""

from __future__ import annotations

import json
import posixpath
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from zcp.sync.js_literal import UNRESOLVED, evaluate
from zcp.sync.mdx_parse import (
    Admonition,
    Comment,
    Element,
    Esm,
    Expression,
    Fence,
    InlineCode,
    MdxSyntaxError,
    Node,
    Text,
    parse_mdx,
)

ADMONITION_LABELS = {
    "note": "Note",
    "tip": "Tip",
    "info": "Info",
    "caution": "Caution",
    "warning": "Warning",
    "important": "Important",
    "danger": "Danger",
}

_INLINE_LINK = re.compile(r"(\]\()(<[^>\n]*>|[^)\s]+)")
_REFERENCE_DEF = re.compile(r"^([ \t]*\[[^\]\n]+\]:[ \t]*)(\S+)", re.MULTILINE)
_MDX_ESCAPE = re.compile(r"\\([{}<])")
_ZEROPS_SPAN = re.compile(r"\A(`+)\s*(zerops://[^\s`]+)\s*\1\Z")
_FRONTMATTER = re.compile(r"\A---[ \t]*\r?\n.*?\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_IMPORT = re.compile(
    r"import\s+(?:(?P<default>[\w$]+)\s*,?\s*)?(?:\{(?P<named>[^}]*)\}\s*)?(?:\*\s+as\s+(?P<ns>[\w$]+)\s*)?"
    r"from\s*['\"](?P<spec>[^'\"]+)['\"]",
    re.DOTALL,
)
_EXPORT_CONST = re.compile(r"export\s+(?:const|let|var)\s+([\w$]+)\s*=\s*(.*)", re.DOTALL)


@dataclass(frozen=True)
class Notice:
    """Something the transform could not render faithfully (``line`` is in the page or partial)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class TextLoader(Protocol):
    """Reads other repository files a page imports (partials, JSON data)."""

    def read_text(self, repo_path: str) -> str | None: ...


@dataclass(frozen=True)
class Partial:
    """A scope binding to an imported MDX file."""

    path: str


@dataclass(frozen=True)
class Component:
    """A scope binding to an imported JS/TS component (rendered by name)."""

    specifier: str


@dataclass(frozen=True)
class LinkMap:
    """Turns docs-site links into corpus URIs (pulled pages) or absolute site URLs."""

    content_root: str
    site_url: str
    pages: Mapping[str, str] = field(default_factory=dict)  # repo path (.mdx) -> zerops:// URI

    def url_path(self, repo_path: str) -> str | None:
        """The site URL path of a page (``/nodejs/overview``), or ``None`` outside the content root."""
        root = self.content_root.rstrip("/") + "/"
        if not repo_path.startswith(root):
            return None
        path = "/" + repo_path[len(root) :].removesuffix(".mdx").removesuffix(".md")
        return path.removesuffix("/index") or "/"

    def normalise(self, href: str, page_path: str) -> str:
        """Rewrite one link target found on ``page_path``."""
        if href.startswith("<") and href.endswith(">"):
            href = href[1:-1]
        site = self.site_url.rstrip("/")
        if href.startswith(site + "/") or href == site:
            href = href[len(site) :] or "/"
        if (
            not href
            or href.startswith(("#", "mailto:", "zerops://"))
            or re.match(r"^[a-z][a-z0-9+.-]*:", href)
        ):
            return href
        if href.startswith("//"):
            return "https:" + href
        path, hash_mark, anchor = href.partition("#")
        if not path.startswith("/"):
            page_url = self.url_path(page_path) or "/"
            base = page_url.rsplit("/", 1)[0] if not page_path.endswith("/index.mdx") else page_url
            path = posixpath.normpath(posixpath.join(base or "/", path))
        path = re.sub(r"\.mdx?$", "", path).rstrip("/") or "/"
        root = self.content_root.rstrip("/")
        for candidate in (f"{root}{path}.mdx", f"{root}{path}/index.mdx", f"{root}{path}.md"):
            uri = self.pages.get(candidate)
            if uri is not None:
                return uri + (hash_mark + anchor if anchor else "")
        return site + path + (hash_mark + anchor if hash_mark else "")


@dataclass
class _Frame:
    """Where we are while rendering: the file, its import scope, and layout flags."""

    path: str
    scope: dict[str, Any]
    in_cell: bool = False


@dataclass(frozen=True)
class LineGroup:
    """Rendered markdown for source body lines ``[start, end)`` (0-based).

    ``constructs`` names the MDX-only things in those lines (components, expressions, imports,
    comments) that plain markdown cannot express; an edit there loses them on the way back.
    """

    start: int
    end: int
    text: str
    constructs: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderResult:
    groups: tuple[LineGroup, ...]
    notices: tuple[Notice, ...]
    dependencies: frozenset[str]
    code_span_uris: frozenset[str]


def resolve_import(specifier: str, from_path: str, roots: Mapping[str, str]) -> str | None:
    """Repository path of an import specifier, or ``None`` for package imports (``@theme/…``)."""
    if specifier.startswith(("./", "../")):
        return posixpath.normpath(posixpath.join(posixpath.dirname(from_path), specifier))
    for prefix in sorted(roots, key=len, reverse=True):
        if specifier.startswith(prefix):
            return roots[prefix].rstrip("/") + "/" + specifier[len(prefix) :]
    return None


def strip_frontmatter(text: str) -> tuple[str, int]:
    """``(body, first_body_line)`` of an MDX file."""
    m = _FRONTMATTER.match(text)
    if not m:
        return text, 1
    return text[m.end() :], 1 + m.group(0).count("\n")


class MdxRenderer:
    """Renders one page (and the partials it pulls in) to markdown."""

    def __init__(
        self,
        *,
        page_path: str,
        loader: TextLoader,
        links: LinkMap,
        import_roots: Mapping[str, str],
        drop: frozenset[str] = frozenset(),
        unwrap: frozenset[str] = frozenset(),
        max_depth: int = 5,
    ) -> None:
        self.page_path = page_path
        self.loader = loader
        self.links = links
        self.import_roots = import_roots
        self.extra_drop = drop
        self.extra_unwrap = unwrap
        self.max_depth = max_depth
        self.variables: dict[str, Any] = {}
        self.notices: list[Notice] = []
        self.dependencies: set[str] = set()
        self.code_span_uris: set[str] = set()
        self.partial_stack: list[str] = [page_path]
        self.frame = _Frame(page_path, {})

    # --- entry points ----------------------------------------------------------------------------

    def render_page(self, body: str, first_line: int) -> RenderResult:
        """Parse and render a page body in line groups."""
        nodes = parse_mdx(body, first_line)
        groups = []
        for start, end, members in _line_groups(nodes, body, first_line):
            groups.append(LineGroup(start, end, self.render_nodes(members), _constructs(members)))
        return RenderResult(
            groups=tuple(groups),
            notices=tuple(self.notices),
            dependencies=frozenset(self.dependencies),
            code_span_uris=frozenset(self.code_span_uris),
        )

    def notice(self, line: int, message: str) -> None:
        self.notices.append(Notice(self.frame.path, line, message))

    # --- nodes -----------------------------------------------------------------------------------

    def render_nodes(self, nodes: tuple[Node, ...] | list[Node]) -> str:
        return "".join(self.render_node(node) for node in nodes)

    def render_node(self, node: Node) -> str:
        if isinstance(node, Text):
            return self.text(node.text)
        if isinstance(node, InlineCode):
            return self.inline_code(node.text)
        if isinstance(node, Fence):
            return node.text
        if isinstance(node, Comment):
            return ""
        if isinstance(node, Esm):
            self.esm(node)
            return ""
        if isinstance(node, Expression):
            return self.expression_text(node)
        if isinstance(node, Admonition):
            body = self.block(node.children)
            return admonition_markdown(node.kind, _plain_title(node.title), body)
        return self.element(node)

    def text(self, text: str) -> str:
        page = self.page_path

        def inline(m: re.Match[str]) -> str:
            return m.group(1) + self.links.normalise(m.group(2), page)

        text = _INLINE_LINK.sub(inline, text)
        if "\\" in text:
            text = _MDX_ESCAPE.sub(r"\1", text)  # only MDX needs these escaped
        if "]:" in text:
            text = _REFERENCE_DEF.sub(inline, text)
        return text

    def inline_code(self, raw: str) -> str:
        m = _ZEROPS_SPAN.match(raw)
        if m:
            self.code_span_uris.add(m.group(2))
            return m.group(2)
        return raw

    def expression_text(self, node: Expression) -> str:
        source = node.source.strip()
        if source.startswith("#"):
            return ""  # a heading id: `## Title {#custom-id}`
        value = evaluate(source, self.frame.scope)
        if value is UNRESOLVED:
            self.notice(node.line, f"expression {{{_short(source)}}} cannot be evaluated; dropped")
            return ""
        return value_text(value)

    def element(self, node: Element) -> str:
        from zcp.sync.mdx_components import render_element

        return render_element(self, node)

    # --- helpers for handlers -------------------------------------------------------------------

    def block(self, children: tuple[Node, ...]) -> str:
        """Children rendered as a markdown block: dedented, without outer blank lines."""
        text = textwrap.dedent(self.render_nodes(children).expandtabs(4))
        return _tidy_block(text)

    def inline(self, children: tuple[Node, ...]) -> str:
        """Children rendered on one line (table cells, headings, link texts)."""
        return re.sub(r"[ \t]*\n[ \t]*", " ", self.render_nodes(children)).strip()

    def attr_value(self, node: Element, name: str) -> Any:
        """An attribute's value: a string, an evaluated expression, ``True`` for a bare flag, or None."""
        for attribute in node.attributes:
            if attribute.name != name:
                continue
            if attribute.value is None:
                return True
            if isinstance(attribute.value, Expression):
                value = evaluate(attribute.value.source, self.frame.scope)
                return None if value is UNRESOLVED else value
            return attribute.value
        return None

    def attr_text(self, node: Element, name: str) -> str:
        value = self.attr_value(node, name)
        return value_text(value) if value is not None and value is not True else ""

    def link(self, href: str) -> str:
        return self.links.normalise(href, self.page_path)

    def in_cell(self, render: Callable[[], str]) -> str:
        outer = self.frame.in_cell
        self.frame.in_cell = True
        try:
            return render()
        finally:
            self.frame.in_cell = outer

    # --- imports, exports and partials ------------------------------------------------------------

    def esm(self, node: Esm) -> None:
        for statement in re.split(r"\n(?=(?:import|export)\b)", node.source):
            statement = statement.strip()
            m = _IMPORT.match(statement)
            if m:
                self.bind_import(m, node.line)
                continue
            m = _EXPORT_CONST.match(statement)
            if m:
                value = evaluate(m.group(2).strip().rstrip(";"), self.frame.scope)
                self.frame.scope[m.group(1)] = value

    def bind_import(self, m: re.Match[str], line: int) -> None:
        spec = m.group("spec")
        path = resolve_import(spec, self.frame.path, self.import_roots)
        names = [n for n in (m.group("default"), m.group("ns")) if n]
        named = [
            part.split(" as ")[-1].strip() for part in (m.group("named") or "").split(",") if part.strip()
        ]
        if path is not None and spec.endswith(".json"):
            data = self.load_json(path, line)
            for name in names:
                self.frame.scope[name] = data
            return
        if path is not None and spec.endswith((".mdx", ".md")):
            for name in names:
                self.frame.scope[name] = Partial(path)
            return
        for name in [*names, *named]:
            self.frame.scope[name] = Component(spec)

    def load_json(self, path: str, line: int) -> Any:
        text = self.loader.read_text(path)
        self.dependencies.add(path)
        if text is None:
            self.notice(line, f"imported data file {path} does not exist")
            return UNRESOLVED
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            self.notice(line, f"imported data file {path} is not valid JSON ({exc.msg})")
            return UNRESOLVED

    def partial(self, node: Element, target: Partial) -> str:
        """Render an imported MDX file in place, sharing the page's variables."""
        if target.path in self.partial_stack:
            self.notice(node.line, f"<{node.name}> includes itself ({target.path}); skipped")
            return ""
        if len(self.partial_stack) > self.max_depth:
            self.notice(node.line, f"<{node.name}> nests partials deeper than {self.max_depth}; skipped")
            return ""
        text = self.loader.read_text(target.path)
        self.dependencies.add(target.path)
        if text is None:
            self.notice(node.line, f"<{node.name}> imports {target.path}, which does not exist")
            return ""
        body, first = strip_frontmatter(text)
        try:
            nodes = parse_mdx(body, first)
        except MdxSyntaxError as exc:
            raise PartialSyntaxError(target.path, exc) from None
        outer = self.frame
        self.frame = _Frame(target.path, {}, outer.in_cell)
        self.partial_stack.append(target.path)
        try:
            rendered = self.block(nodes)
        finally:
            self.partial_stack.pop()
            self.frame = outer
        return "\n\n" + rendered + "\n\n"


class PartialSyntaxError(Exception):
    """A partial imported by the page is malformed; carries the partial's path."""

    def __init__(self, path: str, error: MdxSyntaxError) -> None:
        super().__init__(f"{path}: {error}")
        self.path = path
        self.error = error


def value_text(value: Any) -> str:
    """How a JS value shows up as text on the site."""
    if value is None or value is UNRESOLVED or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return ""
    return str(value)


def admonition_markdown(kind: str, title: str, body: str) -> str:
    """``> **Tip: Title**`` then the body, as a blockquote (reversible, see doc_transform)."""
    label = ADMONITION_LABELS.get(kind, kind.capitalize())
    head = f"**{label}: {title}**" if title else f"**{label}**"
    lines = [head, *([""] if body else []), *body.split("\n")] if body else [head]
    quoted = "\n".join(("> " + line).rstrip() for line in lines)
    return "\n\n" + quoted + "\n\n"


def _plain_title(title: str) -> str:
    return re.sub(r"\*\*|__", "", title).strip()


def _tidy_block(text: str) -> str:
    text = re.sub(r"\n[ \t]*(?:\n[ \t]*)+\n", "\n\n", text)
    return text.strip("\n").rstrip()


def _short(source: str) -> str:
    flat = " ".join(source.split())
    return flat if len(flat) <= 40 else flat[:37] + "..."


def _line_groups(nodes: tuple[Node, ...], body: str, first_line: int) -> list[tuple[int, int, list[Node]]]:
    """Split top-level nodes into runs that start and end on source line boundaries."""
    groups: list[tuple[int, int, list[Node]]] = []
    current: list[Node] = []
    start_line = 0
    total = body.count("\n") + (0 if body.endswith("\n") or not body else 1)

    def close(end_line: int) -> None:
        nonlocal current, start_line
        if current or end_line > start_line:
            groups.append((start_line, end_line, current))
        current = []
        start_line = end_line

    for node in nodes:
        line0 = node.line - first_line
        if isinstance(node, Text):
            pieces = node.text.splitlines(keepends=True)
            for offset, piece in enumerate(pieces):
                current.append(Text(piece, node.line + offset))
                if piece.endswith("\n"):
                    close(line0 + offset + 1)
            continue
        current.append(node)
        end = _end_line(node)
        if end is not None:
            close(end - first_line)
    close(max(total, start_line))
    if groups and not groups[-1][2] and groups[-1][0] == groups[-1][1]:
        groups.pop()
    return groups


_PLAIN_TAGS = frozenset({"strong", "b", "em", "i", "code", "a", "br"})


def _constructs(nodes: list[Node] | tuple[Node, ...]) -> tuple[str, ...]:
    """Names of the MDX-only constructs among ``nodes`` (see :class:`LineGroup`)."""
    found: list[str] = []
    for node in nodes:
        if isinstance(node, Element):
            if node.name not in _PLAIN_TAGS:
                found.append(f"<{node.name}>")
            found.extend(_constructs(node.children))
        elif isinstance(node, Admonition):
            found.extend(_constructs(node.children))
        elif isinstance(node, Expression):
            found.append("{expression}")
        elif isinstance(node, Esm):
            found.append("import/export")
        elif isinstance(node, Comment):
            found.append("comment")
    return tuple(dict.fromkeys(found))


def _end_line(node: Node) -> int | None:
    """First line after a node that ends on a line boundary (fences, ESM, admonitions), else None."""
    if isinstance(node, Fence) and node.text.endswith("\n"):
        return node.line + node.text.count("\n")
    if isinstance(node, Esm) and node.source.endswith("\n"):
        return node.line + node.source.count("\n")
    if isinstance(node, Admonition):
        return node.end_line
    return None
