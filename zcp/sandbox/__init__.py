"""The sandbox: a stateful local emulator of the Zerops API, for tests, demos and trying zcp offline.

:class:`Sandbox` holds the state (projects, services, processes, app versions, logs) and moves it along
an injectable clock; :class:`SandboxServer` serves it over HTTP on loopback with the same paths, JSON
shapes, enums and error bodies as the real API, plus fault injection and a control API;
:class:`ContainerHost` adds service file trees, SSH and (``run_code``) real builds. Start one from
the shell with ``zcp sandbox serve``; in tests use the ``sandbox`` fixture (``tests/plugins/sandbox.py``).
"""

from __future__ import annotations

from zcp.sandbox.clock import ManualClock, SystemClock
from zcp.sandbox.containers import ContainerHost
from zcp.sandbox.faults import FaultRule
from zcp.sandbox.sandbox import DEFAULT_TOKEN, Sandbox
from zcp.sandbox.scenarios import READ_ONLY_SUFFIX, SCENARIOS
from zcp.sandbox.server import SandboxServer

__all__ = [
    "DEFAULT_TOKEN",
    "READ_ONLY_SUFFIX",
    "SCENARIOS",
    "ContainerHost",
    "FaultRule",
    "ManualClock",
    "Sandbox",
    "SandboxServer",
    "SystemClock",
]
