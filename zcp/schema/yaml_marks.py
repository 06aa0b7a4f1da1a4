"""Load YAML and remember where every key and value starts, so problems can name a line.

Anchors and aliases are allowed, but a document whose aliases expand beyond
:data:`MAX_EXPANDED_NODES` nodes, or that refers to itself, is refused: validating it would take
unbounded time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_EXPANDED_NODES = 200_000

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
    """Parse one YAML document; raises :class:`YamlProblem`."""
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    try:
        try:
            node = loader.get_single_node()
            if node is None:
                return LoadedYaml(None)
            _check_size(node)
            data = loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = Mark(mark.line + 1, mark.column + 1) if mark is not None else None
            message = " ".join(part for part in (exc.context, exc.problem) if part) or str(exc)
            raise YamlProblem(message, where) from None
        except yaml.YAMLError as exc:
            raise YamlProblem(str(exc)) from None
    finally:
        loader.dispose()
    loaded = LoadedYaml(data)
    _record(node, (), loaded, set())
    return loaded


def _check_size(root: yaml.Node) -> None:
    """Refuse self-referencing documents and alias bombs before constructing anything."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        ident = id(node)
        if ident in sizes:
            return sizes[ident]
        if ident in active:
            raise YamlProblem("the document refers to itself through an alias", _mark(node))
        active.add(ident)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        active.discard(ident)
        if total > MAX_EXPANDED_NODES:
            raise YamlProblem(f"the document expands to more than {MAX_EXPANDED_NODES} nodes", _mark(node))
        sizes[ident] = total
        return total

    try:
        size(root)
    except RecursionError:
        raise YamlProblem("the document is nested too deeply") from None


def _record(node: yaml.Node, path: PathKey, loaded: LoadedYaml, seen: set[int]) -> None:
    loaded.values.setdefault(path, _mark(node))
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _record(child, (*path, index), loaded, seen)
    elif isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            child_path = (*path, str(key_node.value))
            loaded.keys.setdefault(child_path, _mark(key_node))
            _record(value_node, child_path, loaded, seen)
