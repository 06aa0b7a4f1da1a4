"""Live Zerops JSON schemas (zerops.yaml, import.yaml): fetch and cache, enums, validation.

``LiveSchemas`` downloads and caches the schemas (falling back to a stale copy, then to the
bundled one); ``extract_enums`` turns a schema pair into value lists; ``validate_zerops_yaml`` and
``validate_import_yaml`` report problems with YAML paths, lines and suggestions. ``jsonschema``
and ``httpx`` are imported only when validating or downloading. See ``docs/schema.md``.
"""

from __future__ import annotations

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
