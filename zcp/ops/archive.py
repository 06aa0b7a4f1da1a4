"""The deploy archive: a gzip-compressed tar of a working directory, as ``zcli push`` uploads it.

Two ways to choose what goes in, as zcli has them:

* ``files`` (zcli ``--no-git``): the directory as it is on disk, minus what ``.deployignore`` excludes
  (gitignore syntax, matched with ``pathspec``). ``.git`` is left out unless asked for — a deploy
  does not need the history, and a laptop's ``.git`` can be larger than the code (a choice: zcli's
  ``--no-git`` would upload it);
* ``git``: the committed workspace, i.e. ``git archive HEAD`` (``git_ref="index"``: what is staged) —
  tracked files only, so ``.gitignore`` applies and uncommitted edits are not deployed — minus
  ``.deployignore``, plus ``.git/`` itself when ``include_git`` (zcli ``-g``, used by self-deploys that
  keep working in the repository);
* ``worktree`` (zcli's default ``--workspace-state all``): the files git would commit now — tracked
  and untracked ones, edits included, ``.gitignore``d ones not — read from disk, minus
  ``.deployignore``, plus ``.git/`` when ``include_git``.

The archive streams: entries are read and compressed one at a time and written to a file object
(:func:`write_archive`) or yielded in chunks (:func:`stream_archive`), so a 50 MB tree never sits in
memory whole. It is deterministic: entries in sorted order, owner ``0:0`` without names, the gzip
header without a timestamp, and with ``fixed_mtime`` every entry dated the same. Symbolic links are
kept as links when they point inside the directory; one that points outside, an absolute one, or a
special file (socket, device) is refused with INVALID_PARAMETER naming the path, so nothing outside
the working directory is ever uploaded.
"""

from __future__ import annotations

import gzip
import io
import itertools
import os
import queue
import stat
import subprocess
import tarfile
import threading
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Final, Literal, Protocol

from zcp.errors import InvalidParameter, PrerequisiteMissing

if TYPE_CHECKING:
    import pathspec

DEPLOYIGNORE: Final = ".deployignore"
CHUNK_SIZE: Final = 256 * 1024
Source = Literal["files", "git", "worktree"]


@dataclass(frozen=True)
class ArchiveOptions:
    """What to pack and how."""

    source: Source = "files"
    include_git: bool = False
    git_ref: Literal["HEAD", "index"] = "HEAD"
    fixed_mtime: int | None = None
    compress_level: int = 6


@dataclass
class ArchiveStats:
    """What went into an archive (filled in while it is written)."""

    files: int = 0
    directories: int = 0
    links: int = 0
    bytes_in: int = 0  # file content before compression
    bytes_out: int = 0  # the archive as uploaded
    ignored: list[str] = field(default_factory=list)


def load_deployignore(root: Path) -> pathspec.GitIgnoreSpec | None:
    """The ``.deployignore`` rules at the root of ``root`` (None when there is none)."""
    import pathspec

    path = root / DEPLOYIGNORE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidParameter(
            f"{DEPLOYIGNORE} cannot be read ({type(error).__name__})",
            suggestion=f"Fix or remove {path}.",
        ) from None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _ignored(spec: pathspec.GitIgnoreSpec | None, rel: str, is_dir: bool) -> bool:
    return spec is not None and spec.match_file(rel + "/" if is_dir else rel)


def _refuse(rel: str, why: str) -> InvalidParameter:
    return InvalidParameter(
        f"{rel} cannot be deployed: {why}",
        suggestion=f"Remove it, replace the link by the file it points to, or list it in {DEPLOYIGNORE}.",
    )


def _link_target(path: Path, rel: str) -> str:
    target = os.readlink(path)
    if os.path.isabs(target):
        raise _refuse(rel, f"it is a link to the absolute path {target}")
    resolved = os.path.normpath(os.path.join(os.path.dirname(rel), target))
    if resolved == ".." or resolved.startswith("../"):
        raise _refuse(rel, f"it is a link to {target}, outside the working directory")
    return target


Entry = tuple[str, Path, os.stat_result]


def _tree(
    folder: Path, prefix: str, spec: pathspec.GitIgnoreSpec | None, stats: ArchiveStats, *, skip_git: bool
) -> Iterator[Entry]:
    """Every entry below ``folder`` in sorted order, each directory before its content (links not followed)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError as error:
        raise InvalidParameter(
            f"{prefix or '.'} cannot be read ({error.strerror})", suggestion="Check its permissions."
        ) from None
    for name in names:
        rel = f"{prefix}{name}"
        path = folder / name
        info = os.lstat(path)
        is_dir = stat.S_ISDIR(info.st_mode)
        if skip_git and not prefix and name == ".git":
            continue
        if _ignored(spec, rel, is_dir):
            stats.ignored.append(rel + ("/" if is_dir else ""))
            continue
        yield rel, path, info
        if is_dir:
            yield from _tree(path, rel + "/", spec, stats, skip_git=False)


def _header(rel: str, info: os.stat_result, options: ArchiveOptions) -> tarfile.TarInfo:
    entry = tarfile.TarInfo(rel)
    entry.mode = stat.S_IMODE(info.st_mode)
    entry.mtime = options.fixed_mtime if options.fixed_mtime is not None else int(info.st_mtime)
    entry.uid = entry.gid = 0
    entry.uname = entry.gname = ""
    return entry


def _normalise(entry: tarfile.TarInfo, options: ArchiveOptions) -> tarfile.TarInfo:
    entry.uid = entry.gid = 0
    entry.uname = entry.gname = ""
    if options.fixed_mtime is not None:
        entry.mtime = options.fixed_mtime
    return entry


class BinaryWriter(Protocol):
    """Where an archive can be written: an open binary file, a socket file, a pipe."""

    def write(self, data: bytes, /) -> int: ...


class _Counting(io.RawIOBase):
    """Counts what passes through to ``target``."""

    def __init__(self, target: BinaryWriter, stats: ArchiveStats) -> None:
        self._target = target
        self._stats = stats

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._target.write(bytes(data))
        self._stats.bytes_out += len(data)
        return len(data)


def write_archive(
    root: Path, out: BinaryWriter, options: ArchiveOptions | None = None, *, stats: ArchiveStats | None = None
) -> ArchiveStats:
    """Write the archive of ``root`` to ``out`` (binary, write-only is enough); returns what went in."""
    options = options or ArchiveOptions()
    root = Path(root)
    if not root.is_dir():
        raise InvalidParameter(f"{root} is not a directory", suggestion="Pass the folder to deploy.")
    stats = stats if stats is not None else ArchiveStats()
    counting = _Counting(out, stats)
    with (
        gzip.GzipFile(
            fileobj=counting, mode="wb", compresslevel=options.compress_level, mtime=0, filename=""
        ) as gz,
        tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        if options.source == "git":
            _add_git_tree(root, tar, options, stats)
        elif options.source == "worktree":
            _add_worktree(root, tar, options, stats)
        else:
            entries = _tree(root, "", load_deployignore(root), stats, skip_git=not options.include_git)
            _add_files(tar, entries, options, stats)
    return stats


def _add_files(
    tar: tarfile.TarFile,
    entries: Iterator[Entry],
    options: ArchiveOptions,
    stats: ArchiveStats,
) -> None:
    for rel, path, info in entries:
        header = _header(rel, info, options)
        if stat.S_ISDIR(info.st_mode):
            header.type = tarfile.DIRTYPE
            tar.addfile(header)
            stats.directories += 1
        elif stat.S_ISLNK(info.st_mode):
            header.type = tarfile.SYMTYPE
            header.linkname = _link_target(path, rel)
            tar.addfile(header)
            stats.links += 1
        elif stat.S_ISREG(info.st_mode):
            header.size = info.st_size
            with open(path, "rb") as handle:
                tar.addfile(header, handle)
            stats.files += 1
            stats.bytes_in += info.st_size
        else:
            raise _refuse(rel, "it is not a regular file, directory or link")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False, timeout=60)
    except FileNotFoundError:
        raise PrerequisiteMissing(
            "git is not installed, so the committed workspace cannot be archived",
            suggestion="Install git, or deploy the folder as it is (source='files').",
        ) from None


def _require_repo(root: Path, *, commit: bool) -> None:
    inside = _git(root, "rev-parse", "--is-inside-work-tree").returncode == 0
    if inside and (not commit or _git(root, "rev-parse", "--verify", "-q", "HEAD").returncode == 0):
        return
    raise PrerequisiteMissing(
        f"{root} has no commit to deploy" if inside else f"{root} is not a git repository",
        suggestion="Commit the code first (git add -A && git commit -m deploy), or deploy the folder "
        "as it is (source='files').",
    )


def _add_worktree(root: Path, tar: tarfile.TarFile, options: ArchiveOptions, stats: ArchiveStats) -> None:
    _require_repo(root, commit=False)
    listed = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".")
    if listed.returncode != 0:
        raise PrerequisiteMissing(
            f"git ls-files failed: {listed.stderr.decode(errors='replace').strip()[:300]}",
            suggestion="Check the repository with `git status`.",
        )
    spec = load_deployignore(root)
    names = sorted({n.decode("utf-8", "surrogateescape") for n in listed.stdout.split(b"\0") if n})

    def entries() -> Iterator[Entry]:
        for rel in names:
            path = root / rel
            try:
                info = os.lstat(path)
            except FileNotFoundError:  # deleted but not yet committed: not part of the workspace
                continue
            if stat.S_ISDIR(info.st_mode):  # a submodule or nested repository: not packed
                continue
            if _ignored(spec, rel, False) or any(_ignored(spec, parent, True) for parent in _parents(rel)):
                stats.ignored.append(rel)
                continue
            yield rel, path, info

    _add_files(tar, entries(), options, stats)
    if options.include_git and (root / ".git").is_dir():
        git_dir = root / ".git"
        tree = _tree(git_dir, ".git/", None, stats, skip_git=False)
        _add_files(tar, itertools.chain([(".git", git_dir, os.lstat(git_dir))], tree), options, stats)


def _parents(rel: str) -> list[str]:
    parts = rel.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _add_git_tree(root: Path, tar: tarfile.TarFile, options: ArchiveOptions, stats: ArchiveStats) -> None:
    _require_repo(root, commit=options.git_ref == "HEAD")
    ref = "HEAD"
    if options.git_ref == "index":
        written = _git(root, "write-tree")
        if written.returncode != 0:
            raise PrerequisiteMissing(
                "git write-tree failed", suggestion="Check the repository with `git status`."
            )
        ref = written.stdout.decode().strip()
    prefix = _git(root, "rev-parse", "--show-prefix").stdout.decode().strip()
    spec = load_deployignore(root)
    try:
        process = subprocess.Popen(
            ["git", "-C", str(root), "archive", "--format=tar", ref, "--", "."],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except FileNotFoundError:  # pragma: no cover - checked by _git above
        raise PrerequisiteMissing("git is not installed", suggestion="Install git.") from None
    assert process.stdout is not None
    try:
        with tarfile.open(fileobj=process.stdout, mode="r|") as source:
            for member in source:
                if member.type == tarfile.XGLTYPE or member.name in ("pax_global_header",):
                    continue
                rel = member.name.rstrip("/")
                if prefix and rel.startswith(prefix):
                    rel = rel[len(prefix) :]
                if not rel:
                    continue
                _check_member(rel, member)
                if _ignored(spec, rel, member.isdir()):
                    stats.ignored.append(rel + ("/" if member.isdir() else ""))
                    continue
                member.name = rel
                _normalise(member, options)
                if member.isfile():
                    tar.addfile(member, source.extractfile(member))
                    stats.files += 1
                    stats.bytes_in += member.size
                else:
                    tar.addfile(member)
                    stats.directories += member.isdir()
                    stats.links += member.issym()
    finally:
        process.stdout.close()
        _, err = process.communicate(timeout=60)
    if process.returncode != 0:
        raise PrerequisiteMissing(
            f"git archive failed: {err.decode(errors='replace').strip()[:300]}",
            suggestion="Check the repository with `git status`.",
        )
    if options.include_git and (root / ".git").is_dir():
        git_dir = root / ".git"
        entries = _tree(git_dir, ".git/", None, stats, skip_git=False)
        _add_files(tar, itertools.chain([(".git", git_dir, os.lstat(git_dir))], entries), options, stats)


def _check_member(rel: str, member: tarfile.TarInfo) -> None:
    parts = PurePosixPath(rel).parts
    if rel.startswith("/") or ".." in parts:
        raise _refuse(rel, "its path leaves the working directory")
    if member.issym():
        target = member.linkname
        resolved = os.path.normpath(os.path.join(os.path.dirname(rel), target))
        if os.path.isabs(target) or resolved == ".." or resolved.startswith("../"):
            raise _refuse(rel, f"it is a link to {target}, outside the working directory")
    elif member.islnk() or not (member.isfile() or member.isdir()):
        raise _refuse(rel, "it is not a regular file, directory or link")


def check_archive(root: Path, options: ArchiveOptions | None = None) -> None:
    """Raise now what writing the archive would raise later: no repository or commit, a link that
    leaves the folder, a special file (a metadata walk; nothing is read or packed)."""
    options = options or ArchiveOptions()
    root = Path(root)
    if not root.is_dir():
        raise InvalidParameter(f"{root} is not a directory", suggestion="Pass the folder to deploy.")
    if options.source != "files":
        _require_repo(root, commit=options.source == "git" and options.git_ref == "HEAD")
        return
    for rel, path, info in _tree(
        root, "", load_deployignore(root), ArchiveStats(), skip_git=not options.include_git
    ):
        if stat.S_ISLNK(info.st_mode):
            _link_target(path, rel)
        elif not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
            raise _refuse(rel, "it is not a regular file, directory or link")


# --- streaming --------------------------------------------------------------------------------


class _ChunkWriter(io.RawIOBase):
    """Collects writes into ``CHUNK_SIZE`` pieces handed to a bounded queue (blocks when it is full)."""

    def __init__(self, chunks: queue.Queue[bytes | BaseException | None], stop: threading.Event) -> None:
        self._chunks = chunks
        self._stop = stop
        self._buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._buffer += data
        while len(self._buffer) >= CHUNK_SIZE:
            self._hand_over(bytes(self._buffer[:CHUNK_SIZE]))
            del self._buffer[:CHUNK_SIZE]
        return len(data)

    def flush_rest(self) -> None:
        if self._buffer:
            self._hand_over(bytes(self._buffer))
            self._buffer.clear()

    def _hand_over(self, chunk: bytes | BaseException | None) -> None:
        while True:
            if self._stop.is_set():
                raise _Abandoned
            try:
                self._chunks.put(chunk, timeout=0.1)
                return
            except queue.Full:
                continue


class _Abandoned(Exception):
    """The reader went away; the writer thread stops."""


async def stream_archive(
    root: Path, options: ArchiveOptions | None = None, *, stats: ArchiveStats | None = None, buffered: int = 8
) -> AsyncGenerator[bytes, None]:
    """The archive of ``root`` as async chunks (at most ``buffered`` chunks in memory), for an HTTP upload.

    The tar is written by a worker thread; problems (an escaping link, a git failure) are raised
    here, from the iteration. Stopping early stops the worker.
    """
    import anyio

    chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=buffered)
    stop = threading.Event()
    result = stats if stats is not None else ArchiveStats()
    writer = _ChunkWriter(chunks, stop)

    def work() -> None:
        try:
            write_archive(root, writer, options, stats=result)
            writer.flush_rest()
            writer._hand_over(None)
        except _Abandoned:
            return
        except BaseException as error:  # handed to the reader, raised there
            try:
                writer._hand_over(error)
            except _Abandoned:
                return

    thread = threading.Thread(target=work, name="zcp-archive", daemon=True)
    thread.start()
    try:
        while True:
            item = await anyio.to_thread.run_sync(chunks.get)
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        await anyio.to_thread.run_sync(thread.join)
