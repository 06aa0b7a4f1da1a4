"""The plan-following agent: a careful agent with no knowledge of its own.

At each turn it reads zcp's last answer and makes exactly the **primary next action** zcp suggested
(the first ``nextActions`` entry: tool + arguments, structured or written as a call), filling only
``<…>`` placeholders with what the user supplies (:mod:`eval.fill`). Its few other rules are the ones
zcp itself teaches:

* start, and re-orient after an answer that suggests no next call, with
  ``zerops_workflow action="status"`` (zcp's instructions and tool description name it for that);
* on a route menu, take the option the user chose (``answers.route``), else the first;
* on an error, follow its ``recovery`` call, else re-orient;
* when zcp asks for the next task (a develop start whose intent is a placeholder), take the user's next
  task; with none left the user is done and the agent stops.

It fails the scenario when zcp points at a tool, action or parameter ``zcp serve`` does not offer,
when zcp rejects a call it suggested (an input error), when it asks for a value the user does not
supply, and on a loop: the same call made twice from the same state (read-only calls may repeat
while waiting, within a budget).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from pydantic import JsonValue

from eval.fill import FillContext, Unfillable, fill_call, has_placeholder
from eval.scenario import Scenario, UserCall
from eval.workspace import Workspace

__all__ = [
    "READ_ONLY_WORKFLOW_ACTIONS",
    "REJECTIONS",
    "Answer",
    "Call",
    "Catalog",
    "Fail",
    "PlanFollower",
    "Stop",
    "parse_command",
]

STATUS_ARGS: dict[str, JsonValue] = {"action": "status"}
#: Error codes that mean "this call is wrong", as opposed to "the platform or the app failed".
REJECTIONS = frozenset({"INVALID_PARAMETER", "INVALID_USAGE", "INVALID_HOSTNAME"})
READ_ONLY_WORKFLOW_ACTIONS = frozenset({"status", "list", "route"})
#: Deploy results that are not a failure of the service.
DEPLOY_OK = frozenset({"DEPLOYED", "PUSHED", "NOTHING_TO_PUSH"})

_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_VOLATILE_KEY = re.compile(r"(At|Time|time|Duration|duration|Millis|Ms|Seconds|elapsed)$")
_OPAQUE_ID = re.compile(r"\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{16,}\b")


@dataclass(frozen=True)
class Call:
    """One tool call the agent makes, and where it came from."""

    tool: str
    args: dict[str, JsonValue]
    origin: str
    #: Seconds to wait before making it (a read-only call repeated while the platform works).
    wait: float = 0.0

    @property
    def command(self) -> str:
        return f"{self.tool} {json.dumps(self.args, sort_keys=True, ensure_ascii=False)}"


@dataclass
class Answer:
    """What zcp answered to a call (``lost`` when zcp died before answering)."""

    call: Call
    is_error: bool = False
    structured: dict[str, Any] | None = None
    text: str = ""
    lost: bool = False

    @property
    def error(self) -> dict[str, Any] | None:
        """The error wire (``code``, ``error``, ``suggestion``, ``recovery`` …) of a zcp error result."""
        if not self.is_error:
            return None
        try:
            wire = json.loads(self.text)
        except ValueError:
            return None
        return wire if isinstance(wire, dict) and "code" in wire else None

    @property
    def next_actions(self) -> list[dict[str, Any]]:
        """The next actions as ``{tool, args, label?}``: structured entries as they are, and entries written
        as a call (``zerops_verify serviceHostname="app"``, the form zcp renders calls in) read as one.
        The list ends at the first entry that is neither, so a hint in prose never becomes a call."""
        raw = (self.structured or {}).get("nextActions") or []
        actions: list[dict[str, Any]] = []
        for entry in raw:
            if isinstance(entry, dict) and isinstance(entry.get("tool"), str):
                actions.append(entry)
            elif isinstance(entry, str) and (parsed := parse_command(entry)) is not None:
                actions.append({"label": entry, "tool": parsed[0], "args": parsed[1]})
            else:
                break
        return actions


_TOOL_NAME = re.compile(r"[a-z][a-z0-9_]*")
_ARG_NAME = re.compile(r"\s+([A-Za-z_][A-Za-z0-9_]*)=")


def parse_command(text: str) -> tuple[str, dict[str, JsonValue]] | None:
    """``tool key=<JSON> …`` as (tool, args); ``None`` for anything else (prose, placeholders like
    ``content=<import YAML>``)."""
    text = text.strip()
    name = _TOOL_NAME.match(text)
    if name is None or not name.group(0).startswith("zerops_"):
        return None
    decoder = json.JSONDecoder()
    args: dict[str, JsonValue] = {}
    pos = name.end()
    while pos < len(text):
        key = _ARG_NAME.match(text, pos)
        if key is None:
            return None
        try:
            value, pos = decoder.raw_decode(text, key.end())
        except ValueError:
            return None
        args[key.group(1)] = value
    return name.group(0), args


@dataclass(frozen=True)
class Stop:
    """The agent is done (the user has nothing more to ask)."""

    reason: str


@dataclass(frozen=True)
class Fail:
    """The scenario failed at this turn; ``call`` is the call zcp suggested, when that is what failed."""

    reason: str
    call: Call | None = None


@dataclass(frozen=True)
class Catalog:
    """What ``zcp serve`` offers, from ``tools/list``."""

    parameters: dict[str, frozenset[str]]
    read_only: frozenset[str] = frozenset()
    workflow_actions: frozenset[str] = frozenset()
    workflows: frozenset[str] = frozenset()

    def problem(self, tool: str, args: dict[str, JsonValue]) -> str | None:
        if tool not in self.parameters:
            return f"zcp pointed at {tool}, a tool zcp serve does not offer"
        unknown = sorted(set(args) - self.parameters[tool])
        if unknown:
            return f"zcp suggested {tool} with {', '.join(unknown)}, which {tool} does not take"
        if tool == "zerops_workflow":
            action, workflow = args.get("action"), args.get("workflow")
            if isinstance(action, str) and action not in self.workflow_actions:
                return f'zcp suggested zerops_workflow action="{action}", which does not exist'
            if isinstance(workflow, str) and workflow not in self.workflows:
                return f'zcp suggested zerops_workflow workflow="{workflow}", which does not exist'
        return None

    def is_read_only(self, tool: str, args: dict[str, JsonValue]) -> bool:
        if tool == "zerops_workflow":
            return args.get("action") in READ_ONLY_WORKFLOW_ACTIONS
        return tool in self.read_only


def _normalise(value: Any, key: str = "") -> Any:
    """An answer without what changes on every call (times, durations, generated ids)."""
    if isinstance(value, dict):
        return {k: _normalise(v, k) for k, v in sorted(value.items()) if not _VOLATILE_KEY.search(k)}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, str):
        return _OPAQUE_ID.sub("<id>", _ISO_TIME.sub("<time>", value))
    if isinstance(value, float) and key:
        return round(value)
    return value


def fingerprint(*parts: Any) -> str:
    data = json.dumps([_normalise(p) for p in parts], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


@dataclass
class PlanFollower:
    """The agent's policy (see the module docstring); the runner makes the calls."""

    scenario: Scenario
    catalog: Catalog
    workspace: Workspace
    remote_url: str | None = None
    #: Seconds a read-only call may be repeated unchanged while waiting for the platform.
    patience: float = 30.0
    poll_seconds: float = 1.0
    tasks: deque[str | UserCall] = field(init=False)
    task: str | None = field(default=None, init=False)
    develop_tasks: int = field(default=0, init=False)
    waited: float = field(default=0.0, init=False)
    _seen: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.tasks = deque(self.scenario.tasks)

    # --- observing answers ----------------------------------------------------------------------------

    def observe(self, answer: Answer) -> None:
        """Note the failures an answer reports (the next write of that service's code is the user's fix)."""
        call = answer.call
        if answer.lost:
            return
        if call.tool == "zerops_deploy":
            target = call.args.get("targetService")
            status = (answer.structured or {}).get("status")
            failed = answer.is_error or (
                isinstance(status, str)
                and status not in DEPLOY_OK
                and not (answer.structured or {}).get("timedOut")
            )
            if failed and isinstance(target, str):
                self.workspace.note_failure(target)
        elif call.tool == "zerops_verify" and answer.structured:
            for service in answer.structured.get("services") or []:
                if isinstance(service, dict) and service.get("status") != "healthy":
                    self.workspace.note_failure(str(service.get("hostname")))

    # --- deciding ------------------------------------------------------------------------------------

    def decide(self, answer: Answer | None) -> Call | Stop | Fail:
        """The next call, given zcp's last answer (``None`` at the start)."""
        if answer is None or answer.lost:
            origin = "start: re-orient" if answer is None else "zcp was restarted: re-orient"
            return self._checked(Call("zerops_workflow", dict(STATUS_ARGS), origin), answer)
        self.observe(answer)
        if answer.is_error:
            wire = answer.error
            if wire is None:
                return Fail(
                    f"{answer.call.tool} was refused before zcp handled it: {answer.text.strip()[:300]}"
                )
            code = str(wire.get("code"))
            if code in REJECTIONS:
                return Fail(f"zcp rejected the call it suggested ({code}): {wire.get('error')}")
            recovery = wire.get("recovery")
            if isinstance(recovery, dict) and isinstance(recovery.get("tool"), str):
                return self._choose(recovery, f"recovery of {code}", answer)
            return self._checked(
                Call("zerops_workflow", dict(STATUS_ARGS), f"after {code}: re-orient"), answer
            )
        actions = answer.next_actions
        if not actions:
            if answer.call.tool == "zerops_workflow" and answer.call.args == STATUS_ARGS:
                return Fail('zerops_workflow action="status" suggested no next action')
            return self._checked(
                Call("zerops_workflow", dict(STATUS_ARGS), "no structured next action: re-orient"), answer
            )
        if (answer.structured or {}).get("status") == "route-menu":
            return self._route(actions, answer)
        return self._choose(actions[0], f"primary: {actions[0].get('label') or actions[0]['tool']}", answer)

    def _route(self, actions: list[dict[str, Any]], answer: Answer) -> Call | Stop | Fail:
        wanted = self.scenario.answers.route
        if wanted is None:
            return self._choose(actions[0], "route menu: the first option", answer)
        for action in actions:
            args = action.get("args") or {}
            if args.get("route") == wanted and (
                wanted != "recipe" or args.get("recipeSlug") == self.scenario.answers.recipe
            ):
                return self._choose(action, f"route menu: the user's choice {wanted}", answer)
        offered = ", ".join(
            str((a.get("args") or {}).get("route"))
            + (f" {a['args']['recipeSlug']}" if (a.get("args") or {}).get("recipeSlug") else "")
            for a in actions
        )
        choice = wanted + (f" {self.scenario.answers.recipe}" if wanted == "recipe" else "")
        return Fail(f"the route menu does not offer the user's choice ({choice}); it offers {offered}")

    def _choose(self, action: dict[str, Any], origin: str, answer: Answer) -> Call | Stop | Fail:
        tool = str(action["tool"])
        args: dict[str, JsonValue] = dict(action.get("args") or {})
        if (
            tool == "zerops_workflow"
            and args.get("action") == "start"
            and args.get("workflow") == "develop"
            and has_placeholder(args.get("intent"))
        ):
            if not self.tasks:
                return Stop("zcp asks for the next task and the user has none left")
            task = self.tasks.popleft()
            if isinstance(task, UserCall):
                return self._checked(Call(task.tool, dict(task.args), "the user's next request"), answer)
            self.task = task
            if self.develop_tasks:
                self.workspace.next_change()
            self.develop_tasks += 1
            origin += f" (task: {task})"
        try:
            filled = fill_call(args, self._fill_context())
        except Unfillable as error:
            return Fail(str(error))
        return self._checked(Call(tool, filled, origin), answer)

    def _fill_context(self) -> FillContext:
        answers = self.scenario.answers
        return FillContext(
            bootstrap_intent=self.scenario.intent,
            develop_intent=self.task,
            scope=answers.scope,
            plan=answers.plan,
            remote_url=self.remote_url,
            env_classifications=answers.env_classifications,
            dev_servers={h: (d.command, d.port) for h, d in answers.dev_server.items()},
        )

    def _checked(self, call: Call, answer: Answer | None) -> Call | Fail:
        problem = self.catalog.problem(call.tool, call.args)
        if problem is not None:
            return Fail(problem, call)
        observed = None
        if answer is not None:
            observed = answer.structured if answer.structured is not None else answer.text
        key = fingerprint(call.tool, call.args, observed, self.workspace.snapshot(), len(self.tasks))
        if key in self._seen:
            if not self.catalog.is_read_only(call.tool, call.args):
                return Fail(f"loop: {call.command} again from the same state", call)
            if self.waited + self.poll_seconds > self.patience:
                return Fail(
                    f"loop: {call.command} keeps answering the same after {self.waited:g}s of waiting", call
                )
            self.waited += self.poll_seconds
            return Call(
                call.tool, call.args, call.origin + " (waiting: nothing changed yet)", self.poll_seconds
            )
        self._seen.add(key)
        return call
