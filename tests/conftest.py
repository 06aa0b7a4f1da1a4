"""Shared pytest wiring. Fixtures live in ``tests/plugins/*`` (one module per subsystem)."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.plugins.core",
    "tests.plugins.knowledge",
    "tests.plugins.sandbox",
    "tests.plugins.github",
    "tests.plugins.workflow",
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
