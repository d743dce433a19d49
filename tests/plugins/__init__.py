"""Fixtures shared across folders, registered in tests/conftest.py's `pytest_plugins`."""
