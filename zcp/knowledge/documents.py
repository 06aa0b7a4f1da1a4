"""Corpus documents: kinds, strict frontmatter models and the parsed document.

A corpus file is markdown with a YAML frontmatter block. Its kind is the top folder it lives in
(``atoms/``, ``themes/`` …) and its URI is ``zerops://<kind>/<name>``, where ``name`` is the path
below that folder without ``.md``. Each kind has a pydantic model that rejects unknown keys and
values, so a typo in frontmatter fails ``zcp corpus lint`` instead of silently doing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from zcp.axes import (
    BuildIntegration,
    CloseMode,
    DeployState,
    Environment,
    ExportStatus,
    FailureClass,
    GitPushState,
    IdleScenario,
    Mode,
    Phase,
    Route,
    RuntimeClass,
    ServiceStatus,
    Step,
)
from zcp.knowledge.refs import PULLED_KINDS, URI_SCHEME, Kind, Provenance, Upstream, split_uri

__all__ = [
    "META_MODELS",
    "PULLED_KINDS",
    "URI_SCHEME",
    "AtomMeta",
    "BaseMeta",
    "CommonMeta",
    "DecisionMeta",
    "Document",
    "FrontmatterModel",
    "GuideMeta",
    "Kind",
    "Provenance",
    "RecipeMeta",
    "Section",
    "ThemeMeta",
    "Upstream",
    "split_uri",
]

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=80)]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.+#@_ -]*$", max_length=60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CommonMeta(_Strict):
    """Keys every document has."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
    description: Annotated[str, StringConstraints(min_length=1, max_length=400, strip_whitespace=True)]
    tags: list[Tag] = Field(default_factory=list, description="extra search keywords")


class ThemeMeta(CommonMeta):
    """Platform reference. ``infrastructure`` places it in ``scope="infrastructure"`` (lower first)."""

    infrastructure: Annotated[int, Field(ge=0, le=99)] | None = None


class BaseMeta(CommonMeta):
    """An OS or base image (alpine, ubuntu, docker, nginx, static)."""

    stacks: list[Slug] = Field(default_factory=list, description="service type bases this base applies to")


class RecipeMeta(CommonMeta):
    """A runtime or framework starter; ``<name>.import.yml`` beside it is its import YAML."""

    runtime: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+@[a-z0-9.]+$")]
    languages: list[Slug] = Field(default_factory=list)
    frameworks: list[Slug] = Field(default_factory=list)
    services: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+(:(single|ha))?@[a-z0-9.]+$")]] = (
        Field(
            default_factory=list,
            description="managed services the import YAML creates (postgresql:single@17)",
        )
    )

    @property
    def runtime_base(self) -> str:
        return self.runtime.split("@", 1)[0]


class GuideMeta(CommonMeta):
    """A how-to guide (usually pulled from zeropsio/docs)."""


class DecisionMeta(CommonMeta):
    """A choose-X decision page (usually pulled from zeropsio/docs)."""


class AtomMeta(_Strict):
    """Workflow guidance: which project states it applies to, and how it is ordered.

    Axis keys and values are the closed vocabulary in :mod:`zcp.axes`. Matching is OR within an
    axis, AND across axes; an omitted axis matches everything. ``phases`` is required.
    """

    id: Slug
    title: Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
    priority: Annotated[int, Field(ge=0, le=9)] = 5
    phases: Annotated[list[Phase], Field(min_length=1)]
    environments: list[Environment] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    idleScenarios: list[IdleScenario] = Field(default_factory=list)
    envelopeDeployStates: list[DeployState] = Field(default_factory=list)
    exportStatuses: list[ExportStatus] = Field(default_factory=list)
    modes: list[Mode] = Field(default_factory=list)
    runtimes: list[RuntimeClass] = Field(default_factory=list)
    closeModes: list[CloseMode] = Field(default_factory=list)
    gitPushStates: list[GitPushState] = Field(default_factory=list)
    buildIntegrations: list[BuildIntegration] = Field(default_factory=list)
    deployStates: list[DeployState] = Field(default_factory=list)
    serviceStatuses: list[ServiceStatus] = Field(default_factory=list)
    failureClasses: list[FailureClass] = Field(default_factory=list)
    multiService: Literal["aggregate"] | None = None
    coverageExempt: Annotated[str, StringConstraints(min_length=10)] | None = None
    referencesAtoms: list[Slug] = Field(default_factory=list)

    @field_validator(
        "environments",
        "routes",
        "steps",
        "idleScenarios",
        "envelopeDeployStates",
        "exportStatuses",
        "modes",
        "runtimes",
        "closeModes",
        "gitPushStates",
        "buildIntegrations",
        "deployStates",
        "serviceStatuses",
        "failureClasses",
        "phases",
    )
    @classmethod
    def _no_duplicates(cls, values: list[Any]) -> list[Any]:
        if len(set(values)) != len(values):
            raise ValueError("lists a value twice")
        return values

    @model_validator(mode="after")
    def _consistent(self) -> AtomMeta:
        if self.deployStates and self.envelopeDeployStates:
            raise ValueError("declare deployStates (per service) or envelopeDeployStates, not both")
        return self

    def axis_values(self, key: str) -> tuple[str, ...]:
        """The declared values of one axis (empty means "any")."""
        values: list[StrEnum] = getattr(self, key)
        return tuple(v.value for v in values)


FrontmatterModel = ThemeMeta | BaseMeta | RecipeMeta | GuideMeta | DecisionMeta | AtomMeta

META_MODELS: dict[Kind, type[FrontmatterModel]] = {
    Kind.ATOM: AtomMeta,
    Kind.THEME: ThemeMeta,
    Kind.BASE: BaseMeta,
    Kind.RECIPE: RecipeMeta,
    Kind.GUIDE: GuideMeta,
    Kind.DECISION: DecisionMeta,
}


@dataclass(frozen=True)
class Section:
    """A heading-delimited slice of a document body.

    ``text`` is the exact source slice (heading line included), so concatenating a document's
    sections reproduces its body byte for byte. The preamble before the first heading has an
    empty ``anchor`` and ``heading``.
    """

    anchor: str
    heading: str
    level: int
    line: int  # 1-based line in the file where the section starts
    text: str
    parents: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """One parsed corpus file."""

    kind: Kind
    name: str
    meta: FrontmatterModel
    body: str
    body_line: int  # 1-based file line on which the body starts
    sections: tuple[Section, ...]
    provenance: Provenance
    companion: str | None = None  # recipe import YAML
    content_hash: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def uri(self) -> str:
        return f"{URI_SCHEME}{self.kind.value}/{self.name}"

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def description(self) -> str:
        if isinstance(self.meta, AtomMeta):
            return self.meta.title
        return self.meta.description

    @property
    def tags(self) -> tuple[str, ...]:
        if isinstance(self.meta, AtomMeta):
            return ()
        return tuple(self.meta.tags)

    def section(self, anchor: str) -> Section | None:
        """The section with this anchor, or ``None``."""
        for section in self.sections:
            if section.anchor == anchor:
                return section
        return None

    def section_uri(self, section: Section) -> str:
        return f"{self.uri}#{section.anchor}" if section.anchor else self.uri
