"""Credentials come from ZCP_API_KEY or zcli's login file; discovery picks the one project zcp manages."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.auth import auth_required_error, discover_project, resolve_credentials, zcli_data_file
from zcp.config import DEFAULT_API_HOST, Settings, load_settings
from zcp.errors import AuthTokenExpired, ConfigError, TokenMultiProject, TokenNoProject


def write_cli_data(folder: Path, data: object) -> Path:
    path = folder / "zerops" / "cli.data"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8", newline="\n")
    return path


def test_the_api_key_setting_wins_and_its_host_is_normalised() -> None:
    settings = load_settings({"ZCP_API_KEY": "key-1234567890", "ZCP_API_HOST": "api.example.org/"})
    credentials = resolve_credentials(settings)
    assert credentials is not None
    assert credentials.source == "env"
    assert credentials.token.reveal() == "key-1234567890"
    assert credentials.api_host == "https://api.example.org"


def test_no_key_and_no_zcli_login_means_no_credentials(zcli_data_dir: Path) -> None:
    assert resolve_credentials(Settings(zcli_data_dir=zcli_data_dir)) is None


def test_zcli_login_supplies_token_region_host_and_scope(zcli_data_dir: Path) -> None:
    path = write_cli_data(
        zcli_data_dir,
        {
            "Token": "zcli-token-abcdef123456",
            "RegionData": {
                "name": "fra1",
                "isDefault": False,
                "address": "api.app-fra1.zerops.io",
                "guiAddress": "x",
            },
            "ScopeProjectId": "proj123",
            "ProjectVpnKeyRegistry": {},
        },
    )
    credentials = resolve_credentials(Settings(zcli_data_dir=zcli_data_dir))
    assert credentials is not None
    assert (credentials.source, credentials.source_path) == ("zcli", path)
    assert credentials.token.reveal() == "zcli-token-abcdef123456"
    assert (credentials.api_host, credentials.region) == ("https://api.app-fra1.zerops.io", "fra1")
    assert credentials.scope_project_id == "proj123"


def test_an_explicit_api_host_overrides_the_zcli_region(zcli_data_dir: Path) -> None:
    write_cli_data(
        zcli_data_dir,
        {"Token": "zcli-token-abcdef123456", "RegionData": {"address": "api.app-fra1.zerops.io"}},
    )
    credentials = resolve_credentials(Settings(zcli_data_dir=zcli_data_dir, api_host="http://127.0.0.1:8080"))
    assert credentials is not None
    assert credentials.api_host == "http://127.0.0.1:8080"


@pytest.mark.parametrize("data", [{"Token": ""}, {"Token": "   "}, {"Token": None}, {}])
def test_a_zcli_login_without_a_token_means_no_credentials(zcli_data_dir: Path, data: object) -> None:
    write_cli_data(zcli_data_dir, data)
    credentials = resolve_credentials(Settings(zcli_data_dir=zcli_data_dir))
    assert credentials is None


def test_defaults_apply_when_the_zcli_login_has_no_region(zcli_data_dir: Path) -> None:
    write_cli_data(zcli_data_dir, {"Token": "zcli-token-abcdef123456", "ScopeProjectId": None})
    credentials = resolve_credentials(Settings(zcli_data_dir=zcli_data_dir))
    assert credentials is not None
    assert (credentials.api_host, credentials.region, credentials.scope_project_id) == (
        DEFAULT_API_HOST,
        "prg1",
        None,
    )


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '"a string"'])
def test_a_corrupt_zcli_login_is_a_config_error_naming_the_file(zcli_data_dir: Path, text: str) -> None:
    path = write_cli_data(zcli_data_dir, text)
    with pytest.raises(ConfigError) as caught:
        resolve_credentials(Settings(zcli_data_dir=zcli_data_dir))
    assert str(path) in caught.value.message


def test_an_unreadable_zcli_login_is_a_config_error(zcli_data_dir: Path) -> None:
    (zcli_data_dir / "zerops" / "cli.data").mkdir(parents=True)
    with pytest.raises(ConfigError):
        resolve_credentials(Settings(zcli_data_dir=zcli_data_dir))


def test_zcli_login_locations_follow_the_os(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert (
        zcli_data_file(Settings(), home=home, platform="darwin")
        == home / "Library/Application Support/zerops/cli.data"
    )
    assert zcli_data_file(Settings(), home=home, platform="linux") == home / ".config/zerops/cli.data"
    xdg = Settings(xdg_config_home=tmp_path / "xdg")
    assert zcli_data_file(xdg, home=home, platform="linux") == tmp_path / "xdg/zerops/cli.data"
    assert zcli_data_file(Settings(zcli_data_dir=tmp_path / "z"), home=home) == tmp_path / "z/zerops/cli.data"


def test_xdg_config_home_is_read_from_the_environment(tmp_path: Path) -> None:
    assert load_settings({"XDG_CONFIG_HOME": str(tmp_path)}).xdg_config_home == tmp_path


def test_knowledge_only_mode_says_how_to_get_a_token_or_a_sandbox() -> None:
    error = auth_required_error()
    assert error.code == "AUTH_REQUIRED"
    assert error.suggestion is not None
    assert "ZCP_API_KEY" in error.suggestion
    assert "zcp sandbox serve" in error.suggestion


@pytest.mark.anyio
@pytest.mark.sandbox(seed="standard")
async def test_discovery_finds_the_only_project_and_caches_the_organisation(sandbox: SandboxHandle) -> None:
    async with httpx.AsyncClient() as http:
        client = sandbox.client(http)
        found = await discover_project(client, sandbox.credentials())
        await client.list_services(found.project.id)
    assert found.project.name == "demo"
    assert found.user.email == "jane@example.com"
    assert found.client_id == sandbox.project().client_id
    assert sandbox.hits("get_user_info") == 1


@pytest.mark.anyio
@pytest.mark.sandbox(seed="multi_project")
async def test_a_token_that_sees_several_projects_is_token_multi_project(sandbox: SandboxHandle) -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(TokenMultiProject) as caught:
            await discover_project(sandbox.client(http), sandbox.credentials())
    assert "blog" in caught.value.message
    assert "shop" in caught.value.message
    assert caught.value.details is not None
    assert len(caught.value.details["projects"]) == 2


@pytest.mark.anyio
@pytest.mark.sandbox(seed="multi_project")
async def test_a_project_scoped_token_sees_one_project(sandbox: SandboxHandle) -> None:
    shop = sandbox.project("shop")
    sandbox.sandbox.scope_token(sandbox.token, {shop.id})
    async with httpx.AsyncClient() as http:
        found = await discover_project(sandbox.client(http), sandbox.credentials())
    assert found.project.id == shop.id


@pytest.mark.anyio
@pytest.mark.sandbox(seed="multi_project")
async def test_the_zcli_scope_project_is_used_when_present(sandbox: SandboxHandle) -> None:
    blog = sandbox.project("blog")
    credentials = sandbox.credentials()
    scoped = type(credentials)(
        credentials.token, credentials.api_host, "prg1", "zcli", scope_project_id=blog.id
    )
    async with httpx.AsyncClient() as http:
        found = await discover_project(sandbox.client(http), scoped)
    assert found.project.name == "blog"


@pytest.mark.anyio
@pytest.mark.sandbox(seed="standard")
async def test_a_scope_project_the_token_cannot_see_is_token_no_project(sandbox: SandboxHandle) -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(TokenNoProject):
            await discover_project(
                sandbox.client(http), sandbox.credentials(), project_id="someoneElsesProject000"
            )


@pytest.mark.anyio
@pytest.mark.sandbox(seed="no_project")
async def test_a_token_without_projects_is_token_no_project(sandbox: SandboxHandle) -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(TokenNoProject) as caught:
            await discover_project(sandbox.client(http), sandbox.credentials())
    assert caught.value.suggestion


@pytest.mark.anyio
@pytest.mark.sandbox(seed="standard")
async def test_a_rejected_token_is_auth_token_expired_naming_where_it_came_from(
    sandbox: SandboxHandle,
) -> None:
    async with httpx.AsyncClient() as http:
        client = sandbox.client(http, token="revoked-token-1234567")
        with pytest.raises(AuthTokenExpired) as caught:
            await discover_project(client, sandbox.credentials("revoked-token-1234567"))
    assert "ZCP_API_KEY" in caught.value.message
    assert "revoked-token-1234567" not in str(caught.value)


@pytest.mark.anyio
@pytest.mark.sandbox(seed="standard")
async def test_connect_opens_a_client_for_the_discovered_project(sandbox: SandboxHandle) -> None:
    from zcp.auth import connect

    async with connect(sandbox.settings()) as connection:
        assert connection is not None
        assert connection.project.name == "demo"
        assert not connection.runtime.in_container
        services = await connection.client.list_services(connection.project.id)
    assert {s.name for s in services} >= {"appdev", "db"}


@pytest.mark.anyio
async def test_connect_without_any_token_yields_none(zcli_data_dir: Path) -> None:
    from zcp.auth import connect

    async with connect(Settings(zcli_data_dir=zcli_data_dir)) as connection:
        assert connection is None


@pytest.mark.anyio
@pytest.mark.sandbox(seed="standard")
async def test_connect_with_a_wrong_token_fails_loudly(sandbox: SandboxHandle) -> None:
    from zcp.auth import connect

    with pytest.raises(AuthTokenExpired):
        async with connect(sandbox.settings(api_key="wrong-token-123456")):
            pass
