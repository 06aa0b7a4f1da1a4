"""Environment variables in the sandbox: env files checked whole, generated keys protected."""

from __future__ import annotations

import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.errors import ApiError, ServiceNotFound
from zcp.platform import ZeropsClient
from zcp.sandbox.envs import MAX_ENV_FILE_BYTES, parse_env_file

pytestmark = pytest.mark.anyio


def test_env_files_allow_comments_blank_lines_and_quoted_values() -> None:
    values, problems = parse_env_file("# comment\n\nA=1\nB = 'two words'\nC=\"x=y\"\nD=\n")
    assert values == {"A": "1", "B": "two words", "C": "x=y", "D": ""}
    assert problems == {}


def test_env_file_problems_are_reported_by_line() -> None:
    _, problems = parse_env_file("A=1\nnot a pair\n1BAD=x\nA=2\n")
    assert problems == {
        "line 2": ["expected KEY=value"],
        "line 3": ["invalid key '1BAD'"],
        "line 4": ["duplicate key 'A'"],
    }


def user_env(sandbox: SandboxHandle, hostname: str) -> dict[str, str]:
    return {v.key: v.content for v in sandbox.service(hostname).env}


@pytest.mark.sandbox(seed="standard")
async def test_an_oversized_env_file_is_refused_whole(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    before = user_env(sandbox, "appdev")
    text = "A=1\n" + "B=" + "x" * MAX_ENV_FILE_BYTES + "\n"
    with pytest.raises(ApiError) as caught:
        await platform_client.set_service_env_file(sandbox.service("appdev").id, text)
    assert caught.value.api_code == "fileSizeLimitExceeded"
    assert user_env(sandbox, "appdev") == before


@pytest.mark.sandbox(seed="standard")
async def test_one_bad_line_rejects_the_whole_file(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    before = user_env(sandbox, "appdev")
    with pytest.raises(ApiError) as caught:
        await platform_client.set_service_env_file(sandbox.service("appdev").id, "GOOD=1\nbad line\n")
    assert caught.value.api_code == "userDataKeyInvalid"
    assert caught.value.api_meta is not None
    assert caught.value.api_meta[0]["metadata"] == {"line 2": ["expected KEY=value"]}
    assert user_env(sandbox, "appdev") == before


@pytest.mark.sandbox(seed="standard")
async def test_generated_variables_cannot_be_overwritten_or_deleted(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    db = sandbox.service("db")
    with pytest.raises(ApiError) as caught:
        await platform_client.set_service_env_file(db.id, "password=mine\n")
    assert caught.value.api_code == "userDataUseOfSystemKey"
    password = db.env_var("password")
    assert password is not None
    with pytest.raises(ApiError) as deleting:
        await platform_client.delete_user_data(password.id)
    assert deleting.value.api_code == "userDataDeleteForbidden"


@pytest.mark.sandbox(seed="standard")
async def test_an_env_file_body_without_env_file_is_invalid_user_input(sandbox: SandboxHandle) -> None:
    import httpx

    reply = httpx.put(
        f"{sandbox.url}/api/rest/public/service-stack/{sandbox.service('appdev').id}/user-data/env-file",
        json={"envFile": 3},
        headers={"Authorization": f"Bearer {sandbox.token}"},
        timeout=5,
    )
    assert reply.status_code == 400
    assert reply.json()["error"]["meta"] == [{"parameter": "envFile", "message": "required string"}]


@pytest.mark.sandbox(seed="standard")
async def test_duplicate_project_variables_are_refused(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    project_id = sandbox.project().id
    await platform_client.create_project_env(project_id, "APP_KEY", "one")
    with pytest.raises(ApiError) as caught:
        await platform_client.create_project_env(project_id, "APP_KEY", "two")
    assert caught.value.api_code == "projectEnvDuplicateKey"
    assert [(e.key, e.content) for e in await platform_client.get_project_env(project_id)] == [
        ("APP_KEY", "one")
    ]


@pytest.mark.sandbox(seed="standard")
async def test_a_project_variable_with_an_invalid_key_is_invalid_user_input(
    platform_client: ZeropsClient, sandbox: SandboxHandle
) -> None:
    with pytest.raises(ApiError) as caught:
        await platform_client.create_project_env(sandbox.project().id, "9lives", "x")
    assert caught.value.api_code == "invalidUserInput"
    assert caught.value.api_meta == [{"parameter": "key", "message": "invalid key '9lives'"}]


@pytest.mark.sandbox(seed="standard")
async def test_deleting_an_unknown_project_variable_is_not_found(platform_client: ZeropsClient) -> None:
    with pytest.raises(ServiceNotFound):
        await platform_client.delete_project_env("noSuchEnv0000000000000")
