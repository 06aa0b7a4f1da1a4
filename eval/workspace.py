"""Where the agent writes the app's files, and which revision of them.

zcp says where code goes: inside a Zerops container each dev service's tree is mounted at
``<ZCP_MOUNT_ROOT>/<hostname>``; locally the working directory is the source. Before a call that
deploys a service's code (``zerops_deploy``), the agent writes that service's current revision there —
the first one, then the next one after each failure zcp reported for the service (the user's fix)
and for each develop task after the first (the user's next change). A mount that does not exist is
not created: the agent writes only where zcp put the service's files. In a git working tree the
agent commits what it wrote, as a careful agent does with its change.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Literal

from eval.git import git

__all__ = ["LOCAL_KEY", "Workspace", "WorkspaceError"]

#: The files key of the working directory in the local environment.
LOCAL_KEY = "local"


class WorkspaceError(Exception):
    """The agent cannot put the files where zcp said they go."""


class Workspace:
    """The app files of one scenario run, written revision by revision."""

    def __init__(
        self,
        files: dict[str, list[dict[str, str]]],
        *,
        environment: Literal["container", "local"],
        work_dir: Path,
        mount_root: Path | None,
    ) -> None:
        self.files = files
        self.environment = environment
        self.work_dir = work_dir
        self.mount_root = mount_root
        self.failures: Counter[str] = Counter()
        self.changes = 0
        self.written: dict[str, int] = {}
        self._paths: dict[str, set[str]] = {}
        self._source_of: dict[str, str] = {}
        #: One line per write, for the report.
        self.log: list[str] = []

    def key_for(self, host: str | None) -> str | None:
        """The files entry that holds ``host``'s code (``None`` when the scenario gives none)."""
        if self.environment == "local" and LOCAL_KEY in self.files:
            return LOCAL_KEY
        if host is not None and host in self.files:
            return host
        return None

    def note_failure(self, host: str) -> None:
        """zcp reported ``host`` failed: the next write of its code uses the next revision."""
        key = self.key_for(self._source_of.get(host, host))
        if key is not None:
            self.failures[key] += 1

    def next_change(self) -> None:
        """The user asked for another change: every service's code moves to its next revision."""
        self.changes += 1

    def revision(self, key: str) -> int:
        return min(self.failures[key] + self.changes, len(self.files[key]) - 1)

    def snapshot(self) -> tuple[tuple[str, int], ...]:
        """The revisions chosen so far (part of the loop detector's state)."""
        return tuple(sorted((k, self.revision(k)) for k in self.files))

    def folder(self, host: str) -> Path:
        if self.environment == "local":
            return self.work_dir
        assert self.mount_root is not None
        return self.mount_root / host

    def prepare(self, tool: str, args: dict[str, Any]) -> str | None:
        """Write the code a call is about to deploy; returns a line for the report when files were written."""
        if tool != "zerops_deploy":
            return None
        target = args.get("targetService")
        source = args.get("sourceService") or target
        if not isinstance(source, str):
            return None
        if isinstance(target, str):
            self._source_of[target] = source
        key = self.key_for(source)
        if key is None:
            return None
        revision = self.revision(key)
        if self.written.get(key) == revision:
            return None
        folder = self.folder(source)
        if self.environment == "container" and not folder.is_dir():
            raise WorkspaceError(
                f"zcp asked to deploy {source}'s code, but {source} is not mounted at {folder} "
                "(no suggested call mounted it), so there is nowhere to write the app"
            )
        self._write(key, folder, self.files[key][revision])
        self.written[key] = revision
        line = f"wrote revision {revision + 1}/{len(self.files[key])} of {key} into {folder}"
        self.log.append(line)
        return line

    def write_requested(self, data: dict[str, Any] | None) -> list[str]:
        """Write the files an answer tells the agent to write: a CI workflow file (build-integration
        ``actions``), the export bundle's import file (publish-ready). Returns report lines."""
        if not data:
            return []
        host = data.get("service") or data.get("targetService")
        folder = (
            self.work_dir if self.environment == "local" or not isinstance(host, str) else self.folder(host)
        )
        wanted: list[tuple[str, str]] = []
        workflow = data.get("workflowFile")
        if isinstance(workflow, dict) and isinstance(workflow.get("path"), str):
            wanted.append((workflow["path"], str(workflow.get("content") or "")))
        bundle = data.get("bundle")
        if isinstance(bundle, dict) and isinstance(bundle.get("importFile"), str):
            wanted.append((bundle["importFile"], str(bundle.get("importYaml") or "")))
        lines = []
        for name, text in wanted:
            path = (folder / name).resolve()
            if not path.is_relative_to(folder.resolve()):
                raise WorkspaceError(f"zcp asked to write {name}, outside {folder}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            lines.append(f"wrote {name} into {folder} as zcp said")
        if lines:
            self._commit(folder, "the files zcp asked for")
        self.log += lines
        return lines

    def _write(self, key: str, folder: Path, files: dict[str, str]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in sorted(self._paths.get(key, set()) - set(files)):
            (folder / stale).unlink(missing_ok=True)
        for name, text in sorted(files.items()):
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        self._paths[key] = set(files)
        self._commit(folder, f"{key}: the agent's change")

    @staticmethod
    def _commit(folder: Path, message: str) -> None:
        """In a git working tree, commit what was written (a careful agent commits its change)."""
        if not (folder / ".git").exists():
            return
        git("add", "-A", cwd=folder)
        if git("status", "--porcelain", cwd=folder).strip():
            git("commit", "-q", "-m", message, cwd=folder)
