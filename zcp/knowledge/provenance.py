"""The provenance manifest of pulled documents (``sync/manifest.json``).

The docs sync writes it; the corpus loader reads it to tell every search hit where a pulled
document came from (upstream path, commit, sync time). Kept here, in the pure core, so the
knowledge engine does not depend on the sync machinery.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zcp.errors import CorpusError
from zcp.knowledge.documents import Upstream


class ManifestEntry(BaseModel):
    """One pulled file."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    upstream_path: str = Field(alias="upstreamPath")
    blob_sha: str = Field(alias="blobSha")
    commit: str
    content_hash: str = Field(alias="contentHash", description="sha256 of the corpus file as written")
    pulled_at: str = Field(alias="pulledAt", description="UTC ISO-8601 time of the pull")
    source: str | None = Field(None, description="name of the sync source that pulled it")
    inputs: str | None = Field(
        None, description="hash of everything the transform read; equal means the file is current"
    )
    dependencies: list[str] = Field(
        default_factory=list, description="other upstream files the page imported (partials, data)"
    )


class Manifest(BaseModel):
    """Everything the last pulls wrote, keyed by corpus-relative path (``guides/backup.md``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    version: int = 1
    repo: str = "zeropsio/docs"
    ref: str = "main"
    files: dict[str, ManifestEntry] = Field(default_factory=dict)

    def upstream_for(self, corpus_path: str) -> Upstream | None:
        """Provenance of one corpus file, or ``None`` when it was not pulled."""
        entry = self.files.get(corpus_path)
        if entry is None:
            return None
        return Upstream(
            repo=self.repo, path=entry.upstream_path, commit=entry.commit, synced_at=entry.pulled_at
        )

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, trailing newline) so rewrites diff cleanly."""
        data = self.model_dump(by_alias=True)
        data["files"] = dict(sorted(data["files"].items()))
        return json.dumps(data, indent=2, sort_keys=True) + "\n"


def read_manifest(path: Path) -> Manifest:
    """Read the manifest; a missing or empty file is an empty manifest."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Manifest()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read provenance manifest: {exc.strerror}") from None
    if not text.strip() or text.strip() == "{}":
        return Manifest()
    try:
        return Manifest.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "manifest"
        raise CorpusError(
            f"{path}: invalid provenance manifest at {where}: {first['msg']}",
            suggestion="Re-run `zcp sync pull` to rewrite it.",
        ) from None
