"""Run scenarios: one world, one ``zcp serve`` and one plan-following agent per scenario.

Each scenario gets its own run folder (``<report dir>/runs/<id>/``): the working directory zcp serves
(``work/``), its state folder (``state/``), zcp's stderr logs and, in the sandbox, the service trees.
The loop is: the agent decides, the workspace writes the app where zcp said, the call goes to zcp,
the world plays its part (a webhook build), the evaluator reads the state folder. It ends when the
agent stops or fails, or at ``maxTurns``; then the expectations are checked.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from eval.agent import Answer, Call, Fail, PlanFollower, Stop
from eval.expect import Observations, check
from eval.git import git
from eval.scenario import LOCAL_BARE, Scenario
from eval.workspace import Workspace, WorkspaceError
from eval.world import SandboxWorld, World
from eval.zcp_server import ZcpServer

__all__ = ["REPO", "Result", "Turn", "WorldFactory", "run_all", "run_scenario", "sandbox_worlds"]

REPO = Path(__file__).resolve().parent.parent
#: How much of an answer a failing turn keeps for the report, and how much every other turn keeps.
ANSWER_EXCERPT = 4000
TURN_EXCERPT = 1500
#: Seconds to wait for the interrupting route before killing zcp anyway.
INTERRUPT_WAIT = 60.0

WorldFactory = Callable[[Scenario, Path], AbstractAsyncContextManager[World]]


@dataclass
class Turn:
    """One call and what came back."""

    number: int
    tool: str
    args: dict[str, Any]
    origin: str
    outcome: str
    seconds: float
    notes: list[str] = field(default_factory=list)
    #: The answer's text, shortened (the JSON report keeps it for every turn).
    answer: str = ""

    def wire(self) -> dict[str, Any]:
        return {
            "turn": self.number,
            "tool": self.tool,
            "args": self.args,
            "origin": self.origin,
            "outcome": self.outcome,
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
            "answer": self.answer,
        }


@dataclass
class Result:
    """How one scenario went."""

    id: str
    passed: bool = False
    turns: list[Turn] = field(default_factory=list)
    seconds: float = 0.0
    stop: str | None = None
    failure: str | None = None
    failing_turn: int | None = None
    failing_call: str | None = None
    failing_answer: str | None = None
    #: The next call zcp suggested, when the agent refused it (an unknown tool, a loop).
    suggested_call: str | None = None
    unmet: list[str] = field(default_factory=list)
    tools: dict[str, int] = field(default_factory=dict)
    run_dir: str = ""

    @property
    def mark(self) -> str:
        """``pass`` or ``FAIL``."""
        return "pass" if self.passed else "FAIL"

    def wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "passed": self.passed,
            "result": self.mark,
            "turns": len(self.turns),
            "seconds": round(self.seconds, 2),
            "tools": self.tools,
            "stop": self.stop,
            "failure": self.failure,
            "failingTurn": self.failing_turn,
            "failingCall": self.failing_call,
            "failingAnswer": self.failing_answer,
            "suggestedCall": self.suggested_call,
            "unmet": self.unmet,
            "runDir": self.run_dir,
            "transcript": [t.wire() for t in self.turns],
        }


def _outcome(answer: Answer) -> str:
    if answer.lost:
        return "no answer (zcp died)"
    if answer.is_error:
        wire = answer.error
        return (
            f"error {wire['code']}: {str(wire.get('error'))[:160]}"
            if wire
            else f"refused: {answer.text[:160]}"
        )
    data = answer.structured or {}
    status = data.get("status")
    message = str(data.get("message") or data.get("summary") or "").splitlines()
    head = message[0][:160] if message else ""
    return " — ".join(x for x in (str(status) if status else "ok", head) if x)


def _excerpt(answer: Answer | None, limit: int = ANSWER_EXCERPT) -> str | None:
    if answer is None:
        return None
    text = answer.text or ""
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more characters)"


def zcp_env(world: World, scenario: Scenario, run_dir: Path, cache_dir: Path) -> dict[str, str]:
    """The environment of zcp serve: the world's exports, a private state and config, fast polling."""
    config = run_dir / "config"
    (config / "zcli").mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(run_dir / "home"),
        "LANG": "C.UTF-8",
        "XDG_CONFIG_HOME": str(config),
        "XDG_CACHE_HOME": str(cache_dir),
        "ZCP_ZCLI_DATA_DIR": str(config / "zcli"),
        "ZCP_STATE_DIR": str(run_dir / "state"),
        "ZCP_SCHEMA_CACHE_DIR": str(run_dir / "schemas"),
        "ZCP_POLL_INTERVAL": "0.1",
        "ZCP_POLL_MAX_INTERVAL": "0.5",
        "ZCP_PROBE_TIMEOUT": "5",
        "ZCP_LOG_LEVEL": "info",
        "ZCP_READ_ONLY": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "zcp eval",
        "GIT_AUTHOR_EMAIL": "eval@zcp.invalid",
        "GIT_COMMITTER_NAME": "zcp eval",
        "GIT_COMMITTER_EMAIL": "eval@zcp.invalid",
        # zcp serve runs the zcp of this checkout, whatever the interpreter has installed
        "PYTHONPATH": str(REPO),
    }
    (run_dir / "home").mkdir(parents=True, exist_ok=True)
    env.update(world.env)
    env.update(scenario.env)
    return env


def _prepare_workdir(scenario: Scenario, world: World, work_dir: Path) -> None:
    for name, text in scenario.workdir.items():
        path = work_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    if scenario.workdir_git:
        remote = world.bare_url
        assert remote is not None
        git("init", "-q", "-b", "main", cwd=work_dir)
        git("remote", "add", "origin", remote, cwd=work_dir)
        git("add", "-A", cwd=work_dir)
        git("commit", "-q", "--allow-empty", "-m", "the user's checkout", cwd=work_dir)


def _matches(call: Call, tool: str, args: dict[str, Any]) -> bool:
    return call.tool == tool and all(call.args.get(k) == v for k, v in args.items())


async def _interrupted_call(server: ZcpServer, world: World, call: Call, route: str) -> Answer:
    """Make ``call`` and SIGKILL zcp once the world has seen ``route`` (or the call ended first)."""
    answer: Answer | None = None
    async with anyio.create_task_group() as group:

        async def run() -> None:
            nonlocal answer
            answer = await server.call(call)

        group.start_soon(run)
        with anyio.move_on_after(INTERRUPT_WAIT):
            while answer is None and world.hits(route) == 0:
                await anyio.sleep(0.02)
        if answer is None:
            server.kill()
    assert answer is not None
    return answer


async def run_scenario(
    scenario: Scenario,
    reports: Path,
    worlds: WorldFactory,
    *,
    log: Callable[[str], None] | None = None,
) -> Result:
    """Run one scenario to its end (see the module docstring)."""
    run_dir = reports / "runs" / scenario.id
    shutil.rmtree(run_dir, ignore_errors=True)
    work_dir = run_dir / "work"
    work_dir.mkdir(parents=True)
    result = Result(scenario.id, run_dir=str(run_dir))
    started = time.monotonic()
    seen = Observations(run_dir / "state")
    try:
        async with worlds(scenario, run_dir) as world:
            scenario = world.scenario
            await _drive(scenario, world, run_dir, work_dir, reports, result, seen, log)
            if result.failure is None:
                result.unmet = await check(scenario.expect, seen, world, work_dir)
    except Exception as error:  # a broken world or server is a failed scenario, reported as such
        result.failure = result.failure or f"the run broke: {type(error).__name__}: {error}"
    result.tools = dict(sorted(seen.tools.items()))
    result.seconds = time.monotonic() - started
    result.passed = result.failure is None and not result.unmet
    return result


async def _drive(
    scenario: Scenario,
    world: World,
    run_dir: Path,
    work_dir: Path,
    reports: Path,
    result: Result,
    seen: Observations,
    log: Callable[[str], None] | None,
) -> None:
    needs_bare = scenario.answers.remote_url == LOCAL_BARE or scenario.workdir_git
    if needs_bare:
        world.make_bare_repo(run_dir)
    _prepare_workdir(scenario, world, work_dir)
    workspace = Workspace(
        scenario.files, environment=scenario.environment, work_dir=work_dir, mount_root=world.mount_root
    )
    remote = scenario.answers.remote_url
    server = ZcpServer(zcp_env(world, scenario, run_dir, reports / "cache"), work_dir, run_dir)
    try:
        catalog = await server.start()
        agent = PlanFollower(
            scenario,
            catalog,
            workspace,
            remote_url=world.bare_url if remote == LOCAL_BARE else remote,
            patience=world.patience,
            poll_seconds=world.poll_seconds,
        )
        interrupt = scenario.interrupt
        answer: Answer | None = None
        while True:
            decision = agent.decide(answer)
            if isinstance(decision, Stop):
                result.stop = decision.reason
                return
            if isinstance(decision, Fail):
                _fail(result, decision.reason, answer, suggested=decision.call)
                return
            if len(result.turns) >= scenario.max_turns:
                _fail(
                    result, f"needed more than {scenario.max_turns} turns (next: {decision.command})", answer
                )
                return
            call = decision
            notes: list[str] = []
            try:
                written = workspace.prepare(call.tool, dict(call.args))
            except WorkspaceError as error:
                _fail(result, str(error), answer, call)
                return
            if written:
                notes.append(written)
            if call.wait:
                await anyio.sleep(call.wait)
            began = time.monotonic()
            if interrupt is not None and _matches(call, interrupt.tool, interrupt.args):
                answer = await _interrupted_call(server, world, call, interrupt.when_route)
                interrupt = None
            else:
                answer = await server.call(call)
            if answer.lost:
                notes.append("zcp serve died during the call; a new zcp serve takes over")
                catalog = await server.restart()
                agent.catalog = catalog
            note = await world.after_call(call, answer)
            if note:
                notes.append(note)
            if not answer.is_error and not answer.lost:
                try:
                    notes += workspace.write_requested((answer.structured or {}).get("data"))
                except WorkspaceError as error:
                    _fail(result, str(error), answer)
                    return
            seen.answer(answer)
            seen.state(answer)
            turn = Turn(
                len(result.turns) + 1,
                call.tool,
                dict(call.args),
                call.origin,
                _outcome(answer),
                time.monotonic() - began,
                notes,
                _excerpt(answer, TURN_EXCERPT) or "",
            )
            result.turns.append(turn)
            if log is not None:
                log(f"  {scenario.id} #{turn.number} {call.command[:150]} → {turn.outcome[:100]}")
    finally:
        await server.close()


def _fail(
    result: Result,
    reason: str,
    answer: Answer | None,
    call: Call | None = None,
    *,
    suggested: Call | None = None,
) -> None:
    """Record the failure: the failing turn's call and the answer it failed on.

    ``call`` failed before it was made (its files could not be written); ``suggested`` is the call
    zcp's last answer (kept as the evidence) suggested and the agent refused to make.
    """
    result.failure = reason
    if call is not None:
        result.failing_turn = len(result.turns) + 1
        result.failing_call = call.command
        return
    result.failing_turn = len(result.turns) or None
    if answer is not None:
        result.failing_call = answer.call.command
        result.failing_answer = _excerpt(answer)
    if suggested is not None:
        result.suggested_call = suggested.command


def sandbox_worlds(scenario: Scenario, run_dir: Path) -> AbstractAsyncContextManager[World]:
    return SandboxWorld(scenario, run_dir)


async def run_all(
    scenarios: Sequence[Scenario],
    reports: Path,
    worlds: WorldFactory = sandbox_worlds,
    *,
    jobs: int = 2,
    on_result: Callable[[Result], Awaitable[None] | None] | None = None,
    verbose: bool = False,
) -> list[Result]:
    """Run scenarios ``jobs`` at a time; results in the scenarios' order."""
    results: dict[str, Result] = {}
    limiter = anyio.CapacityLimiter(max(1, jobs))
    printer = (lambda line: print(line, file=sys.stderr, flush=True)) if verbose else None

    async def one(scenario: Scenario) -> None:
        async with limiter:
            result = await run_scenario(scenario, reports, worlds, log=printer)
        results[scenario.id] = result
        if on_result is not None:
            maybe = on_result(result)
            if maybe is not None:
                await maybe

    async with anyio.create_task_group() as group:
        for scenario in scenarios:
            group.start_soon(one, scenario)
    return [results[s.id] for s in scenarios]
