"""Which token zcp uses and which project it manages.

:func:`resolve_credentials` finds the token without touching the network: ``ZCP_API_KEY`` first, else
the login zcli stored in its ``cli.data`` file. It returns ``None`` when there is no token at all (zcp
then runs knowledge-only) and raises when a token source exists but is broken, so a wrong set-up fails
loudly at start-up instead of half-working.

:func:`discover_project` then asks the API who the token belongs to and picks the one project zcp
manages: the zcli scope project when there is one, else the only project the token can see.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from zcp.config import DEFAULT_API_HOST, DEFAULT_REGION, Settings, normalize_base_url
from zcp.errors import (
    AuthRequired,
    AuthTokenExpired,
    ConfigError,
    NotFoundError,
    TokenMultiProject,
    TokenNoProject,
)
from zcp.runtime import RuntimeInfo, detect_runtime
from zcp.secrets import SecretToken

if TYPE_CHECKING:
    import httpx

    from zcp.platform.client import ZeropsClient
    from zcp.platform.models import Project, UserInfo
    from zcp.platform.retry import RetryPolicy

# The platform client (httpx, pydantic wire models) loads only when a token exists, so
# knowledge-only start-up stays fast.

__all__ = [
    "Credentials",
    "Discovery",
    "PlatformConnection",
    "auth_required_error",
    "connect",
    "discover_project",
    "resolve_credentials",
    "zcli_data_file",
]

_CLI_DATA = Path("zerops") / "cli.data"
_TOKEN_HELP = (
    "Set ZCP_API_KEY to a Zerops personal access token (Zerops GUI → Settings → Access Tokens) or run "
    "`zcli login`; to try zcp without an account, run `zcp sandbox serve` and export the variables it prints."
)


@dataclass(frozen=True)
class Credentials:
    """A token and where to use it; the token never prints (see :class:`SecretToken`)."""

    token: SecretToken
    api_host: str
    region: str
    source: Literal["env", "zcli"]
    scope_project_id: str | None = None
    source_path: Path | None = None


@dataclass(frozen=True)
class Discovery:
    """The outcome of start-up discovery: who the token is and the project zcp manages."""

    project: Project
    client_id: str
    user: UserInfo


def auth_required_error() -> AuthRequired:
    """The error every platform tool answers with in knowledge-only mode."""
    return AuthRequired(
        "No Zerops token is configured, so only the knowledge tools work.", suggestion=_TOKEN_HELP
    )


def zcli_data_file(settings: Settings, *, home: Path | None = None, platform: str | None = None) -> Path:
    """Where zcli keeps its login: ``ZCP_ZCLI_DATA_DIR`` (a test hook), else the OS config folder."""
    if settings.zcli_data_dir is not None:
        return settings.zcli_data_dir / _CLI_DATA
    base_home = home if home is not None else Path.home()
    if (platform or sys.platform) == "darwin":
        return base_home / "Library" / "Application Support" / _CLI_DATA
    config = settings.xdg_config_home if settings.xdg_config_home is not None else base_home / ".config"
    return config / _CLI_DATA


def resolve_credentials(
    settings: Settings, *, home: Path | None = None, platform: str | None = None
) -> Credentials | None:
    """The token to use, or ``None`` when none is configured anywhere. No network.

    Raises :class:`ConfigError` when zcli's file exists but cannot be read or parsed.
    """
    if settings.api_key:
        return Credentials(
            token=SecretToken(settings.api_key),
            api_host=normalize_base_url(settings.api_host),
            region=settings.region,
            source="env",
        )
    path = zcli_data_file(settings, home=home, platform=platform)
    data = _read_cli_data(path)
    if data is None:
        return None
    token = data.get("Token")
    if not isinstance(token, str) or not token.strip():
        return None
    raw_region = data.get("RegionData")
    region: dict[str, Any] = raw_region if isinstance(raw_region, dict) else {}
    # An explicit ZCP_API_HOST/ZCP_REGION wins over the region zcli logged into.
    host = settings.api_host
    if host == DEFAULT_API_HOST and isinstance(region.get("address"), str) and region["address"].strip():
        host = region["address"]
    region_name = settings.region
    if region_name == DEFAULT_REGION and isinstance(region.get("name"), str) and region["name"].strip():
        region_name = region["name"]
    scope = data.get("ScopeProjectId")
    return Credentials(
        token=SecretToken(token.strip()),
        api_host=normalize_base_url(host),
        region=region_name,
        source="zcli",
        scope_project_id=scope if isinstance(scope, str) and scope.strip() else None,
        source_path=path,
    )


def _read_cli_data(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            f"zcli's login file {path} exists but cannot be read ({type(error).__name__}).",
            suggestion="Fix its permissions, delete it and run `zcli login` again, or set ZCP_API_KEY.",
        ) from None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ConfigError(
            f"zcli's login file {path} is not the JSON object zcli writes.",
            suggestion="Run `zcli login` again to rewrite it, or set ZCP_API_KEY.",
        )
    return data


async def discover_project(
    client: ZeropsClient, credentials: Credentials, *, project_id: str | None = None
) -> Discovery:
    """Validate the token and pick the project zcp manages.

    ``project_id`` (or the zcli scope) names the project outright; otherwise the token must see exactly
    one project. Raises AuthTokenExpired, TokenNoProject or TokenMultiProject, each saying how to fix it.
    """
    try:
        user = await client.get_user_info()
    except AuthTokenExpired as error:
        where = "ZCP_API_KEY" if credentials.source == "env" else f"zcli's login ({credentials.source_path})"
        raise AuthTokenExpired(
            f"The Zerops API rejected the token from {where}: it is wrong, revoked or expired.",
            suggestion=_TOKEN_HELP,
            api_code=error.api_code,
        ) from None
    client_id = user.client_id
    if not client_id:
        raise TokenNoProject(
            "The token belongs to no organisation, so it sees no project.",
            suggestion="Create the token while signed in to the organisation that owns the project.",
        )
    client.remember_client_id(client_id)

    wanted = project_id or credentials.scope_project_id
    if wanted:
        try:
            project = await client.get_project(wanted)
        except NotFoundError:
            raise TokenNoProject(
                f"The token cannot see project {wanted}.",
                suggestion="Check the project id (zcli: `zcli scope project`), or use a token for that project.",
            ) from None
        return Discovery(project=project, client_id=client_id, user=user)

    projects = await client.list_projects(client_id)
    if not projects:
        raise TokenNoProject(
            "The token sees no project; zcp manages exactly one.",
            suggestion="Create a project in Zerops first, or use a token of the organisation that has it.",
        )
    if len(projects) > 1:
        listed = ", ".join(f"{p.name} ({p.id})" for p in sorted(projects, key=lambda p: p.name))
        raise TokenMultiProject(
            f"The token sees {len(projects)} projects ({listed}); zcp manages exactly one.",
            suggestion=(
                "Create a token limited to the one project (Zerops GUI → Access Tokens → project access), "
                "or with zcli run `zcli scope project <id>`."
            ),
            details={"projects": [{"id": p.id, "name": p.name} for p in projects]},
        )
    return Discovery(project=projects[0], client_id=client_id, user=user)


@dataclass(frozen=True)
class PlatformConnection:
    """Everything platform tools need: a live client, the managed project, and where zcp runs."""

    client: ZeropsClient
    project: Project
    client_id: str
    user: UserInfo
    credentials: Credentials
    runtime: RuntimeInfo


@asynccontextmanager
async def connect(
    settings: Settings,
    *,
    retry: RetryPolicy | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[PlatformConnection | None]:
    """Resolve credentials, open a client and discover the project; ``None`` when no token is configured.

    Wrong credentials raise (ConfigError, AuthTokenExpired, TokenNoProject, TokenMultiProject,
    NetworkError…) so ``zcp serve`` can fail at start-up; the client closes when the block ends.
    """
    credentials = resolve_credentials(settings)
    if credentials is None:
        yield None
        return
    from zcp.platform.client import ZeropsClient

    async with ZeropsClient.open(settings, credentials, retry=retry, transport=transport) as client:
        runtime = detect_runtime(settings)
        found = await discover_project(client, credentials)
        yield PlatformConnection(
            client=client,
            project=found.project,
            client_id=found.client_id,
            user=found.user,
            credentials=credentials,
            runtime=runtime,
        )
