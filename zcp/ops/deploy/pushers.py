"""The three ways code leaves for the platform, behind one call: ``await pusher() -> PushRun``.

* :class:`SshPusher` (container) — on the **source** service over SSH: store zcli's login from stdin
  (:func:`~zcp.remote.commands.write_zcli_login`, the token never in a command line), ``git init``
  when needed, commit everything, ``zcli push`` to the target (``-g`` keeps ``.git`` on a
  self-deploy). zcli blocks until the pipeline ends; the caller does not wait for that (it watches
  the build through the API and stops the session once the outcome is known).
* :class:`LocalZcliPusher` (local, ``zcli`` on PATH) — ``zcli push --no-git`` of the working
  directory as a subprocess. zcp's token reaches zcli in a temporary ``cli.data`` (owner-only, removed
  afterwards) found through ``XDG_CONFIG_HOME``; when zcp's own token came from zcli's login, zcli's
  login is used as it is.
* :class:`NativePusher` (local, no zcli) — zcp's own implementation of the same API sequence
  (:func:`zcp.ops.push.push`); returns once the build has started.

A push that ran is a :class:`PushRun` (exit status and output); not getting to run at all raises
(SSH_FAILED, HOST_KEY_REJECTED, PREREQUISITE_MISSING, the API's errors).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, Protocol

import anyio

from zcp.remote import commands
from zcp.remote.shell import Shell, all_of

if TYPE_CHECKING:
    from anyio.abc import ByteReceiveStream

    from zcp.auth import Credentials
    from zcp.ops.push import PushResult, Stage
    from zcp.platform.client import ZeropsClient
    from zcp.remote.runner import RemoteRunner

__all__ = [
    "TRIGGER_MARKERS",
    "LocalZcliPusher",
    "NativePusher",
    "PushRun",
    "Pusher",
    "SshPusher",
    "ssh_push_command",
    "zcli_address",
]

Via = Literal["ssh", "zcli", "native"]
#: zcli prints these once the build is handed to the platform (``Deploying service`` right before
#: build-and-deploy): a non-zero exit after them means the session ended, not that the push failed.
TRIGGER_MARKERS: Final = ("BUILD ARTEFACTS READY TO DEPLOY", "Deploying service")
MAX_OUTPUT: Final = 200_000


@dataclass(frozen=True)
class PushRun:
    """How a push ended: its exit status and output (stdout then stderr)."""

    via: Via
    exit_status: int
    output: str = ""
    timed_out: bool = False
    #: The native push knows what it created.
    app_version_id: str | None = None
    process_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.exit_status == 0 and not self.timed_out

    @property
    def triggered(self) -> bool:
        """Whether the build was handed to the platform (exit 0, or a marker in the output)."""
        return self.ok or any(marker in self.output for marker in TRIGGER_MARKERS)

    def tail(self, lines: int = 5) -> str:
        """The last ``lines`` non-empty output lines."""
        return "\n".join([line for line in self.output.splitlines() if line.strip()][-lines:])


class Pusher(Protocol):
    """Sends the code; returns when the pusher ends (zcli: when the pipeline ends)."""

    via: Via

    async def __call__(self) -> PushRun: ...


def zcli_address(api_host: str) -> str:
    """The region address as zcli stores it: without ``https://`` (an emulator's ``http://`` is kept)."""
    return api_host.removeprefix("https://").rstrip("/")


def ssh_push_command(target_service_id: str, *, work_dir: str, setup: str | None, self_deploy: bool) -> Shell:
    """The command run on the source service (see :class:`SshPusher`)."""
    return all_of(
        commands.write_zcli_login(),
        commands.ensure_git_repo(work_dir),
        commands.commit_all(work_dir),
        commands.zcli_push(target_service_id, work_dir=work_dir, setup=setup, deploy_git_folder=self_deploy),
    )


@dataclass
class SshPusher:
    """``zcli push`` on the source service over SSH."""

    runner: RemoteRunner
    source: str
    command: Shell
    login: bytes  # zcli_login_file(...): the stdin that stores zcli's token on the service
    timeout: float
    via: Via = "ssh"

    async def __call__(self) -> PushRun:
        result = await self.runner.run(self.source, self.command, stdin=self.login, timeout=self.timeout)
        output = "\n".join(part.rstrip("\n") for part in (result.stdout, result.stderr) if part.strip())
        return PushRun("ssh", result.exit_status, output[-MAX_OUTPUT:], timed_out=result.timed_out)


def _cli_data_dirs(root: Path) -> list[Path]:
    """Where zcli looks for ``cli.data`` under a config root (Linux: XDG; macOS: Application Support)."""
    return [root / "zerops", root / "Library" / "Application Support" / "zerops"]


@dataclass
class LocalZcliPusher:
    """``zcli push`` of a local folder, as a subprocess (see the module docstring)."""

    zcli: str
    service_id: str
    project_id: str
    working_dir: Path
    setup: str | None
    credentials: Credentials
    timeout: float
    environ: Mapping[str, str] | None = None
    via: Via = "zcli"

    def argv(self) -> list[str]:
        argv = [
            self.zcli,
            "push",
            f"--service-id={self.service_id}",
            f"--project-id={self.project_id}",
            f"--working-dir={self.working_dir}",
            "--no-git",
        ]
        if self.setup:
            argv.append(f"--setup={self.setup}")
        return argv

    async def __call__(self) -> PushRun:
        env = dict(os.environ if self.environ is None else self.environ)
        scratch: Path | None = None
        try:
            if self.credentials.source != "zcli":
                scratch = Path(tempfile.mkdtemp(prefix="zcp-zcli-"))
                data = commands.zcli_login_file(
                    self.credentials.token.reveal(),
                    region=self.credentials.region,
                    address=zcli_address(self.credentials.api_host),
                )
                for folder in _cli_data_dirs(scratch):
                    folder.mkdir(parents=True, mode=0o700)
                    path = folder / "cli.data"
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(data)
                env["XDG_CONFIG_HOME"] = str(scratch)
                env.pop("ZEROPS_TOKEN", None)
            return await _run_local(self.argv(), cwd=self.working_dir, env=env, timeout=self.timeout)
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)


async def _run_local(argv: list[str], *, cwd: Path, env: Mapping[str, str], timeout: float) -> PushRun:
    """Run a local program; its combined output and exit status (124 with ``timed_out`` on timeout)."""
    process = await anyio.open_process(argv, cwd=cwd, env=dict(env), stdin=None)
    outputs: dict[str, list[bytes]] = {"out": [], "err": []}

    async def pump(stream: ByteReceiveStream | None, into: list[bytes]) -> None:
        if stream is not None:
            async for chunk in stream:
                into.append(chunk)

    timed_out = False
    try:
        with anyio.move_on_after(timeout) as scope:
            async with anyio.create_task_group() as group:
                group.start_soon(pump, process.stdout, outputs["out"])
                group.start_soon(pump, process.stderr, outputs["err"])
                await process.wait()
        timed_out = scope.cancelled_caught
    finally:
        if process.returncode is None:
            process.kill()
            with anyio.CancelScope(shield=True):
                await process.wait()
        await process.aclose()
    text = "\n".join(
        b"".join(part).decode("utf-8", "replace").rstrip("\n") for part in outputs.values() if part
    )[-MAX_OUTPUT:]
    return PushRun("zcli", 124 if timed_out else (process.returncode or 0), text, timed_out=timed_out)


OnStage = Callable[["Stage"], Awaitable[None]]


@dataclass
class NativePusher:
    """zcp's own push of a local folder (no zcli needed)."""

    client: ZeropsClient
    service_id: str
    working_dir: Path
    setup: str | None
    on_stage: OnStage
    via: Via = "native"
    started: PushResult | None = None

    async def __call__(self) -> PushRun:
        from zcp.ops.archive import ArchiveOptions
        from zcp.ops.push import PushRequest, push

        self.started = await push(
            self.client,
            PushRequest(
                self.service_id, self.working_dir, setup=self.setup, archive=ArchiveOptions(source="files")
            ),
            on_stage=self.on_stage,
        )
        archive = self.started.archive
        return PushRun(
            "native",
            0,
            f"uploaded {archive.files} files ({archive.bytes_out} bytes)",
            app_version_id=self.started.app_version.id,
            process_id=self.started.process.id,
        )
