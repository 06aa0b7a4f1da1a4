"""Import YAML into the managed project: read, check, plan, send.

Everything that can be known before the call is checked first, so a bad document changes nothing:

1. exactly one source — inline YAML or a file (``INVALID_USAGE``); a file is read under the rules of
   :mod:`zcp.ops.inputs` (inside the working directory, a regular file, capped); a missing file is
   ``FILE_NOT_FOUND``; a file that is not an import YAML is refused without echoing it;
2. a ``project:`` section is refused (``IMPORT_HAS_PROJECT``): zcp imports services into the project it
   manages, and project variables are set with ``zerops_env project=true``;
3. the document is validated against the import schema (:func:`zcp.schema.validate_import_yaml`),
   every problem reported with its YAML path, line and a suggestion (``INVALID_IMPORT_YML``);
4. the plan: which services are created and which existing ones are overridden (replaced — an
   ``override: true`` entry, or ``override=true`` for all). A hostname that exists without override is
   refused; a service still being deleted is waited for by nobody and refused; zcp's own service is
   never overridden (``SELF_SERVICE_BLOCKED``).

:func:`plan_import` is pure. Overriding is destructive, so a confirmation that names the overridden
hostnames is needed before anything is sent. :func:`run_import` is the whole flow — read, check, plan,
confirm (or answer with a dry run), send, wait for every service's processes within one budget, read
the services back — and the next actions that follow from how it ended.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import anyio.to_thread

from zcp.calls import ToolCall
from zcp.errors import (
    ImportHasProject,
    InvalidImportYaml,
    InvalidUsage,
    NotFoundError,
    SelfServiceBlocked,
)
from zcp.ops.targets import is_deleting, project_services
from zcp.ops.waiting import Outcome, ProcessWaiter, Waited, outcome_of, poll_call
from zcp.platform import status as st

if TYPE_CHECKING:
    from zcp.auth import PlatformConnection
    from zcp.platform.models import ServiceStack
    from zcp.runtime import RuntimeInfo
    from zcp.schema import LoadedSchema, ValidationReport

#: The largest import YAML zcp checks and sends (a real one is a few KB; thousands of services fit).
MAX_IMPORT_CHARS: Final = 512_000
_PREPROCESSOR_PREFIXES: Final = ("#zeropsPreprocessor", "#yamlPreprocessor")
_TOP_LEVEL_KEYS: Final = frozenset({"services", "project"})


@dataclass(frozen=True)
class ImportSource:
    """The import YAML text, and whether it came from a file (whose content is never echoed)."""

    text: str
    file: Path | None = None


async def read_source(content: str | None, file_path: str | None, work_dir: Path) -> ImportSource:
    """The import YAML from exactly one of ``content`` / ``file_path`` (confined to ``work_dir``)."""
    from zcp.ops.inputs import FileTooLarge, confined_path, read_text_file_async

    if (content is None) == (file_path is None):
        raise InvalidUsage(
            "give the import YAML either inline (content) or as a file (filePath), exactly one of them",
            suggestion='e.g. zerops_import content="services:\\n  - hostname: db\\n    type: postgresql:single@16".',
        )
    if content is not None:
        source = ImportSource(content)
    else:
        assert file_path is not None
        path = confined_path(file_path, work_dir, what="filePath")
        try:
            text = await read_text_file_async(path, max_bytes=MAX_IMPORT_CHARS, what="filePath")
        except FileTooLarge:
            raise InvalidImportYaml(
                f"{path.name} is larger than {MAX_IMPORT_CHARS} bytes, too large for an import YAML",
                suggestion="Split the services over several imports.",
            ) from None
        except NotFoundError as error:
            raise NotFoundError(
                str(error), suggestion="Check the path, or pass the YAML inline as content."
            ) from None
        source = ImportSource(text, path)
    if not source.text.strip():
        raise InvalidImportYaml(
            "the import YAML is empty", suggestion="Start it with `services:` and a list of services."
        )
    return source


def parse_document(text: str) -> Any:
    """The YAML as data, or ``None`` when it does not load (validation then reports where)."""
    from zcp.safe_yaml import YamlRefused, load_yaml

    try:
        return load_yaml(text)
    except YamlRefused:
        return None


def check_document(source: ImportSource, schema: LoadedSchema | None) -> Any:
    """Parse and validate ``source`` (CPU-heavy for big documents: callers run it in a worker thread).

    A file that does not load as YAML, or is not shaped like an import (a mapping with ``services:``),
    is refused without a word of its content: it may be any file the caller pointed at.
    """
    from zcp.safe_yaml import YamlRefused, load_yaml

    try:
        document = load_yaml(source.text)
    except YamlRefused as refused:
        if source.file is not None:
            raise _not_an_import(source.file, refused.reason) from None
        document = None  # inline YAML: the validation below says where it breaks
    if source.file is not None and not (isinstance(document, dict) and set(document) & _TOP_LEVEL_KEYS):
        raise _not_an_import(source.file, "it has no top-level services: list")
    refuse_project_section(document)
    check_schema(source.text, schema)
    return document


def _not_an_import(path: Path, reason: str) -> InvalidImportYaml:
    return InvalidImportYaml(
        f"{path.name} is not an import YAML: {reason} (its content is not shown)",
        suggestion="Point filePath at an import YAML (services: - hostname: …, type: …), or pass it inline as content.",
    )


def refuse_project_section(document: Any) -> None:
    if isinstance(document, dict) and "project" in document:
        raise ImportHasProject(
            "the import YAML has a `project:` section; zcp imports services into the project it already manages",
            suggestion="Remove the project section and keep `services:`. Set project variables with "
            'zerops_env action="set" project=true variables=["KEY=value"].',
        )


def check_schema(text: str, schema: LoadedSchema | None) -> ValidationReport:
    """Validate; raise INVALID_IMPORT_YML listing every problem (with a pointed hint for common mistakes)."""
    from zcp.schema import validate_import_yaml

    report = validate_import_yaml(text, schema=schema)
    if report.valid:
        return report
    problems = [p.model_dump(exclude_none=True) for p in report.problems]
    first = report.problems[0]
    suggestion = first.suggestion or "Fix the problems listed in details, then import again."
    if any(p.path.endswith(".envVariables") for p in report.problems):
        suggestion = (
            "Service-level envVariables are not imported (the platform drops them): put secrets in envSecrets, "
            "runtime variables in zerops.yaml run.envVariables, or set them later with zerops_env. "
            + suggestion
        )
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    raise InvalidImportYaml(
        f"import YAML is invalid: {first.render()}{more}",
        suggestion=suggestion,
        diagnostic=report.render(),
        details={"problems": problems},
    )


@dataclass(frozen=True)
class PlannedService:
    hostname: str
    type: str
    overrides: bool  # replaces an existing service


@dataclass(frozen=True)
class ImportPlan:
    services: tuple[PlannedService, ...]

    @property
    def created(self) -> list[str]:
        return [s.hostname for s in self.services if not s.overrides]

    @property
    def overridden(self) -> list[str]:
        return [s.hostname for s in self.services if s.overrides]


def plan_import(
    document: Any, existing: Sequence[ServiceStack], *, override_all: bool, runtime: RuntimeInfo
) -> ImportPlan:
    """Which services the import creates and which it replaces. Pure; raises what the platform would."""
    entries = document.get("services") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise InvalidImportYaml(
            "the import YAML needs a `services:` list", suggestion="See zerops_knowledge recipe=..."
        )
    by_name = {s.name: s for s in existing}
    planned: list[PlannedService] = []
    taken: list[str] = []
    deleting: list[str] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        hostname = str(entry.get("hostname", ""))
        overrides = override_all or entry.get("override") is True
        current = by_name.get(hostname)
        if current is not None:
            if is_deleting(current):
                deleting.append(hostname)
            elif not overrides:
                taken.append(hostname)
            elif runtime.is_self(service_id=current.id, hostname=current.name):
                raise SelfServiceBlocked(
                    f"{hostname} is the service zcp itself runs in; an override import would replace it",
                    suggestion=f"Remove {hostname} from the import YAML.",
                )
        planned.append(
            PlannedService(hostname, str(entry.get("type", "")), current is not None and overrides)
        )
    if deleting:
        raise InvalidUsage(
            f"{', '.join(deleting)} {'is' if len(deleting) == 1 else 'are'} still being deleted",
            suggestion="Wait until the delete finished (zerops_events shows it), then import again.",
        )
    if taken:
        raise InvalidImportYaml(
            f"{', '.join(taken)} already exist{'s' if len(taken) == 1 else ''} in the project",
            suggestion="Remove them from the YAML to keep them, or import with override=true to replace them "
            "(their data is lost; you will be asked to confirm).",
            details={"existing": taken},
            recovery=ToolCall.of("zerops_discover"),
        )
    return ImportPlan(tuple(planned))


def with_override(text: str, document: Any) -> str:
    """The YAML with ``override: true`` on every service (a leading preprocessor line is kept)."""
    import yaml

    services = document.get("services", []) if isinstance(document, dict) else []
    if all(isinstance(e, dict) and e.get("override") is True for e in services):
        return text
    for entry in services:
        if isinstance(entry, dict):
            entry["override"] = True
    header = ""
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    if first.replace(" ", "").startswith(_PREPROCESSOR_PREFIXES):
        header = first.strip() + "\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1_000)


def parse_confirmation(confirm: str | None) -> set[str]:
    """``"app, db"`` → ``{"app", "db"}``."""
    if not confirm:
        return set()
    return {part.strip() for part in confirm.replace(";", ",").split(",") if part.strip()}


# --- the whole flow --------------------------------------------------------------------------------


@dataclass
class ImportedService:
    """One service of the import: created or replaced, with its process and final status."""

    hostname: str
    type: str | None
    action: Literal["create", "override"]
    service_id: str | None = None
    status: str | None = None
    waited: Waited | None = None
    error: tuple[str, str] | None = None  # the platform's (code, message) for this service


@dataclass(frozen=True)
class ImportOutcome:
    """A dry run (nothing sent) or how the import ended."""

    dry_run: bool
    summary: str
    services: tuple[ImportedService, ...]
    outcome: Outcome | None = None
    confirm: ToolCall | None = None
    confirm_text: str | None = None
    warnings: tuple[str, ...] = ()
    next_actions: tuple[ToolCall, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ImportRequest:
    """What the caller asked for, as the tool's parameters."""

    content: str | None
    file_path: str | None
    override: bool
    confirm: str | None

    def confirm_call(self, hostnames: Sequence[str]) -> ToolCall:
        """The call that goes ahead; inline YAML is not repeated in it (:meth:`confirm_text` says to)."""
        args: dict[str, Any] = {"filePath": self.file_path} if self.file_path is not None else {}
        if self.override:
            args["override"] = True
        if hostnames:
            args["confirm"] = ",".join(hostnames)
        return ToolCall(tool="zerops_import", args=args)

    def confirm_text(self, call: ToolCall) -> str:
        """``call`` as a command, with ``content=<the same YAML>`` when the YAML was given inline."""
        if self.content is None:
            return call.command
        return call.command.replace("zerops_import", "zerops_import content=<the same YAML>", 1)


async def run_import(
    platform: PlatformConnection,
    request: ImportRequest,
    *,
    work_dir: Path,
    load_schema: Callable[[], Awaitable[LoadedSchema | None]],
    waiter: ProcessWaiter,
) -> ImportOutcome:
    """Check the import, answer with a dry run when a replacement is not confirmed, else import and wait."""
    source = await read_source(request.content, request.file_path, work_dir)
    schema = await load_schema()
    document = await anyio.to_thread.run_sync(check_document, source, schema)
    text = source.text
    plan = plan_import(
        document, await project_services(platform), override_all=request.override, runtime=platform.runtime
    )
    overridden = plan.overridden
    if (overridden or request.confirm is not None) and parse_confirmation(request.confirm) != set(overridden):
        return _dry_run(plan, request)

    to_send = await anyio.to_thread.run_sync(with_override, text, document) if request.override else text
    result = await platform.client.import_services(platform.project.id, to_send)
    types = {s.hostname: s.type for s in plan.services}
    entries: dict[str, ImportedService] = {}
    pending = []
    for imported in result.service_stacks:
        entries[imported.name] = ImportedService(
            hostname=imported.name,
            type=types.get(imported.name) or None,
            action="override" if imported.name in overridden else "create",
            service_id=imported.id or None,
            error=(imported.error.code, imported.error.message) if imported.error is not None else None,
        )
        pending += [(imported.name, process) for process in imported.processes]
    waited = await waiter.wait_all(pending)
    for item in waited:
        entries[item.label].waited = item
    statuses = {s.name: s.status for s in await project_services(platform)}
    for entry in entries.values():
        entry.status = statuses.get(entry.hostname)
    outcome = outcome_of(waited)
    if outcome == "done" and any(e.error is not None for e in entries.values()):
        outcome = "failed"
    failed = [
        e.hostname
        for e in entries.values()
        if e.error is not None or (e.waited is not None and e.waited.failed)
    ]
    running = [w for w in waited if w.still_running]
    summary = f"imported {len(entries)} service(s) into {result.project_name or platform.project.name}"
    if failed:
        summary += f"; failed: {', '.join(failed)}"
    if running:
        summary += f"; still being created: {', '.join(w.label for w in running)}"
    next_actions = [poll_call(w.process.id) for w in running]
    next_actions += [
        ToolCall.of("zerops_deploy", targetService=e.hostname)
        for e in entries.values()
        if e.status == st.SERVICE_READY_TO_DEPLOY
    ]
    next_actions.append(ToolCall.of("zerops_events") if failed else ToolCall.of("zerops_discover"))
    return ImportOutcome(
        dry_run=False,
        summary=summary,
        services=tuple(entries.values()),
        outcome=outcome,
        warnings=tuple(w.problem for w in waited if w.problem),
        next_actions=tuple(next_actions),
    )


def _dry_run(plan: ImportPlan, request: ImportRequest) -> ImportOutcome:
    overridden = plan.overridden
    parts = []
    if plan.created:
        parts.append(f"would create {', '.join(plan.created)}")
    if overridden:
        parts.append(f"would REPLACE {', '.join(overridden)} (their data and deployed code are lost)")
    warnings = []
    if request.confirm is not None:
        named = sorted(parse_confirmation(request.confirm))
        expected = ", ".join(overridden) or "nothing (no existing service is replaced: drop confirm)"
        warnings.append(
            f"confirm named {', '.join(named) or '(nothing)'} but this import replaces {expected}"
        )
    call = request.confirm_call(overridden)
    return ImportOutcome(
        dry_run=True,
        summary="; ".join(parts) or "nothing to import",
        services=tuple(
            ImportedService(s.hostname, s.type or None, "override" if s.overrides else "create")
            for s in plan.services
        ),
        confirm=call if overridden else None,
        confirm_text=request.confirm_text(call) if overridden else None,
        warnings=tuple(warnings),
        next_actions=(call,),
    )
