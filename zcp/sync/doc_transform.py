"""One docs page ⇄ one corpus file.

Forward (pull): the MDX frontmatter becomes corpus frontmatter (``title``, ``description``, and
``tags`` from the source configuration), the body is rendered by :mod:`zcp.sync.mdx_render`, and
``# <title>`` opens it. Blank-line runs collapse to one, outside code.

Backward (push) is a three-way merge rather than a second renderer. The writer's edited file is
compared line by line with what the original MDX renders to; every source line group whose
rendering the writer did not touch goes back *verbatim* from the original MDX (imports,
components, comments, quoting and all), and only the edited stretches are converted from
markdown to MDX (escaping ``{``/``<``, turning the admonition blockquotes back into ``:::``,
restoring ``zerops://`` code spans and docs links). So pulling and pushing without edits gives
the original bytes back, and an edit touches only the lines it changed.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import yaml

from zcp.safe_yaml import YamlRefused, compose_yaml, load_yaml
from zcp.sync.mdx_parse import MdxSyntaxError
from zcp.sync.mdx_render import (
    ADMONITION_LABELS,
    LinkMap,
    MdxRenderer,
    Notice,
    PartialSyntaxError,
    TextLoader,
)

#: Bump when the markdown produced for the same input changes: it invalidates incremental pulls.
TRANSFORM_VERSION = "1"

TITLE_MAX = 120
DESCRIPTION_MAX = 400

_FRONTMATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")
_QUOTE_ADMONITION = re.compile(r"^> \*\*(" + "|".join(ADMONITION_LABELS.values()) + r")(?:: (.+?))?\*\*\s*$")
_CODE_SPLIT = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)")
_LINK_TARGET = re.compile(r"(\]\()(zerops://[^)\s]+)")
_BARE_URI = re.compile(r"(?<![(\w`/])zerops://[^\s)\]`,;]+")


class PageError(Exception):
    """A page cannot be converted (bad frontmatter, malformed MDX); ``line`` is in ``path``."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Chunk:
    """Source body lines ``[src_start, src_end)`` rendered as markdown body lines ``[out_start, out_end)``."""

    src_start: int
    src_end: int
    out_start: int
    out_end: int
    constructs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Converted:
    """A page as a corpus file, plus what the way back and the incremental pull need."""

    markdown: str
    title: str
    description: str
    body_lines: tuple[str, ...]  # markdown body after '# title' and its blank line
    chunks: tuple[Chunk, ...]
    notices: tuple[Notice, ...]
    dependencies: frozenset[str]
    code_span_uris: frozenset[str]


@dataclass(frozen=True)
class MdxSettings:
    """What the renderer needs from the configuration."""

    import_roots: Mapping[str, str]
    drop: frozenset[str] = frozenset()
    unwrap: frozenset[str] = frozenset()
    max_depth: int = 5


def split_mdx(text: str) -> tuple[str | None, str, int]:
    """``(frontmatter_yaml, body, body_first_line)``; the YAML is ``None`` without a block."""
    m = _FRONTMATTER.match(text)
    if not m:
        return None, text, 1
    return m.group(1) or "", text[m.end() :], 1 + m.group(0).count("\n")


def read_frontmatter(path: str, yaml_text: str | None) -> dict[str, object]:
    """The MDX frontmatter as a mapping; broken YAML is a :class:`PageError` with its line."""
    if yaml_text is None:
        return {}
    try:
        data = load_yaml(yaml_text, what="the frontmatter")
    except YamlRefused as refused:
        line = 1 + (refused.line or 1)
        raise PageError(path, line, f"frontmatter is not valid YAML: {refused.detail}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PageError(path, 2, "frontmatter must be a mapping of keys to values")
    return {str(k): v for k, v in data.items()}


def mdx_to_markdown(
    text: str,
    *,
    path: str,
    tags: tuple[str, ...],
    loader: TextLoader,
    links: LinkMap,
    settings: MdxSettings,
) -> Converted:
    """Convert one MDX page to a corpus markdown file (pure given the loader's answers)."""
    yaml_text, body, first_line = split_mdx(text)
    meta = read_frontmatter(path, yaml_text)
    renderer = MdxRenderer(
        page_path=path,
        loader=loader,
        links=links,
        import_roots=settings.import_roots,
        drop=settings.drop,
        unwrap=settings.unwrap,
        max_depth=settings.max_depth,
    )
    try:
        result = renderer.render_page(body, first_line)
    except MdxSyntaxError as exc:
        raise PageError(path, exc.line, exc.message) from None
    except PartialSyntaxError as exc:
        raise PageError(exc.path, exc.error.line, exc.error.message) from None
    lines, chunks = _assemble([(g.start, g.end, g.text, g.constructs) for g in result.groups])
    if lines and lines[0].startswith("# "):
        own_h1 = lines[0][2:].strip()
        lines, chunks = _drop_leading(lines, chunks, 2 if len(lines) > 1 and not lines[1].strip() else 1)
    else:
        own_h1 = ""
    title = _clean_title(meta.get("title"), own_h1, path)
    description = _description(meta, lines, title)
    head = render_frontmatter(title, description, tags)
    markdown = head + f"# {title}\n\n" + "".join(line + "\n" for line in lines)
    return Converted(
        markdown=markdown,
        title=title,
        description=description,
        body_lines=tuple(lines),
        chunks=tuple(chunks),
        notices=result.notices,
        dependencies=result.dependencies,
        code_span_uris=result.code_span_uris,
    )


def render_frontmatter(title: str, description: str, tags: tuple[str, ...]) -> str:
    """Corpus frontmatter with every string JSON-quoted (valid YAML, stable bytes)."""
    lines = ["---", f"title: {_quote(title)}", f"description: {_quote(description)}"]
    if tags:
        lines.append("tags: [" + ", ".join(_quote(t) for t in tags) + "]")
    return "\n".join([*lines, "---", ""]) + "\n"


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _clean_title(raw: object, own_h1: str, path: str) -> str:
    title = raw if isinstance(raw, str) and raw.strip() else own_h1
    if not title:
        raise PageError(path, 1, "page has no title (no 'title:' in its frontmatter and no '# ' heading)")
    title = " ".join(title.split())
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1].rstrip() + "…"


def _description(meta: Mapping[str, object], lines: list[str], title: str) -> str:
    for key in ("description", "desc"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            return _fit(" ".join(value.split()), DESCRIPTION_MAX)
    paragraph: list[str] = []
    in_fence = False
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence or line.startswith(("#", "|", ">", "![", "- ", "* ")):
            if paragraph:
                break
            continue
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append(line.strip())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", " ".join(paragraph))
    text = re.sub(r"[*_`]", "", text).strip()
    return _fit(text, DESCRIPTION_MAX) if text else f"{title} (Zerops documentation)"


def _fit(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def _assemble(groups: list[tuple[int, int, str, tuple[str, ...]]]) -> tuple[list[str], list[Chunk]]:
    """Join rendered groups into body lines: collapse blank runs outside code, keep a chunk map."""
    lines: list[str] = []
    chunks: list[Chunk] = []
    fence: str | None = None
    for start, end, text, constructs in groups:
        out_start = len(lines)
        for line in text.split("\n")[:-1] if text.endswith("\n") else text.split("\n") if text else []:
            marker = _FENCE.match(line)
            if fence is not None:
                lines.append(line)
                if _closes(line, marker, fence):
                    fence = None
                continue
            if marker:
                fence = marker.group(1)
                lines.append(line.rstrip())
                continue
            if not line.strip():
                if lines and lines[-1] != "":
                    lines.append("")
                continue
            lines.append(line.rstrip())
        chunks.append(Chunk(start, end, out_start, len(lines), constructs))
    while lines and lines[-1] == "":
        lines.pop()
    size = len(lines)
    chunks = [
        Chunk(c.src_start, c.src_end, min(c.out_start, size), min(c.out_end, size), c.constructs)
        for c in chunks
    ]
    return lines, chunks


def _closes(line: str, marker: re.Match[str] | None, fence: str) -> bool:
    """True when ``line`` closes the code fence opened with ``fence``."""
    if marker is None or marker.group(1)[0] != fence[0] or len(marker.group(1)) < len(fence):
        return False
    return not line.strip(" \t>").strip(fence[0])


def _drop_leading(lines: list[str], chunks: list[Chunk], count: int) -> tuple[list[str], list[Chunk]]:
    shifted = [
        Chunk(c.src_start, c.src_end, max(c.out_start - count, 0), max(c.out_end - count, 0), c.constructs)
        for c in chunks
    ]
    return lines[count:], shifted


# --- the way back -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditedGuide:
    """A corpus file split into what the reverse transform needs."""

    title: str
    description: str
    body_lines: tuple[str, ...]


def read_edited(text: str, path: str) -> EditedGuide:
    """Parse an edited corpus file; its frontmatter must have a title and a description."""
    yaml_text, body, _ = split_mdx(text)
    meta = read_frontmatter(path, yaml_text)
    title = meta.get("title")
    description = meta.get("description")
    if not isinstance(title, str) or not isinstance(description, str):
        raise PageError(path, 1, "a guide needs 'title' and 'description' in its frontmatter")
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and lines[0].startswith("# "):
        lines.pop(0)
        while lines and not lines[0].strip():
            lines.pop(0)
    return EditedGuide(" ".join(title.split()), " ".join(description.split()), tuple(_normalise(lines)))


def _normalise(lines: list[str]) -> list[str]:
    """The layout the forward transform produces: one blank line between blocks, no trailing spaces."""
    out: list[str] = []
    fence: str | None = None
    for line in lines:
        marker = _FENCE.match(line)
        if fence is not None:
            out.append(line)
            if _closes(line, marker, fence):
                fence = None
            continue
        if marker:
            fence = marker.group(1)
        if not line.strip():
            if out and out[-1] != "":
                out.append("")
            continue
        out.append(line.rstrip())
    while out and out[-1] == "":
        out.pop()
    return out


@dataclass(frozen=True)
class Reversed:
    """MDX to push, and the MDX-only constructs the edit replaced (``line N: <X>``)."""

    mdx: str
    replaced: tuple[str, ...] = ()


def markdown_to_mdx(
    edited: EditedGuide,
    *,
    original: str | None,
    pulled: Converted | None,
    link_back: Callable[[str], str | None],
) -> Reversed:
    """The MDX to push for an edited guide.

    ``original`` is the upstream MDX the guide was pulled from and ``pulled`` its conversion;
    both are ``None`` for a guide that is new upstream.
    """
    if original is None or pulled is None:
        head = (
            "---\n"
            + f"title: {_quote(edited.title)}\n"
            + f"description: {_quote(edited.description)}\n---\n\n"
        )
        new_lines = _markdown_lines_to_mdx(list(edited.body_lines), frozenset(), link_back)
        return Reversed(head + "".join(line + "\n" for line in new_lines))
    yaml_text, body, first_line = split_mdx(original)
    head = original[: len(original) - len(body)]
    if edited.title != pulled.title or edited.description != pulled.description:
        head = _merge_frontmatter(head, yaml_text, edited, pulled)
    source_lines = body.split("\n")
    trailing_newline = body.endswith("\n")
    if trailing_newline:
        source_lines.pop()
    replaced: list[tuple[int, tuple[str, ...]]] = []
    merged = _merge_body(
        source_lines, list(pulled.body_lines), list(edited.body_lines), pulled, link_back, replaced
    )
    text = "\n".join(merged)
    lost = tuple(f"line {first_line + start}: {', '.join(names)}" for start, names in replaced)
    return Reversed(head + text + ("\n" if trailing_newline or not text else ""), lost)


def _merge_frontmatter(head: str, yaml_text: str | None, edited: EditedGuide, pulled: Converted) -> str:
    if yaml_text is None:
        return (
            "---\n"
            + f"title: {_quote(edited.title)}\n"
            + f"description: {_quote(edited.description)}\n---\n\n"
            + head
        )
    lines = yaml_text.split("\n")
    spans = _key_spans(yaml_text)
    replacements: dict[str, str] = {}
    if edited.title != pulled.title:
        replacements["title"] = edited.title
    if edited.description != pulled.description:
        key = "description" if "description" in spans or "desc" not in spans else "desc"
        replacements[key] = edited.description
    for key, value in sorted(replacements.items(), key=lambda kv: -spans.get(kv[0], (len(lines), 0))[0]):
        if key in spans:
            first, last = spans[key]
            lines[first : last + 1] = [f"{key}: {_quote(value)}"]
        else:
            after = spans["title"][1] + 1 if "title" in spans else 0
            lines.insert(after, f"{key}: {_quote(value)}")
    closing = head[len("---\n") + len(yaml_text) :] if head.startswith("---\n") else head
    return "---\n" + "\n".join(lines) + closing


def _key_spans(yaml_text: str) -> dict[str, tuple[int, int]]:
    """Top-level key -> (first line, last line) inside the YAML block."""
    try:
        node = compose_yaml(yaml_text, what="the frontmatter")
    except YamlRefused:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    spans = {}
    for key, value in node.value:
        end = value.end_mark.line - (1 if value.end_mark.column == 0 else 0)
        spans[str(key.value)] = (key.start_mark.line, max(end, key.start_mark.line))
    return spans


def _merge_body(
    source: list[str],
    pulled: list[str],
    edited: list[str],
    converted: Converted,
    link_back: Callable[[str], str | None],
    replaced: list[tuple[int, tuple[str, ...]]],
) -> list[str]:
    matcher = difflib.SequenceMatcher(a=pulled, b=edited, autojunk=False)
    aligned: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            aligned[block.a + k] = block.b + k
    out: list[str] = []
    e_pos = 0
    for chunk in converted.chunks:
        if chunk.out_end == chunk.out_start:
            out.extend(source[chunk.src_start : chunk.src_end])
            continue
        targets = [aligned.get(i) for i in range(chunk.out_start, chunk.out_end)]
        first = targets[0]
        clean = first is not None and targets == list(range(first, first + len(targets)))
        if not clean or first is None or first < e_pos:
            if chunk.constructs:
                replaced.append((chunk.src_start, chunk.constructs))
            continue
        if first > e_pos:
            out.extend(_markdown_lines_to_mdx(edited[e_pos:first], converted.code_span_uris, link_back))
        out.extend(source[chunk.src_start : chunk.src_end])
        e_pos = first + len(targets)
    if e_pos < len(edited):
        tail = _markdown_lines_to_mdx(edited[e_pos:], converted.code_span_uris, link_back)
        if out and out[-1].strip() and tail and tail[0].strip():
            out.append("")
        out.extend(tail)
    return out


def _markdown_lines_to_mdx(
    lines: list[str], code_span_uris: frozenset[str], link_back: Callable[[str], str | None]
) -> list[str]:
    """Plain markdown written by a person → MDX that renders the same."""
    out: list[str] = []
    fence: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        marker = _FENCE.match(line)
        if fence is not None:
            out.append(line)
            if _closes(line, marker, fence):
                fence = None
            i += 1
            continue
        if marker:
            fence = marker.group(1)
            out.append(line)
            i += 1
            continue
        admonition = _QUOTE_ADMONITION.match(line)
        if admonition:
            j = i + 1
            inner: list[str] = []
            while j < len(lines) and lines[j].startswith(">"):
                inner.append(lines[j][2:] if lines[j].startswith("> ") else lines[j][1:])
                j += 1
            while inner and not inner[0].strip():
                inner.pop(0)
            kind = next(k for k, v in ADMONITION_LABELS.items() if v == admonition.group(1))
            title = admonition.group(2)
            out.append(f":::{kind} {title}" if title else f":::{kind}")
            out.extend(_markdown_lines_to_mdx(inner, code_span_uris, link_back))
            out.append(":::")
            i = j
            continue
        out.append(_escape_line(line, code_span_uris, link_back))
        i += 1
    return out


def _escape_line(line: str, code_span_uris: frozenset[str], link_back: Callable[[str], str | None]) -> str:
    parts: list[str] = []
    pos = 0
    for m in _CODE_SPLIT.finditer(line):
        parts.append(_escape_text(line[pos : m.start()], code_span_uris, link_back))
        parts.append(m.group(0))
        pos = m.end()
    parts.append(_escape_text(line[pos:], code_span_uris, link_back))
    return "".join(parts)


def _escape_text(text: str, code_span_uris: frozenset[str], link_back: Callable[[str], str | None]) -> str:
    if not text:
        return text

    def back(m: re.Match[str]) -> str:
        return m.group(1) + (link_back(m.group(2)) or m.group(2))

    text = _LINK_TARGET.sub(back, text)

    def bare(m: re.Match[str]) -> str:
        uri = m.group(0)
        return f"`{uri}`" if uri in code_span_uris or "{" in uri else uri

    pieces = []
    pos = 0
    for m in _BARE_URI.finditer(text):
        pieces.append(_escape_jsx(text[pos : m.start()]))
        pieces.append(bare(m))
        pos = m.end()
    pieces.append(_escape_jsx(text[pos:]))
    return "".join(pieces)


def _escape_jsx(text: str) -> str:
    text = re.sub(r"<br\s*/?>", "<br />", text)
    text = re.sub(r"(?<!\\)([{}])", r"\\\1", text)
    return re.sub(r"(?<!\\)<(?=[A-Za-z/!>])(?!br />)", r"\\<", text)
