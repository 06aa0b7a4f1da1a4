"""Sandbox import of managed services in both forms: ``postgresql:ha@18`` + profile, and legacy ``mode``."""

from __future__ import annotations

import pytest

from tests.plugins.sandbox import SandboxHandle
from tests.sandbox.test_sandbox_import import fields, finish, rejected
from zcp.platform import ZeropsClient
from zcp.sandbox.catalogue import find_version

pytestmark = pytest.mark.anyio


def test_a_variant_names_the_same_catalogue_version_as_the_legacy_type() -> None:
    assert find_version("postgresql:ha@18") == find_version("postgresql@18")
    assert find_version("valkey:single@7.2") == find_version("valkey@7.2")
    assert find_version("nats:ha@2.12") is None  # NATS takes no variant in its type
    assert find_version("postgresql:triple@18") is None


@pytest.mark.sandbox(seed="empty")
async def test_variant_types_come_up_with_the_deployment_they_name(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    text = """\
services:
  - hostname: db
    type: postgresql:ha@18
    profile: oltp-production
  - hostname: cache
    type: valkey:single@7.2
    profile: staging
  - hostname: legacy
    type: postgresql@16
    mode: HA
  - hostname: ignored
    type: mariadb:single@10.6
    mode: HA
"""
    result = await platform_client.import_services(sandbox.project().id, text)
    await finish(platform_client, sandbox, [p for s in result.service_stacks for p in s.processes])
    modes = {name: sandbox.service(name).mode for name in ("db", "cache", "legacy", "ignored")}
    assert modes == {"db": "HA", "cache": "NON_HA", "legacy": "HA", "ignored": "NON_HA"}
    assert sandbox.service("db").status == "ACTIVE"


@pytest.mark.sandbox(seed="empty")
async def test_a_profile_the_type_does_not_offer_is_rejected_per_field(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    text = """\
services:
  - hostname: db
    type: postgresql:single@18
    profile: oltp-enterprise
  - hostname: maria
    type: mariadb:ha@10.6
    profile: staging
  - hostname: queue
    type: nats:ha@2.12
"""
    error = await rejected(platform_client, sandbox, text)
    reported = fields(error)
    assert "db.profile" in reported and "maria.profile" in reported
    assert reported["serviceStackTypeVersion"] == ["nats:ha@2.12"]
