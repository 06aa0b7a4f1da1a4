"""Settings: validated once from an environment mapping; malformed values fail with the variable's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from zcp.config import DEFAULT_API_HOST, load_settings
from zcp.errors import ConfigError
from zcp.secrets import redact


def test_an_empty_environment_gives_the_documented_defaults(tmp_path: Path) -> None:
    settings = load_settings({}, cwd=tmp_path)
    assert settings.api_host == DEFAULT_API_HOST
    assert settings.read_only is False
    assert settings.log_level == "warning"
    assert settings.state_dir == tmp_path / ".zcp" / "state"
    assert settings.in_container is False
    assert settings.user_cache_dir == Path.home() / ".cache" / "zcp"


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False)]
)
def test_read_only_accepts_the_usual_spellings(raw: str, expected: bool) -> None:
    assert load_settings({"ZCP_READ_ONLY": raw}).read_only is expected


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"ZCP_READ_ONLY": "perhaps"}, "ZCP_READ_ONLY"),
        ({"ZCP_LOG_LEVEL": "loud"}, "ZCP_LOG_LEVEL"),
        ({"ZCP_POLL_INTERVAL": "soon"}, "ZCP_POLL_INTERVAL"),
        ({"ZCP_API_TIMEOUT": "0"}, "ZCP_API_TIMEOUT"),
    ],
)
def test_a_malformed_value_names_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert str(info.value).startswith(variable)
    assert info.value.suggestion


def test_api_host_gets_a_scheme_and_loses_its_trailing_slash() -> None:
    assert load_settings({"ZCP_API_HOST": "api.example.test/"}).api_host == "https://api.example.test"
    assert load_settings({"ZCP_API_HOST": "http://127.0.0.1:9000"}).api_host == "http://127.0.0.1:9000"


def test_tokens_are_registered_as_secrets_and_never_shown() -> None:
    settings = load_settings({"ZCP_API_KEY": "zerops-token-123456", "GH_TOKEN": "github-token-abcdef"})
    assert "zerops-token-123456" not in repr(settings)
    assert redact("key zerops-token-123456 and github-token-abcdef") == "key *** and ***"


def test_zerops_runtime_variables_mark_a_container(tmp_path: Path) -> None:
    settings = load_settings({"serviceId": "svc1", "hostname": "zcp", "projectId": "p1"})
    assert settings.in_container
    assert (settings.self_hostname, settings.container_project_id) == ("zcp", "p1")
    assert load_settings({"hostname": "laptop"}).self_hostname is None


def test_the_user_cache_follows_xdg_cache_home(tmp_path: Path) -> None:
    assert load_settings({"XDG_CACHE_HOME": str(tmp_path)}).user_cache_dir == tmp_path / "zcp"
