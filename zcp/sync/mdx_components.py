"""How each JSX element of the Zerops docs becomes markdown.

One handler per element name. HTML tags map to their markdown equivalents (tables become pipe
tables, lists become lists); the docs site's components map to what a reader sees (a tab or
dropdown item becomes a bold label followed by its content, a version list becomes a list of
code spans, a video becomes a link). Components that only decorate the site are dropped. An
element nobody registered keeps its children and adds a notice naming it, so a new component
upstream shows up in the pull summary instead of vanishing silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from zcp.sync.js_literal import UNRESOLVED
from zcp.sync.mdx_parse import Element, Expression, Node, Text, parse_mdx

if TYPE_CHECKING:
    from zcp.sync.mdx_render import MdxRenderer

Handler = Callable[["MdxRenderer", Element], str]

#: Site decoration with no content for a reader of the markdown.
DROPPED = frozenset(
    {
        "BackgroundPattern",
        "BackupSimulator",
        "BrandAssets",
        "CheckCircleSolid",
        "CodingAgentsTopology",
        "CopyPageMenu",
        "DeployButton",
        "DevelopmentEnvironmentComparison",
        "Feedback",
        "IntroAgentVisual",
        "PricingCalculator",
        "YamlConfigsNote",
        "audio",
        "iframe",
        "script",
        "style",
        "svg",
        "video",
        "source",
        "input",
        "meta",
        "link",
        "col",
        "colgroup",
    }
)

#: Wrappers whose children are the content.
UNWRAPPED_INLINE = frozenset(
    {"span", "small", "sup", "sub", "u", "mark", "label", "abbr", "font", "snap", "Button", "kbd", "cite"}
)
UNWRAPPED_BLOCK = frozenset(
    {
        "div",
        "p",
        "section",
        "header",
        "footer",
        "article",
        "main",
        "center",
        "nav",
        "aside",
        "ExpandableTable",
        "Tabs",
        "Dropdown",
        "FAQ",
        "figure",
        "tbody",
        "thead",
    }
)

_BADGES = {"optional": "Optional", "required": "Required", "required-some": "Required for some runtimes"}
# Defaults of the docs' ResourceTable component (the platform's per-container limits).
_RESOURCE_DEFAULTS = {
    "cpu": ("CPU cores", "1", "8"),
    "ram": ("RAM", "0.125 GB", "48 GB"),
    "disk": ("Disk", "1 GB", "250 GB"),
}


def render_element(r: MdxRenderer, node: Element) -> str:
    """Markdown for one element (dispatch on its name, then on scope bindings)."""
    from zcp.sync.mdx_render import Partial

    name = node.name
    bound = r.frame.scope.get(name)
    if isinstance(bound, Partial):
        return r.partial(node, bound)
    handler = HANDLERS.get(name)
    if handler is not None:
        return handler(r, node)
    if name in DROPPED or name in r.extra_drop or name.startswith("Icons."):
        return ""
    if name in UNWRAPPED_INLINE:
        return r.render_nodes(node.children)
    if name in UNWRAPPED_BLOCK or name in r.extra_unwrap:
        return _block(r.block(node.children))
    r.notice(node.line, f"unknown component <{name or '>'}>: kept its content, dropped the tag")
    return _block(r.block(node.children)) if node.flow else r.render_nodes(node.children)


def _block(text: str) -> str:
    return "\n\n" + text + "\n\n" if text else "\n\n"


def _labelled(label: str, body: str) -> str:
    head = f"**{label}**" if label else ""
    return _block("\n\n".join(part for part in (head, body) if part))


def _wrap(marker: str) -> Handler:
    def handler(r: MdxRenderer, node: Element) -> str:
        inner = r.render_nodes(node.children)
        if not inner.strip():
            return inner
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()) :]
        return f"{lead}{marker}{inner.strip()}{marker}{trail}"

    return handler


def _code(r: MdxRenderer, node: Element) -> str:
    inner = re.sub(r"\s*\n\s*", " ", r.render_nodes(node.children))
    if not inner:
        return ""
    fence = "``" if "`" in inner else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{inner}{pad}{fence}"


def _anchor(r: MdxRenderer, node: Element) -> str:
    text = r.inline(node.children)
    href = r.attr_text(node, "href")
    if not href:
        return text
    return f"[{text or href}]({r.link(href)})"


def _break(r: MdxRenderer, node: Element) -> str:
    return "<br>" if r.frame.in_cell else "\n"


def _heading(level: int) -> Handler:
    def handler(r: MdxRenderer, node: Element) -> str:
        return _block("#" * level + " " + r.inline(node.children))

    return handler


def _rule(r: MdxRenderer, node: Element) -> str:
    return _block("---")


def _list(ordered: bool) -> Handler:
    def handler(r: MdxRenderer, node: Element) -> str:
        items = [child for child in node.children if isinstance(child, Element) and child.name == "li"]
        rendered = [r.block(item.children) for item in items]
        if r.frame.in_cell:
            return "<br>".join(
                ("• " if not ordered else f"{n}. ") + re.sub(r"\s*\n\s*", " ", text)
                for n, text in enumerate(rendered, 1)
            )
        return _block(_markdown_list(rendered, ordered))

    return handler


def _markdown_list(items: list[str], ordered: bool = False) -> str:
    lines = []
    for n, text in enumerate(items, 1):
        marker = f"{n}. " if ordered else "- "
        pad = " " * len(marker)
        body = text.split("\n")
        lines.append(marker + body[0])
        lines.extend((pad + line) if line.strip() else "" for line in body[1:])
    return "\n".join(lines)


def _list_item(r: MdxRenderer, node: Element) -> str:
    return _block(_markdown_list([r.block(node.children)]))


def _preformatted(r: MdxRenderer, node: Element) -> str:
    text = r.render_nodes(node.children).strip("\n")
    return _block(f"```\n{text}\n```")


def _image(r: MdxRenderer, node: Element) -> str:
    src = r.attr_text(node, "src") or r.attr_text(node, "lightImage") or r.attr_text(node, "darkImage")
    alt = r.attr_text(node, "alt")
    caption = r.attr_text(node, "caption")
    if not src:
        return ""
    image = f"![{alt}]({r.link(src)})"
    return _block(image + (f"\n\n*{caption}*" if caption else "")) if node.flow or caption else image


def _caption(r: MdxRenderer, node: Element) -> str:
    text = r.inline(node.children)
    return _block(f"*{text}*") if text else ""


def _video(r: MdxRenderer, node: Element) -> str:
    src = r.attr_text(node, "src") or r.attr_text(node, "url")
    title = r.attr_text(node, "title") or r.attr_text(node, "alt") or "video"
    return _block(f"[Video: {title}]({r.link(src)})") if src else ""


def _details(r: MdxRenderer, node: Element) -> str:
    summary = next((c for c in node.children if isinstance(c, Element) and c.name == "summary"), None)
    rest = tuple(c for c in node.children if c is not summary)
    label = r.inline(summary.children) if summary is not None else ""
    return _labelled(label, r.block(rest))


def _summary(r: MdxRenderer, node: Element) -> str:
    return _labelled(r.inline(node.children), "")


def _labelled_by(attribute: str, *fallbacks: str) -> Handler:
    def handler(r: MdxRenderer, node: Element) -> str:
        label = ""
        for name in (attribute, *fallbacks):
            label = r.attr_text(node, name)
            if label:
                break
        return _labelled(label, r.block(node.children))

    return handler


def _note(r: MdxRenderer, node: Element) -> str:
    from zcp.sync.mdx_render import admonition_markdown

    kind = r.attr_text(node, "type") or "note"
    return admonition_markdown(kind, r.attr_text(node, "title"), r.block(node.children))


def _badge(r: MdxRenderer, node: Element) -> str:
    kind = r.attr_text(node, "type") or "optional"
    text = r.attr_text(node, "text") if kind == "custom" else _BADGES.get(kind, "")
    return f"*{text}*" if text else ""


def _code_item(entry: Any) -> str:
    text = str(entry)
    m = re.match(r"^(.+?)(\s*\([^)]+\))$", text)
    return f"`{m.group(1).strip()}` {m.group(2).strip()}" if m else f"`{text}`"


def _code_list(r: MdxRenderer, node: Element) -> str:
    data = r.attr_value(node, "data")
    if not isinstance(data, list):
        r.notice(node.line, f"<{node.name}> data could not be resolved; list dropped")
        return ""
    items = [
        ", ".join(_code_item(e) for e in entry) if isinstance(entry, list) else _code_item(entry)
        for entry in data
    ]
    return _block(_markdown_list(items))


def _plain_list(r: MdxRenderer, node: Element) -> str:
    data = r.attr_value(node, "data")
    if not isinstance(data, list):
        r.notice(node.line, f"<{node.name}> data could not be resolved; list dropped")
        return ""
    return _block(_markdown_list([_inline_html(r, str(item)) for item in data]))


def _inline_html(r: MdxRenderer, html: str) -> str:
    """Render a string that holds inline HTML/markdown (component data, variable values)."""
    try:
        nodes = parse_mdx(html)
    except Exception:  # the string is data, not a page: fall back to its text
        return html
    return r.inline(nodes)


def _cards(r: MdxRenderer, node: Element) -> str:
    """DocCardList / GroupCards / TechCard / LargeCardList: a list of links."""
    items = r.attr_value(node, "items")
    heading = r.attr_text(node, "heading")
    if not isinstance(items, list):
        return ""
    lines = []
    for item in items:
        if not isinstance(item, dict):
            continue
        label = item.get("label") or item.get("name") or item.get("title")
        href = item.get("href") or item.get("link")
        props = item.get("customProps")
        description = item.get("description") or (
            props.get("description") if isinstance(props, dict) else None
        )
        if not isinstance(label, str) or not isinstance(href, str):
            continue
        line = f"[{label}]({r.link(href)})"
        if isinstance(description, str) and description.strip():
            line += f" — {' '.join(description.split())}"
        lines.append(line)
    if not lines:
        return ""
    body = _markdown_list(lines)
    return _block(f"**{heading}**\n\n{body}" if heading else body)


def _resource_table(r: MdxRenderer, node: Element) -> str:
    overrides = r.attr_value(node, "resources")
    overrides = overrides if isinstance(overrides, dict) else {}
    rows = [["", "Minimum", "Maximum"]]
    for key, (label, low, high) in _RESOURCE_DEFAULTS.items():
        given = overrides.get(key)
        given = given if isinstance(given, dict) else {}
        rows.append([str(given.get("name", label)), str(given.get("min", low)), str(given.get("max", high))])
    return _block(pipe_table(rows))


def _ascii_graph(r: MdxRenderer, node: Element) -> str:
    text = r.render_nodes(node.children).strip("\n")
    return _block(f"```text\n{text}\n```")


def _table(r: MdxRenderer, node: Element) -> str:
    rows: list[list[str]] = []

    def collect(children: tuple[Node, ...]) -> None:
        for child in children:
            if not isinstance(child, Element):
                continue
            if child.name == "tr":
                cells = [c for c in child.children if isinstance(c, Element) and c.name in ("td", "th")]
                rows.append([_cell(r, c) for c in cells])
            elif child.name in ("thead", "tbody", "tfoot"):
                collect(child.children)
            elif child.name == "caption":
                pass

    collect(node.children)
    if not rows:
        return ""
    return _block(pipe_table(rows))


def _cell(r: MdxRenderer, node: Element) -> str:
    text = r.in_cell(lambda: r.render_nodes(node.children))
    text = re.sub(r"\s*\n\s*", " ", text).strip()
    text = text.replace("&nbsp;", " ").strip()
    return re.sub(r"(?<!\\)\|", r"\\|", text)


def pipe_table(rows: list[list[str]]) -> str:
    """A GitHub-flavoured pipe table; the first row is the header."""
    width = max(len(row) for row in rows)
    padded = [row + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(padded[0]) + " |", "|" + "---|" * width]
    lines.extend("| " + " | ".join(row) + " |" for row in padded[1:])
    return "\n".join(line.replace("|  |", "| |") for line in lines)


def _link_component(r: MdxRenderer, node: Element) -> str:
    text = r.inline(node.children)
    href = r.attr_text(node, "href") or r.attr_text(node, "to")
    return f"[{text or href}]({r.link(href)})" if href else text


# --- the site's variable components (SetVar, Var, VarLink, VarCodeBlock, IfVar, VarReasons) ------


def _set_var(r: MdxRenderer, node: Element) -> str:
    name = r.attr_text(node, "name")
    if name:
        value = r.attr_value(node, "value")
        if value is None:
            raw = node.attr("value")
            if isinstance(raw, Expression):
                r.notice(node.line, f"<SetVar name={name!r}> value cannot be evaluated")
        r.variables[name] = value
    return ""


def _var_value(r: MdxRenderer, name: str) -> Any:
    value = r.variables.get(name)
    return None if value is UNRESOLVED else value


def _var(r: MdxRenderer, node: Element) -> str:
    from zcp.sync.mdx_render import value_text

    return value_text(_var_value(r, r.attr_text(node, "name")))


def _var_link(r: MdxRenderer, node: Element) -> str:
    from zcp.sync.mdx_render import value_text

    value = value_text(_var_value(r, r.attr_text(node, "name")))
    href = r.attr_text(node, "path").replace("{{VAR}}", value)
    text = r.inline(node.children)
    return f"[{text}]({r.link(href)})" if href else text


def _var_code_block(r: MdxRenderer, node: Element) -> str:
    from zcp.sync.mdx_render import value_text

    code = value_text(_var_value(r, r.attr_text(node, "codeVar")))
    language = value_text(_var_value(r, r.attr_text(node, "languageVar"))) or "javascript"
    for key, value in sorted(r.variables.items()):
        code = code.replace("{{" + key + "}}", value_text(value))
    if not code:
        r.notice(node.line, "<VarCodeBlock> has no code (its variable is not set)")
        return ""
    fence = "````" if "```" in code else "```"
    return _block(f"{fence}{language}\n{code.strip(chr(10))}\n{fence}")


def _if_var(r: MdxRenderer, node: Element) -> str:
    if _var_value(r, r.attr_text(node, "name")):
        return _block(r.block(node.children)) if node.flow else r.render_nodes(node.children)
    return ""


def _var_reasons(r: MdxRenderer, node: Element) -> str:
    reasons = _var_value(r, r.attr_text(node, "name"))
    if not isinstance(reasons, list) or not reasons:
        return ""
    return _block(_markdown_list([_inline_html(r, str(reason)) for reason in reasons]))


HANDLERS: dict[str, Handler] = {
    "strong": _wrap("**"),
    "b": _wrap("**"),
    "em": _wrap("*"),
    "i": _wrap("*"),
    "code": _code,
    "a": _anchor,
    "br": _break,
    "hr": _rule,
    **{f"h{n}": _heading(n) for n in range(1, 7)},
    "ul": _list(False),
    "ol": _list(True),
    "li": _list_item,
    "pre": _preformatted,
    "img": _image,
    "Image": _image,
    "figcaption": _caption,
    "Video": _video,
    "table": _table,
    "details": _details,
    "summary": _summary,
    "TabItem": _labelled_by("label", "value"),
    "DropdownItem": _labelled_by("title"),
    "FAQItem": _labelled_by("question"),
    "CustomCard": _labelled_by("title"),
    "Note": _note,
    "Admonition": _note,
    "Badge": _badge,
    "UnorderedCodeList": _code_list,
    "UnorderedList": _plain_list,
    "DocCardList": _cards,
    "GroupCards": _cards,
    "TechCard": _cards,
    "LargeCardList": _cards,
    "ResourceTable": _resource_table,
    "AsciiGraph": _ascii_graph,
    "Link": _link_component,
    "SetVar": _set_var,
    "Var": _var,
    "VarLink": _var_link,
    "VarCodeBlock": _var_code_block,
    "IfVar": _if_var,
    "VarReasons": _var_reasons,
}

# Text nodes are referenced so type checkers see the import is deliberate (used by callers).
_ = Text
