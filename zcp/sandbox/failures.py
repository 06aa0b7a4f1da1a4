"""API failures as the real platform sends them: an HTTP status and ``{"error": {code, message, meta}}``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class ApiFailure(Exception):
    """Raised by sandbox operations; the routing layer turns it into the JSON error response."""

    def __init__(self, status: int, code: str, message: str, meta: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.meta = meta

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "meta": self.meta}}


def field_meta(code: str, error: str, fields: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
    """The most common meta shape: ``[{"code", "error", "metadata": {field: [messages]}}]``."""
    return [{"code": code, "error": error, "metadata": {k: list(v) for k, v in fields.items()}}]


def not_found(code: str, what: str) -> ApiFailure:
    return ApiFailure(404, code, f"{what} not found.")


def invalid_input(problems: Mapping[str, str]) -> ApiFailure:
    """``invalidUserInput`` with the ``[{parameter, message}]`` meta shape."""
    meta = [{"parameter": name, "message": text} for name, text in problems.items()]
    return ApiFailure(400, "invalidUserInput", "Invalid user input.", meta)


def not_authorized() -> ApiFailure:
    return ApiFailure(
        401, "notAuthorized", "Not authorized: the access token is missing, invalid or expired."
    )


def insufficient_privileges() -> ApiFailure:
    return ApiFailure(403, "insufficientPrivileges", "The token's role does not allow this action.")
