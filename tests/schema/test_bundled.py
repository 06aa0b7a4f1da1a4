"""The bundled schemas: valid JSON Schema 2020-12, served as text, and in sync with their files."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from zcp.schema.bundled import bundled_schema, bundled_schema_text
from zcp.schema.sources import SchemaKind


@pytest.mark.parametrize("kind", list(SchemaKind))
def test_each_bundled_schema_is_a_valid_draft_2020_12_schema(kind: SchemaKind) -> None:
    schema = bundled_schema(kind)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("kind", list(SchemaKind))
def test_the_text_is_the_same_document(kind: SchemaKind) -> None:
    assert json.loads(bundled_schema_text(kind)) == bundled_schema(kind)
    assert bundled_schema_text(kind).endswith("}\n")


def test_every_object_in_the_bundled_schemas_rejects_unknown_keys() -> None:
    def walk(node: object, path: str) -> list[str]:
        found: list[str] = []
        if isinstance(node, dict):
            if (
                node.get("type") == "object"
                and "properties" in node
                and node.get("additionalProperties") is not False
            ):
                found.append(path)
            for key, value in node.items():
                found.extend(walk(value, f"{path}/{key}"))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                found.extend(walk(value, f"{path}/{index}"))
        return found

    for kind in SchemaKind:
        assert walk(bundled_schema(kind), kind.value) == []
