"""API error responses and transport failures become the right zcp errors, with the API's code and meta."""

from __future__ import annotations

import httpx
import pytest

from zcp.errors import (
    ApiError,
    ApiRateLimited,
    ApiTimeout,
    AuthTokenExpired,
    InvalidImportYaml,
    NetworkError,
    PermissionDenied,
    ProcessNotFound,
    ServiceNotFound,
    ZcpError,
)
from zcp.platform.error_map import (
    CallContext,
    Entity,
    ErrorBody,
    map_status_error,
    map_transport_error,
    meta_items,
    parse_error_body,
)


def body(code: str = "someCode", message: str = "Something.", meta: object = None) -> ErrorBody:
    return ErrorBody(code=code, message=message, meta=meta)


def ctx(entity: Entity = "service", target: str | None = "service abc") -> CallContext:
    return CallContext(operation="GET /service-stack/abc", entity=entity, target=target)


@pytest.mark.parametrize(
    ("status", "entity", "expected"),
    [
        (401, "service", AuthTokenExpired),
        (403, "service", PermissionDenied),
        (404, "service", ServiceNotFound),
        (404, "project", ServiceNotFound),
        (404, "env", ServiceNotFound),
        (404, "process", ProcessNotFound),
        (429, "service", ApiRateLimited),
        (500, "service", ApiError),
        (503, "process", ApiError),
        (400, "service", ApiError),
        (409, "project", ApiError),
    ],
)
def test_statuses_map_to_their_error_class(status: int, entity: Entity, expected: type[ZcpError]) -> None:
    error = map_status_error(status, body(), ctx(entity))
    assert type(error) is expected
    assert error.api_code == "someCode"


@pytest.mark.parametrize(
    "code",
    ["zeropsYamlInvalidParameter", "yamlValidationInvalidYaml", "errorList", "zeropsYamlSetupNotFound"],
)
def test_validation_codes_become_invalid_zerops_yaml(code: str) -> None:
    error = map_status_error(400, body(code), ctx("zerops_yaml"))
    assert error.code == "INVALID_ZEROPS_YML"


def test_other_validation_endpoint_failures_stay_api_errors() -> None:
    assert map_status_error(400, body("invalidUserInput"), ctx("zerops_yaml")).code == "API_ERROR"
    assert map_status_error(503, body("yamlValidationInvalidYaml"), ctx("zerops_yaml")).code == "API_ERROR"


@pytest.mark.parametrize(
    "code",
    [
        "projectImportInvalidParameter",
        "projectImportMissingParameter",
        "serviceStackTypeNotFound",
        "serviceStackNameUnavailable",
    ],
)
def test_import_schema_rejections_become_invalid_import_yaml(code: str) -> None:
    assert type(map_status_error(400, body(code), ctx("import"))) is InvalidImportYaml


def test_field_meta_is_preserved_for_the_agent() -> None:
    meta = [
        {
            "code": "projectImportInvalidParameter",
            "error": "Invalid.",
            "metadata": {"app.mode": ["mode not supported"]},
        }
    ]
    error = map_status_error(400, body("projectImportInvalidParameter", meta=meta), ctx("import"))
    assert error.api_meta == meta
    assert error.to_wire()["apiMeta"] == meta


@pytest.mark.parametrize(
    ("meta", "items"),
    [
        (None, None),
        ([], None),
        (
            [{"parameter": "envFile", "message": "required"}],
            [{"parameter": "envFile", "message": "required"}],
        ),
        ({"name": "appdev"}, [{"name": "appdev"}]),
        ("text", [{"value": "text"}]),
        (["a"], [{"value": "a"}]),
    ],
)
def test_every_observed_meta_shape_becomes_a_list_of_objects(meta: object, items: object) -> None:
    assert meta_items(meta) == items


def test_a_json_error_body_is_decoded() -> None:
    decoded = parse_error_body(
        b'{"error":{"code":"serviceStackNotFound","message":"Not found.","meta":null}}'
    )
    assert (decoded.code, decoded.message, decoded.meta) == ("serviceStackNotFound", "Not found.", None)


def test_a_non_json_error_body_still_maps_by_status_and_quotes_the_text() -> None:
    decoded = parse_error_body(b"<html><body><h1>502 Bad Gateway</h1>\n<p>nginx</p></body></html>")
    error = map_status_error(502, decoded, ctx())
    assert error.code == "API_ERROR"
    assert error.diagnostic == "502 Bad Gateway nginx"
    assert "nginx" not in error.message  # text from outside stays out of zcp's own words
    assert map_status_error(401, parse_error_body(b"Unauthorized"), ctx()).code == "AUTH_TOKEN_EXPIRED"


def test_a_json_body_without_the_error_envelope_keeps_the_status() -> None:
    error = map_status_error(404, parse_error_body(b'{"detail": "nope"}'), ctx())
    assert error.code == "SERVICE_NOT_FOUND"
    assert error.api_code is None


def test_long_bodies_are_trimmed_in_messages() -> None:
    decoded = parse_error_body(b"x" * 5000)
    assert len(decoded.excerpt) <= 300


def test_the_not_found_message_names_the_target() -> None:
    error = map_status_error(404, body("processNotFound"), ctx("process", "process p123"))
    assert error.message.startswith("Process p123 was not found")


def test_rate_limit_errors_say_when_to_retry() -> None:
    error = map_status_error(429, body("tooManyRequests"), ctx(), retry_after=7.0)
    assert error.details == {"attempts": 1, "retryAfter": 7.0}
    assert error.suggestion is not None
    assert "7s" in error.suggestion


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (httpx.ConnectError("refused"), NetworkError),
        (httpx.ConnectTimeout("slow connect"), NetworkError),
        (httpx.ReadTimeout("slow read"), ApiTimeout),
        (httpx.WriteTimeout("slow write"), ApiTimeout),
        (httpx.RemoteProtocolError("peer closed"), NetworkError),
        (httpx.ReadError("reset"), NetworkError),
    ],
)
def test_transport_failures_map_to_network_or_timeout(
    failure: httpx.HTTPError, expected: type[ZcpError]
) -> None:
    assert type(map_transport_error(failure, ctx(), timeout=30)) is expected
