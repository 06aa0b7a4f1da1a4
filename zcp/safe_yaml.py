"""The one way zcp parses YAML it did not write.

An import, a zerops.yaml, the platform's export, an envelope, a sync configuration, a recipe's import
YAML, a pulled page's frontmatter: any of them may be hostile or broken, and PyYAML on its own turns
some of them into crashes instead of errors — its pure-Python parser recurses once per nesting level
(``a: [`` repeated 5,000 times is a ``RecursionError``), libyaml's allows 1,000 levels, which data
walkers downstream (validation, dumping) then recurse through, and an alias bomb makes a few lines
stand for millions of nodes. So every such parse goes through this module, and nothing else in zcp
calls PyYAML's loaders (``tests/meta/test_yaml_loading.py`` fails if something does):

* the text is refused past ``max_chars`` characters before anything parses it;
* it is composed with libyaml's safe loader (the pure-Python one when PyYAML lacks libyaml) into a
  node graph, which is walked without recursion and refused when it is nested deeper than
  ``max_depth`` levels, refers to itself through an alias, or expands (aliases counted each time
  they are used) to more than ``max_nodes`` nodes;
* only then is it constructed, with the safe constructor (plain dicts, lists and scalars).

Every failure — syntax, a limit, ``RecursionError``, ``MemoryError``, a value PyYAML cannot
represent — is one error, :class:`zcp.errors.YamlRefused` (wire code ``INVALID_PARAMETER``; callers
re-raise it as their own code where one fits, e.g. ``INVALID_ZEROPS_YML``). Its message says why in
general terms and where (a line number), never quoting the text: the file may be anything the caller
pointed at. The parser's own words, which may quote a character or two, are kept apart in
``problem`` for validators that point at a line of a document the caller wrote.

Async callers use :func:`load_yaml_async`, which parses in a worker thread.
"""

from __future__ import annotations

from typing import Any, Final

import anyio.to_thread
import yaml
import yaml.constructor

from zcp.errors import YamlRefused

__all__ = [
    "MAX_CHARS",
    "MAX_DEPTH",
    "MAX_NODES",
    "YamlRefused",
    "compose_yaml",
    "construct_yaml",
    "load_yaml",
    "load_yaml_async",
]

#: The longest text parsed unless a caller says otherwise (zerops.yaml and imports are far smaller).
MAX_CHARS: Final = 1_000_000
#: Nesting levels (mappings and lists inside each other) allowed; real documents use fewer than 10.
MAX_DEPTH: Final = 64
#: Nodes a document may expand to, every use of an alias counted with everything under it.
MAX_NODES: Final = 200_000

_LOADER: Final[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose_yaml(
    text: str,
    *,
    what: str = "the YAML",
    max_chars: int = MAX_CHARS,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> yaml.Node | None:
    """The checked node graph of the one document in ``text`` (``None`` when it is empty).

    Raises :class:`YamlRefused` (see the module docstring); nodes keep their start and end marks.
    """
    if len(text) > max_chars:
        raise YamlRefused(f"it is larger than {max_chars} characters", what=what)
    loader = _LOADER(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        nested = "nesting depth" in str(error.problem or "")
        reason = f"it is nested deeper than {max_depth} levels" if nested else "it is not valid YAML"
        raise _refused_at(reason, error, what) from None
    except yaml.YAMLError:
        raise YamlRefused("it is not valid YAML", what=what) from None
    except RecursionError:
        raise YamlRefused(f"it is nested deeper than {max_depth} levels", what=what) from None
    except MemoryError:
        raise YamlRefused("it is too large to parse", what=what) from None
    except (ValueError, TypeError, OverflowError):
        raise YamlRefused("it holds text YAML cannot read", what=what) from None
    finally:
        loader.dispose()
    if node is not None:
        _check_shape(node, what=what, max_depth=max_depth, max_nodes=max_nodes)
    return node


def _refused_at(reason: str, error: yaml.MarkedYAMLError, what: str) -> YamlRefused:
    """``reason`` with the line, column and problem the parser reported (never the text itself)."""
    mark = error.problem_mark or error.context_mark
    return YamlRefused(
        reason,
        what=what,
        line=mark.line + 1 if mark is not None else None,
        column=mark.column + 1 if mark is not None else None,
        problem=" ".join(part for part in (error.context, error.problem) if part) or None,
    )


def construct_yaml(node: yaml.Node | None, *, what: str = "the YAML") -> Any:
    """Plain data (dicts, lists, scalars) from a node graph :func:`compose_yaml` returned."""
    if node is None:
        return None
    try:
        return yaml.constructor.SafeConstructor().construct_document(node)
    except yaml.MarkedYAMLError as error:
        raise _refused_at("it holds a value or tag YAML's safe loader does not accept", error, what) from None
    except yaml.YAMLError:
        raise YamlRefused("it holds a value or tag YAML's safe loader does not accept", what=what) from None
    except RecursionError:
        raise YamlRefused("it is nested too deeply", what=what) from None
    except MemoryError:
        raise YamlRefused("it is too large to parse", what=what) from None
    except (ValueError, TypeError, OverflowError):
        raise YamlRefused("it holds values YAML cannot represent", what=what) from None


def load_yaml(
    text: str,
    *,
    what: str = "the YAML",
    max_chars: int = MAX_CHARS,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> Any:
    """``text`` as plain data (``None`` when empty); :class:`YamlRefused` for anything else."""
    node = compose_yaml(text, what=what, max_chars=max_chars, max_depth=max_depth, max_nodes=max_nodes)
    return construct_yaml(node, what=what)


async def load_yaml_async(
    text: str,
    *,
    what: str = "the YAML",
    max_chars: int = MAX_CHARS,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> Any:
    """:func:`load_yaml` in a worker thread, so a big document never holds up other requests."""
    return await anyio.to_thread.run_sync(
        lambda: load_yaml(text, what=what, max_chars=max_chars, max_depth=max_depth, max_nodes=max_nodes)
    )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_shape(root: yaml.Node, *, what: str, max_depth: int, max_nodes: int) -> None:
    """Refuse a graph that is too deep, refers to itself, or expands past ``max_nodes``; no recursion.

    A depth-first walk with an explicit stack. The nodes open at any moment are the current path, so
    its length is the nesting depth; each node is finished once, its height (nested collections below
    and including it) and expanded size memoised, so an alias costs nothing to revisit but still
    counts with its full height and size where it is used. Meeting a node that is still open means the
    document contains itself.
    """
    height: dict[int, int] = {}
    size: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]

    def too_deep(node: yaml.Node) -> YamlRefused:
        return YamlRefused(
            f"it is nested deeper than {max_depth} levels", what=what, line=node.start_mark.line + 1
        )

    while stack:
        node, finishing = stack.pop()
        ident = id(node)
        if finishing:
            children = _children(node)
            height[ident] = 1 + max((height[id(c)] for c in children), default=0)
            size[ident] = 1 + sum(size[id(c)] for c in children)
            open_nodes.discard(ident)
            if size[ident] > max_nodes:
                aliased = size[ident] > _plain_count(root)
                raise YamlRefused(
                    f"it expands to more than {max_nodes} nodes through aliases"
                    if aliased
                    else f"it has more than {max_nodes} nodes",
                    what=what,
                    line=node.start_mark.line + 1,
                )
            continue
        if ident in height:  # an alias of a finished node: its whole height counts here
            if len(open_nodes) + height[ident] > max_depth:
                raise too_deep(node)
            continue
        if ident in open_nodes:
            raise YamlRefused(
                "it refers to itself through an alias", what=what, line=node.start_mark.line + 1
            )
        if isinstance(node, yaml.ScalarNode):
            height[ident], size[ident] = 0, 1
            continue
        if len(open_nodes) >= max_depth:
            raise too_deep(node)
        open_nodes.add(ident)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)))


def _plain_count(root: yaml.Node) -> int:
    """How many distinct nodes the graph has (aliases counted once)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(_children(node))
    return len(seen)
