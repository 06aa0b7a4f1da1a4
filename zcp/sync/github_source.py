"""GitHub as the docs upstream: read a snapshot, publish one pull request.

Two ways to read, chosen by whoever builds the source:

- ``Strategy.ARCHIVE`` (pulling a group or everything): a conditional request resolves the ref
  and one tarball brings every file of the commit (:mod:`zcp.sync.github_archive`); a re-pull
  of an unchanged ref costs one free ``304``. This is what keeps a first ``pull all`` inside
  anonymous GitHub's 60 requests an hour.
- ``Strategy.FILES`` (one page, and pushes): the Git Data API through PyGithub — one request
  resolves the ref, one lists the tree recursively, then one blob request per file needed
  (fetched by a small thread pool, since PyGithub is synchronous).

Writes put every changed file into one tree, one commit, one branch and one pull request. Every
failure becomes a :class:`SyncError` whose message says what was being done and whose
suggestion says how to fix it; the token never appears.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zcp.errors import SyncError
from zcp.sync.docs_source import Snapshot
from zcp.sync.github_archive import CachedListing, GitHubHttp, ListingCache, status_error
from zcp.sync.sync_config import GitHubClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GitHubAccess:
    """How to reach GitHub: API base URL, optional token, client tuning."""

    api_url: str
    token: str | None
    client: GitHubClient


def make_github(access: GitHubAccess) -> Any:
    """A PyGithub client (lazy: building it and ``get_repo`` send no request)."""
    from github import Auth, Github
    from github.GithubRetry import GithubRetry

    client = access.client
    return Github(
        base_url=access.api_url,
        auth=Auth.Token(access.token) if access.token else None,
        timeout=int(client.timeout),
        retry=GithubRetry(total=client.retries) if client.retries else None,
        per_page=100,
        pool_size=client.workers,
        seconds_between_requests=client.read_interval or None,
        seconds_between_writes=client.write_interval or None,
        lazy=True,
    )


@contextmanager
def github_errors(action: str, repo: str, access: GitHubAccess) -> Iterator[None]:
    """Turn PyGithub and network failures inside the block into a clear :class:`SyncError`."""
    from github import GithubException
    from requests import RequestException

    try:
        yield
    except GithubException as exc:
        raise _from_status(exc, action, repo, access) from None
    except RequestException as exc:
        raise SyncError(
            f"network error while {action}: the connection to {access.api_url} failed ({type(exc).__name__})",
            suggestion="Check the network (and ZCP_GITHUB_API_URL) and run the command again.",
        ) from None
    except (ConnectionError, TimeoutError) as exc:
        raise SyncError(
            f"network error while {action}: {type(exc).__name__}",
            suggestion="Check the network and run the command again.",
        ) from None


def _from_status(exc: Any, action: str, repo: str, access: GitHubAccess) -> SyncError:
    status = int(getattr(exc, "status", 0) or 0)
    data = getattr(exc, "data", None)
    message = str(data.get("message", "")) if isinstance(data, dict) else ""
    headers = {str(k).lower(): str(v) for k, v in (getattr(exc, "headers", None) or {}).items()}
    return status_error(status, message, headers, action, repo, token=bool(access.token))


class Strategy(StrEnum):
    """How a :class:`GitHubSource` reads (see the module docstring)."""

    ARCHIVE = "archive"
    FILES = "files"


#: Above this many files to read, one archive download is cheaper than a request per blob.
ARCHIVE_THRESHOLD = 20


class GitHubSource:
    """A docs repository on GitHub (or GitHub Enterprise / the test fake)."""

    def __init__(
        self,
        repo: str,
        ref: str,
        access: GitHubAccess,
        *,
        github: Any | None = None,
        strategy: Strategy = Strategy.FILES,
        listing_cache: ListingCache | None = None,
    ) -> None:
        self.repo_name = repo
        self.ref = ref
        self.access = access
        self.strategy = strategy
        self._github = github
        self._lock = threading.Lock()
        self._repo: Any = None
        self._listing = listing_cache or ListingCache(None, lambda path, text: None)
        self._http: GitHubHttp | None = None
        self._texts: dict[str, bytes] = {}  # file contents from an archive, by path
        self._shas: dict[str, str] = {}
        self._commit = ""
        self._archived = False

    @property
    def label(self) -> str:
        return f"{self.repo_name}@{self.ref}"

    @property
    def repository(self) -> Any:
        with self._lock:
            if self._repo is None:
                if self._github is None:
                    self._github = make_github(self.access)
                self._repo = self._github.get_repo(self.repo_name)
            return self._repo

    def close(self) -> None:
        """Release the HTTP connections of archive reads."""
        if self._http is not None:
            self._http.close()

    def errors(self, action: str) -> Any:
        return github_errors(action, self.repo_name, self.access)

    def resolve(self, ref: str) -> tuple[str, str]:
        """``(commit sha, tree sha)`` of a branch, tag or commit."""
        with self.errors(f"resolving {self.repo_name}@{ref}"):
            # raw_data completes the lazy object; its .sha alone would echo the ref back.
            data = self.repository.get_commit(ref).raw_data
            return str(data["sha"]), str(data["commit"]["tree"]["sha"])

    def tree(self, tree_sha: str) -> dict[str, str]:
        """Every blob of a tree, recursively: ``{path: blob sha}``."""
        with self.errors(f"listing the files of {self.repo_name}"):
            tree = self.repository.get_git_tree(tree_sha, recursive=True)
            if tree.raw_data.get("truncated"):
                raise SyncError(
                    f"{self.repo_name}: GitHub truncated the file list (the repository is too large)",
                    suggestion="Pull from a local checkout with --from DIR.",
                )
            return {str(e.path): str(e.sha) for e in tree.tree if e.type == "blob"}

    def snapshot(self, folders: Iterable[str]) -> Snapshot:
        return self.snapshot_at(self.ref, folders)

    def snapshot_at(self, ref: str, folders: Iterable[str]) -> Snapshot:
        """The pages under ``folders`` at ``ref`` (see :class:`Strategy` for what it costs)."""
        if self.strategy is Strategy.ARCHIVE:
            commit, files = self._archive_listing(ref)
        else:
            commit, tree_sha = self.resolve(ref)
            files = self.tree(tree_sha)
        prefixes = tuple(f.rstrip("/") + "/" for f in folders)
        pages = {p: s for p, s in sorted(files.items()) if p.endswith(".mdx") and p.startswith(prefixes)}
        return Snapshot(commit=commit, ref=ref, pages=pages, lookup=files.get)

    def _http_client(self) -> GitHubHttp:
        if self._http is None:
            client = self.access.client
            self._http = GitHubHttp(
                self.access.api_url, self.access.token, timeout=client.timeout, retries=client.retries
            )
        return self._http

    def _archive_listing(self, ref: str) -> tuple[str, dict[str, str]]:
        """Resolve ``ref`` conditionally; download the archive only for a commit not seen before."""
        cached = self._listing.load(self.repo_name, ref)
        resolved = self._http_client().resolve(self.repo_name, ref, cached)
        self._commit = resolved.commit
        if resolved.not_modified and cached is not None:
            log.info("%s@%s unchanged since the last pull (%s)", self.repo_name, ref, resolved.commit[:12])
            self._shas = dict(cached.files)
            return resolved.commit, self._shas
        self._download_archive()
        self._listing.save(self.repo_name, CachedListing(ref, resolved.etag, resolved.commit, self._shas))
        return resolved.commit, self._shas

    def _download_archive(self) -> None:
        archive = self._http_client().archive(self.repo_name, self._commit)
        self._shas = archive.shas
        self._texts = archive.texts
        self._archived = True

    def read(self, path: str, sha: str) -> bytes:
        data = self._texts.get(path)
        if data is not None and self._shas.get(path) == sha:
            return data
        with self.errors(f"reading {path}"):
            blob = self.repository.get_git_blob(sha)
            content = blob.content or ""
            if blob.encoding == "base64":
                return base64.b64decode(content)
            return str(content).encode("utf-8")

    def read_many(
        self, items: list[tuple[str, str]], on_read: Callable[[str], None] | None = None
    ) -> dict[str, bytes]:
        if not items:
            return {}
        missing = [item for item in items if self._texts.get(item[0]) is None]
        if self.strategy is Strategy.ARCHIVE and not self._archived and len(missing) > ARCHIVE_THRESHOLD:
            self._download_archive()  # the listing came from the cache; one archive beats many blobs
        found: dict[str, bytes] = {}

        def fetch(item: tuple[str, str]) -> tuple[str, bytes]:
            return item[0], self.read(*item)

        workers = min(self.access.client.workers, len(items))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="zcp-sync") as pool:
            futures = [pool.submit(fetch, item) for item in items]
            try:
                for future in futures:
                    path, data = future.result()
                    found[path] = data
                    if on_read is not None:
                        on_read(path)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        return found

    # --- writing -----------------------------------------------------------------------------

    def default_branch(self) -> str:
        with self.errors(f"reading {self.repo_name}"):
            return str(self.repository.default_branch)

    def publish(
        self,
        *,
        base_branch: str,
        base_commit: str,
        branch: str,
        message: str,
        files: dict[str, str],
        title: str,
        body: str,
    ) -> str:
        """One tree, one commit, one branch and one pull request; returns the PR's URL."""
        from github import InputGitTreeElement

        repo = self.repository
        with self.errors(f"reading commit {base_commit[:12]}"):
            parent = repo.get_git_commit(base_commit)
            base_tree = parent.tree
        elements = [
            InputGitTreeElement(path, "100644", "blob", content=text) for path, text in sorted(files.items())
        ]
        with self.errors("creating the tree"):
            tree = repo.create_git_tree(elements, base_tree)
        with self.errors("creating the commit"):
            commit = repo.create_git_commit(message, tree, [parent])
        with self.errors(f"creating branch {branch}"):
            repo.create_git_ref(f"refs/heads/{branch}", commit.sha)
        with self.errors("opening the pull request"):
            pull = repo.create_pull(base=base_branch, head=branch, title=title, body=body)
        return str(pull.html_url)
