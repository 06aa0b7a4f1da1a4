"""The composition root: settings plus the long-lived objects that tools use.

One :class:`App` exists per ``zcp serve`` process (and per test). Expensive parts are created
lazily and once: the knowledge store is opened on first use, so the server answers
``initialize`` without touching the corpus or the index.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from zcp.clock import SYSTEM_CLOCK, Clock
from zcp.config import Settings
from zcp.knowledge.paths import KnowledgePaths, resolve_paths


@dataclass
class App:
    """Everything a tool may need, owned by the process."""

    settings: Settings
    paths: KnowledgePaths = field(init=False)
    #: The Zerops platform connection (client + discovered project); ``None`` in knowledge-only mode.
    platform: Any = None
    #: Wall time, monotonic time and sleeping for every tool (tests inject the sandbox's clock).
    clock: Clock = SYSTEM_CLOCK
    _knowledge: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.paths = resolve_paths(self.settings)

    def knowledge(self) -> Any:
        """The :class:`~zcp.knowledge.store.KnowledgeStore`, opened (and indexed) on first use."""
        if self._knowledge is None:
            with self._lock:
                if self._knowledge is None:
                    from zcp.knowledge.store import KnowledgeStore

                    self._knowledge = KnowledgeStore.open(self.paths)
        return self._knowledge

    def use_knowledge(self, store: Any) -> None:
        """Inject a ready store (tests and previews use an in-memory one)."""
        self._knowledge = store

    @property
    def mode(self) -> str:
        """``platform`` when connected to a Zerops project, else ``knowledge-only``."""
        return "platform" if self.platform is not None else "knowledge-only"
