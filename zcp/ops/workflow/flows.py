"""The stateless flow (export or cicd) a zcp process is walking through.

Export and cicd keep no session: each call answers with the next thing missing. When that thing is a
delivery step — ``git-push-setup``, ``build-integration``, ``close-mode`` — the step's answer would
otherwise end with the project's status plan, and an agent that follows the plan loses the thread
(found by ``make eval``: the export and cicd stories stopped right after git push was configured).
The flow's last call is remembered here so the step's answer can lead back into it.

Memory only, per state folder and process: a restarted zcp falls back to the status plan, which is
what it did before.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from zcp.calls import ToolCall

if TYPE_CHECKING:
    from zcp.state.store import StateStore

__all__ = ["current", "forget", "remember"]

_FLOWS: dict[tuple[str, int], ToolCall] = {}
_LOCK = threading.Lock()


def _key(store: StateStore) -> tuple[str, int]:
    return str(store.root), store.pid


def remember(store: StateStore, call: ToolCall) -> None:
    """``call`` continues the flow this process is in."""
    with _LOCK:
        _FLOWS[_key(store)] = call


def forget(store: StateStore) -> None:
    """The flow reached its end."""
    with _LOCK:
        _FLOWS.pop(_key(store), None)


def current(store: StateStore) -> ToolCall | None:
    with _LOCK:
        return _FLOWS.get(_key(store))
