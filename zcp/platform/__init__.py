"""The Zerops platform: API client, wire models, retries, polling and log reading.

Nothing here knows about MCP. The tools layer uses :class:`ZeropsClient` for calls,
:class:`ProcessPoller`/:class:`BuildPoller` to wait, and :class:`LogQuery` to read logs; every failure
is one of :mod:`zcp.errors`.

Names are loaded on first use (PEP 562), so importing a light submodule such as
``zcp.platform.status`` does not pull in httpx and the client: ``zcp serve`` in knowledge-only
mode never loads them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zcp.platform.builds import BuildPoller, BuildResult, BuildStatus, build_status, latest_build
    from zcp.platform.client import ZeropsClient
    from zcp.platform.logs import LogQuery
    from zcp.platform.polling import PollProgress, PollResult, PollSchedule, ProcessPoller
    from zcp.platform.retry import RetryPolicy
    from zcp.platform.snapshot import ProjectSnapshot, read_snapshot
    from zcp.secrets import SecretToken

_EXPORTS: dict[str, str] = {
    "BuildPoller": "zcp.platform.builds",
    "BuildResult": "zcp.platform.builds",
    "BuildStatus": "zcp.platform.builds",
    "build_status": "zcp.platform.builds",
    "latest_build": "zcp.platform.builds",
    "ZeropsClient": "zcp.platform.client",
    "LogQuery": "zcp.platform.logs",
    "PollProgress": "zcp.platform.polling",
    "PollResult": "zcp.platform.polling",
    "PollSchedule": "zcp.platform.polling",
    "ProcessPoller": "zcp.platform.polling",
    "RetryPolicy": "zcp.platform.retry",
    "ProjectSnapshot": "zcp.platform.snapshot",
    "read_snapshot": "zcp.platform.snapshot",
    "SecretToken": "zcp.secrets",
}

__all__ = [
    "BuildPoller",
    "BuildResult",
    "BuildStatus",
    "LogQuery",
    "PollProgress",
    "PollResult",
    "PollSchedule",
    "ProcessPoller",
    "ProjectSnapshot",
    "RetryPolicy",
    "SecretToken",
    "ZeropsClient",
    "build_status",
    "latest_build",
    "read_snapshot",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zcp.platform' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
