"""Load YAML and remember where every key and value starts, so problems can name a line.

Parsing is :mod:`zcp.safe_yaml`'s: anchors and aliases are allowed, but a document whose aliases
expand beyond :data:`MAX_EXPANDED_NODES` nodes, that refers to itself, or that is nested deeper than
:data:`zcp.safe_yaml.MAX_DEPTH` levels is refused: validating it would take unbounded time or stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from zcp.safe_yaml import MAX_NODES, YamlRefused, compose_yaml, construct_yaml

MAX_EXPANDED_NODES = MAX_NODES

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    """A 1-based line and column."""

    line: int
    column: int


class YamlProblem(Exception):
    """The text is not YAML zcp can validate; ``mark`` is where the parser stopped, if known."""

    def __init__(self, message: str, mark: Mark | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


@dataclass(frozen=True)
class LoadedYaml:
    """The data and the positions of its values and mapping keys, by path."""

    data: Any
    values: dict[PathKey, Mark] = field(default_factory=dict)
    keys: dict[PathKey, Mark] = field(default_factory=dict)

    def mark_of(self, path: Sequence[Any], *, key: bool = False) -> Mark | None:
        """Where the value (or, with ``key=True``, the key) at ``path`` starts."""
        normal = self.normalise(path)
        if normal is None:
            return None
        found = (self.keys if key else self.values).get(normal)
        if found is None and key:
            found = self.values.get(normal)
        return found

    def normalise(self, path: Sequence[Any]) -> PathKey | None:
        """``path`` with mapping keys as strings and list indices as ints, or ``None`` if absent."""
        node = self.data
        out: list[str | int] = []
        for step in path:
            if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
                out.append(step)
                node = node[step]
            elif isinstance(node, dict) and step in node:
                out.append(str(step))
                node = node[step]
            else:
                return None
        return tuple(out)


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def load_yaml(text: str) -> LoadedYaml:
    """Parse one YAML document with :mod:`zcp.safe_yaml`'s limits; raises :class:`YamlProblem`."""
    try:
        node = compose_yaml(text, what="the document", max_nodes=MAX_EXPANDED_NODES)
        data = construct_yaml(node, what="the document")
    except YamlRefused as refused:
        where = Mark(refused.line, refused.column or 1) if refused.line else None
        raise YamlProblem(
            refused.problem or refused.reason.replace("it ", "the document ", 1), where
        ) from None
    if node is None:
        return LoadedYaml(None)
    loaded = LoadedYaml(data)
    _record(node, loaded)
    return loaded


def _record(root: yaml.Node, loaded: LoadedYaml) -> None:
    """Remember where each value and key starts; iterative (the graph's depth is bounded, not small)."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, PathKey]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        loaded.values.setdefault(path, _mark(node))
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(((child, (*path, index)) for index, child in reversed(list(enumerate(node.value)))))
        elif isinstance(node, yaml.MappingNode):
            pending: list[tuple[yaml.Node, PathKey]] = []
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                child_path = (*path, str(key_node.value))
                loaded.keys.setdefault(child_path, _mark(key_node))
                pending.append((value_node, child_path))
            stack.extend(reversed(pending))
