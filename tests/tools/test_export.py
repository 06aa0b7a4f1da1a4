"""zerops_export through the MCP SDK client: project and service YAML, values hidden unless asked."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.plugins.core import result_text
from tests.plugins.sandbox import SandboxHandle
from tests.tools.read_harness import PLATFORM_CODES, check_structured, read_session
from zcp.sandbox.model import ProjectEnvVar
from zcp.tools.untrusted import NOTICE

pytestmark = pytest.mark.anyio
TOOL = "zerops_export"


def _add_project_env(sandbox: SandboxHandle, key: str, value: str) -> None:
    with sandbox.sandbox.lock:
        project = sandbox.project()
        now = sandbox.sandbox.now()
        project.env.append(ProjectEnvVar(sandbox.sandbox.ids.new(), key, value, False, now, now))


@pytest.mark.sandbox(seed="standard")
async def test_the_project_exports_with_env_values_hidden(sandbox: SandboxHandle) -> None:
    _add_project_env(sandbox, "API_TOKEN", "tok-123-secret")
    async with read_session(sandbox) as session:
        result = await session.call(TOOL)
    data = result.structured_content
    assert data is not None
    assert data["scope"] == "project" and data["services"] == ["appdev", "appstage", "db"]
    document = yaml.safe_load(data["yaml"])
    assert [s["hostname"] for s in document["services"]] == ["db", "appdev", "appstage"]
    assert document["project"]["envVariables"] == {"API_TOKEN": "<hidden>"}
    appdev = next(s for s in document["services"] if s["hostname"] == "appdev")
    assert set(appdev["envSecrets"].values()) == {"<hidden>"}
    assert data["valuesHidden"] == 9
    text = result_text(result)
    assert "tok-123-secret" not in text and "${db_hostname}" not in text
    assert NOTICE in text and "includeEnvValues=true" in text


@pytest.mark.sandbox(seed="standard")
async def test_values_are_shown_when_asked_and_match_the_platform_export(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        data = await session.ok(TOOL, {"includeEnvValues": "true"})
        raw = await session.app.require_platform().client.export_project(sandbox.project().id)
    assert data["yaml"] == raw and data["valuesHidden"] == 0
    assert "${db_hostname}" in data["yaml"]


@pytest.mark.sandbox(seed="adoptable")
async def test_one_service_exports_without_the_project_section(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        data = await session.ok(TOOL, {"service": "api"})
    document = yaml.safe_load(data["yaml"])
    assert "project" not in document
    assert document["services"][0]["hostname"] == "api"
    assert document["services"][0]["envSecrets"] == {"SECRET_KEY": "<hidden>"}
    assert document["services"][0]["mount"] == ["files"]
    assert data["scope"] == "service" and "services" not in data


@pytest.mark.sandbox(seed="standard")
async def test_unknown_services_and_api_failures_are_structured_errors(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox) as session:
        missing = await session.error(TOOL, {"service": "dbb"})
        sandbox.fault("export_project", status=500)
        broken = await session.error(TOOL)
    assert missing["code"] == "SERVICE_NOT_FOUND" and "'db'" in missing["suggestion"]
    assert broken["code"] == "API_ERROR"


@pytest.mark.sandbox(seed="standard")
async def test_read_only_mode_still_exports(sandbox: SandboxHandle) -> None:
    async with read_session(sandbox, read_only=True) as session:
        assert (await session.ok(TOOL, {"service": "db"}))["yaml"]


@pytest.mark.sandbox(seed="standard")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    arguments=st.dictionaries(
        st.sampled_from(["service", "includeEnvValues", "x"]),
        st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=12)),
        max_size=2,
    )
)
async def test_no_input_raises_or_returns_an_unstructured_error(
    sandbox: SandboxHandle, arguments: dict[str, Any]
) -> None:
    async with read_session(sandbox) as session:
        result = await session.call(TOOL, arguments)
    check_structured(result, {"INVALID_PARAMETER", "INVALID_HOSTNAME", "SERVICE_NOT_FOUND", *PLATFORM_CODES})
