"""completion/complete for the resource template and prompt arguments."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.types import PromptReference, ResourceTemplateReference

from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import tool_session
from zcp.knowledge.documents import Kind
from zcp.knowledge.store import KnowledgeStore
from zcp.server.completions import MAX_VALUES, matching

pytestmark = pytest.mark.anyio

TEMPLATE = ResourceTemplateReference(uri="zerops://{kind}/{name}")


async def test_the_template_completes_kinds_then_names_of_that_kind(
    knowledge_client: Any, real_store: KnowledgeStore
) -> None:
    kinds = await knowledge_client.complete(TEMPLATE, {"name": "kind", "value": "re"})
    assert kinds.completion.values == ["recipes"]
    names = await knowledge_client.complete(TEMPLATE, {"name": "name", "value": ""}, {"kind": "themes"})
    assert names.completion.values == sorted(d.name for d in real_store.corpus.of_kind(Kind.THEME))
    services = await knowledge_client.complete(
        TEMPLATE, {"name": "name", "value": "serv"}, {"kind": "themes"}
    )
    assert services.completion.values == ["services"]


async def test_recipe_arguments_complete_to_recipe_names(knowledge_client: Any) -> None:
    ref = PromptReference(name="bootstrap-stack")
    result = await knowledge_client.complete(ref, {"name": "recipe", "value": "node"})
    assert result.completion.values == ["nodejs"]


async def test_anything_unknown_completes_to_an_empty_list(knowledge_client: Any) -> None:
    for ref, argument in [
        (PromptReference(name="no-such-prompt"), "x"),
        (PromptReference(name="bootstrap-stack"), "stack"),
        (ResourceTemplateReference(uri="other://{x}"), "x"),
    ]:
        result = await knowledge_client.complete(ref, {"name": argument, "value": ""})
        assert result.completion.values == []


async def test_hostnames_complete_to_nothing_without_a_platform(knowledge_client: Any) -> None:
    result = await knowledge_client.complete(
        PromptReference(name="diagnose-failed-deploy"), {"name": "service", "value": ""}
    )
    assert result.completion.values == []


@pytest.mark.sandbox(seed="standard")
async def test_service_arguments_complete_to_the_projects_hostnames(sandbox: SandboxHandle) -> None:
    async with tool_session(sandbox) as session:
        runtime = await session.client.complete(
            PromptReference(name="promote-dev-to-stage"), {"name": "dev", "value": "app"}
        )
        assert runtime.completion.values == ["appdev", "appstage"]
        every = await session.client.complete(
            PromptReference(name="export-project"), {"name": "service", "value": ""}
        )
        assert every.completion.values == ["appdev", "appstage", "db"]
        before = sandbox.hits("search_services")
        assert before >= 1
        await session.client.complete(
            PromptReference(name="export-project"), {"name": "service", "value": "d"}
        )
        assert sandbox.hits("search_services") == before, "hostnames are reused between keystrokes"


def test_completions_are_capped_and_say_how_many_there_are() -> None:
    result = matching([f"svc{i:03}" for i in range(150)], "svc")
    assert len(result.values) == MAX_VALUES
    assert result.total == 150 and result.has_more
