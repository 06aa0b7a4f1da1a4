"""Import YAML into the managed project: read, check, plan, send.

Everything that can be known before the call is checked first, so a bad document changes nothing:

1. exactly one source — inline YAML or a file (``INVALID_USAGE``); a missing file is ``FILE_NOT_FOUND``;
2. a ``project:`` section is refused (``IMPORT_HAS_PROJECT``): zcp imports services into the project it
   manages, and project variables are set with ``zerops_env project=true``;
3. the document is validated against the import schema (:func:`zcp.schema.validate_import_yaml`),
   every problem reported with its YAML path, line and a suggestion (``INVALID_IMPORT_YML``);
4. the plan: which services are created and which existing ones are overridden (replaced — an
   ``override: true`` entry, or ``override=true`` for all). A hostname that exists without override is
   refused; a service still being deleted is waited for by nobody and refused; zcp's own service is
   never overridden (``SELF_SERVICE_BLOCKED``).

:func:`plan_import` is pure. Overriding is destructive, so the tool asks for a confirmation that names
the overridden hostnames before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from zcp.errors import (
    ImportHasProject,
    InvalidImportYaml,
    InvalidUsage,
    NotFoundError,
    Recovery,
    SelfServiceBlocked,
)

if TYPE_CHECKING:
    from zcp.platform.models import ServiceStack
    from zcp.runtime import RuntimeInfo
    from zcp.schema import LoadedSchema, ValidationReport

MAX_IMPORT_CHARS: Final = 1_000_000
_PREPROCESSOR_PREFIXES: Final = ("#zeropsPreprocessor", "#yamlPreprocessor")


def read_source(content: str | None, file_path: str | None, base: Path) -> str:
    """The import YAML text from exactly one of ``content`` / ``file_path`` (relative to ``base``)."""
    if (content is None) == (file_path is None):
        raise InvalidUsage(
            "give the import YAML either inline (content) or as a file (filePath), exactly one of them",
            suggestion='e.g. zerops_import content="services:\\n  - hostname: db\\n    type: postgresql:single@16".',
        )
    if content is not None:
        text = content
    else:
        assert file_path is not None
        path = (base / file_path).expanduser()
        try:
            if path.stat().st_size > MAX_IMPORT_CHARS * 4:
                raise InvalidImportYaml(f"{path} is too large for an import YAML")
            text = path.read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise NotFoundError(
                f"no import YAML file at {path}",
                suggestion="Check the path, or pass the YAML inline as content.",
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise NotFoundError(
                f"cannot read {path} ({type(error).__name__})", suggestion="Pass the YAML inline as content."
            ) from None
    if not text.strip():
        raise InvalidImportYaml(
            "the import YAML is empty", suggestion="Start it with `services:` and a list of services."
        )
    return text


def parse_document(text: str) -> Any:
    """The YAML as data, or ``None`` when it does not parse (validation then reports where)."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


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
            if current.status.upper() in ("DELETING", "SERVICE_DELETING"):
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
            recovery=Recovery("zerops_discover"),
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
