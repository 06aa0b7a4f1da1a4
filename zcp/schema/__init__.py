"""Live Zerops JSON schemas (zerops.yaml, import.yaml): fetch and cache, enums, validation.

``LiveSchemas`` downloads and caches the schemas (falling back to a stale copy, then to the
bundled one); ``extract_enums`` turns a schema pair into value lists; ``validate_zerops_yaml`` and
``validate_import_yaml`` report problems with YAML paths, lines and suggestions. ``jsonschema``
and ``httpx`` are imported only when validating or downloading. See ``docs/schema.md``.

Names are imported on first use, so a module that needs only a small part of the package (the
knowledge index reads :mod:`zcp.schema.managed_types`) does not pay for the rest at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zcp.schema.bundled import bundled_enums, bundled_schema, bundled_schema_text
    from zcp.schema.enums import SchemaEnums, compact_values, extract_enums
    from zcp.schema.live import LiveSchemas, LoadedSchema
    from zcp.schema.sources import SchemaKind, SchemaSources
    from zcp.schema.validate import (
        SchemaProblem,
        ValidationReport,
        validate_document,
        validate_import_yaml,
        validate_zerops_yaml,
    )

_WHERE = {
    "bundled_enums": "bundled",
    "bundled_schema": "bundled",
    "bundled_schema_text": "bundled",
    "SchemaEnums": "enums",
    "compact_values": "enums",
    "extract_enums": "enums",
    "LiveSchemas": "live",
    "LoadedSchema": "live",
    "SchemaKind": "sources",
    "SchemaSources": "sources",
    "SchemaProblem": "validate",
    "ValidationReport": "validate",
    "validate_document": "validate",
    "validate_import_yaml": "validate",
    "validate_zerops_yaml": "validate",
}

__all__ = [
    "LiveSchemas",
    "LoadedSchema",
    "SchemaEnums",
    "SchemaKind",
    "SchemaProblem",
    "SchemaSources",
    "ValidationReport",
    "bundled_enums",
    "bundled_schema",
    "bundled_schema_text",
    "compact_values",
    "extract_enums",
    "validate_document",
    "validate_import_yaml",
    "validate_zerops_yaml",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'zcp.schema' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"zcp.schema.{module}"), name)
    globals()[name] = value
    return value
