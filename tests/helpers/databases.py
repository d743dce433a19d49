"""Test databases: the PostgreSQL server to use, and private databases made on it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

IN_CI = os.environ.get("CI", "").lower() == "true"


def postgres_server() -> str:
    """The server to make test databases on; skips (fails in CI) when none is configured."""
    server = os.environ.get("TRACKER_TEST_POSTGRES_URL")
    if not server:
        if IN_CI:
            pytest.fail(
                "CI=true but TRACKER_TEST_POSTGRES_URL is not set: the PostgreSQL run is required"
            )
        pytest.skip("PostgreSQL tests need TRACKER_TEST_POSTGRES_URL (make test sets it)")
    return server


@contextmanager
def private_postgres_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database with a unique name, dropped afterwards."""
    server = postgres_server()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
