"""Which schemas exist, where they are fetched from and where they are cached.

The two schemas are public endpoints of the Zerops API; by default they are taken from the
configured API host, so pointing ``ZCP_API_HOST`` at the sandbox moves the schemas along with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from zcp.config import Settings

ZEROPS_SCHEMA_PATH = "/api/rest/public/settings/zerops-yml-json-schema.json"
IMPORT_SCHEMA_PATH = "/api/rest/public/settings/import-project-yml-json-schema.json"
DEFAULT_TTL = timedelta(hours=24)


class SchemaKind(StrEnum):
    """The two documents zcp validates."""

    ZEROPS = "zerops"
    IMPORT = "import"

    @property
    def label(self) -> str:
        """How people call the document: ``zerops.yaml`` or ``import.yaml``."""
        return "zerops.yaml" if self is SchemaKind.ZEROPS else "import.yaml"

    @property
    def bundled_name(self) -> str:
        """File name of the bundled fallback (also the cache file name)."""
        return "zerops_yml.json" if self is SchemaKind.ZEROPS else "import_yml.json"


@dataclass(frozen=True)
class SchemaSources:
    """Resolved URLs, cache folder and freshness window for one process."""

    zerops_url: str
    import_url: str
    cache_dir: Path
    ttl: timedelta = DEFAULT_TTL

    def url(self, kind: SchemaKind) -> str:
        """The URL the ``kind`` schema is fetched from."""
        return self.zerops_url if kind is SchemaKind.ZEROPS else self.import_url

    @classmethod
    def from_settings(cls, settings: Settings) -> SchemaSources:
        """Sources from settings: explicit URLs win, otherwise the API host's public endpoints."""
        host = settings.api_host.rstrip("/")
        return cls(
            zerops_url=settings.schema_zerops_url or host + ZEROPS_SCHEMA_PATH,
            import_url=settings.schema_import_url or host + IMPORT_SCHEMA_PATH,
            cache_dir=settings.schema_cache_dir or settings.user_cache_dir / "schemas",
            ttl=timedelta(seconds=settings.schema_ttl),
        )
