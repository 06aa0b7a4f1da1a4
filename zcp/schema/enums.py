"""The value lists inside the schemas, as plain data for briefings, suggestions and validation.

Extraction follows the schema layout (``properties`` → ``items`` → ``properties`` …) and reads an
enum directly from a node, from each ``oneOf``/``anyOf`` member (or its ``items``), or from
``items``; local ``$ref`` pointers are followed, so a restructured live schema still yields its
lists. An enum that unexpectedly comes out empty is logged as a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from zcp.schema.managed_types import technology

__all__ = [
    "PATHS",
    "SchemaEnums",
    "compact_values",
    "enum_values",
    "extract_enums",
    "schema_node",
    "technology",
]

log = logging.getLogger(__name__)

_ZEROPS_ENTRY = ("properties", "zerops", "items", "properties")
_SERVICE = ("properties", "services", "items", "properties")
PATHS: dict[str, tuple[str, ...]] = {
    "build_bases": (*_ZEROPS_ENTRY, "build", "properties", "base"),
    "run_bases": (*_ZEROPS_ENTRY, "run", "properties", "base"),
    "service_types": (*_SERVICE, "type"),
    "modes": (*_SERVICE, "mode"),
    "core_packages": ("properties", "project", "properties", "corePackage"),
    "object_storage_policies": (*_SERVICE, "objectStoragePolicy"),
    "cpu_modes": (*_SERVICE, "verticalAutoscaling", "properties", "cpuMode"),
    "operating_systems": (*_ZEROPS_ENTRY, "run", "properties", "os"),
    "port_protocols": (*_ZEROPS_ENTRY, "run", "properties", "ports", "items", "properties", "protocol"),
    "env_isolations": ("properties", "project", "properties", "envIsolation"),
}
#: Fields that come from the zerops.yaml schema; the rest come from the import schema.
_FROM_ZEROPS = {"build_bases", "run_bases", "operating_systems", "port_protocols"}
_MUST_NOT_BE_EMPTY = ("build_bases", "run_bases", "service_types")


@dataclass(frozen=True)
class SchemaEnums:
    """Every value list zcp reads from the two schemas, in schema order."""

    build_bases: tuple[str, ...]
    run_bases: tuple[str, ...]
    service_types: tuple[str, ...]
    modes: tuple[str, ...]
    core_packages: tuple[str, ...]
    object_storage_policies: tuple[str, ...]
    cpu_modes: tuple[str, ...]
    operating_systems: tuple[str, ...]
    port_protocols: tuple[str, ...]
    env_isolations: tuple[str, ...]

    def as_dict(self) -> dict[str, list[str]]:
        """Plain JSON-ready data."""
        return {name: list(values) for name, values in asdict(self).items()}

    def all_versions(self) -> tuple[str, ...]:
        """Union of build bases, run bases and service types, sorted (the catalogue of type strings)."""
        return tuple(sorted({*self.build_bases, *self.run_bases, *self.service_types}))

    def versions_of(self, base: str) -> tuple[str, ...]:
        """Every catalogue string whose technology (the part before ``@``) is ``base``."""
        return tuple(v for v in self.all_versions() if technology(v) == base)


def _resolve(node: Any, root: Mapping[str, Any]) -> Any:
    """Follow local ``$ref`` pointers (``#/…``) a few levels deep."""
    for _ in range(8):
        if not isinstance(node, Mapping) or not isinstance(node.get("$ref"), str):
            return node
        ref: str = node["$ref"]
        if not ref.startswith("#"):
            return node
        target: Any = root
        for part in [p for p in ref[1:].split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, Mapping) and part in target:
                target = target[part]
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                return {}
        node = target
    return node


def schema_node(root: Mapping[str, Any], path: Sequence[str]) -> Any:
    """The sub-schema at ``path`` (keys of nested objects), following ``$ref``; ``None`` if absent."""
    node: Any = _resolve(root, root)
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = _resolve(node[key], root)
    return node


def _strings(values: Any) -> list[str]:
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _items_enum(node: Mapping[str, Any], root: Mapping[str, Any]) -> list[str]:
    items = _resolve(node.get("items"), root)
    return _strings(items.get("enum")) if isinstance(items, Mapping) else []


def enum_values(node: Any, root: Mapping[str, Any]) -> tuple[str, ...]:
    """The string enum of a schema node (see the module docstring for where it looks)."""
    node = _resolve(node, root)
    if not isinstance(node, Mapping):
        return ()
    found: list[str] = _strings(node.get("enum"))
    if not found:
        for key in ("oneOf", "anyOf"):
            for member in node.get(key) or ():
                member = _resolve(member, root)
                if isinstance(member, Mapping):
                    found.extend(_strings(member.get("enum")))
                    found.extend(_items_enum(member, root))
    if not found:
        found = _items_enum(node, root)
    return tuple(dict.fromkeys(found))


def extract_enums(zerops_schema: Mapping[str, Any], import_schema: Mapping[str, Any]) -> SchemaEnums:
    """Read every list of :class:`SchemaEnums` from the two schemas."""
    values: dict[str, tuple[str, ...]] = {}
    for name, path in PATHS.items():
        root = zerops_schema if name in _FROM_ZEROPS else import_schema
        values[name] = enum_values(schema_node(root, path), root)
    for name in _MUST_NOT_BE_EMPTY:
        if not values[name]:
            log.warning("schema: the %s enum is empty; the schema structure may have changed", name)
    return SchemaEnums(**values)


def compact_values(values: Iterable[str]) -> str:
    """Group versions by technology in first-seen order: ``php@{8.1,8.3}, static``; ``(none)`` if empty."""
    groups: dict[str, list[str]] = {}
    order: list[str] = []
    for value in values:
        base, sep, version = value.partition("@")
        key = base if sep else "\0" + value
        if key not in groups:
            groups[key] = []
            order.append(key)
        if sep:
            groups[key].append(version)
    parts = []
    for key in order:
        if key.startswith("\0"):
            parts.append(key[1:])
        elif len(groups[key]) == 1:
            parts.append(f"{key}@{groups[key][0]}")
        else:
            parts.append(f"{key}@{{{','.join(groups[key])}}}")
    return ", ".join(parts) if parts else "(none)"
