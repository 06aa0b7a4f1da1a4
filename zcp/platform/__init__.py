"""The Zerops platform: API client, wire models, retries, polling and log reading.

Nothing here knows about MCP. The tools layer uses :class:`ZeropsClient` for calls,
:class:`ProcessPoller`/:class:`BuildPoller` to wait, and :class:`LogQuery` to read logs; every failure
is one of :mod:`zcp.errors`.
"""

from __future__ import annotations

from zcp.platform.builds import BuildPoller, BuildResult, BuildStatus, build_status, latest_build
from zcp.platform.client import ZeropsClient
from zcp.platform.logs import LogQuery
from zcp.platform.polling import PollProgress, PollResult, PollSchedule, ProcessPoller
from zcp.platform.retry import RetryPolicy
from zcp.platform.snapshot import ProjectSnapshot, read_snapshot
from zcp.secrets import SecretToken

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
