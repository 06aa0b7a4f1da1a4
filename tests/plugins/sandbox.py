"""Fixtures for sandbox tests (filled in by its issue)."""
