"""make e2e cleans up after a scenario that fails, is cancelled or is interrupted (Ctrl-C, SIGTERM).

The "real Zerops" is a sandbox server; the world is the live one (:func:`eval.live.live_worlds`). The
scenario's own driving is replaced by a stand-in that creates the scenario's (prefixed) services
through the API, as zcp would, and then breaks the way the test needs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from eval import runner
from eval.live import LiveSettings, LiveWorld, live_worlds
from eval.runner import REPO, run_scenario
from tests.eval.helpers import scenario
from tests.plugins.sandbox import SandboxHandle

pytestmark = pytest.mark.anyio

PLAN = [
    {
        "runtime": {"devHostname": "web", "type": "python@3.12", "bootstrapMode": "simple"},
        "dependencies": [{"hostname": "db", "type": "postgresql@16", "resolution": "CREATE"}],
    }
]
STORY = scenario(environment="local", answers={"plan": PLAN})


def _import_yaml(*hostnames: str) -> str:
    return "services:\n" + "".join(
        f"  - hostname: {h}\n    type: {'postgresql@16' if h.endswith('db') else 'python@3.12'}\n"
        "    mode: NON_HA\n"
        for h in hostnames
    )


async def _create(sandbox: SandboxHandle, *hostnames: str) -> None:
    """Create services through the API (what zcp's bootstrap does), and let the creation finish."""
    async with httpx.AsyncClient(timeout=5.0) as http:
        client = sandbox.client(http)
        await client.import_services(sandbox.project().id, _import_yaml(*hostnames))
    sandbox.advance(60)


def _alive(sandbox: SandboxHandle) -> set[str]:
    """Hostnames of the sandbox's user services that are not deleted."""
    with sandbox.sandbox.lock:
        return {
            s.name
            for s in sandbox.sandbox.state.services.values()
            if not s.deleted and s.stack_type.category not in ("BUILD", "CORE")
        }


def _planned(world: Any) -> list[str]:
    """The dev and dependency hostnames of the (prefixed) scenario the world runs."""
    plan = world.scenario.answers.plan
    return [plan[0]["runtime"]["devHostname"], plan[0]["dependencies"][0]["hostname"]]


@pytest.fixture
def keep_sigterm() -> Iterator[None]:
    """live_worlds turns SIGTERM into an interrupt for the whole process: undo that after the test."""
    before = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, before)


@pytest.fixture
def real(sandbox_factory: Callable[..., SandboxHandle]) -> SandboxHandle:
    """The "real Zerops" project, with one service of someone else's that must survive every cleanup."""
    sandbox = sandbox_factory("empty", time_scale=0)
    anyio.run(_create, sandbox, "keepme")
    return sandbox


def _driver(sandbox: SandboxHandle, then: Callable[[], Any], made: list[str]) -> Any:
    """A stand-in for the runner's ``_drive``: creates the scenario's services, then does ``then``."""

    async def drive(story: Any, world: Any, *_: Any) -> None:
        assert isinstance(world, LiveWorld)
        hosts = _planned(world)
        assert all(h.startswith(world.prefix) for h in hosts)
        await _create(sandbox, *hosts)
        made.extend(hosts)
        await then()

    return drive


def _cleanup_record(reports: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (reports / "runs" / STORY.id / "cleanup.json").read_text(encoding="utf-8")
    )
    return data


async def test_a_scenario_that_breaks_still_deletes_what_it_created(
    real: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keep_sigterm: None
) -> None:
    made: list[str] = []

    async def broken() -> None:
        raise RuntimeError("zcp serve went away")

    monkeypatch.setattr(runner, "_drive", _driver(real, broken, made))
    result = await run_scenario(
        STORY, tmp_path, live_worlds(LiveSettings(real.token, real.url, delete_poll_seconds=0.05))
    )
    assert result.passed is False
    assert result.failure == "the run broke: RuntimeError: zcp serve went away"
    assert len(made) == 2 and _alive(real) == {"keepme"}
    record = _cleanup_record(tmp_path)
    assert sorted(record["deleted"]) == sorted(made) and made[0].startswith(record["prefix"])


async def test_a_scenario_interrupted_with_ctrl_c_still_deletes_what_it_created(
    real: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keep_sigterm: None
) -> None:
    made: list[str] = []

    async def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_drive", _driver(real, interrupted, made))
    with pytest.raises(KeyboardInterrupt):  # not swallowed as a failed scenario: the run stops
        await run_scenario(
            STORY, tmp_path, live_worlds(LiveSettings(real.token, real.url, delete_poll_seconds=0.05))
        )
    assert len(made) == 2 and _alive(real) == {"keepme"}
    assert sorted(_cleanup_record(tmp_path)["deleted"]) == sorted(made)


async def test_a_cancelled_scenario_still_deletes_what_it_created(
    real: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keep_sigterm: None
) -> None:
    made: list[str] = []
    created = anyio.Event()

    async def hang() -> None:
        created.set()
        await anyio.sleep_forever()

    monkeypatch.setattr(runner, "_drive", _driver(real, hang, made))
    worlds = live_worlds(LiveSettings(real.token, real.url, delete_poll_seconds=0.05))
    async with anyio.create_task_group() as group:
        group.start_soon(run_scenario, STORY, tmp_path, worlds)
        await created.wait()
        assert set(made) <= _alive(real)  # they exist while the scenario runs
        group.cancel_scope.cancel()
    assert len(made) == 2 and _alive(real) == {"keepme"}
    assert sorted(_cleanup_record(tmp_path)["deleted"]) == sorted(made)


#: A make e2e run in its own process: one scenario whose services exist, then it waits (for SIGTERM).
_SIGTERMED = """
import sys
from pathlib import Path

import anyio, httpx
from eval.live import LiveSettings, live_worlds
from tests.eval.test_e2e_cleanup import STORY, _import_yaml, _planned
from zcp.platform.client import ZeropsClient
from zcp.secrets import SecretToken

url, token, project, run_dir = sys.argv[1:5]

async def main() -> None:
    worlds = live_worlds(LiveSettings(token, url, delete_poll_seconds=0.05))
    async with worlds(STORY, Path(run_dir)) as world:
        async with httpx.AsyncClient(timeout=10) as http:
            client = ZeropsClient(http, base_url=url, token=SecretToken(token))
            await client.import_services(project, _import_yaml(*_planned(world)))
        print("created", *_planned(world), flush=True)
        await anyio.sleep(120)

anyio.run(main)
"""


@pytest.mark.slow
def test_a_run_ended_with_sigterm_deletes_what_it_created_before_it_exits(
    real: SandboxHandle, tmp_path: Path
) -> None:
    (tmp_path / "run").mkdir()
    child = subprocess.Popen(
        [sys.executable, "-c", _SIGTERMED, real.url, real.token, real.project().id, str(tmp_path / "run")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert child.stdout is not None
        line = _line_within(child.stdout, 120.0)  # once the services exist (or the child died)
        assert line.startswith("created "), (line, child.stderr.read() if child.stderr else "")
        made = line.split()[1:]
        real.advance(60)
        assert set(made) <= _alive(real)
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode != 0  # an interrupted run does not pass for a finished one
    assert "KeyboardInterrupt" in err
    assert _alive(real) == {"keepme"}
    record = json.loads((tmp_path / "run" / "cleanup.json").read_text(encoding="utf-8"))
    assert sorted(record["deleted"]) == sorted(made)


def _line_within(stream: Any, seconds: float) -> str:
    """The next line of ``stream``, failing the test instead of hanging when none comes in time."""
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(seconds):
            raise AssertionError(f"no line from the child within {seconds:.0f} s")
    line: str = stream.readline()
    return line
