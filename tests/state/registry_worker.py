"""Run as a script: register entries in a shared registry and prune it, as fast as possible.

Usage: ``python -m tests.state.registry_worker STATE_DIR NAME COUNT OWNER_PID``. Every entry is owned
by ``OWNER_PID`` (the test process, alive throughout), so pruning must keep all of them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from zcp.state.models import RegistryEntry
from zcp.state.store import StateStore


def main() -> None:
    root, name, count, owner = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store = StateStore(root, lock_timeout=30.0)
    for i in range(count):
        store.register(
            RegistryEntry(
                session_id=f"{name}{i:04x}", pid=owner, workflow="bootstrap", created_at=store.now_text()
            )
        )
        with store.registry_update() as registry:
            store.prune(registry)
    print("ok")


if __name__ == "__main__":
    main()
