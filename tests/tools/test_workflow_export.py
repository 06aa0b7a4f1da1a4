"""The stateless flows over MCP: export narrows to a publish-ready bundle; cicd guides a pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.plugins.sandbox import SandboxHandle
from tests.tools.workflow_harness import NODE_ZEROPS_YAML, TOOL, bootstrapped_pair, workflow, workflow_session

pytestmark = [pytest.mark.anyio]

GIT_CONFIG = '[core]\n\tbare = false\n[remote "origin"]\n\turl = https://github.com/acme/shop.git\n'


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_export_narrows_call_by_call_to_a_publish_ready_bundle(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        await session.ok(
            "zerops_env",
            {"action": "set", "project": True, "variables": ["LOG_LEVEL=info", "APP_KEY=s3cr3t"]},
        )
        scope = await workflow(session, workflow="export")
        variant = await workflow(session, workflow="export", targetService="appdev")
        scaffold = await workflow(session, workflow="export", targetService="appdev", variant="stage")
        (work / "zerops.yaml").write_text(NODE_ZEROPS_YAML, encoding="utf-8")
        no_remote = await workflow(session, workflow="export", targetService="appdev", variant="stage")
        (work / ".git").mkdir()
        (work / ".git" / "config").write_text(GIT_CONFIG, encoding="utf-8")
        classify = await workflow(session, workflow="export", targetService="appdev", variant="stage")
        buckets = {"LOG_LEVEL": "plain-config", "APP_KEY": "auto-secret"}
        needs_push = await workflow(
            session, workflow="export", targetService="appdev", variant="stage", envClassifications=buckets
        )
        await workflow(
            session,
            **needs_push["nextActions"][0]["args"] | {"remoteUrl": "https://github.com/acme/shop.git"},
        )
        ready = await workflow(
            session, workflow="export", targetService="appdev", variant="stage", envClassifications=buckets
        )
    assert scope["status"] == "scope-prompt" and scope["data"]["runtimes"] == ["appdev"]
    assert scope["phase"] == "export-active"
    assert variant["status"] == "variant-prompt"
    assert variant["nextActions"][0]["args"]["variant"] == "stage"
    assert scaffold["status"] == "scaffold-required"
    assert no_remote["status"] == "git-push-setup-required"
    assert classify["status"] == "classify-prompt"
    assert sorted(classify["data"]["unclassified"]) == ["APP_KEY", "LOG_LEVEL"]
    assert "s3cr3t" not in str(classify)  # values are never echoed
    assert needs_push["status"] == "git-push-setup-required" and "preview" in needs_push["data"]
    assert ready["status"] == "publish-ready", ready
    bundle = ready["data"]["bundle"]
    document = yaml.safe_load(bundle["importYaml"])
    runtime = next(s for s in document["services"] if s["hostname"] == "appstage")
    assert runtime["buildFromGit"] == "https://github.com/acme/shop.git" and runtime["zeropsSetup"] == "prod"
    assert document["project"]["envVariables"] == {
        "APP_KEY": "<@generateRandomString(<32>)>",
        "LOG_LEVEL": "info",
    }
    assert bundle["importYaml"].startswith("#yamlPreprocessor=on")
    assert ready["nextActions"][0]["args"] == {"targetService": "appdev", "strategy": "git-push"}


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_export_refuses_a_managed_service_and_an_unknown_bucket(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        managed = await session.error(TOOL, {"workflow": "export", "targetService": "db"})
        ghost = await session.error(TOOL, {"workflow": "export", "targetService": "ghost"})
    assert managed["code"] == "INVALID_PARAMETER" and ghost["code"] == "SERVICE_NOT_FOUND"


@pytest.mark.sandbox(seed="empty", time_scale=0)
@pytest.mark.parametrize("deep", ["a: [" * 5000, "- " * 5000 + "x", "zerops: " + "[" * 900 + "]" * 900])
async def test_export_of_a_source_with_a_deeply_nested_zerops_yaml_is_a_structured_error(
    sandbox: SandboxHandle, tmp_path: Path, deep: str
) -> None:
    """Used to be UNKNOWN: the setup lookup parsed with PyYAML's recursive parser (RecursionError)."""
    work = tmp_path / "work"
    async with workflow_session(sandbox, tmp_path) as session:
        await bootstrapped_pair(session)
        (work / "zerops.yaml").write_text(deep, encoding="utf-8")
        (work / ".git").mkdir()
        (work / ".git" / "config").write_text(GIT_CONFIG, encoding="utf-8")
        error = await session.error(
            TOOL, {"workflow": "export", "targetService": "appdev", "variant": "stage"}
        )
        await session.ping()
    assert error["code"] == "INVALID_PARAMETER", error
    assert error["error"].startswith("zerops.yaml did not load: ") and "cannot be exported" in error["error"]
    assert "export again" in error["suggestion"]


@pytest.mark.sandbox(seed="empty", time_scale=0)
async def test_cicd_guides_a_pipeline_from_where_the_project_stands(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with workflow_session(sandbox, tmp_path) as session:
        empty = await workflow(session, workflow="cicd")
        await bootstrapped_pair(session)
        first = await workflow(session, workflow="cicd")
        await workflow(
            session, action="git-push-setup", service="appdev", remoteUrl="https://github.com/acme/shop.git"
        )
        second = await workflow(session, workflow="cicd", targetService="appdev")
    assert empty["data"]["branch"] == "cicd.no-runtime"
    assert first["data"]["branch"] == "cicd.git-push"
    assert first["nextActions"][0]["args"]["action"] == "git-push-setup"
    assert second["data"]["branch"] == "cicd.build-integration"
    assert second["guidance"] and first["phase"] == "cicd-active"
