"""The service types the sandbox offers: a realistic slice of the platform's catalogue.

Runtimes (category ``USER``), managed services (``STANDARD``), storage, and the hidden plumbing types
(``BUILD``, ``CORE``, ``HTTP_L7_BALANCER``) with their versions, default ports and the credentials a
managed service generates. Ids are derived from names, so they are the same in every run.

HA-capable databases and caches (PostgreSQL, MariaDB, ClickHouse, Valkey) are imported as
``postgresql:single@18`` / ``postgresql:ha@18`` (the 2026 form) or as ``postgresql@18`` plus
``mode`` (legacy); both name the same version here (see :mod:`zcp.schema.managed_types`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from zcp.sandbox.ids import stable_id
from zcp.schema.managed_types import PROFILES, VARIANT_TECHNOLOGIES, VARIANTS, parse_type


@dataclass(frozen=True)
class Port:
    port: int
    scheme: str = "tcp"
    protocol: str = "tcp"
    http: bool = False


@dataclass(frozen=True)
class StackVersion:
    name: str  # "nodejs@22"
    type_name: str  # display name of the type, "Node.js"
    category: str
    is_build: bool = False
    status: str = "ACTIVE"
    aliases: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return stable_id(f"version:{self.type_name}:{self.name}")

    @property
    def type_id(self) -> str:
        return stable_id(f"type:{self.type_name}")

    @property
    def base(self) -> str:
        return self.name.split("@", 1)[0]


@dataclass(frozen=True)
class StackType:
    name: str
    category: str
    versions: tuple[StackVersion, ...]
    ports: tuple[Port, ...] = ()
    env_keys: tuple[str, ...] = ()  # generated variables of managed services
    description: str = ""

    @property
    def id(self) -> str:
        return stable_id(f"type:{self.name}")

    @property
    def technology(self) -> str:
        """``postgresql`` for PostgreSQL (the part of its version names before ``@``)."""
        return self.versions[0].base if self.versions else ""

    @property
    def takes_variant(self) -> bool:
        """True when imports may write ``:single``/``:ha`` into the type."""
        return self.is_managed and self.technology in VARIANT_TECHNOLOGIES

    @property
    def profiles(self) -> tuple[str, ...]:
        """The tuning profiles an import may pick (empty when the type has none)."""
        return tuple(PROFILES.get(self.technology, {})) if self.is_managed else ()

    @property
    def is_runtime(self) -> bool:
        return self.category == "USER"

    @property
    def is_managed(self) -> bool:
        return self.category == "STANDARD"

    @property
    def is_storage(self) -> bool:
        return self.category in ("SHARED_STORAGE", "OBJECT_STORAGE")

    @property
    def is_system(self) -> bool:
        return self.category in ("CORE", "BUILD", "INTERNAL", "PREPARE_RUNTIME", "HTTP_L7_BALANCER")


@dataclass(frozen=True)
class _Spec:
    name: str
    category: str
    versions: tuple[str, ...]
    ports: tuple[Port, ...] = ()
    env_keys: tuple[str, ...] = ()
    build: bool = True  # runtime versions usable as build.base
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    disabled: tuple[str, ...] = ()


_DB_KEYS: Final = ("hostname", "port", "user", "password", "dbName", "connectionString")

_SPECS: Final = (
    # runtimes
    _Spec("Node.js", "USER", ("nodejs@18", "nodejs@20", "nodejs@22", "nodejs@24"), disabled=("nodejs@18",)),
    _Spec("Python", "USER", ("python@3.11", "python@3.12", "python@3.14")),
    _Spec("Go", "USER", ("go@1", "go@1.22")),
    _Spec("Bun", "USER", ("bun@1.1", "bun@1.2", "bun@1.3")),
    _Spec("Deno", "USER", ("deno@1", "deno@2")),
    _Spec("Java", "USER", ("java@17", "java@21")),
    _Spec(".NET", "USER", ("dotnet@8", "dotnet@9", "dotnet@10")),
    _Spec("Ruby", "USER", ("ruby@3.3", "ruby@3.4")),
    _Spec(
        "Rust",
        "USER",
        ("rust@1.86", "rust@1.80", "rust@1.78", "rust@nightly"),
        aliases={"rust@1.86": ("rust@1", "rust@stable")},
    ),
    _Spec("Elixir", "USER", ("elixir@1.16",)),
    _Spec("Gleam", "USER", ("gleam@1.5",)),
    _Spec(
        "PHP + Apache",
        "USER",
        ("php-apache@8.1", "php-apache@8.3", "php-apache@8.4"),
        ports=(Port(80, "http", http=True),),
        build=False,
        aliases={v: (f"{v}+2.4",) for v in ("php-apache@8.1", "php-apache@8.3", "php-apache@8.4")},
    ),
    _Spec(
        "PHP + Nginx",
        "USER",
        ("php-nginx@8.1", "php-nginx@8.3", "php-nginx@8.4"),
        ports=(Port(80, "http", http=True),),
        build=False,
        aliases={v: (f"{v}+1.22",) for v in ("php-nginx@8.1", "php-nginx@8.3", "php-nginx@8.4")},
    ),
    _Spec("Static", "USER", ("static",), ports=(Port(80, "http", http=True),), build=False),
    _Spec("Nginx", "USER", ("nginx@1.22",), ports=(Port(80, "http", http=True),), build=False),
    _Spec("Alpine", "USER", ("alpine@3.20", "alpine@3.21")),
    _Spec("Ubuntu", "USER", ("ubuntu@22.04", "ubuntu@24.04")),
    _Spec("Docker", "USER", ("docker@26.1",), build=False),
    # managed services
    _Spec(
        "PostgreSQL",
        "STANDARD",
        ("postgresql@14", "postgresql@16", "postgresql@17", "postgresql@18"),
        ports=(Port(5432, "postgresql"), Port(6432, "postgresql")),
        env_keys=(*_DB_KEYS, "portTls", "connectionTlsString", "superUser", "superUserPassword"),
    ),
    _Spec("MariaDB", "STANDARD", ("mariadb@10.6",), ports=(Port(3306, "mysql"),), env_keys=_DB_KEYS),
    _Spec(
        "Valkey",
        "STANDARD",
        ("valkey@7.2",),
        ports=(Port(6379, "redis"), Port(6380, "redis")),
        env_keys=("hostname", "port", "portTls", "connectionString"),
    ),
    _Spec(
        "KeyDB",
        "STANDARD",
        ("keydb@6",),
        ports=(Port(6379, "redis"),),
        env_keys=("hostname", "port", "connectionString"),
    ),
    _Spec(
        "ClickHouse",
        "STANDARD",
        ("clickhouse@25.3",),
        ports=(Port(9000), Port(8123, "http")),
        env_keys=("hostname", "port", "portHttp", "password", "superUserPassword", "dbName"),
    ),
    _Spec(
        "Qdrant",
        "STANDARD",
        ("qdrant@1.10", "qdrant@1.12"),
        ports=(Port(6333, "http"), Port(6334)),
        env_keys=("hostname", "port", "grpcPort", "apiKey", "readOnlyApiKey", "connectionString"),
    ),
    _Spec(
        "Elasticsearch",
        "STANDARD",
        ("elasticsearch@8.16", "elasticsearch@9.2"),
        ports=(Port(9200, "http"),),
        env_keys=("hostname", "port", "password"),
    ),
    _Spec(
        "Meilisearch",
        "STANDARD",
        ("meilisearch@1.10", "meilisearch@1.20"),
        ports=(Port(7700, "http"),),
        env_keys=("hostname", "masterKey", "defaultSearchKey", "defaultAdminKey"),
    ),
    _Spec(
        "Typesense",
        "STANDARD",
        ("typesense@27.1",),
        ports=(Port(8108, "http"),),
        env_keys=("hostname", "port", "apiKey"),
    ),
    _Spec(
        "Kafka",
        "STANDARD",
        ("kafka@3.8", "kafka@3.9"),
        ports=(Port(9092),),
        env_keys=("hostname", "port", "user", "password"),
    ),
    _Spec(
        "NATS",
        "STANDARD",
        ("nats@2.10", "nats@2.12"),
        ports=(Port(4222, "nats"), Port(8222, "http")),
        env_keys=("hostname", "user", "password", "connectionString"),
    ),
    _Spec(
        "RabbitMQ",
        "STANDARD",
        ("rabbitmq@3.9",),
        ports=(Port(5672, "amqp"),),
        env_keys=("hostname", "port", "user", "password", "connectionString"),
    ),
    # storage
    _Spec(
        "Shared Storage",
        "SHARED_STORAGE",
        ("shared-storage",),
        aliases={"shared-storage": ("sharedstorage",)},
    ),
    _Spec(
        "Object Storage",
        "OBJECT_STORAGE",
        ("object-storage",),
        env_keys=("apiUrl", "apiHost", "accessKeyId", "secretAccessKey", "bucketName", "quotaGBytes"),
        aliases={"object-storage": ("objectstorage",)},
    ),
    # platform plumbing, hidden from users
    _Spec("zbuild", "BUILD", ("nodejs@22", "python@3.12", "go@1", "php@8.3", "php@8.4")),
    _Spec("Core", "CORE", ("core@1",)),
    _Spec("L7 HTTP Balancer", "HTTP_L7_BALANCER", ("l7-balancer@1",)),
)


def _build_catalogue() -> tuple[StackType, ...]:
    types = []
    for spec in _SPECS:
        versions = tuple(
            StackVersion(
                name=name,
                type_name=spec.name,
                category=spec.category,
                is_build=spec.category == "BUILD" or (spec.category == "USER" and spec.build),
                status="DISABLED" if name in spec.disabled else "ACTIVE",
                aliases=spec.aliases.get(name, ()),
            )
            for name in spec.versions
        )
        types.append(StackType(spec.name, spec.category, versions, spec.ports, spec.env_keys))
    return tuple(types)


CATALOGUE: Final = _build_catalogue()


def find_version(type_version: str) -> tuple[StackType, StackVersion] | None:
    """The user-facing (non-system) type and version an import ``type:`` names, or ``None``.

    ``postgresql:ha@18`` names the same version as ``postgresql@18``; a variant on a type that
    takes none (``nats:ha@2.12``) names nothing.
    """
    wanted = type_version.strip()
    parsed = parse_type(wanted)
    variant = parsed.variant
    if variant is not None:
        if variant not in VARIANTS:
            return None
        wanted = parsed.legacy
    for stack_type in CATALOGUE:
        if stack_type.is_system or (variant is not None and not stack_type.takes_variant):
            continue
        for version in stack_type.versions:
            if version.status == "ACTIVE" and (wanted == version.name or wanted in version.aliases):
                return stack_type, version
    return None


def find_base(base: str) -> bool:
    """True when ``base`` (``nodejs@22``) is a known build or run base of zerops.yaml."""
    for stack_type in CATALOGUE:
        for version in stack_type.versions:
            if version.status == "ACTIVE" and base in (version.name, *version.aliases):
                return stack_type.is_runtime or stack_type.category == "BUILD"
    return False


def type_by_version_id(version_id: str) -> tuple[StackType, StackVersion] | None:
    for stack_type in CATALOGUE:
        for version in stack_type.versions:
            if version.id == version_id:
                return stack_type, version
    return None
