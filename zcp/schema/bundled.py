"""The schemas shipped inside the package: the offline fallback for everything in zcp.schema.

They are JSON Schema draft 2020-12 documents written for zcp from the documented schema facts
(keys, types, required keys and the type/version catalogue) and mirror the live schemas' layout,
so enum extraction and validation work the same on either.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from zcp.schema.enums import SchemaEnums, extract_enums
from zcp.schema.sources import SchemaKind


@cache
def bundled_schema_text(kind: SchemaKind) -> str:
    """The bundled schema as JSON text (what the sandbox serves at the schema endpoints)."""
    return (
        resources.files("zcp.schema")
        .joinpath("bundled")
        .joinpath(kind.bundled_name)
        .read_text(encoding="utf-8")
    )


@cache
def bundled_schema(kind: SchemaKind) -> dict[str, Any]:
    """The bundled schema parsed; shared between callers, so treat it as read-only."""
    document: dict[str, Any] = json.loads(bundled_schema_text(kind))
    return document


@cache
def bundled_enums() -> SchemaEnums:
    """Enums of the bundled schemas: what briefings can show without any network."""
    return extract_enums(bundled_schema(SchemaKind.ZEROPS), bundled_schema(SchemaKind.IMPORT))
