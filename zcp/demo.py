"""The `make run` demo: a real MCP client session against `zcp serve`, printed step by step.

It starts the sandbox (the local Zerops emulator, scenario ``standard``) in this process on loopback,
as ``zcp sandbox serve --container --run-code`` does: services get file trees and SSH, builds really
run (on this machine, loopback only), and a ``zcp`` service is added whose exports make ``zcp serve``
act as the project's own zcp. It spawns ``zcp serve`` over STDIO exactly as an agent's host would,
with those exports, and then:

1. lists the tools and runs a few knowledge calls;
2. discovers the sandbox project, reads a service's logs and the project's events;
3. scales a service, printing the progress notifications as they arrive;
4. verifies the service;
5. bootstraps a Python app with PostgreSQL through ``zerops_workflow`` (route menu, plan, provision
   with progress — the dev service is mounted —, close) and opens a develop session;
6. deploys: sets close-mode auto, writes a small app into the mount, deploys the dev service,
   verifies it, promotes it to the stage service, verifies that, fetches the page through its
   subdomain and shows the session closed itself;
7. breaks the build and shows the classified failure with its build log.

The sandbox runs on the wall clock with its processes sped up. Any step that fails stops the demo
with a message and exit code 1.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

_WIDTH = 100
#: Sandbox processes run at this fraction of their real duration (a scale takes ~1.3 s instead of 2.5 s).
SANDBOX_TIME_SCALE = 0.5
#: How often zcp re-reads a process during the demo (seconds).
DEMO_POLL_INTERVAL = 0.25
#: The service the demo scales and verifies.
DEMO_SERVICE = "appdev"


class DemoFailed(Exception):
    """A step did not do what the demo shows; the message says which and why."""


def _banner(text: str) -> None:
    print(f"\n\033[1m▶ {text}\033[0m" if sys.stdout.isatty() else f"\n▶ {text}", flush=True)


def _text(result: Any) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


def _styled(piece: str, bold: bool, tty: bool) -> tuple[str, bool]:
    """Markdown ``**bold**`` as terminal bold (plain text when not a terminal); returns the state."""
    parts = piece.split("**")
    out = ["\033[1m" if tty and bold else ""]
    for n, part in enumerate(parts):
        if n:
            bold = not bold
            out.append(("\033[1m" if bold else "\033[0m") if tty else "")
        out.append(part)
    if tty and bold:
        out.append("\033[0m")
    return "".join(out), bold


def _show(result: Any, max_lines: int = 24) -> None:
    lines = _text(result).splitlines()
    tty = sys.stdout.isatty()
    for line in lines[:max_lines]:
        # Wrap long lines (keeping their indent) rather than cutting them off.
        indent = line[: len(line) - len(line.lstrip())]
        pieces = textwrap.wrap(
            line, _WIDTH, subsequent_indent=indent + "  ", break_long_words=False, break_on_hyphens=False
        )
        bold = False
        for piece in pieces or [""]:
            text, bold = _styled(piece, bold, tty)
            print(text)
    if len(lines) > max_lines:
        print(f"… ({len(lines) - max_lines} more lines)")
    if result.is_error:
        print("(tool returned an error result)")
    sys.stdout.flush()


def server_parameters(platform_env: dict[str, str] | None = None) -> StdioServerParameters:
    """How to start `zcp serve`: this interpreter, with the settings that matter passed through.

    ``platform_env`` (the sandbox's address and token) wins over anything inherited, so a real
    ``ZCP_API_KEY`` in the caller's environment is never used by the demo.
    """
    env = {
        k: v for k, v in os.environ.items() if k.startswith(("ZCP_", "XDG_")) or k in ("HOME", "PATH", "LANG")
    }
    env.update(platform_env or {})
    return StdioServerParameters(command=sys.executable, args=["-m", "zcp", "serve"], env=env)


@contextmanager
def demo_sandbox() -> Iterator[tuple[str, str, dict[str, str]]]:
    """The ``standard`` project with containers and running code: yields (url, token, zcp's exports)."""
    from zcp.sandbox import Sandbox, SandboxServer, SystemClock
    from zcp.sandbox.app import SERVE_EXTENSIONS
    from zcp.sandbox.containers import ContainerHost
    from zcp.sandbox.scenarios import add_zcp_service

    sandbox = Sandbox(scenario="standard", clock=SystemClock(), time_scale=SANDBOX_TIME_SCALE)
    host = ContainerHost(run_code=True)
    with SandboxServer(sandbox, extensions=(*SERVE_EXTENSIONS, host)) as server:
        sandbox.served_at = server.url
        with sandbox.lock:
            project = next(iter(sandbox.state.projects.values()))
            exports = host.exports(add_zcp_service(sandbox, project))
        exports["ZCP_API_HOST"] = server.url
        yield server.url, sandbox.token, exports


async def _call(
    client: Any,
    tool: str,
    args: dict[str, Any],
    label: str,
    *,
    expect_error: bool = False,
    progress: bool = False,
    max_lines: int = 24,
) -> Any:
    _banner(f"{tool} {json.dumps(args)}  — {label}")

    async def report(done: float, total: float | None, message: str | None) -> None:
        print(f"  ⋯ {message or done}", flush=True)

    result = await client.call_tool(tool, args, progress_callback=report if progress else None)
    _show(result, max_lines)
    if bool(result.is_error) != expect_error:
        what = _text(result)[:300] if result.is_error else "it succeeded"
        raise DemoFailed(
            f"{tool} ({label}): expected {'an error' if expect_error else 'success'}, but {what}"
        )
    return result


async def _knowledge(client: Any) -> None:
    calls: list[tuple[str, dict[str, Any], bool]] = [
        ("search", {"query": "postgres connection string", "limit": 3}, False),
        ("search with an alias", {"query": "redis cache port", "limit": 2}, False),
        ("a stack briefing", {"runtime": "nodejs@22", "services": ["postgresql@16"]}, False),
        ("a recipe, tailored to a mode", {"recipe": "python", "mode": "dev"}, False),
        ("a section by URI", {"uri": "zerops://themes/services#valkey"}, False),
        ("a typo gets suggestions", {"query": "postgrse"}, False),
        ("a bad call gets a structured error", {"query": "ports", "recipe": "nodejs"}, True),
    ]
    for label, args, error in calls:
        await _call(client, "zerops_knowledge", args, label, expect_error=error)


async def _platform(client: Any) -> None:
    host = DEMO_SERVICE
    await _call(client, "zerops_discover", {}, "the sandbox project and its services")
    await _call(
        client, "zerops_logs", {"serviceHostname": "db", "since": "24h", "limit": 5}, "recent log lines"
    )
    await _call(client, "zerops_events", {"limit": 5}, "the project's activity")
    scaled = await _call(
        client,
        "zerops_scale",
        {"serviceHostname": host, "minRam": 0.5, "maxRam": 2, "maxContainers": 2},
        "scale it (progress arrives while zcp waits)",
        progress=True,
    )
    data = scaled.structured_content or {}
    if data.get("outcome") != "done" or data.get("scaling", {}).get("maxRam") != 2:
        raise DemoFailed(f"zerops_scale did not finish with the new limits: {json.dumps(data)[:300]}")
    verified = await _call(client, "zerops_verify", {"serviceHostname": host}, "check it is healthy")
    status = (verified.structured_content or {}).get("status")
    if status != "healthy":
        raise DemoFailed(f"zerops_verify says {host} is {status!r}, not healthy")


#: The stack the demo bootstraps next to the sandbox's existing services (the database exists already).
DEMO_PLAN: list[dict[str, Any]] = [
    {
        "runtime": {
            "devHostname": "apidev",
            "type": "python@3.12",
            "bootstrapMode": "standard",
            "stageHostname": "apistage",
        },
        "dependencies": [{"hostname": "db", "type": "postgresql@16", "resolution": "EXISTS"}],
    }
]

#: The app the demo writes into the mounted dev service: one page that names the database it is given.
DEMO_APP = """\
import http.server, os
from urllib.parse import urlsplit

DB = urlsplit(os.environ.get("DATABASE_URL", "")).hostname or "no database"


class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"Hello from {os.environ.get('hostname')} - PostgreSQL at {DB}\\n".encode()
        self.send_response(200)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        print("GET", self.path, flush=True)


print("serving on", os.environ.get("PORT", "8000"), flush=True)
http.server.HTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8000"))), Page).serve_forever()
"""

DEMO_ZEROPS_YAML = """\
zerops:
  - setup: dev
    build:
      base: python@3.12
      buildCommands:
        - python3 -m py_compile app.py
      deployFiles: ./
    run:
      base: python@3.12
      envVariables:
        DATABASE_URL: ${db_connectionString}
      ports:
        - port: 8000
          httpSupport: true
      start: python3 app.py
  - setup: prod
    build:
      base: python@3.12
      buildCommands:
        - python3 -m py_compile app.py
      deployFiles: ./
    run:
      base: python@3.12
      envVariables:
        DATABASE_URL: ${db_connectionString}
      ports:
        - port: 8000
          httpSupport: true
      start: python3 app.py
"""


def _data(result: Any) -> dict[str, Any]:
    data: dict[str, Any] = result.structured_content or {}
    return data


async def _workflow(client: Any) -> None:
    intent = "Python API with PostgreSQL and Valkey"
    await _call(client, "zerops_workflow", {"action": "status"}, "where the project stands")
    menu = await _call(
        client,
        "zerops_workflow",
        {"action": "start", "workflow": "bootstrap", "intent": intent},
        "the route menu",
    )
    routes = [o["route"] for o in _data(menu).get("data", {}).get("routeOptions", [])]
    if "classic" not in routes:
        raise DemoFailed(f"the route menu offers no classic route: {routes}")
    commit: dict[str, Any] = {
        "action": "start",
        "workflow": "bootstrap",
        "route": "classic",
        "intent": intent,
    }
    await _call(client, "zerops_workflow", commit, "commit the classic route")
    discover: dict[str, Any] = {"action": "complete", "step": "discover", "plan": DEMO_PLAN}
    await _call(client, "zerops_workflow", discover, "submit the plan (db exists, the rest is new)")
    provisioned = await _call(
        client,
        "zerops_workflow",
        {"action": "complete", "step": "provision"},
        "zcp writes the import YAML, creates the services and checks them",
        progress=True,
    )
    if _data(provisioned).get("status") != "step-complete":
        raise DemoFailed(
            f"provision did not pass its checks: {json.dumps(_data(provisioned).get('data'))[:400]}"
        )
    await _call(client, "zerops_workflow", {"action": "complete", "step": "close"}, "record the services")
    started = await _call(
        client,
        "zerops_workflow",
        {"action": "start", "workflow": "develop", "intent": "add a /health endpoint", "scope": ["apidev"]},
        "open a develop session (the stage half joins the scope)",
        max_lines=40,
    )
    data = _data(started)
    if data.get("phase") != "develop-active":
        raise DemoFailed(f"the develop session did not open: {data.get('message')}")
    primary = (data.get("nextActions") or [{}])[0]
    print(f"\n  next call the agent is told to make: {primary.get('tool')} {json.dumps(primary.get('args'))}")


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise DemoFailed(what)


async def _deploy_story(client: Any, mount_root: Path) -> None:
    await _call(
        client,
        "zerops_workflow",
        {"action": "close-mode", "closeMode": {"apidev": "auto"}},
        "close mode auto: the session closes itself once everything is deployed and verified",
    )
    source = mount_root / "apidev"
    _banner(f"write app.py and zerops.yaml into the mount {source} (the apidev service's /var/www)")
    _expect(source.is_dir(), f"provision did not mount apidev at {source}")
    (source / "app.py").write_text(DEMO_APP, encoding="utf-8")
    (source / "zerops.yaml").write_text(DEMO_ZEROPS_YAML, encoding="utf-8")
    for line in DEMO_ZEROPS_YAML.splitlines()[:16]:
        print(f"  {line}")
    print("  …")
    deployed = _data(
        await _call(
            client,
            "zerops_deploy",
            {"targetService": "apidev"},
            "zcli push over SSH on apidev; the build runs, the app starts (progress while zcp waits)",
            progress=True,
        )
    )
    _expect(deployed.get("status") == "DEPLOYED", f"apidev did not deploy: {deployed.get('message')}")
    verified = _data(await _call(client, "zerops_verify", {"serviceHostname": "apidev"}, "is it healthy?"))
    _expect(verified.get("status") == "healthy", f"apidev is {verified.get('status')}")
    promoted = _data(
        await _call(
            client,
            "zerops_deploy",
            {"sourceService": "apidev", "targetService": "apistage", "setup": "prod"},
            "promote the same code to the stage service (cross-deploy, prod setup)",
            progress=True,
        )
    )
    _expect(promoted.get("status") == "DEPLOYED", f"apistage did not deploy: {promoted.get('message')}")
    stage = _data(await _call(client, "zerops_verify", {"serviceHostname": "apistage"}, "verify the stage"))
    session = stage.get("workSessionState") or {}
    _expect(session.get("status") == "auto-closed", f"the develop session did not close itself: {session}")
    url = promoted.get("subdomainUrl")
    _expect(bool(url), "apistage has no subdomain URL")
    import httpx

    async with httpx.AsyncClient(timeout=10) as http:
        page = await http.get(str(url))
    _banner(f"GET {url}")
    print(f"  HTTP {page.status_code}: {page.text.strip()}")
    _expect(
        page.status_code == 200 and "Hello from apistage" in page.text, "the stage does not serve the app"
    )
    await _call(
        client, "zerops_workflow", {"action": "status"}, "the session closed itself (develop-closed-auto)"
    )

    await _call(
        client,
        "zerops_workflow",
        {"action": "start", "workflow": "develop", "intent": "try a change", "scope": ["apidev"]},
        "a new task",
        max_lines=6,
    )
    _banner("break the code: app.py gets a syntax error")
    (source / "app.py").write_text(
        DEMO_APP.replace("def do_GET(self):", "def do_GET(self)", 1), encoding="utf-8"
    )
    broken = _data(
        await _call(
            client, "zerops_deploy", {"targetService": "apidev"}, "deploy the broken code", max_lines=40
        )
    )
    kind = (broken.get("failureClassification") or {}).get("category")
    _expect(
        broken.get("status") == "BUILD_FAILED" and kind == "build",
        f"the broken build was not classified: {broken.get('status')} / {kind}",
    )


async def run_demo() -> None:
    with demo_sandbox() as (url, token, exports):
        print(
            f"sandbox: scenario 'standard' at {url} (processes run at {SANDBOX_TIME_SCALE:g}x their length; "
            "--container --run-code: deployed code runs on this machine, loopback only)"
        )
        state = tempfile.mkdtemp(prefix="zcp-demo-state-")
        platform_env = {
            **exports,
            "ZCP_STATE_DIR": state,
            "ZCP_API_KEY": token,
            "ZCP_READ_ONLY": "0",
            "ZCP_POLL_INTERVAL": str(DEMO_POLL_INTERVAL),
            "ZCP_POLL_MAX_INTERVAL": str(DEMO_POLL_INTERVAL * 2),
        }
        async with Client(server_parameters(platform_env), read_timeout_seconds=120) as client:
            info = client.server_info if hasattr(client, "server_info") else None
            _banner("Connected to zcp serve over STDIO" + (f" ({info.name} {info.version})" if info else ""))

            tools = await client.list_tools()
            _banner(f"tools/list → {len(tools.tools)} tool(s)")
            for tool in tools.tools:
                hints = tool.annotations
                flags = "read-only" if hints and hints.read_only_hint else "mutating"
                print(f"  {tool.name:<22} {flags:<10} {textwrap.shorten(tool.description or '', 64)}")
            missing = {
                "zerops_discover",
                "zerops_logs",
                "zerops_events",
                "zerops_scale",
                "zerops_verify",
                "zerops_deploy",
            } - {t.name for t in tools.tools}
            if missing:
                raise DemoFailed(f"zcp serve does not offer {', '.join(sorted(missing))}")

            await _knowledge(client)

            resources = await client.list_resources()
            _banner(f"resources/list → {len(resources.resources)} knowledge documents as zerops:// resources")
            for resource in resources.resources[:5]:
                print(f"  {resource.uri}  {resource.title}")
            print("  …")

            await _platform(client)
            await _workflow(client)
            await _deploy_story(client, Path(exports["ZCP_MOUNT_ROOT"]))


def _root_cause(error: BaseException) -> BaseException:
    """The first leaf of (possibly nested) exception groups, which task groups wrap errors in."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


def main() -> int:
    try:
        anyio.run(run_demo)
    except Exception as error:  # a step failed, the server did not start, a connection broke…
        cause = _root_cause(error)
        text = str(cause) if isinstance(cause, DemoFailed) else f"{type(cause).__name__}: {cause}"
        print(f"\ndemo failed: {text}", file=sys.stderr, flush=True)
        return 1
    print("\ndemo finished", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
