"""Drive ``zerops_workflow`` through the MCP client against the sandbox, with state in a temp folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tests.plugins.sandbox import SandboxHandle
from tests.tools.harness import ToolSession, tool_session

TOOL = "zerops_workflow"

#: A standard Node.js pair with PostgreSQL, as an agent would submit it.
NODE_PAIR_PLAN: list[dict[str, Any]] = [
    {
        "runtime": {
            "devHostname": "appdev",
            "type": "nodejs@22",
            "bootstrapMode": "standard",
            "stageHostname": "appstage",
        },
        "dependencies": [{"hostname": "db", "type": "postgresql@16", "resolution": "CREATE"}],
    }
]


@asynccontextmanager
async def workflow_session(
    sandbox: SandboxHandle, tmp_path: Path, **options: Any
) -> AsyncIterator[ToolSession]:
    """A tool session whose state folder and working directory are under ``tmp_path``."""
    options.setdefault("state_dir", tmp_path / "state")
    options.setdefault("work_dir", tmp_path / "work")
    (tmp_path / "work").mkdir(exist_ok=True)
    async with tool_session(sandbox, **options) as session:
        yield session


async def workflow(session: ToolSession, **arguments: Any) -> dict[str, Any]:
    """Call zerops_workflow and return its structured answer (failing on an error)."""
    return await session.ok(TOOL, arguments)


async def bootstrap_classic(
    session: ToolSession, plan: list[dict[str, Any]], intent: str = "node app with postgres"
) -> dict[str, Any]:
    """Run a classic bootstrap to the end; returns the close answer."""
    await workflow(session, action="start", workflow="bootstrap", route="classic", intent=intent)
    await workflow(session, action="complete", step="discover", plan=plan)
    provisioned = await workflow(session, action="complete", step="provision")
    assert provisioned["status"] == "step-complete", provisioned
    return await workflow(session, action="complete", step="close")


NODE_ZEROPS_YAML = """zerops:
  - setup: dev
    build:
      base: nodejs@22
      deployFiles: [.]
    run:
      base: nodejs@22
      ports: [{port: 3000, httpSupport: true}]
      start: zsc noop --silent
  - setup: prod
    build:
      base: nodejs@22
      buildCommands: [npm ci]
      deployFiles: [.]
    run:
      base: nodejs@22
      ports: [{port: 3000, httpSupport: true}]
      start: node server.js
"""


def sandbox_deploy(
    sandbox: SandboxHandle, hostname: str, *, setup: str = "dev", outcome: str = "success"
) -> str:
    """Deploy to a sandbox service as ``zcli push`` would and let the build finish; returns the app version id."""
    from zcp.sandbox import builds

    inner = sandbox.sandbox
    with inner.lock:
        service = next(s for s in inner.state.services.values() if s.name == hostname and not s.deleted)
        grant = inner.state.grants[inner.token]
        version, _ = builds.deploy(inner, grant, service, NODE_ZEROPS_YAML, setup, outcome=outcome)  # type: ignore[arg-type]
    sandbox.advance(60)
    return version.id


async def bootstrapped_pair(session: ToolSession) -> None:
    """Bootstrap the Node.js pair with PostgreSQL."""
    closed = await bootstrap_classic(session, NODE_PAIR_PLAN)
    assert closed["status"] == "finished", closed
