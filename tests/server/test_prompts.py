"""Prompts: listed with their arguments, rendered with them, and naming only tools that exist."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.shared.exceptions import MCPError
from mcp.types import TextContent

from zcp.app import App
from zcp.config import load_settings
from zcp.server.prompts import PROMPTS, render_prompt
from zcp.tools import tool_factories
from zcp.tools.vocabulary import registry_vocabulary
from zcp.workflow.lint import calls_in

pytestmark = pytest.mark.anyio


async def test_prompts_list_shows_the_main_flows_each_with_arguments(knowledge_client: Any) -> None:
    listed = {p.name: p for p in (await knowledge_client.list_prompts()).prompts}
    assert {"bootstrap-stack", "diagnose-failed-deploy", "promote-dev-to-stage", "export-project"} <= set(
        listed
    )
    for prompt in listed.values():
        assert prompt.description and prompt.title
        assert prompt.arguments
    assert [a.name for a in listed["diagnose-failed-deploy"].arguments if a.required] == ["service"]


async def test_a_prompt_renders_its_arguments_into_the_conversation(knowledge_client: Any) -> None:
    result = await knowledge_client.get_prompt(
        "diagnose-failed-deploy", {"service": "api", "symptom": "502 after deploy"}
    )
    message = result.messages[0]
    assert message.role == "user"
    assert isinstance(message.content, TextContent)
    assert 'zerops_logs serviceHostname="api" source="build"' in message.content.text
    assert "(502 after deploy)" in message.content.text


async def test_promote_defaults_the_stage_to_the_dev_services_pair(knowledge_client: Any) -> None:
    result = await knowledge_client.get_prompt("promote-dev-to-stage", {"dev": "appdev"})
    text = result.messages[0].content.text
    assert 'zerops_deploy sourceService="appdev" targetService="appstage"' in text


async def test_a_missing_required_argument_is_an_error_not_an_empty_prompt(knowledge_client: Any) -> None:
    with pytest.raises(MCPError):
        await knowledge_client.get_prompt("bootstrap-stack", {})


def _registered_tools() -> set[str]:
    app = App(load_settings({}))
    return {factory(app).name for factory in tool_factories()}


def test_prompts_name_only_registered_tools_actions_and_parameters() -> None:
    vocabulary = registry_vocabulary()
    for spec in PROMPTS:
        full = {a.name: "x" for a in spec.arguments}
        for arguments in ({a.name: "x" for a in spec.arguments if a.required}, full):
            text = render_prompt(spec, arguments)
            for tool, args in calls_in(text):
                assert vocabulary.problems(tool, args) == [], (spec.name, tool, args)
