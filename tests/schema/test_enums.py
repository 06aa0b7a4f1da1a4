"""Enum extraction from the schemas and the compact version listing."""

from __future__ import annotations

import logging

import pytest

from zcp.schema.bundled import bundled_schema
from zcp.schema.enums import SchemaEnums, compact_values, enum_values, extract_enums, schema_node, technology
from zcp.schema.sources import SchemaKind


def bundled_enums() -> SchemaEnums:
    return extract_enums(bundled_schema(SchemaKind.ZEROPS), bundled_schema(SchemaKind.IMPORT))


def test_bundled_schemas_yield_every_documented_enum() -> None:
    enums = bundled_enums()
    assert len(enums.build_bases) == 79
    assert len(enums.run_bases) == 97
    assert enums.modes == ("HA", "NON_HA")
    assert enums.core_packages == ("LIGHT", "SERIOUS")
    assert enums.object_storage_policies == (
        "custom", "private", "public-read", "public-objects-read", "public-write", "public-read-write",
    )  # fmt: skip
    assert enums.cpu_modes == ("SHARED", "DEDICATED")
    assert enums.operating_systems == ("alpine", "ubuntu")
    assert enums.port_protocols == ("TCP", "UDP")


def test_build_only_and_run_only_bases_are_where_they_belong() -> None:
    enums = bundled_enums()
    assert "php@8.4" in enums.build_bases and "php@8.4" not in enums.run_bases
    assert "php-nginx@8.4" in enums.run_bases and "php-nginx@8.4" not in enums.build_bases
    assert "static" in enums.run_bases and "static" not in enums.build_bases
    assert "docker@26.1" in enums.run_bases and "docker@26.1" not in enums.build_bases
    assert "postgresql@16" in enums.service_types


def test_the_legacy_catalogue_has_142_type_strings_plus_managed_variants() -> None:
    enums = bundled_enums()
    variants = [v for v in enums.all_versions() if ":" in v]
    assert len(enums.all_versions()) - len(variants) == 142
    assert "postgresql:ha@18" in variants


def test_versions_of_groups_by_technology() -> None:
    assert bundled_enums().versions_of("valkey") == ("valkey:ha@7.2", "valkey:single@7.2", "valkey@7.2")
    assert technology("postgresql:single@16") == "postgresql"
    assert technology("static") == "static"


def test_as_dict_is_plain_json_data() -> None:
    data = bundled_enums().as_dict()
    assert data["modes"] == ["HA", "NON_HA"]
    assert set(data) >= {"build_bases", "run_bases", "service_types"}


def test_enums_are_found_through_refs_any_of_and_items() -> None:
    root = {
        "$defs": {
            "base": {"anyOf": [{"type": "string", "enum": ["a@1", "b@2"]}, {"items": {"enum": ["c@3"]}}]}
        },
        "properties": {
            "x": {"$ref": "#/$defs/base"},
            "y": {"type": "array", "items": {"enum": ["z", 1, "z"]}},
        },
    }
    assert enum_values(schema_node(root, ["properties", "x"]), root) == ("a@1", "b@2", "c@3")
    assert enum_values(schema_node(root, ["properties", "y"]), root) == ("z",)
    assert schema_node(root, ["properties", "nope"]) is None


def test_a_schema_without_the_expected_enums_logs_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="zcp.schema.enums"):
        enums = extract_enums({"properties": {}}, {"properties": {}})
    assert enums.build_bases == ()
    assert "build_bases enum is empty" in caplog.text


def test_compact_values_group_versions_by_technology_in_first_seen_order() -> None:
    values = ["php@8.1", "nodejs@20", "php@8.3", "static", "nodejs@22"]
    assert compact_values(values) == "php@{8.1,8.3}, nodejs@{20,22}, static"
    assert compact_values(["go@1"]) == "go@1"
    assert compact_values([]) == "(none)"
