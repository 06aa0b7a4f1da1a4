"""Turn API error responses and transport failures into zcp's exception tree.

The Zerops API answers failures with ``{"error": {"code", "message", "meta"}}``. The mapping goes by
HTTP status first (401 → :class:`AuthTokenExpired`, 403 → :class:`PermissionDenied`, 404 → a not-found
error chosen by what was being addressed, 429 → :class:`ApiRateLimited`, anything else →
:class:`ApiError`), then a few endpoints re-classify their validation codes (zerops.yaml validation →
:class:`InvalidZeropsYaml`, import → :class:`InvalidImportYaml`). The raw API code and meta always ride
along as ``api_code``/``api_meta``; the API's message (or, for a body that is not JSON, a trimmed
excerpt) rides in ``diagnostic``, never in zcp's own message, because it is text from outside.

Messages tell the truth about retries: how many attempts were made, when to retry (``Retry-After``
when the API sent one), and for a mutation whether the change may have been applied — a 429 was
refused before anything happened, a 5xx or a lost answer may have landed (``changeMayHaveApplied``
in ``details``, and a suggestion to check the recent processes before repeating it).

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


@dataclass(frozen=True)
class Attempts:
    """How a call went before it gave up: how many times it was sent, and whether it changes things."""

    count: int = 1
    mutation: bool = False

    def details(self, *, applied: bool | None, retry_after: float | None = None) -> dict[str, Any]:
        """``attempts``, ``retryAfter`` and, for a mutation, ``changeMayHaveApplied``."""
        out: dict[str, Any] = {"attempts": self.count}
        if retry_after is not None:
            out["retryAfter"] = retry_after
        if self.mutation and applied is not None:
            out["changeMayHaveApplied"] = applied
        return out

    @property
    def tried(self) -> str:
        return "" if self.count <= 1 else f" after {self.count} attempts"


#: What a caller does when a mutation may have landed although the call failed.
CHECK_BEFORE_RETRY: Final = (
    "Before retrying, check whether it landed: the project's recent processes and the target's current "
    "state show it"
)


def _when(retry_after: float | None, fallback: str) -> str:
    return f"in {retry_after:g}s (the API asked for that wait)" if retry_after is not None else fallback


def map_status_error(
    status: int,
    body: ErrorBody,
    context: CallContext,
    *,
    retry_after: float | None = None,
    attempts: Attempts | None = None,
) -> ZcpError:
    """The zcp error for an HTTP error status returned by ``context.operation``.

    The platform's own message (and a non-JSON body's excerpt) goes to ``diagnostic``, never into the
    message: it is text from outside, which the tool layer fences. ``attempts`` says how often the
    call was sent and whether it was a mutation, so the error can say whether anything changed.
    """
    tried = attempts or Attempts()
    api_meta = meta_items(body.meta)
    detail = _describe(status, body)
    diagnostic = body.message or body.excerpt or None
    common: dict[str, Any] = {"api_code": body.code or None, "api_meta": api_meta, "diagnostic": diagnostic}

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
        if tried.mutation:
            message = f"The Zerops API rate-limited {context.operation} ({detail}); the change was not made."
        else:
            message = f"The Zerops API rate-limited {context.operation}{tried.tried} ({detail})."
        return ApiRateLimited(
            message,
            suggestion=f"Retry {_when(retry_after, 'in a few seconds')}; avoid issuing many calls at once.",
            details=tried.details(applied=False, retry_after=retry_after),
            **common,
        )
    if status < 500 and context.entity == "zerops_yaml" and body.code in ZEROPS_YAML_CODES:
        return InvalidZeropsYaml(
            f"zerops.yaml failed the platform's validation ({detail}).",
            suggestion="Fix the fields listed in apiMeta and validate again.",
            **common,
        )
    if status < 500 and context.entity == "import" and body.code.startswith(_IMPORT_CODE_PREFIXES):
        return InvalidImportYaml(
            f"The import YAML was rejected ({detail}); nothing was created.",
            suggestion="Fix the services named in apiMeta and import again.",
            **common,
        )
    if status >= 500:
        if tried.mutation:
            return ApiError(
                f"The Zerops API failed on {context.operation} ({detail}); the change may have been applied anyway.",
                suggestion=f"{CHECK_BEFORE_RETRY}; retry only if it did not, {_when(retry_after, 'in a minute')}.",
                details=tried.details(applied=True, retry_after=retry_after),
                **common,
            )
        return ApiError(
            f"The Zerops API failed on {context.operation}{tried.tried} ({detail}).",
            suggestion=f"This is a platform-side failure; retry {_when(retry_after, 'in a minute')}.",
            details=tried.details(applied=None, retry_after=retry_after),
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
    """``HTTP 400 someCode``: the status and the API's code, which zcp's words may quote."""
    return f"HTTP {status} {body.code}" if body.code else f"HTTP {status}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def map_transport_error(
    error: httpx.HTTPError | TimeoutError,
    context: CallContext,
    *,
    timeout: float,
    attempts: Attempts | None = None,
    sent: bool = True,
) -> ZcpError:
    """The zcp error for a request that got no (complete) HTTP answer.

    ``sent=False`` when the connection never opened: nothing can have changed. Otherwise a mutation's
    change may have been applied, and the error says so and how to check.
    """
    import httpx  # only reached once a request was made

    tried = attempts or Attempts()
    kind = type(error).__name__
    if not sent or isinstance(error, httpx.ConnectTimeout | httpx.ConnectError):
        return NetworkError(
            f"Could not connect to the Zerops API for {context.operation}{tried.tried} ({kind}).",
            suggestion="Check the network and ZCP_API_HOST; the request was not sent, so nothing changed.",
            details=tried.details(applied=False),
        )
    if tried.mutation:
        suggestion = f"{CHECK_BEFORE_RETRY}; retry only if it did not."
    else:
        suggestion = "Retry in a moment; nothing was changed by a read."
    if isinstance(error, TimeoutError | httpx.TimeoutException):
        what = f"did not answer {context.operation} within {timeout:g}s"
        return ApiTimeout(
            f"The Zerops API {what}{tried.tried} ({kind})"
            + ("; the change may have been applied anyway." if tried.mutation else "."),
            suggestion=suggestion,
            details=tried.details(applied=True),
        )
    return NetworkError(
        f"The connection to the Zerops API broke during {context.operation}{tried.tried} ({kind})"
        + ("; the change may have been applied anyway." if tried.mutation else "."),
        suggestion=suggestion,
        details=tried.details(applied=True),
    )
