"""Shared pytest wiring. Fixtures live in ``tests/plugins/*`` (one module per subsystem)."""

from __future__ import annotations

import pytest

# Import hypothesis while the stack is shallow: pytest rewrites the plugin's package on first
# import, and CPython 3.11.7's ast.parse can fail with "recursion depth mismatch" when that first
# import happens deep inside pytest_sessionfinish.
from hypothesis import settings

settings.register_profile("zcp", database=None, deadline=None, print_blob=True)
settings.load_profile("zcp")

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
