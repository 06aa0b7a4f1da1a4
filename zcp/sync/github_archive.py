"""Read a GitHub repository in as few API requests as possible: one archive per commit.

Anonymous GitHub allows 60 API requests an hour; a page-by-page pull of the docs needs hundreds.
So a pull resolves the ref with a *conditional* request (``If-None-Match`` with the ETag of the
last answer — a ``304 Not Modified`` does not count against the limit) and, when the commit is
new, downloads the whole tree as one tarball (``GET /repos/{repo}/tarball/{sha}``, which GitHub
redirects to its archive host). The listing of that commit (path → git blob sha) is cached on
disk with the ETag, so a re-pull of an unchanged ref sends one free request and downloads nothing.

Every failure is a :class:`~zcp.errors.SyncError` that says what was being done; the rate limit
says when to retry and how to pass a token (:func:`status_error`). The token is sent only to the
API host (httpx drops it when the archive redirect leaves that origin) and never appears in
messages.
"""

from __future__ import annotations

import json
import logging
import tarfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zcp.errors import SyncError
from zcp.sync.docs_source import git_blob_sha

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

#: Files kept in memory from an archive; everything else is only hashed (images, fonts …).
TEXT_SUFFIXES = (".mdx", ".md", ".json", ".js", ".jsx", ".ts", ".tsx", ".yaml", ".yml")
MAX_TEXT_BYTES = 4 * 1024 * 1024
_CACHE_VERSION = 1


def status_error(
    status: int, message: str, headers: Mapping[str, str], action: str, repo: str, *, token: bool
) -> SyncError:
    """The :class:`SyncError` for an HTTP error answer from GitHub (headers lowercased)."""
    details: dict[str, Any] = {"status": status, "repo": repo}
    rate_limited = status == 429 or (
        status == 403 and ("rate limit" in message.lower() or headers.get("x-ratelimit-remaining") == "0")
    )
    if status == 401:
        return SyncError(
            f"GitHub rejected the token while {action} (401 {message or 'Bad credentials'})",
            suggestion="Check GH_TOKEN / GITHUB_TOKEN; unset both to read a public repository anonymously.",
            details=details,
        )
    if rate_limited:
        when = _retry_at(headers)
        if when is not None:
            details["retryAt"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        until = f"; retry after {when.strftime('%H:%M UTC')}" if when is not None else ""
        hint = (
            "Wait for the limit to reset, or pull from a local checkout with --from DIR."
            if token
            else "Set GH_TOKEN (or GITHUB_TOKEN) to a GitHub token — anonymous access gets 60 requests "
            "an hour, a token 5,000 — or pull from a local checkout with --from DIR."
        )
        return SyncError(f"GitHub rate limit reached while {action}{until}", suggestion=hint, details=details)
    if status == 403:
        return SyncError(
            f"GitHub refused {action} (403 {message or 'Forbidden'})",
            suggestion=f"The token needs read access to {repo}; pushing also needs contents and "
            "pull-request write access.",
            details=details,
        )
    if status == 404:
        return SyncError(
            f"not found on GitHub while {action} (404): {repo}",
            suggestion="Check upstream.repo and upstream.ref in sync/config.yaml (or --ref); "
            "a private repository needs GH_TOKEN.",
            details=details,
        )
    if status == 422:
        return SyncError(
            f"GitHub could not process {action} (422 {message or 'Unprocessable Entity'})",
            suggestion="Read the message above; the branch may already exist or the ref may be invalid.",
            details=details,
        )
    return SyncError(
        f"GitHub answered {status or 'an error'} while {action}{': ' + message if message else ''}",
        suggestion="Run the command again later; if it persists, check the GitHub status page.",
        details=details,
    )


def _retry_at(headers: Mapping[str, str]) -> datetime | None:
    """When a rate limit lifts: ``X-RateLimit-Reset`` (epoch seconds) or ``Retry-After`` (seconds)."""
    reset = headers.get("x-ratelimit-reset", "")
    if reset.isdigit():
        return datetime.fromtimestamp(int(reset), UTC)
    after = headers.get("retry-after", "")
    if after.isdigit():
        return datetime.fromtimestamp(time.time() + int(after), UTC)
    return None


@dataclass(frozen=True)
class CachedListing:
    """What a previous pull learned about a ref: its ETag, commit and file listing."""

    ref: str
    etag: str
    commit: str
    files: dict[str, str]  # path -> blob sha


class ListingCache:
    """The last listing per repository, in a JSON file under the user cache folder."""

    def __init__(self, folder: Path | None, write: Callable[[Path, str], None]) -> None:
        self.folder = folder
        self._write = write

    def _file(self, repo: str) -> Path | None:
        return self.folder / f"{repo.replace('/', '__')}.json" if self.folder is not None else None

    def load(self, repo: str, ref: str) -> CachedListing | None:
        path = self._file(repo)
        if path is None:
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("version") != _CACHE_VERSION or data.get("ref") != ref:
            return None
        files = data.get("files")
        if not isinstance(files, dict) or not isinstance(data.get("etag"), str):
            return None
        return CachedListing(
            ref, str(data["etag"]), str(data["commit"]), {str(k): str(v) for k, v in files.items()}
        )

    def save(self, repo: str, listing: CachedListing) -> None:
        path = self._file(repo)
        if path is None or not listing.etag:
            return
        payload = {
            "version": _CACHE_VERSION,
            "ref": listing.ref,
            "etag": listing.etag,
            "commit": listing.commit,
            "files": dict(sorted(listing.files.items())),
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._write(path, json.dumps(payload, indent=0, sort_keys=True) + "\n")
        except OSError as exc:  # a cache that cannot be written only costs requests next time
            log.warning("cannot write the GitHub listing cache %s: %s", path, exc.strerror)


@dataclass(frozen=True)
class ResolvedRef:
    commit: str
    etag: str
    not_modified: bool  # the ETag still matched: the ref points where it did


@dataclass(frozen=True)
class Archive:
    """One commit's files: every blob sha, and the bytes of the text files."""

    shas: dict[str, str]
    texts: dict[str, bytes]


class GitHubHttp:
    """The few REST calls of an archive pull, over httpx (PyGithub has no conditional requests)."""

    def __init__(self, api_url: str, token: str | None, *, timeout: float, retries: int) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self._client: httpx.Client | None = None

    def client(self) -> httpx.Client:
        if self._client is None:
            import httpx

            headers = {"Accept": "application/vnd.github+json", "User-Agent": "zcp-docs-sync"}
            if self.token:
                headers["Authorization"] = f"token {self.token}"
            self._client = httpx.Client(
                headers=headers, timeout=self.timeout, follow_redirects=True, trust_env=False
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _errors(self, response: httpx.Response, action: str, repo: str) -> SyncError:
        message = ""
        try:
            data = response.json()
            if isinstance(data, dict):
                message = str(data.get("message", ""))
        except ValueError:
            pass
        headers = {k.lower(): v for k, v in response.headers.items()}
        return status_error(response.status_code, message, headers, action, repo, token=bool(self.token))

    def _network(self, action: str, exc: Exception) -> SyncError:
        return SyncError(
            f"network error while {action}: the connection to {self.api_url} failed ({type(exc).__name__})",
            suggestion="Check the network (and ZCP_GITHUB_API_URL) and run the command again.",
        )

    def resolve(self, repo: str, ref: str, cached: CachedListing | None) -> ResolvedRef:
        """The commit ``ref`` points at; with a cached ETag, a 304 answer costs no rate limit."""
        import httpx

        action = f"resolving {repo}@{ref}"
        headers = {"If-None-Match": cached.etag} if cached is not None and cached.etag else {}
        url = f"{self.api_url}/repos/{repo}/commits/{ref}"
        for attempt in range(self.retries + 1):
            try:
                response = self.client().get(url, headers=headers)
            except httpx.HTTPError as exc:
                if attempt < self.retries:
                    continue
                raise self._network(action, exc) from None
            if response.status_code >= 500 and attempt < self.retries:
                time.sleep(min(2**attempt, 8))
                continue
            break
        if response.status_code == 304 and cached is not None:
            return ResolvedRef(cached.commit, cached.etag, not_modified=True)
        if response.status_code != 200:
            raise self._errors(response, action, repo)
        try:
            commit = str(response.json()["sha"])
        except (ValueError, KeyError, TypeError):
            raise SyncError(
                f"GitHub sent an unexpected answer while {action}",
                suggestion="Run the command again; if it persists, pull with --from DIR.",
            ) from None
        return ResolvedRef(commit, response.headers.get("etag", ""), not_modified=False)

    def archive(self, repo: str, commit: str, on_bytes: Callable[[int], None] | None = None) -> Archive:
        """Every file of ``commit`` from one tarball, streamed (never held whole in memory)."""
        import httpx

        action = f"downloading the archive of {repo}@{commit[:12]}"
        url = f"{self.api_url}/repos/{repo}/tarball/{commit}"
        try:
            with self.client().stream("GET", url) as response:
                if response.status_code != 200:
                    response.read()
                    raise self._errors(response, action, repo)
                return _read_tarball(_Stream(response.iter_bytes(), on_bytes))
        except httpx.HTTPError as exc:
            raise self._network(action, exc) from None
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise SyncError(
                f"the archive of {repo}@{commit[:12]} is damaged ({type(exc).__name__})",
                suggestion="Run the command again; if it persists, pull with --from DIR.",
            ) from None


class _Stream:
    """A file-like view of an iterator of byte chunks, for ``tarfile``'s streaming mode."""

    def __init__(self, chunks: Any, on_bytes: Callable[[int], None] | None) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""
        self._on_bytes = on_bytes

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            if self._on_bytes is not None:
                self._on_bytes(len(chunk))
            self._buffer += chunk
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _read_tarball(stream: Any) -> Archive:
    shas: dict[str, str] = {}
    texts: dict[str, bytes] = {}
    with tarfile.open(fileobj=stream, mode="r|gz") as archive:
        for member in archive:
            if not member.isfile():
                continue
            # GitHub puts everything below one folder, "<owner>-<repo>-<short sha>/".
            _, sep, path = member.name.partition("/")
            if not sep or not path or path.startswith("/") or ".." in path.split("/"):
                continue
            handle = archive.extractfile(member)
            if handle is None:
                continue
            data = handle.read()
            shas[path] = git_blob_sha(data)
            if path.endswith(TEXT_SUFFIXES) and len(data) <= MAX_TEXT_BYTES:
                texts[path] = data
    if not shas:
        raise tarfile.TarError("no files in the archive")
    return Archive(shas, texts)
