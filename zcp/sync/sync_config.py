"""The docs-sync configuration file (``sync/config.yaml``), validated by pydantic.

It names the upstream repository and ref, the import roots MDX files use, and the list of
*sources*: a folder of the docs repo, include/exclude globs below it, and the corpus kind and
folder its pages land in. Unknown keys are rejected, so a typo fails loudly instead of silently
pulling nothing.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from zcp.errors import ConfigError
from zcp.safe_yaml import YamlRefused, load_yaml

DEFAULT_CONFIG_NAME = "config.yaml"

RepoName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
]
RepoPath = Annotated[str, StringConstraints(pattern=r"^[^/\s][^\s]*[^/\s]$|^[^/\s]$")]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)]
Folder = Annotated[str, StringConstraints(pattern=r"^([a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*)?$")]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.+#@_ -]*$", max_length=60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Upstream(_Strict):
    """The docs repository and what to read from it."""

    repo: RepoName = "zeropsio/docs"
    ref: Annotated[str, StringConstraints(min_length=1, max_length=200)] = "main"
    content_root: RepoPath = Field(
        "apps/docs/content", description="folder whose layout mirrors the docs site's URL paths"
    )
    site_url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+[^/\s]$")] = "https://docs.zerops.io"


class Mdx(_Strict):
    """How MDX imports resolve and which components need no warning."""

    import_roots: dict[str, str] = Field(
        default_factory=lambda: {"@site/": "apps/docs/", "/": "apps/docs/", "docs/": "apps/docs/"},
        description="import specifier prefix -> repository folder (longest prefix wins)",
    )
    drop_components: list[str] = Field(
        default_factory=list, description="extra JSX components removed with their children"
    )
    unwrap_components: list[str] = Field(
        default_factory=list, description="extra JSX components replaced by their children"
    )
    max_partial_depth: Annotated[int, Field(ge=1, le=20)] = 5


class Source(_Strict):
    """One slice of the docs repo and where its pages land in the corpus."""

    name: Name
    group: Name | None = Field(
        None, description="`zcp sync pull GROUP` selects sources by group (default: name)"
    )
    path: RepoPath
    include: Annotated[list[str], Field(min_length=1)]
    exclude: list[str] = Field(default_factory=list)
    kind: Literal["guides", "decisions"]
    folder: Folder = Field("", description="folder below corpus/<kind>/ (keeps names collision-free)")
    tags: list[Tag] = Field(default_factory=list)
    tag_top_folder: bool = Field(False, description="tag each page with its first folder (nodejs, php …)")
    push: bool = Field(False, description="`zcp sync push` may send edits of these pages upstream")

    @property
    def group_name(self) -> str:
        return self.group or self.name

    def matches(self, upstream_path: str) -> bool:
        """True when a repository path is one of this source's pages."""
        prefix = self.path.rstrip("/") + "/"
        if not upstream_path.startswith(prefix) or not upstream_path.endswith(".mdx"):
            return False
        rel = upstream_path[len(prefix) :]
        return any(_glob(rel, pat) for pat in self.include) and not any(
            _glob(rel, pat) for pat in self.exclude
        )

    def corpus_path(self, upstream_path: str) -> str:
        """``guides/runtimes/nodejs/overview.md`` for ``…/content/nodejs/overview.mdx``."""
        rel = upstream_path[len(self.path.rstrip("/")) + 1 :].removesuffix(".mdx")
        parts = [self.kind, *([self.folder] if self.folder else []), rel]
        return "/".join(parts) + ".md"


class Push(_Strict):
    """How pushed edits are named on GitHub."""

    branch_prefix: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")] = "zcp"
    commit_prefix: Annotated[str, StringConstraints(min_length=1, max_length=60)] = "chore(guides)"
    base: str | None = Field(
        None, description="branch the pull request targets (default: the repo's default)"
    )


class GitHubClient(_Strict):
    """PyGithub settings; tests turn throttling and retries off."""

    timeout: Annotated[int, Field(gt=0, le=600)] = 30
    retries: Annotated[int, Field(ge=0, le=10)] = 3
    read_interval: Annotated[float, Field(ge=0, le=10)] = Field(
        0.05, description="seconds between requests (PyGithub throttle; 0 turns it off)"
    )
    write_interval: Annotated[float, Field(ge=0, le=10)] = Field(
        1.0, description="seconds between write requests (GitHub asks for one per second)"
    )
    workers: Annotated[int, Field(ge=1, le=16)] = 4


class SyncConfig(_Strict):
    """The whole configuration file."""

    version: Literal[1] = 1
    upstream: Upstream = Field(default_factory=Upstream)
    mdx: Mdx = Field(default_factory=Mdx)
    sources: Annotated[list[Source], Field(min_length=1)]
    push: Push = Field(default_factory=Push)
    github: GitHubClient = Field(default_factory=GitHubClient)

    @model_validator(mode="after")
    def _unique_sources(self) -> SyncConfig:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique; repeated: {', '.join(dupes)}")
        if "all" in {s.group_name for s in self.sources}:
            raise ValueError("'all' is reserved (it selects every source); rename that group")
        return self

    @property
    def groups(self) -> tuple[str, ...]:
        """Group names in first-seen order."""
        return tuple(dict.fromkeys(s.group_name for s in self.sources))

    def select(self, group: str) -> tuple[Source, ...]:
        """The sources one ``pull``/``push`` argument names (``all`` is every source)."""
        if group == "all":
            return tuple(self.sources)
        chosen = tuple(s for s in self.sources if s.group_name == group)
        if not chosen:
            raise ConfigError(
                f"no sync source group named {group!r}",
                suggestion=f"Use one of: all, {', '.join(self.groups)}.",
            )
        return chosen

    def source_for(self, upstream_path: str) -> Source | None:
        """The single source claiming a path; two claims is a configuration error."""
        claims = [s for s in self.sources if s.matches(upstream_path)]
        if len(claims) > 1:
            raise ConfigError(
                f"{upstream_path} is claimed by sources {claims[0].name!r} and {claims[1].name!r}",
                suggestion="Add an exclude glob to one of them so every page has exactly one source.",
            )
        return claims[0] if claims else None


def _glob(rel: str, pattern: str) -> bool:
    """Glob match where ``**`` spans folders and ``*`` stays inside one."""
    return bool(_glob_regex(pattern).match(rel))


@functools.lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def load_sync_config(path: Path) -> SyncConfig:
    """Read and validate the configuration; every problem is a :class:`ConfigError` naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"sync configuration {path} does not exist",
            suggestion="Create it (see docs/sync.md) or pass --config PATH.",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read sync configuration {path}: {exc}") from None
    return parse_sync_config(text, str(path))


def parse_sync_config(text: str, origin: str = "sync/config.yaml") -> SyncConfig:
    """Validate configuration text (tests pass strings)."""
    try:
        data = load_yaml(text, what=origin)
    except YamlRefused as refused:
        line = f":{refused.line}" if refused.line else ""
        problem = refused.detail
        raise ConfigError(
            f"{origin}{line}: not valid YAML: {problem}", suggestion="Fix the YAML syntax."
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: must be a mapping with at least a 'sources' list")
    try:
        config = SyncConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "config"
        detail = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
        raise ConfigError(
            f"{origin}: {where}: {detail}",
            suggestion="See docs/sync.md for the keys and their meaning.",
        ) from None
    for source in config.sources:
        for pattern in [*source.include, *source.exclude]:
            if pattern.startswith("/") or ".." in PurePosixPath(pattern).parts:
                raise ConfigError(f"{origin}: sources.{source.name}: glob {pattern!r} must stay below path")
    return config
