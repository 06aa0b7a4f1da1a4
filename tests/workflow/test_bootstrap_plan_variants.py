"""The bootstrap plan takes managed types in both spellings: the 2026 ``postgresql:ha@16`` and the
legacy ``postgresql@16`` (+ ``mode``). The catalogue names versions the way the API does (legacy)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from zcp.errors import InvalidParameter
from zcp.workflow.bootstrap_plan import PlanTargetIn, import_yaml_for, plan_attestation, validate_plan

CATALOGUE = frozenset(
    {"nodejs@22", "postgresql@16", "valkey@7.2", "mariadb@10.6", "clickhouse@25.3", "nats@2.12"}
)


def plan_with(*deps: dict[str, Any]) -> list[PlanTargetIn]:
    runtime = {"devHostname": "app", "type": "nodejs@22", "bootstrapMode": "dev"}
    return [PlanTargetIn.model_validate({"runtime": runtime, "dependencies": list(deps)})]


def create(hostname: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {"hostname": hostname, "type": type_, "resolution": "CREATE", **extra}


def managed_entries(plan: list[PlanTargetIn]) -> dict[str, dict[str, Any]]:
    services = yaml.safe_load(import_yaml_for(plan, {}) or "")["services"]
    return {s["hostname"]: s for s in services if s["hostname"] != "app"}


@pytest.mark.parametrize(
    ("type_", "expected"),
    [
        ("postgresql:ha@16", "postgresql:ha@16"),
        ("postgresql:single@16", "postgresql:single@16"),
        ("valkey:single@7.2", "valkey:single@7.2"),
        ("valkey:ha@7.2", "valkey:ha@7.2"),
        ("mariadb:ha@10.6", "mariadb:ha@10.6"),
        ("clickhouse:single@25.3", "clickhouse:single@25.3"),
    ],
)
def test_a_variant_type_passes_validation_and_reaches_the_import_as_written(
    type_: str, expected: str
) -> None:
    validated = validate_plan(plan_with(create("svc", type_)), catalogue=CATALOGUE, live={})
    dep = validated.targets[0].dependencies[0]
    # The type already carries the deployment, so no mode is defaulted or added.
    assert validated.defaulted == () and dep.mode is None and dep.type == type_
    assert f"svc ({type_}, CREATE)" in plan_attestation(validated)
    assert managed_entries(list(validated.targets))["svc"] == {
        "hostname": "svc",
        "type": expected,
        "priority": 10,
    }


@pytest.mark.parametrize(
    ("mode", "expected"),
    [(None, "postgresql:single@16"), ("NON_HA", "postgresql:single@16"), ("HA", "postgresql:ha@16")],
)
def test_the_legacy_type_still_passes_and_is_written_in_the_variant_form(
    mode: str | None, expected: str
) -> None:
    extra = {"mode": mode} if mode else {}
    validated = validate_plan(plan_with(create("db", "postgresql@16", **extra)), catalogue=CATALOGUE, live={})
    assert validated.targets[0].dependencies[0].mode == (mode or "NON_HA")
    assert validated.defaulted == (() if mode else ("db",))
    assert managed_entries(list(validated.targets))["db"] == {
        "hostname": "db",
        "type": expected,
        "priority": 10,
    }


def test_both_forms_in_one_plan_and_a_mode_only_service_keep_their_own_spelling() -> None:
    plan = plan_with(
        create("db", "postgresql:ha@16"),
        create("cache", "valkey@7.2", mode="HA"),
        create("queue", "nats@2.12"),
    )
    validated = validate_plan(plan, catalogue=CATALOGUE, live={})
    entries = managed_entries(list(validated.targets))
    assert entries["db"]["type"] == "postgresql:ha@16" and "mode" not in entries["db"]
    assert entries["cache"]["type"] == "valkey:ha@7.2" and "mode" not in entries["cache"]
    assert entries["queue"] == {"hostname": "queue", "type": "nats@2.12", "mode": "NON_HA", "priority": 10}
    assert validated.defaulted == ("queue",)


def test_a_variant_of_a_version_the_platform_lacks_is_refused_with_the_versions_it_has() -> None:
    with pytest.raises(InvalidParameter) as caught:
        validate_plan(plan_with(create("db", "postgresql:ha@99")), catalogue=CATALOGUE, live={})
    assert "'postgresql:ha@99' is not a service type" in caught.value.message
    assert "available: postgresql@16" in caught.value.message


def test_a_variant_dependency_that_already_exists_is_used_not_created() -> None:
    plan = plan_with({"hostname": "db", "type": "postgresql:ha@16", "resolution": "EXISTS"})
    validated = validate_plan(plan, catalogue=CATALOGUE, live={"db": "postgresql@16"})
    assert validated.defaulted == ()
    assert managed_entries(list(validated.targets)) == {}
    assert import_yaml_for(list(validated.targets), {"db": "postgresql@16", "app": "nodejs@22"}) is None


def test_a_variant_runtime_type_is_still_a_managed_service_not_a_runtime() -> None:
    runtime = {"devHostname": "app", "type": "postgresql:ha@16", "bootstrapMode": "dev"}
    with pytest.raises(InvalidParameter) as caught:
        validate_plan([PlanTargetIn.model_validate({"runtime": runtime})], catalogue=CATALOGUE, live={})
    assert "is a managed service; list it under dependencies" in caught.value.message


@pytest.mark.parametrize(
    ("field", "type_", "fragment"),
    [
        ("dependencies", "nats:ha@2.12", "nats takes no :ha in its type (use nats@2.12 with mode HA)"),
        ("dependencies", "postgresql:triple@16", "unknown deployment variant 'triple'"),
        ("runtime", "nodejs:single@22", "nodejs takes no :single in its type (use nodejs@22)"),
    ],
)
def test_a_variant_where_the_platform_takes_none_is_refused_with_the_spelling_to_use(
    field: str, type_: str, fragment: str
) -> None:
    if field == "runtime":
        runtime = {"devHostname": "app", "type": type_, "bootstrapMode": "dev"}
        plan = [PlanTargetIn.model_validate({"runtime": runtime})]
    else:
        plan = plan_with(create("svc", type_))
    with pytest.raises(InvalidParameter) as caught:
        validate_plan(plan, catalogue=CATALOGUE, live={})
    assert fragment in caught.value.message
