"""The Zerops vocabulary alias table, applied to search queries.

Agents type what they know ("postgres", "redis", "node", "s3"); the corpus speaks in Zerops type
names ("postgresql", "valkey", "nodejs", "object storage"). Each query word is expanded into its
aliases before searching, so both spellings find the same documents. Keys are lowercase query
words; values are extra words or phrases to search for as well.
"""

from __future__ import annotations

ALIASES: dict[str, tuple[str, ...]] = {
    # managed services
    "postgres": ("postgresql",),
    "pg": ("postgresql",),
    "psql": ("postgresql",),
    "pgsql": ("postgresql",),
    "redis": ("valkey", "keydb"),
    "memcached": ("valkey", "cache"),
    "mysql": ("mariadb",),
    "elastic": ("elasticsearch",),
    "es": ("elasticsearch",),
    "opensearch": ("elasticsearch",),
    "meili": ("meilisearch",),
    "rabbit": ("rabbitmq",),
    "amqp": ("rabbitmq",),
    "mq": ("queue", "rabbitmq", "nats", "kafka"),
    "queue": ("rabbitmq", "nats", "kafka"),
    "s3": ("object storage", "object-storage", "bucket"),
    "minio": ("object storage", "object-storage"),
    "bucket": ("object storage",),
    "nfs": ("shared storage", "shared-storage"),
    "volume": ("shared storage", "disk"),
    "vector": ("qdrant",),
    "db": ("database",),
    # runtimes and languages
    "node": ("nodejs",),
    "node.js": ("nodejs",),
    "js": ("nodejs", "javascript"),
    "javascript": ("nodejs",),
    "ts": ("nodejs", "typescript"),
    "typescript": ("nodejs",),
    "golang": ("go",),
    "py": ("python",),
    "django": ("python",),
    "flask": ("python",),
    "fastapi": ("python",),
    "laravel": ("php",),
    "symfony": ("php",),
    "rails": ("ruby",),
    "phoenix": ("elixir",),
    "spring": ("java",),
    "dotnet": (".net", "csharp"),
    ".net": ("dotnet",),
    "csharp": ("dotnet",),
    "c#": ("dotnet",),
    "aspnet": ("dotnet",),
    "spa": ("static",),
    "react": ("static", "nodejs"),
    "vue": ("static", "nodejs"),
    "nextjs": ("nodejs",),
    "next.js": ("nodejs",),
    # platform concepts
    "env": ("environment variable",),
    "envs": ("environment variables",),
    "dotenv": ("environment variables",),
    "secret": ("envSecrets",),
    "secrets": ("envSecrets",),
    "ssl": ("tls", "https", "certificate"),
    "cert": ("certificate", "tls"),
    "https": ("tls",),
    "domain": ("subdomain", "dns"),
    "dns": ("domain",),
    "url": ("subdomain",),
    "public": ("subdomain", "public access"),
    "cron": ("crontab",),
    "scheduled": ("crontab",),
    "log": ("logs", "logging"),
    "logs": ("logging",),
    "ha": ("high availability",),
    "autoscaling": ("scaling",),
    "autoscale": ("scaling",),
    "ram": ("memory",),
    "oom": ("memory", "out of memory"),
    "cpu": ("vertical scaling",),
    "replicas": ("horizontal scaling", "containers"),
    "ci": ("ci/cd", "pipeline", "github actions"),
    "cicd": ("ci/cd", "pipeline"),
    "gitlab": ("ci/cd",),
    "actions": ("github actions",),
    "webhook": ("git integration",),
    "dockerfile": ("docker",),
    "healthcheck": ("health check", "healthCheck"),
    "readiness": ("readinessCheck",),
    "zerops.yml": ("zerops.yaml",),
    "yml": ("yaml",),
    "deploy": ("deployFiles",),
    "migrations": ("initCommands",),
    "migration": ("initCommands",),
    "startup": ("start",),
}


def expand(word: str) -> tuple[str, ...]:
    """The word itself followed by its aliases (without duplicates)."""
    variants = [word]
    for alias in ALIASES.get(word, ()):
        if alias not in variants:
            variants.append(alias)
    return tuple(variants)
