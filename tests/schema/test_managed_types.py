"""Managed-service types: the 2026 variant + profile form and the legacy mode form both validate."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from zcp.schema.bundled import bundled_schema
from zcp.schema.managed_types import both_forms, deployment, parse_type
from zcp.schema.sources import SchemaKind
from zcp.schema.validate import validate_import_yaml


def _import(entry: str) -> str:
    return "services:\n  - hostname: db\n" + "".join(f"    {line}\n" for line in entry.strip().splitlines())


@pytest.mark.parametrize(
    "entry",
    [
        "type: postgresql:single@18\nprofile: oltp-staging",
        "type: postgresql:ha@16\nprofile: oltp-enterprise",
        "type: postgresql:ha@18",
        "type: valkey:single@7.2\nprofile: staging\nprofileOverrides: {maxmemory-policy: noeviction}",
        "type: mariadb:ha@10.6",
        "type: clickhouse:single@25.3",
        "type: postgresql@18\nmode: NON_HA",
        "type: valkey@7.2\nmode: HA",
        "type: nats@2.12\nmode: HA",
        "type: postgresql:single@18\nprofile: custom\nprofileOverrides: {work_mem: 8388608}",
    ],
)
def test_both_forms_of_a_managed_service_validate(entry: str) -> None:
    report = validate_import_yaml(_import(entry))
    assert report.valid, report.render()


def test_the_legacy_form_gets_a_note_naming_the_current_one() -> None:
    report = validate_import_yaml(_import("type: postgresql@18\nmode: HA"))
    assert report.valid
    assert report.notes == (
        "services[0].type: postgresql@18 with mode is the legacy form (still accepted)"
        " — Write type: postgresql:ha@18 instead of mode.",
    )


def test_a_mode_next_to_a_variant_is_reported_as_ignored_not_as_an_error() -> None:
    report = validate_import_yaml(_import("type: postgresql:single@18\nmode: HA"))
    assert report.valid
    assert "mode HA is ignored" in report.notes[0] and "postgresql:ha@18" in report.notes[0]


@pytest.mark.parametrize(
    ("entry", "path"),
    [
        ("type: postgresql:single@18\nprofile: oltp-enterprise", "services[0].profile"),
        ("type: postgresql:ha@18\nprofile: oltp-hobby", "services[0].profile"),
        ("type: postgresql:single@18\nprofile: turbo", "services[0].profile"),
        ("type: mariadb:single@10.6\nprofile: staging", "services[0].profile"),
        (
            "type: postgresql:single@18\nprofile: oltp-staging\nprofileOverrides: {work_mem: 1}",
            "services[0].profileOverrides",
        ),
        (
            "type: valkey:single@7.2\nprofile: staging\nprofileOverrides: {appendfsync: always}",
            "services[0].profileOverrides",
        ),
        ("type: nats:ha@2.12", "services[0].type"),
    ],
)
def test_profiles_and_variants_are_checked_against_the_type(entry: str, path: str) -> None:
    report = validate_import_yaml(_import(entry))
    assert [p.path for p in report.problems] == [path]
    problem = report.problems[0]
    assert problem.line == (3 if path.endswith("type") else 4 if path.endswith(".profile") else 5)
    assert problem.suggestion


def _schema_with_types(types: list[str]) -> dict[str, Any]:
    schema = copy.deepcopy(dict(bundled_schema(SchemaKind.IMPORT)))
    schema["properties"]["services"]["items"]["properties"]["type"]["enum"] = types
    del schema["properties"]["services"]["items"]["properties"]["profile"]
    return schema


def test_a_schema_listing_only_legacy_types_accepts_the_variants_and_profiles() -> None:
    schema = _schema_with_types(["postgresql@18", "nodejs@22"])
    assert validate_import_yaml(
        _import("type: postgresql:ha@18\nprofile: oltp-production"), schema=schema
    ).valid
    assert validate_import_yaml(_import("type: postgresql@18\nmode: HA"), schema=schema).valid
    assert not validate_import_yaml(_import("type: postgresql:ha@17"), schema=schema).valid


def test_a_schema_listing_only_variants_accepts_the_legacy_name() -> None:
    schema = _schema_with_types(["postgresql:single@18", "postgresql:ha@18"])
    assert validate_import_yaml(_import("type: postgresql@18\nmode: NON_HA"), schema=schema).valid


def test_type_strings_come_apart_into_technology_variant_and_version() -> None:
    parsed = parse_type("PostgreSQL:HA@18")
    assert (parsed.technology, parsed.variant, parsed.version) == ("postgresql", "ha", "18")
    assert parsed.legacy == "postgresql@18" and parsed.with_variant("single") == "postgresql:single@18"
    assert deployment("postgresql:ha@18", "NON_HA") == "ha"
    assert deployment("postgresql@18", "HA") == "ha"
    assert deployment("postgresql@18") == "single"
    assert both_forms(["valkey@7.2", "nodejs@22"]) == [
        "valkey@7.2",
        "valkey:single@7.2",
        "valkey:ha@7.2",
        "nodejs@22",
    ]
