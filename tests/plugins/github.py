"""Fixtures for github tests (filled in by its issue)."""
