"""Turn the text of a corpus file into a :class:`Document`, byte-faithfully and with precise errors.

Frontmatter is read through python-frontmatter with :class:`CorpusFrontmatter`, a YAML handler
that loads with libyaml's ``CSafeLoader`` (when PyYAML has it) and splits without touching the
body: the library's own split strips and normalises the text after the closing ``---``, and
sections must reproduce the file byte for byte. Sections are cut from the raw body lines at the
line maps markdown-it reports for each heading, so joining the sections gives the body back
exactly. Errors name ``file:line`` of the offending frontmatter key.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler
from markdown_it import MarkdownIt
from pydantic import ValidationError

from zcp.errors import CorpusError
from zcp.knowledge.documents import (
    META_MODELS,
    Document,
    FrontmatterModel,
    Kind,
    Provenance,
    Section,
)

_FRONTMATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
# markdown-it counts only \n, \r\n and \r as line ends; str.splitlines() would also split on
# \v, \f, \x1c-\x1e, \x85, \u2028 and \u2029 and shift every line map.
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

# Only block structure matters here (where headings are); skipping inline parsing halves the cost.
_md = MarkdownIt("commonmark").enable("table")
_md.core.ruler.disable("inline")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_INLINE_MARKUP = (
    (re.compile(r"`+([^`]*?)`+"), r"\1"),
    (re.compile(r"(\*{1,3})(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<!\w)(_{1,3})(?=\S)(.+?)(?<=\S)\1(?!\w)"), r"\2"),
)
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CorpusFrontmatter(YAMLHandler):
    """python-frontmatter's YAML handler, byte-faithful and on the libyaml loader.

    ``FM_BOUNDARY`` is the library's detection pattern; :meth:`split` also returns where the body
    starts, and keeps the body exactly as written.
    """

    FM_BOUNDARY = _FRONTMATTER

    def split(self, text: str) -> tuple[str, str]:
        """``(yaml text, raw body)``; raises ``ValueError`` when there is no frontmatter block."""
        match = _FRONTMATTER.match(text)
        if not match:
            raise ValueError("no frontmatter block")
        return match.group(1) or "", text[match.end() :]

    def load(self, fm: str, **kwargs: object) -> Any:
        kwargs.setdefault("Loader", _SafeLoader)
        return super().load(fm, **kwargs)


FRONTMATTER = CorpusFrontmatter()


def split_lines(text: str) -> list[str]:
    """Split into lines the way markdown-it counts them, keeping line endings."""
    return _LINES.findall(text)


def split_frontmatter(text: str) -> tuple[str | None, str, int]:
    """Return ``(yaml_text, body, body_line)``; ``yaml_text`` is ``None`` without frontmatter."""
    if not FRONTMATTER.detect(text):
        return None, text, 1
    yaml_text, body = FRONTMATTER.split(text)
    raw = text[: len(text) - len(body)]
    body_line = 1 + raw.count("\n") if "\n" in raw else 1 + raw.count("\r")
    return yaml_text, body, body_line


def _key_lines(yaml_text: str) -> dict[str, int]:
    """Map each top-level key to its 0-based line inside the YAML block."""
    try:
        node = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def parse_frontmatter(path: str, kind: Kind, yaml_text: str | None) -> FrontmatterModel:
    """Validate a frontmatter block against its kind's model; errors carry ``path:line``."""
    if yaml_text is None:
        raise CorpusError(
            f"{path}:1: missing frontmatter (a '---' block with title and description)",
            suggestion="Start the file with a YAML block between two '---' lines.",
        )
    try:
        data = FRONTMATTER.load(yaml_text)  # a safe loader (C or Python)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = 2 + (mark.line if mark is not None else 0)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CorpusError(f"{path}:{line}: frontmatter is not valid YAML: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise CorpusError(f"{path}:2: frontmatter must be a mapping of keys to values")
    data = {str(k): _plain(v) for k, v in data.items()}
    model = META_MODELS[kind]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = _key_lines(yaml_text)
        first = exc.errors()[0]
        loc = first.get("loc") or ()
        key = str(loc[0]) if loc else ""
        line = 2 + lines[key] if key in lines else 1
        where = ".".join(str(p) for p in loc) or "frontmatter"
        detail = first["msg"]
        if first["type"] == "extra_forbidden":
            allowed = ", ".join(sorted(model.model_fields))
            detail = f"unknown key (allowed for {kind.singular}: {allowed})"
        elif first["type"] == "missing":
            detail = "required key is missing"
        elif first["type"] == "enum":
            ctx = first.get("ctx") or {}
            detail = f"unknown value {first.get('input')!r} (allowed: {ctx.get('expected', '')})"
        raise CorpusError(f"{path}:{line}: {where}: {detail}") from None


def _plain(value: Any) -> Any:
    """Coerce YAML scalars pydantic would misread (dates) into strings."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()
    return value


def slugify(heading: str) -> str:
    """GitHub-style anchor: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_~\[\]()<>!?:;,.'\"/\\|{}=+&%$#@^]", "", heading.strip().lower())
    text = re.sub(r"\s+", "-", text)
    return re.sub(r"-{2,}", "-", text).strip("-") or "section"


def _heading_text(inline: Any) -> str:
    """Plain heading text from its raw inline markdown (links keep their text, markup goes)."""
    text = _LINK.sub(r"\1", str(inline.content))
    for pattern, replacement in _INLINE_MARKUP:
        text = pattern.sub(replacement, text)
    return text.strip()


def split_sections(body: str, body_line: int) -> tuple[Section, ...]:
    """Cut a body into heading-delimited sections (``#`` to ``###``) with unique anchors."""
    lines = split_lines(body)
    tokens = _md.parse(body)
    starts: list[tuple[int, int, str]] = []  # (line index, level, heading text)
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.map is not None:
            level = int(token.tag[1])
            if level <= 3:
                starts.append((token.map[0], level, _heading_text(tokens[i + 1])))
    sections: list[Section] = []
    seen: dict[str, int] = {}
    stack: list[tuple[int, str]] = []
    first = starts[0][0] if starts else len(lines)
    preamble = "".join(lines[:first])
    if preamble.strip():
        sections.append(Section(anchor="", heading="", level=0, line=body_line, text=preamble))
    for n, (start, level, heading) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        anchor = slugify(heading)
        if anchor in seen:
            seen[anchor] += 1
            anchor = f"{anchor}-{seen[anchor]}"
        else:
            seen[anchor] = 0
        while stack and stack[-1][0] >= level:
            stack.pop()
        parents = tuple(h for _, h in stack)
        stack.append((level, heading))
        text = "".join(lines[start:end])
        sections.append(
            Section(
                anchor=anchor,
                heading=heading,
                level=level,
                line=body_line + start,
                text=text,
                parents=parents,
            )
        )
    return tuple(sections)


def parse_document(
    path: str,
    kind: Kind,
    name: str,
    text: str,
    *,
    companion: str | None = None,
    provenance: Provenance | None = None,
) -> Document:
    """Parse one corpus file; pure, deterministic, raises :class:`CorpusError` naming the file."""
    yaml_text, body, body_line = split_frontmatter(text)
    meta = parse_frontmatter(path, kind, yaml_text)
    if kind is Kind.ATOM and getattr(meta, "id", name) != name:
        raise CorpusError(
            f"{path}:2: id: atom id {getattr(meta, 'id', '')!r} must equal the file name {name!r}",
            suggestion="Rename the file or the id so they match.",
        )
    if not body.strip():
        raise CorpusError(f"{path}:{body_line}: document body is empty")
    digest = hashlib.sha256(text.encode("utf-8"))
    if companion is not None:
        digest.update(b"\0companion\0" + companion.encode("utf-8"))
    return Document(
        kind=kind,
        name=name,
        meta=meta,
        body=body,
        body_line=body_line,
        sections=split_sections(body, body_line),
        provenance=provenance or Provenance(path=path),
        companion=companion,
        content_hash=digest.hexdigest(),
    )
