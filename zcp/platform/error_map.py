"""Turn API error responses and transport failures into zcp's exception tree.

The Zerops API answers failures with ``{"error": {"code", "message", "meta"}}``. The mapping goes by
HTTP status first (401 → :class:`AuthTokenExpired`, 403 → :class:`PermissionDenied`, 404 → a not-found
error chosen by what was being addressed, 429 → :class:`ApiRateLimited`, anything else →
:class:`ApiError`), then a few endpoints re-classify their validation codes (zerops.yaml validation →
:class:`InvalidZeropsYaml`, import → :class:`InvalidImportYaml`). The raw API code and meta always ride
along as ``api_code``/``api_meta``. A body that is not JSON (a proxy's HTML page) still maps by status,
with a trimmed excerpt of the text in the message.

The token must never reach an exception: every text taken from a response passes :func:`scrub` first
(a misbehaving server could echo the ``Authorization`` header back).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from zcp.errors import (
    ApiError,
    ApiRateLimited,
    ApiTimeout,
    AuthTokenExpired,
    InvalidImportYaml,
    InvalidZeropsYaml,
    NetworkError,
    PermissionDenied,
    ProcessNotFound,
    ServiceNotFound,
    ZcpError,
)
from zcp.secrets import redact, redact_obj

if TYPE_CHECKING:
    import httpx

#: What a call addresses; decides which not-found error a 404 becomes and which codes re-classify.
Entity = Literal[
    "auth",
    "project",
    "service",
    "process",
    "env",
    "import",
    "zerops_yaml",
    "stack_type",
    "app_version",
    "log",
]

ZEROPS_YAML_CODES: Final = frozenset(
    {"zeropsYamlInvalidParameter", "yamlValidationInvalidYaml", "errorList", "zeropsYamlSetupNotFound"}
)
_IMPORT_CODE_PREFIXES: Final = ("projectImport", "serviceStackType", "serviceStackName")
_EXCERPT_CHARS: Final = 300
_MASK: Final = "***"


@dataclass(frozen=True)
class ErrorBody:
    """An error response as far as it could be decoded."""

    code: str = ""
    message: str = ""
    meta: Any = None
    excerpt: str = ""  # trimmed body text when it was not the JSON error envelope


@dataclass(frozen=True)
class CallContext:
    """What the failing call was, for messages: ``"GET /process/abc"`` addressing ``process abc``."""

    operation: str
    entity: Entity
    target: str | None = None


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every given secret and every registered secret replaced by ``***``."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, _MASK)
    return redact(text)


def scrub_obj(value: Any, secrets: Iterable[str]) -> Any:
    """:func:`scrub` applied to every string inside a JSON-like value."""
    wanted = tuple(secrets)
    if isinstance(value, str):
        return scrub(value, wanted)
    if isinstance(value, Mapping):
        return {scrub_obj(k, wanted): scrub_obj(v, wanted) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_obj(v, wanted) for v in value]
    return redact_obj(value)


def parse_error_body(content: bytes, secrets: Iterable[str] = ()) -> ErrorBody:
    """Decode an error response body; tolerate anything, keep what helps the reader."""
    wanted = tuple(secrets)
    text = content.decode("utf-8", errors="replace")
    try:
        payload = json.loads(text) if text.strip() else None
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        error = payload["error"]
        return ErrorBody(
            code=scrub(str(error.get("code") or ""), wanted),
            message=scrub(str(error.get("message") or ""), wanted),
            meta=scrub_obj(error.get("meta"), wanted),
        )
    return ErrorBody(excerpt=scrub(_excerpt(text), wanted))


def _excerpt(text: str) -> str:
    plain = re.sub(r"<[^>]{0,200}>", " ", text)  # strip tags from proxy error pages
    plain = " ".join(plain.split())
    if len(plain) > _EXCERPT_CHARS:
        plain = plain[: _EXCERPT_CHARS - 1] + "…"
    return plain


def meta_items(meta: Any) -> list[dict[str, Any]] | None:
    """The API meta as a list of objects (its three observed shapes), ``None`` when absent."""
    if meta is None or meta == [] or meta == {}:
        return None
    if isinstance(meta, list):
        return [item if isinstance(item, dict) else {"value": item} for item in meta]
    if isinstance(meta, dict):
        return [meta]
    return [{"value": meta}]


def map_status_error(
    status: int,
    body: ErrorBody,
    context: CallContext,
    *,
    retry_after: float | None = None,
) -> ZcpError:
    """The zcp error for an HTTP error status returned by ``context.operation``."""
    api_meta = meta_items(body.meta)
    detail = _describe(status, body)
    common: dict[str, Any] = {"api_code": body.code or None, "api_meta": api_meta}

    if status == 401:
        return AuthTokenExpired(
            f"The Zerops API rejected the token ({detail}).",
            suggestion=(
                "Create a new personal access token in the Zerops GUI and set ZCP_API_KEY to it, "
                "or run `zcli login` again, then restart zcp."
            ),
            **common,
        )
    if status == 403:
        return PermissionDenied(
            f"The token is not allowed to do {context.operation} ({detail}).",
            suggestion="Use a token whose role may change this project (not READ_ONLY), or ask an owner.",
            **common,
        )
    if status == 404:
        what = context.target or f"The target of {context.operation}"
        if context.entity == "process":
            return ProcessNotFound(
                f"{_capital(what)} was not found ({detail}).",
                suggestion="Process ids come from the call that started the process; list recent ones with a process search.",
                **common,
            )
        return ServiceNotFound(
            f"{_capital(what)} was not found ({detail}).",
            suggestion="Re-read the project's services: ids change when a service is deleted and re-created.",
            **common,
        )
    if status == 429:
        wait = f" after {retry_after:g}s" if retry_after is not None else " in a few seconds"
        return ApiRateLimited(
            f"The Zerops API is rate limiting requests and the retry budget ran out ({detail}).",
            suggestion=f"Wait and try again{wait}; avoid issuing many calls at once.",
            details={"retryAfter": retry_after} if retry_after is not None else None,
            **common,
        )
    if status < 500 and context.entity == "zerops_yaml" and body.code in ZEROPS_YAML_CODES:
        return InvalidZeropsYaml(
            f"zerops.yaml failed the platform's validation: {body.message or body.code}.",
            suggestion="Fix the fields listed in apiMeta and validate again.",
            **common,
        )
    if status < 500 and context.entity == "import" and body.code.startswith(_IMPORT_CODE_PREFIXES):
        return InvalidImportYaml(
            f"The import YAML was rejected: {body.message or body.code}; nothing was created.",
            suggestion="Fix the services named in apiMeta and import again.",
            **common,
        )
    if status >= 500:
        return ApiError(
            f"The Zerops API failed on {context.operation} ({detail}).",
            suggestion="This is a platform-side failure; retry in a minute.",
            **common,
        )
    suggestion = (
        "See apiMeta for the fields the API rejected."
        if api_meta
        else f"The API refused the call{f' with code {body.code}' if body.code else ''}; check its arguments."
    )
    return ApiError(
        f"The Zerops API refused {context.operation} ({detail}).", suggestion=suggestion, **common
    )


def _describe(status: int, body: ErrorBody) -> str:
    parts = [f"HTTP {status}"]
    if body.code:
        parts.append(body.code)
    text = f"{' '.join(parts)}"
    if body.message:
        text += f": {body.message.rstrip('.')}"
    elif body.excerpt:
        text += f": {body.excerpt}"
    return text


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def map_transport_error(error: httpx.HTTPError, context: CallContext, *, timeout: float) -> ZcpError:
    """The zcp error for a request that got no (complete) HTTP answer."""
    import httpx  # only reached once a request was made

    kind = type(error).__name__
    if isinstance(error, httpx.ConnectTimeout | httpx.ConnectError):
        return NetworkError(
            f"Could not connect to the Zerops API for {context.operation} ({kind}).",
            suggestion="Check the network and ZCP_API_HOST; the request was not sent.",
        )
    if isinstance(error, httpx.TimeoutException):
        return ApiTimeout(
            f"The Zerops API did not answer {context.operation} within {timeout:g}s ({kind}).",
            suggestion="Retry; for mutations, check the process list first: the change may have been applied.",
        )
    return NetworkError(
        f"The connection to the Zerops API broke during {context.operation} ({kind}).",
        suggestion="Retry; for mutations, check the process list first: the change may have been applied.",
    )
