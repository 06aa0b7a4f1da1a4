"""The composition root: settings plus the long-lived, typed services that tools use.

One :class:`App` exists per ``zcp serve`` process (and per test). Tools reach the outside world only
through it: the platform connection (:meth:`App.require_platform`), the knowledge store
(:meth:`App.knowledge`), the live schemas (:meth:`App.schemas`), the workflow state store (:attr:`App.state`), the atoms (:meth:`App.atoms`), the one clock (:attr:`App.clock`), and — for the deploy tools — the
SSH runner to the project's services (:meth:`App.remote`), the mounter of their files
(:meth:`App.mounter`) and the HTTP prober health checks use (:meth:`App.prober`). Expensive parts are created lazily and
once, so the server answers ``initialize`` without touching the corpus, the index or the network.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from zcp.clock import SYSTEM_CLOCK, Clock
from zcp.config import Settings
from zcp.errors import AuthRequired
from zcp.knowledge.paths import KnowledgePaths, resolve_paths

if TYPE_CHECKING:
    from zcp.auth import PlatformConnection
    from zcp.knowledge.store import KnowledgeStore
    from zcp.ops.probe import HttpProber
    from zcp.remote.mounts import Mounter
    from zcp.remote.runner import RemoteRunner
    from zcp.schema import LiveSchemas
    from zcp.state.store import StateStore
    from zcp.workflow.atoms import AtomSet

#: What a platform tool says when zcp has no credentials (an MCP host passes no shell environment).
AUTH_SUGGESTION = (
    "An MCP host does not pass your shell's variables to zcp: put the Zerops personal access "
    "token in the `env` of zcp's entry in the client config, e.g. .mcp.json "
    '{"mcpServers": {"zcp": {"command": "zcp", "args": ["serve"], '
    '"env": {"ZCP_API_KEY": "<token>"}}}} (keep that file out of git), or run `zcli login` '
    "on this machine; then restart zcp. To try zcp without an account, run "
    "`zcp sandbox serve` and put the variables it prints in that `env`."
)


@dataclass
class App:
    """Everything a tool may need, owned by the process."""

    settings: Settings
    #: The Zerops platform connection (client + discovered project); ``None`` in knowledge-only mode.
    platform: PlatformConnection | None = None
    #: Wall time, monotonic time and sleeping for every tool (tests inject the sandbox's clock).
    clock: Clock = SYSTEM_CLOCK
    paths: KnowledgePaths = field(init=False)
    _knowledge: KnowledgeStore | None = field(default=None, repr=False)
    _schemas: LiveSchemas | None = field(default=None, repr=False)
    _state: StateStore | None = field(default=None, repr=False)
    _atoms: AtomSet | None = field(default=None, repr=False)
    _remote: RemoteRunner | None = field(default=None, repr=False)
    _mounter: Mounter | None = field(default=None, repr=False)
    _prober: HttpProber | None = field(default=None, repr=False)
    #: Ids of the running runtimes the last workflow status saw: the next one reads their variables
    #: beside the services search, not after it (``zcp.ops.workflow.live.read_project``).
    recent_runtime_ids: tuple[str, ...] = field(default=(), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.paths = resolve_paths(self.settings)

    # --- the platform ---------------------------------------------------------------------------

    def require_platform(self, tool: str = "this tool") -> PlatformConnection:
        """The platform connection, or :class:`AuthRequired` saying how to configure one."""
        if self.platform is None:
            raise AuthRequired(
                f"{tool} needs access to the Zerops API, but no credentials are configured",
                suggestion=AUTH_SUGGESTION,
            )
        return self.platform

    @property
    def in_container(self) -> bool:
        """Whether zcp runs inside a Zerops service of the project (the connection's view when there is one)."""
        return self.platform.runtime.in_container if self.platform is not None else self.settings.in_container

    @property
    def mode(self) -> str:
        """``platform`` when connected to a Zerops project, else ``knowledge-only``."""
        return "platform" if self.platform is not None else "knowledge-only"

    # --- knowledge and schemas ------------------------------------------------------------------

    def knowledge(self) -> KnowledgeStore:
        """The knowledge store, opened (and indexed) on first use."""
        if self._knowledge is None:
            with self._lock:
                if self._knowledge is None:
                    from zcp.knowledge.store import KnowledgeStore

                    self._knowledge = KnowledgeStore.open(self.paths)
        return self._knowledge

    def use_knowledge(self, store: KnowledgeStore) -> None:
        """Inject a ready store (tests and previews use an in-memory one)."""
        self._knowledge = store

    def schemas(self) -> LiveSchemas:
        """The live zerops.yaml / import YAML schemas (fetched and cached on first use)."""
        if self._schemas is None:
            with self._lock:
                if self._schemas is None:
                    from zcp.schema import LiveSchemas, SchemaSources

                    self._schemas = LiveSchemas(SchemaSources.from_settings(self.settings))
        return self._schemas

    # --- workflow state and guidance ------------------------------------------------------------

    @property
    def state(self) -> StateStore:
        """The workflow state under ``Settings.state_dir`` (nothing is created until it is written)."""
        if self._state is None:
            with self._lock:
                if self._state is None:
                    from zcp.state.store import StateStore

                    self._state = StateStore(self.settings.state_dir, clock=self.clock)
        return self._state

    def use_state(self, store: StateStore) -> None:
        """Inject a state store (tests pass one with a fake pid or clock)."""
        self._state = store

    def atoms(self) -> AtomSet:
        """The workflow guidance atoms of the corpus, compiled once (a broken atom is left out and logged)."""
        if self._atoms is None:
            with self._lock:
                if self._atoms is None:
                    from zcp.workflow.atoms import load_atoms

                    self._atoms = load_atoms(self.paths.corpus_dir)
        return self._atoms

    # --- the project's services over SSH, and their files --------------------------------------

    def project_id(self) -> str:
        """The managed project's id (the platform's, else the container's ``projectId``)."""
        if self.platform is not None:
            return self.platform.project.id
        return self.settings.container_project_id or "local"

    def remote(self) -> RemoteRunner:
        """Runs commands on the project's services: an :class:`~zcp.remote.runner.SshRunner` with the
        project's pinned host keys (``ZCP_SSH_*``), built on first use (asyncssh loads only then)."""
        if self._remote is None:
            with self._lock:
                if self._remote is None:
                    from zcp.remote.hostkeys import HostKeyStore
                    from zcp.remote.runner import SshOptions, SshRunner

                    self._remote = SshRunner(
                        SshOptions.from_settings(self.settings),
                        HostKeyStore.for_project(self.settings, self.project_id()),
                    )
        return self._remote

    def use_remote(self, runner: RemoteRunner) -> None:
        """Inject a runner (tests pass a :class:`~zcp.remote.runner.FakeRunner` or the sandbox's)."""
        self._remote = runner

    def mounter(self) -> Mounter:
        """Mounts the services' ``/var/www`` under ``Settings.mount_root`` (``ZCP_MOUNT_MODE``: sshfs
        trusting the project's pinned host keys, or the sandbox's links), built on first use."""
        if self._mounter is None:
            with self._lock:
                if self._mounter is None:
                    from zcp.remote.hostkeys import HostKeyStore
                    from zcp.remote.mounts import mounter_for

                    # sshfs takes one known_hosts file: the project's pins under tofu (new keys are
                    # written there), else the explicit file when there is one.
                    pins = HostKeyStore.for_project(self.settings, self.project_id()).pin_file
                    explicit = self.settings.ssh_known_hosts
                    tofu = self.settings.ssh_host_key_policy == "tofu"
                    self._mounter = mounter_for(
                        self.settings, known_hosts=pins if tofu or explicit is None else explicit
                    )
        return self._mounter

    def use_mounter(self, mounter: Mounter) -> None:
        """Inject a mounter (tests)."""
        self._mounter = mounter

    @asynccontextmanager
    async def prober(self) -> AsyncIterator[HttpProber]:
        """An HTTP prober for one batch of health checks (``ZCP_PROBE_TIMEOUT`` per request): the
        injected one, else a fresh connection pool closed when the block ends."""
        if self._prober is not None:
            yield self._prober
            return
        from zcp.ops.probe import open_prober

        async with open_prober(self.settings.probe_timeout, self.clock) as prober:
            yield prober

    def use_prober(self, prober: HttpProber) -> None:
        """Inject a prober (tests)."""
        self._prober = prober
