"""Running a few independent platform reads at once, reporting failures as plain zcp errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

from zcp.errors import ZcpError

Job = Callable[[], Awaitable[None]]


async def gather(*jobs: Job, limit: int | None = None) -> None:
    """Run ``jobs`` concurrently (at most ``limit`` at a time); the first zcp error is raised as itself.

    anyio reports failures of a task group as an exception group; callers of the tools layer expect
    one :class:`~zcp.errors.ZcpError`, so the first one found is re-raised on its own.
    """
    limiter = anyio.CapacityLimiter(limit) if limit else None

    async def run(job: Job) -> None:
        if limiter is None:
            await job()
            return
        async with limiter:
            await job()

    try:
        async with anyio.create_task_group() as group:
            for job in jobs:
                group.start_soon(run, job)
    except BaseExceptionGroup as failures:
        first = first_zcp_error(failures)
        if first is None:
            raise
        raise first from None


def first_zcp_error(group: BaseExceptionGroup[BaseException]) -> ZcpError | None:
    """The first :class:`ZcpError` in a (possibly nested) exception group."""
    for error in group.exceptions:
        if isinstance(error, ZcpError):
            return error
        if isinstance(error, BaseExceptionGroup):
            nested = first_zcp_error(error)
            if nested is not None:
                return nested
    return None
