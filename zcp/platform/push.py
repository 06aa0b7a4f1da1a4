"""The push API — the calls ``zcli push`` makes — as wire models and the archive upload.

``POST /service-stack/{id}/app-version`` answers an app version with an ``uploadUrl``; the archive goes
there with a plain ``PUT`` (no ``Authorization`` header: the URL carries its own grant; any status of
300 or more is a failure); ``PUT /app-version/{id}/build-and-deploy`` with the zerops.yaml text and
the setup name starts the pipeline and answers its ``stack.build`` process. The client methods live on
:class:`zcp.platform.client.ZeropsClient`; the upload is here because it is not a REST call.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from pydantic import Field

from zcp.errors import ApiTimeout, DeployFailed, NetworkError
from zcp.platform.models import AppVersion, WireModel

if TYPE_CHECKING:
    import httpx

UPLOAD_CONTENT_TYPE: Final = "application/gzip"


class PostAppVersion(AppVersion):
    """A new app version (``UPLOADING``) and where its archive goes."""

    upload_url: str
    name: str | None = None
    user_data_list: list[dict[str, object]] | None = Field(default=None)


class AppVersionCreate(WireModel):
    """``POST /service-stack/{id}/app-version``; ``name`` null lets the platform name the version."""

    name: str | None = None


class BuildAndDeploy(WireModel):
    """``PUT /app-version/{id}/build-and-deploy``: the zerops.yaml text and the setup to build."""

    zerops_yaml: str
    zerops_yaml_setup: str | None = None


def check_upload_url(url: str) -> str:
    """The upload URL the API gave, if it is an absolute http(s) URL (anything else is refused)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DeployFailed(
            "The Zerops API answered an upload URL zcp cannot use.",
            suggestion="Retry the deploy; report it if it persists.",
        )
    return url


async def upload_archive(
    http: httpx.AsyncClient, url: str, content: AsyncIterable[bytes] | bytes, *, timeout: float
) -> None:
    """``PUT`` the archive to ``url``, streamed, without credentials; DeployFailed on any answer ≥ 300.

    Not retried: a streamed body cannot be replayed, and the app version only takes one upload.
    """
    import httpx

    target = check_upload_url(url)
    host = urlsplit(target).netloc
    try:
        reply = await http.put(
            target,
            content=content,
            headers={"Content-Type": UPLOAD_CONTENT_TYPE},
            timeout=httpx.Timeout(timeout),
        )
    except httpx.TimeoutException:
        raise ApiTimeout(
            f"The archive upload to {host} stalled for more than {timeout:g}s.",
            suggestion="Retry the deploy; check the network if it keeps stalling.",
        ) from None
    except httpx.TransportError as error:
        raise NetworkError(
            f"The archive upload to {host} failed ({type(error).__name__}).",
            suggestion="Retry the deploy; check the network.",
        ) from None
    if reply.status_code >= 300:
        raise DeployFailed(
            f"The archive upload was refused (HTTP {reply.status_code}).",
            suggestion="Retry the deploy (it creates a new app version).",
            details={"status": reply.status_code},
        )
