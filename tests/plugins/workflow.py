"""Fixtures for workflow tests (filled in by its issue)."""
