"""Eval scenarios: a user's request plus everything the user would supply, and what must be true at the end.

A scenario is a markdown file in ``eval/scenarios/``: YAML frontmatter (the fields of :class:`Scenario`)
and, as the body, the user's request in their own words. The frontmatter holds only what a user knows
or decides — the request, route and plan choices, the app's files, answers to prompts — and the
expectations; nothing in it tells the agent which tool to call (zcp must).

Files are given per service as a list of **revisions**: the agent writes the first one when zcp asks
for code, and moves to the next one each time zcp reports that the service failed (the user's fix).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    field_validator,
    model_validator,
)

__all__ = [
    "SCENARIO_DIR",
    "Answers",
    "DevServer",
    "Expect",
    "Interrupt",
    "Scenario",
    "ScenarioError",
    "UserCall",
    "load_scenario",
    "load_scenarios",
]

SCENARIO_DIR = Path(__file__).parent / "scenarios"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
#: The answer ``remoteUrl: local-bare`` means "a bare repository the eval creates on this machine".
LOCAL_BARE = "local-bare"


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and the problem."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class DevServer(_Model):
    """How the user starts a dev process on a dev service (fills ``<start command>`` / ``<port>``)."""

    command: str
    port: int


class UserCall(_Model):
    """A call the user's words name directly."""

    tool: str
    args: dict[str, JsonValue] = Field(default_factory=dict)


class Answers(_Model):
    """What the user says when zcp asks (placeholders in a suggested call, a route menu)."""

    #: Route menu choice: ``classic``, ``adopt``, ``resume`` or ``recipe`` (with ``recipe``).
    route: str | None = None
    recipe: str | None = None
    #: The service plan for a discover step whose suggested plan is a template.
    plan: list[dict[str, JsonValue]] | None = None
    #: Runtime hostnames for ``<runtime hostname>`` in a develop scope.
    scope: list[str] | None = None
    #: What the user asks for after the first request, in order: a text is a develop task (it fills a
    #: develop start's ``<what the user asked for>``); a call is a request the user makes by name
    #: (``{tool: zerops_workflow, args: {workflow: export}}``: the tool descriptions name these).
    #: Each is taken when zcp's plan asks for the next task; none left means the user is done.
    tasks: list[str | UserCall] | None = None
    #: ``<repository URL>``: a URL, or ``local-bare`` for a bare repository on this machine.
    remote_url: str | None = Field(default=None, alias="remoteUrl")
    #: Export: project env var → bucket.
    env_classifications: dict[str, str] | None = Field(default=None, alias="envClassifications")
    dev_server: dict[str, DevServer] = Field(default_factory=dict, alias="devServer")


class Interrupt(_Model):
    """Kill zcp (SIGKILL) while a call is in flight, once the sandbox has seen ``whenRoute``; a new
    zcp process then serves the rest of the scenario with the same state folder."""

    tool: str
    args: dict[str, JsonValue] = Field(default_factory=dict)
    when_route: str = Field(alias="whenRoute")


class Expect(_Model):
    """What must hold when the agent stops."""

    #: Tools that must have been called (at least once each).
    tools: list[str] = Field(default_factory=list)
    #: Final services and their statuses (``ACTIVE``, ``RUNNING``, ``READY_TO_DEPLOY``, ``STOPPED`` …).
    services: dict[str, str] = Field(default_factory=dict)
    #: Hostnames that must have a complete ServiceMeta.
    metas: list[str] = Field(default_factory=list)
    #: Meta fields that must hold (``{appdev: {closeMode: git-push}}``).
    meta_fields: dict[str, dict[str, JsonValue]] = Field(default_factory=dict, alias="metaFields")
    #: The develop session's close reason (``auto-complete``, ``iteration-cap``, ``explicit``).
    session: Literal["auto-complete", "iteration-cap", "explicit"] | None = None
    #: Services whose public subdomain must serve a body containing this text.
    serves: dict[str, str] = Field(default_factory=dict)
    #: Atom ids that must have been shown in some workflow answer.
    atoms: list[str] = Field(default_factory=list)
    #: Files (relative to the run's working directory) that must exist, with text they must contain.
    files: dict[str, str] = Field(default_factory=dict)
    #: Statuses some zerops_workflow answer must have had (``publish-ready``, ``resumed`` …).
    statuses: list[str] = Field(default_factory=list)


class Scenario(_Model):
    """One user story (see the module docstring)."""

    id: str
    title: str
    #: The sandbox seed the project starts from (``zcp sandbox scenarios``).
    seed: str = "empty"
    environment: Literal["container", "local"] = "container"
    #: Build and run deployed code for real (sandbox ``--run-code``); off = simulated builds.
    run_code: bool = Field(default=True, alias="runCode")
    #: The user's request (fills a bootstrap start's ``<what the user asked for>``).
    intent: str
    answers: Answers = Field(default_factory=Answers)
    #: The app per service (or ``local`` for the working directory): revisions of {path: text}.
    files: dict[str, list[dict[str, str]]] = Field(default_factory=dict)
    #: Files already in the working directory before the story starts (a user's checkout).
    workdir: dict[str, str] = Field(default_factory=dict)
    #: Make the working directory a git repository whose origin is ``local-bare`` (committed).
    workdir_git: bool = Field(default=False, alias="workdirGit")
    #: Extra environment for zcp serve (e.g. ``ZCP_MAX_ITERATIONS``).
    env: dict[str, str] = Field(default_factory=dict)
    #: A push to ``local-bare`` is built into this service, as a Zerops webhook would.
    webhook: str | None = None
    interrupt: Interrupt | None = None
    max_turns: int = Field(default=40, alias="maxTurns", ge=1, le=500)
    #: Part of the live run against real Zerops (``make e2e``).
    e2e: bool = False
    expect: Expect = Field(default_factory=Expect)
    #: The user's request in their own words (the markdown body).
    request: str = ""
    path: Path | None = Field(default=None, exclude=True)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("id must be lowercase letters, digits and dashes")
        return value

    @field_validator("files")
    @classmethod
    def _revisions(cls, value: dict[str, list[dict[str, str]]]) -> dict[str, list[dict[str, str]]]:
        for host, revisions in value.items():
            if not revisions:
                raise ValueError(f"files.{host} has no revision")
            for revision in revisions:
                for name in revision:
                    if name.startswith("/") or ".." in Path(name).parts:
                        raise ValueError(f"files.{host}: {name!r} must be a relative path inside the app")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.answers.route == "recipe" and not self.answers.recipe:
            raise ValueError("answers.route=recipe needs answers.recipe")
        if self.webhook and self.answers.remote_url != LOCAL_BARE and not self.workdir_git:
            raise ValueError(
                "webhook builds pushes to the local bare repository: set answers.remoteUrl: local-bare"
            )
        return self

    @property
    def tasks(self) -> list[str | UserCall]:
        """The user's tasks in order: the explicit ones, else the request itself when there is code to write."""
        if self.answers.tasks is not None:
            return list(self.answers.tasks)
        return [self.intent] if self.files else []


def _split(text: str, where: Path) -> tuple[dict[str, Any], str]:
    if not text.startswith("---\n"):
        raise ScenarioError(f"{where}: a scenario starts with '---' and YAML frontmatter")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise ScenarioError(f"{where}: the frontmatter is not closed with '---'")
    try:
        data = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError as error:
        raise ScenarioError(f"{where}: frontmatter is not YAML: {error}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: frontmatter must be a mapping")
    return data, text[end + 5 :].strip()


def load_scenario(path: Path) -> Scenario:
    """Read and validate one scenario file."""
    data, body = _split(path.read_text(encoding="utf-8"), path)
    data["request"] = body
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors()
        )
        raise ScenarioError(f"{path}: {problems}") from None
    if scenario.id != path.stem:
        raise ScenarioError(f"{path}: id {scenario.id!r} must equal the file name")
    scenario.path = path
    return scenario


def load_scenarios(folder: Path = SCENARIO_DIR) -> list[Scenario]:
    """Every scenario in ``folder``, sorted by id."""
    return [load_scenario(p) for p in sorted(folder.glob("*.md"))]
