"""A fake GitHub REST API on loopback, for the docs sync tests.

It implements the endpoints PyGithub calls for a pull (repository, commit by ref, recursive tree,
blobs, contents) and a push (git commits, trees, blobs, refs, pull requests), plus the archive
endpoint (``/tarball/{ref}`` redirecting to a codeload-style URL that serves a real ``.tar.gz``)
and ETags with ``If-None-Match`` → ``304`` on commits. It keeps the objects in memory with real
git blob shas and records every request. Faults are injected per route: an HTTP status with
GitHub's error body (401, 403, 404, 422, 429, the rate-limit 403), or a dropped connection after
N matching requests ("the network went away half-way through a pull"). ``quota`` models the
primary rate limit: every API request but a ``304`` spends one, and an empty quota answers 403
with the ``X-RateLimit-*`` headers, as GitHub does for anonymous clients after 60 an hour.

The handler disables Nagle's algorithm (headers and body are separate writes; with delayed ACKs
every keep-alive request would stall ~40 ms) and the fixture closes the listening socket.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import tarfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from zcp.knowledge.paths import KnowledgePaths
from zcp.knowledge.provenance import Manifest, read_manifest
from zcp.sync.github_source import GitHubAccess
from zcp.sync.sync_config import GitHubClient, SyncConfig, load_sync_config

API_PREFIX = "/api/v3"
CODELOAD_PREFIX = "/_codeload"


def git_blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _object_sha(kind: str, payload: str) -> str:
    return hashlib.sha1(f"{kind}\0{payload}".encode(), usedforsecurity=False).hexdigest()


@dataclass
class Fault:
    """Answer matching requests with ``status`` (or drop the connection) after ``after`` passes."""

    method: str
    pattern: re.Pattern[str]
    status: int = 0  # 0 = drop the connection
    message: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    after: int = 0
    times: int | None = None
    seen: int = 0
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and bool(self.pattern.search(path))


@dataclass
class FakeRepo:
    """One repository: blobs, flat trees (path -> blob sha), commits and refs."""

    owner: str
    name: str
    default_branch: str = "main"
    blobs: dict[str, bytes] = field(default_factory=dict)
    trees: dict[str, dict[str, str]] = field(default_factory=dict)
    commits: dict[str, dict[str, Any]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # "heads/main" -> commit sha
    pulls: list[dict[str, Any]] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def add_blob(self, data: bytes) -> str:
        sha = git_blob_sha(data)
        self.blobs[sha] = data
        return sha

    def add_tree(self, files: Mapping[str, str]) -> str:
        payload = "\n".join(f"{p} {s}" for p, s in sorted(files.items()))
        sha = _object_sha("tree", payload)
        self.trees[sha] = dict(files)
        return sha

    def add_commit(self, tree: str, parents: list[str], message: str) -> str:
        sha = _object_sha("commit", f"{tree}|{','.join(parents)}|{message}|{len(self.commits)}")
        self.commits[sha] = {"tree": tree, "parents": parents, "message": message}
        return sha

    def files_at(self, ref: str) -> dict[str, bytes]:
        """Every file of a branch (or commit), decoded from the store."""
        commit = self.resolve(ref)
        if commit is None:
            raise KeyError(ref)
        tree = self.trees[self.commits[commit]["tree"]]
        return {path: self.blobs[sha] for path, sha in tree.items()}

    def commit_files(
        self, changes: Mapping[str, str | bytes | None], *, branch: str | None = None, message: str = "update"
    ) -> str:
        """Commit file changes (``None`` deletes) on a branch, as a person upstream would."""
        branch = branch or self.default_branch
        head = self.refs.get(f"heads/{branch}")
        files = dict(self.trees[self.commits[head]["tree"]]) if head else {}
        for path, content in changes.items():
            if content is None:
                files.pop(path, None)
            else:
                data = content.encode("utf-8") if isinstance(content, str) else content
                files[path] = self.add_blob(data)
        commit = self.add_commit(self.add_tree(files), [head] if head else [], message)
        self.refs[f"heads/{branch}"] = commit
        return commit

    def tarball(self, commit: str) -> bytes:
        """The commit as GitHub's archive host serves it: gzipped tar, one top-level folder."""
        files = {path: self.blobs[sha] for path, sha in self.trees[self.commits[commit]["tree"]].items()}
        top = f"{self.owner}-{self.name}-{commit[:7]}"
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
            archive.pax_headers = {"comment": commit}
            folder = tarfile.TarInfo(top)
            folder.type = tarfile.DIRTYPE
            archive.addfile(folder)
            for path, data in sorted(files.items()):
                info = tarfile.TarInfo(f"{top}/{path}")
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    def resolve(self, ref: str) -> str | None:
        for key in (f"heads/{ref}", f"tags/{ref}", ref.removeprefix("refs/")):
            if key in self.refs:
                return self.refs[key]
        return ref if ref in self.commits else None


class FakeGitHub:
    """The server state tests configure and inspect."""

    def __init__(self) -> None:
        self.repos: dict[str, FakeRepo] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []
        self.bodies: list[tuple[str, str, Any]] = []
        self.token: str | None = None  # when set, requests must carry it
        self.quota: int | None = None  # API requests left before the rate limit (None: unlimited)
        self.quota_reset = int(time.time()) + 3600
        self.archive_headers: list[dict[str, str]] = []  # request headers each archive download saw
        self.base = ""
        self.lock = threading.Lock()

    @property
    def api_url(self) -> str:
        return self.base + API_PREFIX

    def repo(self, full_name: str, files: Mapping[str, str | bytes] | None = None) -> FakeRepo:
        """Create a repository with one commit holding ``files`` on its default branch."""
        owner, name = full_name.split("/")
        repo = FakeRepo(owner, name)
        self.repos[full_name] = repo
        repo.commit_files(dict(files or {}), message="initial")
        return repo

    def fail(
        self,
        method: str,
        path_pattern: str,
        status: int,
        message: str = "",
        *,
        after: int = 0,
        times: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Answer matching requests with an HTTP error (after ``after`` successful ones)."""
        fault = Fault(
            method,
            re.compile(path_pattern),
            status,
            message or _REASONS.get(status, "error"),
            dict(headers or {}),
            after,
            times,
        )
        self.faults.append(fault)
        return fault

    def rate_limit(self, method: str = "*", path_pattern: str = ".", *, after: int = 0) -> Fault:
        """GitHub's primary rate limit: 403 with ``X-RateLimit-Remaining: 0``."""
        reset = str(int(time.time()) + 600)
        return self.fail(
            method,
            path_pattern,
            403,
            "API rate limit exceeded for 127.0.0.1.",
            after=after,
            headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "60", "X-RateLimit-Reset": reset},
        )

    def drop(self, method: str, path_pattern: str, *, after: int = 0) -> Fault:
        """Close the connection without answering (after ``after`` matching requests succeed)."""
        fault = Fault(method, re.compile(path_pattern), 0, "", {}, after, None)
        self.faults.append(fault)
        return fault

    def count(self, method: str, path_pattern: str) -> int:
        rx = re.compile(path_pattern)
        return sum(1 for m, p in self.requests if m == method and rx.search(p))


_REASONS = {
    401: "Bad credentials",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Server Error",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        fake = self.server.fake
        split = urlsplit(self.path)
        path = unquote(split.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        with fake.lock:
            fake.requests.append((method, path))
            fake.bodies.append((method, path, body))
            fault = self._fault(method, path)
        if fault is None and path.startswith(CODELOAD_PREFIX):
            self._codeload(path)
            return
        if fault is None and fake.quota is not None and not self._not_modified(path):
            with fake.lock:
                exhausted = fake.quota <= 0
                fake.quota = max(0, fake.quota - 1)
            if exhausted:
                self._send(
                    403,
                    {
                        "message": "API rate limit exceeded for 127.0.0.1.",
                        "documentation_url": "https://docs.github.com/rest",
                    },
                    {
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Limit": "60",
                        "X-RateLimit-Reset": str(fake.quota_reset),
                    },
                )
                return
        if fault is not None:
            if fault.status == 0:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self._send(
                fault.status,
                {"message": fault.message, "documentation_url": "https://docs.github.com/rest"},
                fault.headers,
            )
            return
        if fake.token is not None and self.headers.get("Authorization") != f"token {fake.token}":
            self._send(401, {"message": "Bad credentials"})
            return
        if method == "GET" and (
            mm := re.fullmatch(API_PREFIX + r"/repos/([^/]+)/([^/]+)/tarball/(.+)", path)
        ):
            repo = fake.repos.get(f"{mm.group(1)}/{mm.group(2)}")
            commit = repo.resolve(mm.group(3)) if repo is not None else None
            if repo is None or commit is None:
                self._send(404, {"message": "Not Found"})
                return
            # Another origin, as codeload.github.com is: clients must not send the token there.
            archive_host = fake.base.replace("127.0.0.1", "localhost")
            self._redirect(f"{archive_host}{CODELOAD_PREFIX}/{repo.full_name}/tar.gz/{commit}")
            return
        try:
            status, payload = _route(fake, method, path, parse_qs(split.query), body)
        except _HttpError as exc:
            self._send(exc.status, {"message": exc.message})
            return
        if (
            method == "GET"
            and status == 200
            and re.fullmatch(API_PREFIX + r"/repos/[^/]+/[^/]+/commits/.+", path)
        ):
            etag = (
                'W/"'
                + hashlib.sha1(
                    json.dumps(payload, sort_keys=True).encode(), usedforsecurity=False
                ).hexdigest()
                + '"'
            )
            if self.headers.get("If-None-Match") == etag:
                self._send_empty(304, {"ETag": etag})
                return
            self._send(status, payload, {"ETag": etag})
            return
        self._send(status, payload)

    def _not_modified(self, path: str) -> bool:
        """True when a conditional commit request will be answered 304 (it then costs no quota)."""
        match = re.fullmatch(API_PREFIX + r"/repos/([^/]+)/([^/]+)/commits/(.+)", path)
        wanted = self.headers.get("If-None-Match")
        if match is None or not wanted:
            return False
        fake = self.server.fake
        repo = fake.repos.get(f"{match.group(1)}/{match.group(2)}")
        commit = repo.resolve(match.group(3)) if repo is not None else None
        if repo is None or commit is None:
            return False
        payload = _Views(repo, f"{fake.api_url}/repos/{repo.full_name}").commit(commit)
        etag = (
            'W/"'
            + hashlib.sha1(json.dumps(payload, sort_keys=True).encode(), usedforsecurity=False).hexdigest()
            + '"'
        )
        return wanted == etag

    def _codeload(self, path: str) -> None:
        """The archive host: a ``.tar.gz`` of one commit, everything under ``<owner>-<repo>-<sha7>/``."""
        fake = self.server.fake
        match = re.fullmatch(CODELOAD_PREFIX + r"/([^/]+)/([^/]+)/tar.gz/([0-9a-f]+)", path)
        repo = fake.repos.get(f"{match.group(1)}/{match.group(2)}") if match else None
        if match is None or repo is None or match.group(3) not in repo.commits:
            self._send(404, {"message": "Not Found"})
            return
        with fake.lock:
            fake.archive_headers.append({k.lower(): v for k, v in self.headers.items()})
        data = repo.tarball(match.group(3))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send_empty(self, status: int, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _fault(self, method: str, path: str) -> Fault | None:
        for fault in self.server.fake.faults:
            if not fault.matches(method, path):
                continue
            fault.seen += 1
            if fault.seen <= fault.after or (fault.times is not None and fault.fired >= fault.times):
                continue
            fault.fired += 1
            return fault
        return None

    def _send(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGitHub


class _HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _wrapped_base64(data: bytes) -> str:
    encoded = base64.b64encode(data).decode()
    return "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n"


def _route(
    fake: FakeGitHub, method: str, path: str, query: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    m = re.fullmatch(API_PREFIX + r"/repos/([^/]+)/([^/]+)(/.*)?", path)
    if not m:
        raise _HttpError(404, "Not Found")
    repo = fake.repos.get(f"{m.group(1)}/{m.group(2)}")
    if repo is None:
        raise _HttpError(404, "Not Found")
    rest = m.group(3) or ""
    base = f"{fake.api_url}/repos/{repo.full_name}"
    views = _Views(repo, base)
    if method == "GET" and rest == "":
        return 200, views.repository()
    if method == "GET" and (mm := re.fullmatch(r"/commits/(.+)", rest)):
        sha = repo.resolve(mm.group(1))
        if sha is None:
            raise _HttpError(422, f"No commit found for SHA: {mm.group(1)}")
        return 200, views.commit(sha)
    if method == "GET" and (mm := re.fullmatch(r"/git/commits/([0-9a-f]+)", rest)):
        if mm.group(1) not in repo.commits:
            raise _HttpError(404, "Not Found")
        return 200, views.git_commit(mm.group(1))
    if method == "GET" and (mm := re.fullmatch(r"/git/trees/([0-9a-f]+)", rest)):
        if mm.group(1) not in repo.trees:
            raise _HttpError(404, "Not Found")
        return 200, views.tree(mm.group(1), recursive=query.get("recursive", ["0"])[0] not in ("0", "false"))
    if method == "GET" and (mm := re.fullmatch(r"/git/blobs/([0-9a-f]+)", rest)):
        data = repo.blobs.get(mm.group(1))
        if data is None:
            raise _HttpError(404, "Not Found")
        return 200, {
            "sha": mm.group(1),
            "size": len(data),
            "url": f"{base}/git/blobs/{mm.group(1)}",
            "content": _wrapped_base64(data),
            "encoding": "base64",
        }
    if method == "GET" and (mm := re.fullmatch(r"/git/ref/(.+)", rest)):
        sha = repo.refs.get(mm.group(1))
        if sha is None:
            raise _HttpError(404, "Not Found")
        return 200, views.ref(mm.group(1), sha)
    if method == "GET" and (mm := re.fullmatch(r"/branches/(.+)", rest)):
        sha = repo.refs.get(f"heads/{mm.group(1)}")
        if sha is None:
            raise _HttpError(404, "Branch not found")
        return 200, {"name": mm.group(1), "commit": views.commit(sha), "protected": False}
    if method == "GET" and (mm := re.fullmatch(r"/contents/?(.*)", rest)):
        return 200, views.contents(mm.group(1), (query.get("ref") or [repo.default_branch])[0])
    if method == "POST" and rest == "/git/blobs":
        content = body.get("content", "")
        data = base64.b64decode(content) if body.get("encoding") == "base64" else content.encode()
        sha = repo.add_blob(data)
        return 201, {"sha": sha, "url": f"{base}/git/blobs/{sha}"}
    if method == "POST" and rest == "/git/trees":
        files = dict(repo.trees.get(body.get("base_tree") or "", {}))
        if body.get("base_tree") and body["base_tree"] not in repo.trees:
            raise _HttpError(422, "base_tree is not a tree")
        for item in body.get("tree", []):
            if "content" in item:
                files[item["path"]] = repo.add_blob(item["content"].encode("utf-8"))
            elif item.get("sha") is None:
                files.pop(item["path"], None)
            else:
                files[item["path"]] = item["sha"]
        sha = repo.add_tree(files)
        return 201, views.tree(sha, recursive=False)
    if method == "POST" and rest == "/git/commits":
        if body["tree"] not in repo.trees or any(p not in repo.commits for p in body.get("parents", [])):
            raise _HttpError(422, "Tree SHA does not exist")
        sha = repo.add_commit(body["tree"], list(body.get("parents", [])), body["message"])
        return 201, views.git_commit(sha)
    if method == "POST" and rest == "/git/refs":
        name = body["ref"].removeprefix("refs/")
        if name in repo.refs:
            raise _HttpError(422, "Reference already exists")
        if body["sha"] not in repo.commits:
            raise _HttpError(422, "Object does not exist")
        repo.refs[name] = body["sha"]
        return 201, views.ref(name, body["sha"])
    if method == "PATCH" and (mm := re.fullmatch(r"/git/refs/(.+)", rest)):
        if mm.group(1) not in repo.refs:
            raise _HttpError(422, "Reference does not exist")
        repo.refs[mm.group(1)] = body["sha"]
        return 200, views.ref(mm.group(1), body["sha"])
    if method == "POST" and rest == "/pulls":
        if f"heads/{body['head']}" not in repo.refs or f"heads/{body['base']}" not in repo.refs:
            raise _HttpError(422, "Validation Failed")
        number = len(repo.pulls) + 1
        pull = {
            "number": number,
            "title": body.get("title"),
            "body": body.get("body"),
            "state": "open",
            "head": {"ref": body["head"]},
            "base": {"ref": body["base"]},
            "url": f"{base}/pulls/{number}",
            "html_url": f"https://github.example/{repo.full_name}/pull/{number}",
        }
        repo.pulls.append(pull)
        return 201, pull
    raise _HttpError(404, "Not Found")


class _Views:
    """JSON shapes PyGithub expects (``url`` fields carry the paths it follows)."""

    def __init__(self, repo: FakeRepo, base: str) -> None:
        self.repo = repo
        self.base = base

    def repository(self) -> dict[str, Any]:
        return {
            "id": 1,
            "name": self.repo.name,
            "full_name": self.repo.full_name,
            "owner": {"login": self.repo.owner},
            "default_branch": self.repo.default_branch,
            "url": self.base,
            "html_url": f"https://github.example/{self.repo.full_name}",
            "private": False,
        }

    def git_commit(self, sha: str) -> dict[str, Any]:
        data = self.repo.commits[sha]
        person = {"name": "Fake", "email": "fake@example.com", "date": "2026-01-01T00:00:00Z"}
        return {
            "sha": sha,
            "url": f"{self.base}/git/commits/{sha}",
            "message": data["message"],
            "tree": {"sha": data["tree"], "url": f"{self.base}/git/trees/{data['tree']}"},
            "parents": [{"sha": p, "url": f"{self.base}/git/commits/{p}"} for p in data["parents"]],
            "author": person,
            "committer": person,
        }

    def commit(self, sha: str) -> dict[str, Any]:
        return {
            "sha": sha,
            "url": f"{self.base}/commits/{sha}",
            "commit": self.git_commit(sha),
            "parents": [
                {"sha": p, "url": f"{self.base}/commits/{p}"} for p in self.repo.commits[sha]["parents"]
            ],
            "files": [],
        }

    def tree(self, sha: str, *, recursive: bool) -> dict[str, Any]:
        files = self.repo.trees[sha]
        entries: dict[str, dict[str, Any]] = {}
        for path, blob in sorted(files.items()):
            parts = path.split("/")
            for depth in range(1, len(parts)):
                folder = "/".join(parts[:depth])
                if recursive or depth == 1:
                    entries.setdefault(
                        folder,
                        {
                            "path": folder,
                            "mode": "040000",
                            "type": "tree",
                            "sha": _object_sha("dir", folder),
                            "url": f"{self.base}/git/trees/{_object_sha('dir', folder)}",
                        },
                    )
            if recursive or len(parts) == 1:
                entries[path] = {
                    "path": path,
                    "mode": "100644",
                    "type": "blob",
                    "sha": blob,
                    "size": len(self.repo.blobs[blob]),
                    "url": f"{self.base}/git/blobs/{blob}",
                }
        return {
            "sha": sha,
            "url": f"{self.base}/git/trees/{sha}",
            "tree": [entries[k] for k in sorted(entries)],
            "truncated": False,
        }

    def ref(self, name: str, sha: str) -> dict[str, Any]:
        return {
            "ref": f"refs/{name}",
            "url": f"{self.base}/git/refs/{name}",
            "object": {"sha": sha, "type": "commit", "url": f"{self.base}/git/commits/{sha}"},
        }

    def contents(self, path: str, ref: str) -> Any:
        try:
            files = self.repo.files_at(ref)
        except KeyError:
            raise _HttpError(404, f"No commit found for the ref {ref}") from None
        path = path.strip("/")
        if path in files:
            return self._content(path, files[path])
        prefix = path + "/" if path else ""
        children: dict[str, Any] = {}
        for name, data in files.items():
            if not name.startswith(prefix):
                continue
            head, _, tail = name[len(prefix) :].partition("/")
            if tail:
                children.setdefault(
                    head,
                    {
                        "name": head,
                        "path": prefix + head,
                        "type": "dir",
                        "sha": _object_sha("dir", prefix + head),
                        "url": f"{self.base}/contents/{prefix + head}",
                    },
                )
            else:
                children[head] = {
                    k: v for k, v in self._content(name, data).items() if k not in ("content", "encoding")
                }
        if not children:
            raise _HttpError(404, "Not Found")
        return [children[k] for k in sorted(children)]

    def _content(self, path: str, data: bytes) -> dict[str, Any]:
        return {
            "type": "file",
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": git_blob_sha(data),
            "size": len(data),
            "encoding": "base64",
            "content": _wrapped_base64(data),
            "url": f"{self.base}/contents/{path}",
        }


@contextmanager
def running_fake_github() -> Iterator[FakeGitHub]:
    """Serve a fake GitHub on a loopback port for the duration of the block (tests, benchmarks)."""
    fake = FakeGitHub()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    """A running fake GitHub; point PyGithub at ``fake_github.api_url``."""
    with running_fake_github() as fake:
        yield fake


# --- docs sync workspace ----------------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_DOCS = REPO_ROOT / "tests" / "sync" / "fixtures" / "docs"
DEFAULT_SYNC_CONFIG = REPO_ROOT / "sync" / "config.yaml"
FIXED_TIME = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def fixture_files() -> dict[str, str]:
    """The fixture docs repository as ``{path: text}``."""
    return {
        p.relative_to(FIXTURE_DOCS).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(FIXTURE_DOCS.rglob("*"))
        if p.is_file()
    }


@dataclass
class SyncWorkspace:
    """A throwaway corpus + manifest + index, and a writable copy of the fixture docs."""

    root: Path
    paths: KnowledgePaths
    docs: Path
    config: SyncConfig

    def write_doc(self, rel: str, text: str) -> None:
        target = self.docs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")

    def corpus_file(self, rel: str) -> Path:
        return self.paths.corpus_dir / rel

    def manifest(self) -> Manifest:
        return read_manifest(self.paths.manifest_file)

    def snapshot_state(self) -> dict[str, bytes]:
        """Every file of the corpus, manifest and index, for 'nothing changed' assertions."""
        state: dict[str, bytes] = {}
        for folder in (self.paths.corpus_dir, self.paths.index_dir, self.paths.manifest_file.parent):
            for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
                if path.is_file():
                    state[path.relative_to(self.root).as_posix()] = path.read_bytes()
        return state


def quiet_github(config: SyncConfig) -> SyncConfig:
    """The configuration with PyGithub's throttling and retries off (fast, fail-fast tests)."""
    client = GitHubClient(timeout=5, retries=0, read_interval=0, write_interval=0, workers=2)
    return config.model_copy(update={"github": client})


@pytest.fixture
def sync_workspace(tmp_path: Path) -> SyncWorkspace:
    """A corpus folder with a hand-written theme, an empty manifest, and the fixture docs."""
    docs = tmp_path / "docs"
    shutil.copytree(FIXTURE_DOCS, docs)
    corpus = tmp_path / "corpus"
    for kind in ("atoms", "themes", "guides", "decisions"):
        (corpus / kind).mkdir(parents=True)
    (corpus / "guides" / ".gitkeep").write_text("", encoding="utf-8")
    (corpus / "themes" / "platform.md").write_text(
        '---\ntitle: "Platform"\ndescription: "Written in this repository."\n---\n\n# Platform\n\nHand-written.\n',
        encoding="utf-8",
    )
    (tmp_path / "sync").mkdir()
    (tmp_path / "sync" / "manifest.json").write_text("{}\n", encoding="utf-8")
    paths = KnowledgePaths(
        corpus_dir=corpus,
        manifest_file=tmp_path / "sync" / "manifest.json",
        index_dir=tmp_path / "index",
        from_checkout=False,
    )
    return SyncWorkspace(tmp_path, paths, docs, quiet_github(load_sync_config(DEFAULT_SYNC_CONFIG)))


@pytest.fixture
def docs_repo(fake_github: FakeGitHub) -> FakeRepo:
    """``zeropsio/docs`` on the fake GitHub, holding the fixture docs."""
    return fake_github.repo("zeropsio/docs", fixture_files())


@pytest.fixture
def github_access(fake_github: FakeGitHub) -> GitHubAccess:
    return GitHubAccess(fake_github.api_url, None, quiet_github(load_sync_config(DEFAULT_SYNC_CONFIG)).github)
