"""Settings from the environment and flags, validated once and passed down.

Nothing else in zcp reads ``os.environ``: :func:`load_settings` takes the environment as a
mapping (tests pass a plain dict), validates every value and raises :class:`ConfigError` naming
the variable when one is malformed, so a bad setting fails start-up loudly instead of being
ignored half-way through a session.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from zcp.errors import ConfigError
from zcp.secrets import register_secret

DEFAULT_API_HOST = "https://api.app-prg1.zerops.io"
DEFAULT_REGION = "prg1"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_LOG_LEVELS = {"debug", "info", "warning", "warn", "error", "critical"}


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one zcp process.

    Paths left as ``None`` are resolved by the subsystem that owns them (for example the corpus
    is located next to the package, see :mod:`zcp.knowledge.paths`).
    """

    # Zerops platform access
    api_key: str | None = field(default=None, repr=False)
    api_host: str = DEFAULT_API_HOST
    region: str = DEFAULT_REGION
    zcli_data_dir: Path | None = None
    xdg_config_home: Path | None = None  # where zcli's cli.data lives on Linux (XDG_CONFIG_HOME)
    xdg_cache_home: Path | None = None  # base of zcp's user cache (XDG_CACHE_HOME)
    api_timeout: float = 30.0
    # Knowledge
    corpus_dir: Path | None = None
    index_dir: Path | None = None
    # Behaviour
    read_only: bool = False
    log_level: str = "warning"
    #: The project root zcp works in: file inputs are confined to it, ``.env`` and zerops.yaml live here.
    work_dir: Path = field(default_factory=Path.cwd)
    state_dir: Path = field(default_factory=lambda: Path.cwd() / ".zcp" / "state")
    poll_interval: float = 2.0
    poll_max_interval: float = 5.0
    poll_timeout: float = 600.0
    #: How long a tool waits for a platform process by default (a call's ``waitSeconds`` may ask for
    #: anything up to ``poll_timeout``); then it answers "still running" instead of blocking.
    wait_seconds: float = 45.0
    #: Seconds an HTTP health probe (zerops_verify) waits for a subdomain to answer.
    probe_timeout: float = 10.0
    #: Failed deploy/verify attempts in a row (per service) before a develop session stops, and
    #: bootstrap iterations allowed (``ZCP_MAX_ITERATIONS``).
    max_iterations: int = 5
    # Where zcp itself runs (set by the Zerops runtime inside a container)
    service_id: str | None = None
    self_hostname: str | None = None
    container_project_id: str | None = None
    # HTTP transport (`zcp serve --http`): the bearer token clients must send
    http_token: str | None = field(default=None, repr=False)
    # GitHub (docs sync)
    github_token: str | None = field(default=None, repr=False)
    github_api_url: str = "https://api.github.com"
    # Live schemas (URLs default to the public schema endpoints of ``api_host``)
    schema_cache_dir: Path | None = None
    schema_zerops_url: str | None = None
    schema_import_url: str | None = None
    schema_ttl: float = 86400.0
    # SSH to services and their mounts (zcp.remote; docs/remote.md)
    ssh_host_template: str = "{hostname}"  # ZCP_SSH_HOST: where a service's SSH server is
    ssh_port: int = 22  # ZCP_SSH_PORT
    ssh_user_template: str = "zerops"  # ZCP_SSH_USER: the login name ({hostname} allowed)
    ssh_key_path: Path | None = None  # ZCP_SSH_KEY: client private key (None: ~/.ssh defaults)
    ssh_known_hosts: Path | None = None  # ZCP_SSH_KNOWN_HOSTS: trusted host keys, besides the project's pins
    ssh_host_key_policy: str = "strict"  # ZCP_SSH_HOST_KEY_POLICY: strict | tofu | off
    ssh_connect_timeout: float = 10.0  # ZCP_SSH_CONNECT_TIMEOUT
    mount_root: Path = Path("/var/www")  # ZCP_MOUNT_ROOT: services appear at <root>/<hostname>
    mount_mode: str = "sshfs"  # ZCP_MOUNT_MODE: sshfs | link (the sandbox's file trees)
    sandbox_data_dir: Path | None = None  # ZCP_SANDBOX_DATA_DIR: the sandbox's trees (mount_mode=link)

    @property
    def in_container(self) -> bool:
        """True when running inside a Zerops service container."""
        return bool(self.service_id)

    @property
    def user_cache_dir(self) -> Path:
        """zcp's user cache folder: ``$XDG_CACHE_HOME/zcp``, else ``~/.cache/zcp``."""
        return (self.xdg_cache_home or Path.home() / ".cache") / "zcp"

    @property
    def has_credentials(self) -> bool:
        """True when a token is configured through the environment (zcli's file is checked later)."""
        return bool(self.api_key)

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields replaced (flags override the environment)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def parse_bool(name: str, raw: str) -> bool:
    """Parse a boolean setting; anything but a clear yes/no is a start-up error."""
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(
        f"{name}={raw!r} is not a boolean",
        suggestion=f"Set {name} to 1/true/yes/on or 0/false/no/off, or unset it.",
    )


def _parse_float(name: str, raw: str, *, minimum: float = 0.0) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(
            f"{name}={raw!r} is not a number", suggestion=f"Set {name} to seconds, e.g. 2.5."
        ) from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}", suggestion=f"Raise {name}.")
    return value


def _parse_int(name: str, raw: str, *, minimum: int, maximum: int) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(
            f"{name}={raw!r} is not a whole number", suggestion=f"Set {name} to e.g. 5."
        ) from None
    if not minimum <= value <= maximum:
        raise ConfigError(
            f"{name}={raw!r} must be between {minimum} and {maximum}", suggestion=f"Set {name} to e.g. 5."
        )
    return value


def normalize_base_url(host: str) -> str:
    """``api.example`` → ``https://api.example``; an explicit ``http://`` (an emulator) is kept."""
    value = host.strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        value = "https://" + value
    return value


def _path(raw: str | None) -> Path | None:
    if raw is None or not raw.strip():
        return None
    return Path(raw).expanduser()


def load_settings(env: Mapping[str, str] | None = None, *, cwd: Path | None = None) -> Settings:
    """Build :class:`Settings` from an environment mapping (``os.environ`` by default)."""
    env = os.environ if env is None else env
    base = cwd or Path.cwd()

    def get(name: str) -> str | None:
        value = env.get(name)
        return value if value is not None and value.strip() != "" else None

    log_level = (get("ZCP_LOG_LEVEL") or "warning").strip().lower()
    if log_level not in _LOG_LEVELS:
        raise ConfigError(
            f"ZCP_LOG_LEVEL={log_level!r} is not a log level",
            suggestion="Use one of debug, info, warning, error.",
        )
    if log_level == "warn":
        log_level = "warning"

    api_key = get("ZCP_API_KEY")
    github_token = get("GH_TOKEN") or get("GITHUB_TOKEN")
    register_secret(api_key)
    register_secret(github_token)
    http_token = get("ZCP_HTTP_TOKEN")
    register_secret(http_token)

    state_dir = _path(get("ZCP_STATE_DIR")) or base / ".zcp" / "state"
    poll_interval = _parse_float("ZCP_POLL_INTERVAL", get("ZCP_POLL_INTERVAL") or "2", minimum=0.001)
    poll_max = _parse_float("ZCP_POLL_MAX_INTERVAL", get("ZCP_POLL_MAX_INTERVAL") or "5", minimum=0.001)
    poll_timeout = _parse_float("ZCP_POLL_TIMEOUT", get("ZCP_POLL_TIMEOUT") or "600", minimum=0.0)

    return Settings(
        api_key=api_key,
        api_host=normalize_base_url(get("ZCP_API_HOST") or DEFAULT_API_HOST),
        region=get("ZCP_REGION") or DEFAULT_REGION,
        zcli_data_dir=_path(get("ZCP_ZCLI_DATA_DIR")),
        xdg_config_home=_path(get("XDG_CONFIG_HOME")),
        xdg_cache_home=_path(get("XDG_CACHE_HOME")),
        api_timeout=_parse_float("ZCP_API_TIMEOUT", get("ZCP_API_TIMEOUT") or "30", minimum=0.01),
        corpus_dir=_path(get("ZCP_CORPUS_DIR")),
        index_dir=_path(get("ZCP_INDEX_DIR")),
        read_only=parse_bool("ZCP_READ_ONLY", env.get("ZCP_READ_ONLY", "")),
        log_level=log_level,
        work_dir=base,
        state_dir=state_dir,
        poll_interval=poll_interval,
        poll_max_interval=max(poll_max, poll_interval),
        poll_timeout=poll_timeout,
        wait_seconds=min(
            _parse_float("ZCP_WAIT_SECONDS", get("ZCP_WAIT_SECONDS") or "45", minimum=0.0), poll_timeout
        ),
        probe_timeout=_parse_float("ZCP_PROBE_TIMEOUT", get("ZCP_PROBE_TIMEOUT") or "10", minimum=0.01),
        max_iterations=_parse_int(
            "ZCP_MAX_ITERATIONS", get("ZCP_MAX_ITERATIONS") or "5", minimum=1, maximum=100
        ),
        service_id=get("serviceId"),
        self_hostname=get("hostname") if get("serviceId") else None,
        container_project_id=get("projectId") if get("serviceId") else None,
        http_token=http_token,
        github_token=github_token,
        github_api_url=(get("ZCP_GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
        schema_cache_dir=_path(get("ZCP_SCHEMA_CACHE_DIR")),
        schema_zerops_url=get("ZCP_SCHEMA_ZEROPS_URL"),
        schema_import_url=get("ZCP_SCHEMA_IMPORT_URL"),
        schema_ttl=_parse_float("ZCP_SCHEMA_TTL", get("ZCP_SCHEMA_TTL") or "86400", minimum=0.0),
        **_remote_settings(get),
    )


SSH_HOST_KEY_POLICIES = ("strict", "tofu", "off")
MOUNT_MODES = ("sshfs", "link")


def _template(name: str, raw: str) -> str:
    try:
        raw.format(hostname="probe")
    except (KeyError, IndexError, ValueError):
        raise ConfigError(
            f"{name}={raw!r} is not a valid template",
            suggestion=f"Use plain text with an optional {{hostname}} placeholder, e.g. {name}={{hostname}}.",
        ) from None
    return raw


def _remote_settings(get: Callable[[str], str | None]) -> dict[str, Any]:
    """The SSH and mount settings (``ZCP_SSH_*``, ``ZCP_MOUNT_*``), validated."""
    port_raw = get("ZCP_SSH_PORT") or "22"
    if not port_raw.isdigit() or not 1 <= int(port_raw) <= 65535:
        raise ConfigError(
            f"ZCP_SSH_PORT={port_raw!r} is not a port", suggestion="Set it to 1-65535, e.g. 22."
        )
    policy = (get("ZCP_SSH_HOST_KEY_POLICY") or "strict").strip().lower()
    if policy not in SSH_HOST_KEY_POLICIES:
        raise ConfigError(
            f"ZCP_SSH_HOST_KEY_POLICY={policy!r} is not a policy",
            suggestion="Use strict (pinned keys only), tofu (pin the first key seen) or off.",
        )
    mode = (get("ZCP_MOUNT_MODE") or "sshfs").strip().lower()
    if mode not in MOUNT_MODES:
        raise ConfigError(f"ZCP_MOUNT_MODE={mode!r} is not a mount mode", suggestion="Use sshfs or link.")
    return {
        "ssh_host_template": _template("ZCP_SSH_HOST", get("ZCP_SSH_HOST") or "{hostname}"),
        "ssh_port": int(port_raw),
        "ssh_user_template": _template("ZCP_SSH_USER", get("ZCP_SSH_USER") or "zerops"),
        "ssh_key_path": _path(get("ZCP_SSH_KEY")),
        "ssh_known_hosts": _path(get("ZCP_SSH_KNOWN_HOSTS")),
        "ssh_host_key_policy": policy,
        "ssh_connect_timeout": _parse_float(
            "ZCP_SSH_CONNECT_TIMEOUT", get("ZCP_SSH_CONNECT_TIMEOUT") or "10", minimum=0.1
        ),
        "mount_root": _path(get("ZCP_MOUNT_ROOT")) or Path("/var/www"),
        "mount_mode": mode,
        "sandbox_data_dir": _path(get("ZCP_SANDBOX_DATA_DIR")),
    }
