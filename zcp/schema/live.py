"""Fetch the live schemas, keep them on disk for a day, and never leave a caller without one.

Order of preference for :meth:`LiveSchemas.get`: a copy younger than the TTL (memory, then disk)
→ a fresh download (stored atomically) → the expired copy when the download fails ("stale") →
the bundled fallback when there is no copy at all. A failed download is not retried for
``retry_after``, so an offline machine does not wait for a network timeout on every call.
Concurrent callers share one download per schema.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import anyio
from pydantic import BaseModel, ConfigDict, ValidationError

from zcp.schema.bundled import bundled_schema
from zcp.schema.enums import SchemaEnums, extract_enums
from zcp.schema.sources import SchemaKind, SchemaSources
from zcp.state.fs import atomic_write_text

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

Origin = Literal["live", "cache", "stale", "bundled"]
MAX_SCHEMA_BYTES = 5 * 1024 * 1024


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class LoadedSchema:
    """A schema and where it came from.

    ``origin`` is ``live`` (downloaded by this call), ``cache`` (a copy within the TTL), ``stale``
    (an expired copy served because the refresh failed) or ``bundled`` (the copy shipped with zcp).
    ``problem`` says why a refresh failed, when one did.
    """

    kind: SchemaKind
    document: Mapping[str, Any]
    origin: Origin
    fetched_at: datetime | None = None
    url: str | None = None
    problem: str | None = None


class CachedSchema(BaseModel):
    """The on-disk cache file of one schema."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: SchemaKind
    url: str
    fetched_at: datetime
    sha256: str
    document: dict[str, Any]


class SchemaFetchError(Exception):
    """A download failed or returned something that is not a schema."""


class LiveSchemas:
    """The two schemas for one process; see the module docstring for the fallback order."""

    def __init__(
        self,
        sources: SchemaSources,
        *,
        client: httpx.AsyncClient | None = None,
        now: Callable[[], datetime] = _utc_now,
        timeout: float = 10.0,
        retry_after: timedelta = timedelta(minutes=5),
        max_bytes: int = MAX_SCHEMA_BYTES,
    ) -> None:
        self.sources = sources
        self._client = client
        self._now = now
        self._timeout = timeout
        self._retry_after = retry_after
        self._max_bytes = max_bytes
        self._memory: dict[SchemaKind, CachedSchema] = {}
        self._failed: dict[SchemaKind, tuple[datetime, str]] = {}
        self._locks: dict[SchemaKind, anyio.Lock] = {}

    # --- reading -------------------------------------------------------------------------------

    def cache_file(self, kind: SchemaKind) -> Path:
        """Where the ``kind`` schema is cached."""
        return self.sources.cache_dir / kind.bundled_name

    def _cached(self, kind: SchemaKind) -> CachedSchema | None:
        if kind in self._memory:
            return self._memory[kind]
        path = self.cache_file(kind)
        try:
            entry = CachedSchema.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValidationError, ValueError) as exc:
            log.warning("schema: ignoring unreadable cache file %s: %s", path, exc)
            return None
        if entry.kind is not kind:
            return None
        self._memory[kind] = entry
        return entry

    def _fresh(self, entry: CachedSchema) -> bool:
        age = self._now() - entry.fetched_at
        return timedelta(0) <= age < self.sources.ttl

    def _serve(
        self, kind: SchemaKind, entry: CachedSchema | None, origin: Origin, problem: str | None
    ) -> LoadedSchema:
        if entry is None:
            return LoadedSchema(kind, bundled_schema(kind), "bundled", problem=problem)
        return LoadedSchema(kind, entry.document, origin, entry.fetched_at, entry.url, problem)

    def peek(self, kind: SchemaKind) -> LoadedSchema:
        """The best copy available without touching the network (any age, else bundled)."""
        entry = self._cached(kind)
        if entry is None:
            return self._serve(kind, None, "bundled", None)
        return self._serve(kind, entry, "cache" if self._fresh(entry) else "stale", None)

    async def get(self, kind: SchemaKind) -> LoadedSchema:
        """A schema within the TTL, downloading it when needed; never raises for network trouble."""
        entry = self._cached(kind)
        if entry is not None and self._fresh(entry):
            return self._serve(kind, entry, "cache", None)
        failed = self._failed.get(kind)
        if failed is not None and self._now() - failed[0] < self._retry_after:
            return self._serve(kind, entry, "stale", failed[1])
        lock = self._locks.setdefault(kind, anyio.Lock())
        async with lock:
            entry = self._cached(kind)
            if entry is not None and self._fresh(entry):
                return self._serve(kind, entry, "cache", None)
            return await self._download(kind, entry)

    async def refresh(self, kind: SchemaKind) -> LoadedSchema:
        """Download now, whatever the age of the cached copy; falls back like :meth:`get`."""
        lock = self._locks.setdefault(kind, anyio.Lock())
        async with lock:
            return await self._download(kind, self._cached(kind))

    async def enums(self) -> SchemaEnums:
        """Enums of the current schemas (see :func:`zcp.schema.enums.extract_enums`)."""
        zerops = await self.get(SchemaKind.ZEROPS)
        imports = await self.get(SchemaKind.IMPORT)
        return extract_enums(zerops.document, imports.document)

    # --- downloading ---------------------------------------------------------------------------

    async def _download(self, kind: SchemaKind, previous: CachedSchema | None) -> LoadedSchema:
        url = self.sources.url(kind)
        try:
            document = await self._fetch(url)
        except SchemaFetchError as exc:
            problem = f"fetch {kind.label} schema from {url}: {exc}"
            log.warning("schema: %s; using the %s copy", problem, "stale" if previous else "bundled")
            self._failed[kind] = (self._now(), problem)
            return self._serve(kind, previous, "stale", problem)
        body = json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")
        entry = CachedSchema(
            kind=kind,
            url=url,
            fetched_at=self._now(),
            sha256=hashlib.sha256(body).hexdigest(),
            document=document,
        )
        self._memory[kind] = entry
        self._failed.pop(kind, None)
        try:
            atomic_write_text(self.cache_file(kind), entry.model_dump_json(indent=1))
        except OSError as exc:
            log.warning("schema: could not write the cache file %s: %s", self.cache_file(kind), exc)
        return self._serve(kind, entry, "live", None)

    async def _fetch(self, url: str) -> dict[str, Any]:
        import httpx

        try:
            if self._client is not None:
                raw = await self._get_body(self._client, url)
            else:
                async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=True) as client:
                    raw = await self._get_body(client, url)
        except httpx.TimeoutException:
            raise SchemaFetchError(f"no answer within {self._timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise SchemaFetchError(f"{type(exc).__name__}: {exc}") from None
        try:
            document = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SchemaFetchError(f"the answer is not JSON ({exc})") from None
        if not isinstance(document, dict) or not isinstance(document.get("properties"), dict):
            raise SchemaFetchError("the answer is not a JSON schema with properties")
        return document

    async def _get_body(self, client: httpx.AsyncClient, url: str) -> bytes:
        async with client.stream("GET", url, timeout=self._timeout) as response:
            if response.status_code != 200:
                raise SchemaFetchError(f"HTTP {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self._max_bytes:
                    raise SchemaFetchError(f"the answer is larger than {self._max_bytes} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
