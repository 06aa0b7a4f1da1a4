"""Fixtures for knowledge tests (filled in by its issue)."""
