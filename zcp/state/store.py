"""The workflow state folder (``Settings.state_dir``, default ``.zcp/state``) and every file in it.

Layout (the original zcp's, so a project it managed is picked up as it is)::

    services/{hostname}.json   ServiceMeta — one per managed runtime (pair-keyed by the dev half)
    sessions/{sessionId}.json  bootstrap session
    work/{pid}.json            develop work session of one zcp process
    registry.json              open sessions of every zcp process working in this folder
    .registry.lock             the lock every registry change holds

Rules: every write is atomic (:mod:`zcp.state.fs`); the registry is read-modify-written under an
exclusive OS lock, so concurrent zcp processes never lose each other's entries; a file that does
not parse is never overwritten — reading it raises a clear code naming the file and the
``zerops_workflow action="reset"`` call, and ``reset`` moves it aside (``*.corrupt-<time>``), so
nothing is lost; a file with a newer ``version`` than zcp knows is refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from zcp.calls import ToolCall
from zcp.clock import SYSTEM_CLOCK, Clock
from zcp.errors import (
    InvalidParameter,
    StateCorrupt,
    StateError,
    StateVersionUnsupported,
    WorkSessionCorrupt,
)
from zcp.state.fs import TEMP_SUFFIX, FileLock, atomic_write_json, remove_stale_temps
from zcp.state.models import (
    STATE_VERSION,
    BootstrapSession,
    Registry,
    RegistryEntry,
    ServiceMeta,
    StateModel,
    WorkSession,
    format_time,
    parse_time,
)

__all__ = ["REGISTRY_MAX_AGE", "StateStore", "pid_alive"]

M = TypeVar("M", bound=StateModel)

#: Registry entries not updated for this long are dropped (unless their process still runs).
REGISTRY_MAX_AGE = 24 * 3600.0

_SESSION_ID = re.compile(r"^[a-f0-9]{8,64}$")
_META_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_RESET = ToolCall.of("zerops_workflow", action="reset")


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (a process we may not signal still exists)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class StateStore:
    """Reads and writes the state folder; every method is synchronous and short (call it from a thread
    in async code). ``pid`` is this process's id and ``alive`` tells whether another pid runs — both
    injectable for tests."""

    def __init__(
        self,
        root: Path,
        *,
        clock: Clock = SYSTEM_CLOCK,
        pid: int | None = None,
        alive: Callable[[int], bool] = pid_alive,
        lock_timeout: float = 5.0,
    ) -> None:
        self.root = root
        self.clock = clock
        self.pid = os.getpid() if pid is None else pid
        self.alive = alive
        self.lock_timeout = lock_timeout

    # --- paths -------------------------------------------------------------------------------

    @property
    def services_dir(self) -> Path:
        return self.root / "services"

    @property
    def sessions_dir(self) -> Path:
        return self.root / "sessions"

    @property
    def work_dir(self) -> Path:
        return self.root / "work"

    @property
    def registry_path(self) -> Path:
        return self.root / "registry.json"

    @property
    def lock_path(self) -> Path:
        return self.root / ".registry.lock"

    def meta_path(self, hostname: str) -> Path:
        if not _META_NAME.fullmatch(hostname):
            raise InvalidParameter(f"{hostname!r} cannot name a service meta file")
        return self.services_dir / f"{hostname}.json"

    def session_path(self, session_id: str) -> Path:
        if not _SESSION_ID.fullmatch(session_id):
            raise InvalidParameter(
                f"{session_id!r} is not a bootstrap session id",
                suggestion='Session ids are hex strings; list them with zerops_workflow action="list".',
            )
        return self.sessions_dir / f"{session_id}.json"

    def work_path(self, pid: int | None = None) -> Path:
        return self.work_dir / f"{self.pid if pid is None else pid}.json"

    def now_text(self) -> str:
        """The current time as state files spell it."""
        return format_time(self.clock.now())

    # --- reading and writing one file -----------------------------------------------------------

    def _read(self, path: Path, model: type[M], corrupt: type[StateError] = StateCorrupt) -> M | None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise corrupt(
                f"cannot read the state file {path}: {error.strerror or error}",
                suggestion="Check the folder's permissions, or clear it with the reset call.",
                recovery=_RESET,
                details={"file": str(path)},
            ) from None
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except (UnicodeDecodeError, ValueError) as error:
            raise corrupt(
                f"the state file {path} is not valid JSON ({error})",
                suggestion='zerops_workflow action="reset" moves it aside (nothing is deleted) and starts clean.',
                recovery=_RESET,
                details={"file": str(path)},
            ) from None
        _check_version(path, data)
        try:
            return model.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "file"
            raise corrupt(
                f"the state file {path} is not a valid {model.__name__}: {where}: {first['msg']}",
                suggestion='zerops_workflow action="reset" moves it aside (nothing is deleted) and starts clean.',
                recovery=_RESET,
                details={"file": str(path)},
            ) from None

    def _write(self, path: Path, model: StateModel) -> None:
        atomic_write_json(path, model.to_file(), mode=0o600)

    def _files(self, folder: Path) -> list[Path]:
        try:
            entries = sorted(folder.iterdir())
        except FileNotFoundError:
            return []
        return [
            e
            for e in entries
            if e.suffix == ".json"
            and not e.name.startswith(".")
            and not e.name.endswith(TEMP_SUFFIX)
            and e.is_file()
        ]

    # --- service metas -----------------------------------------------------------------------

    def list_metas(self) -> list[ServiceMeta]:
        """Every service meta, sorted by hostname."""
        metas = [m for p in self._files(self.services_dir) if (m := self._read(p, ServiceMeta)) is not None]
        return sorted(metas, key=lambda m: m.hostname)

    def has_metas_folder(self) -> bool:
        """Whether any meta was ever written (the adoption gate only applies once one was)."""
        return self.services_dir.is_dir()

    def meta(self, hostname: str) -> ServiceMeta | None:
        """The meta covering ``hostname``: its own file, else the pair whose stage half it is."""
        if _META_NAME.fullmatch(hostname):
            own = self._read(self.meta_path(hostname), ServiceMeta)
            if own is not None:
                return own
        for meta in self.list_metas():
            if hostname in meta.hostnames:
                return meta
        return None

    def write_meta(self, meta: ServiceMeta) -> None:
        self._write(self.meta_path(meta.hostname), meta)

    def delete_meta(self, hostname: str) -> bool:
        try:
            self.meta_path(hostname).unlink()
        except FileNotFoundError:
            return False
        return True

    def prune_orphan_metas(self, live: set[str]) -> list[str]:
        """Delete metas none of whose hostnames is a live service; returns their hostnames (sorted)."""
        removed = []
        for meta in self.list_metas():
            if not any(h in live for h in meta.hostnames):
                self.delete_meta(meta.hostname)
                removed.append(meta.hostname)
        return removed

    # --- bootstrap sessions ------------------------------------------------------------------

    def session(self, session_id: str) -> BootstrapSession | None:
        return self._read(self.session_path(session_id), BootstrapSession)

    def write_session(self, session: BootstrapSession) -> None:
        self._write(self.session_path(session.session_id), session)

    def delete_session(self, session_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.session_path(session_id).unlink()

    def session_ids(self) -> list[str]:
        return [p.stem for p in self._files(self.sessions_dir) if _SESSION_ID.fullmatch(p.stem)]

    # --- develop work sessions -----------------------------------------------------------------

    def work_session(self, pid: int | None = None) -> WorkSession | None:
        """This process's work session (or another pid's), ``None`` when there is none."""
        return self._read(self.work_path(pid), WorkSession, WorkSessionCorrupt)

    def write_work_session(self, session: WorkSession) -> None:
        self._write(self.work_path(session.pid), session)

    def delete_work_session(self, pid: int | None = None) -> bool:
        try:
            self.work_path(pid).unlink()
        except FileNotFoundError:
            return False
        return True

    def work_session_pids(self) -> list[int]:
        return [int(p.stem) for p in self._files(self.work_dir) if p.stem.isdigit()]

    # --- the registry --------------------------------------------------------------------------

    def _lock(self, kind: str) -> FileLock:
        return FileLock(
            self.lock_path,
            kind="shared" if kind == "shared" else "exclusive",
            timeout=self.lock_timeout,
            what="the workflow registry",
        )

    def registry(self) -> Registry:
        """The registry as it is now (read under a shared lock); empty when there is none."""
        if not self.registry_path.exists():
            return Registry()
        with self._lock("shared"):
            return self._read(self.registry_path, Registry) or Registry()

    @contextlib.contextmanager
    def registry_update(self) -> Iterator[Registry]:
        """Read-modify-write the registry under the exclusive lock; written when the block succeeds."""
        with self._lock("exclusive"):
            registry = self._read(self.registry_path, Registry) or Registry()
            before = registry.to_file()
            yield registry
            registry.version = STATE_VERSION
            if registry.to_file() != before or not self.registry_path.exists():
                self._write(self.registry_path, registry)

    def register(self, entry: RegistryEntry) -> None:
        """Add (or replace, by session id) a registry entry."""
        with self.registry_update() as registry:
            registry.sessions = [e for e in registry.sessions if e.session_id != entry.session_id]
            registry.sessions.append(entry)

    def unregister(self, session_id: str) -> None:
        with self.registry_update() as registry:
            registry.sessions = [e for e in registry.sessions if e.session_id != session_id]

    def stale(self, entry: RegistryEntry) -> bool:
        """An entry whose process is gone, or one nobody touched for a day and whose pid is not ours."""
        if entry.pid == self.pid:
            return False
        if not self.alive(entry.pid):
            return True
        updated = parse_time(entry.updated_at or entry.created_at)
        if updated is None:
            return False
        return (self.clock.now() - updated).total_seconds() > REGISTRY_MAX_AGE

    def prune(self, registry: Registry) -> list[RegistryEntry]:
        """Drop stale entries from ``registry`` (call inside :meth:`registry_update`); returns them."""
        dropped = [e for e in registry.sessions if self.stale(e)]
        registry.sessions = [e for e in registry.sessions if not self.stale(e)]
        return dropped

    # --- housekeeping ------------------------------------------------------------------------

    def quarantine(self, path: Path) -> Path:
        """Move an unusable file aside (``name.corrupt-<time>``) so a fresh one can be written."""
        stamp = self.now_text().replace(":", "").replace("-", "")
        target = path.with_name(f"{path.name}.corrupt-{stamp}")
        os.replace(path, target)
        return target

    def unreadable_files(self) -> list[Path]:
        """State files that do not parse as what they should be (reset moves these aside)."""
        bad: list[Path] = []
        checks: list[tuple[Path, type[StateModel]]] = [
            *((p, ServiceMeta) for p in self._files(self.services_dir)),
            *((p, BootstrapSession) for p in self._files(self.sessions_dir)),
            *((p, WorkSession) for p in self._files(self.work_dir)),
        ]
        if self.registry_path.exists():
            checks.append((self.registry_path, Registry))
        for path, model in checks:
            try:
                self._read(path, model)
            except StateVersionUnsupported:
                continue  # a newer zcp's file: never touched
            except StateError:
                bad.append(path)
        return bad

    def remove_stale_temps(self) -> int:
        """Clear temp files left by writers that were killed mid-write."""
        return sum(
            remove_stale_temps(folder)
            for folder in (self.root, self.services_dir, self.sessions_dir, self.work_dir)
        )


def _check_version(path: Path, data: dict[str, object]) -> None:
    version = data.get("version")
    if version is None or version == STATE_VERSION:
        return
    text = str(version)
    if text.isdigit() and int(text) > int(STATE_VERSION):
        raise StateVersionUnsupported(
            f"the state file {path} has version {text}, written by a newer zcp (this one knows {STATE_VERSION})",
            suggestion="Upgrade zcp, or run this zcp in another folder; the file is left as it is.",
            details={"file": str(path), "version": text},
        )
    raise StateCorrupt(
        f"the state file {path} has an unknown version {text!r}",
        suggestion='zerops_workflow action="reset" moves it aside (nothing is deleted) and starts clean.',
        recovery=_RESET,
        details={"file": str(path)},
    )
