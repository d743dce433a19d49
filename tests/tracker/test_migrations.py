"""Alembic migrations on an empty database, and the app's refusal to run on an old schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from tests.helpers.databases import private_postgres_database
from tracker import db, migrate
from tracker.models import metadata


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with private_postgres_database("tracker_empty") as url:
        yield url


@pytest.fixture
def engine(empty_database_url: str):
    built = db.make_engine(empty_database_url)
    yield built
    built.dispose()


def table_names(engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_upgrade_from_empty_creates_every_table(engine):
    assert table_names(engine) == set()
    assert migrate.current_revision(engine) is None
    assert not migrate.is_up_to_date(engine)
    migrate.upgrade(engine)
    assert set(metadata.tables) <= table_names(engine)
    assert migrate.current_revision(engine) == migrate.head_revision(engine)
    assert migrate.is_up_to_date(engine)


def test_migrations_match_the_models(engine):
    migrate.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": migrate.include_object}
        )
        differences = compare_metadata(context, metadata)
    assert differences == [], "the models and the migrations disagree; run alembic revision"


def test_downgrade_to_base_then_upgrade_again(engine):
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert table_names(engine) <= {"alembic_version"}  # nothing left behind, search included
    migrate.upgrade(engine)
    assert set(metadata.tables) <= table_names(engine)
    assert migrate.is_up_to_date(engine)


def test_app_on_unmigrated_database_asks_for_upgrade(empty_database_url, make_app):
    app = make_app(empty_database_url)
    client = app.test_client()
    page = client.get("/login")
    assert page.status_code == 503
    assert "tracker db upgrade" in page.text
    assert "text/html" in page.content_type
    api = client.get("/api/v1/me")
    assert api.status_code == 503
    assert "tracker db upgrade" in api.get_json()["error"]
    assert "tracker db upgrade" in client.get("/healthz").text

    migrate.upgrade(db.engine(app))
    assert client.get("/login").status_code == 200
    after = client.get("/api/v1/me")
    assert after.status_code == 401  # the API works again: it wants a token
    assert "error" in after.get_json()


def test_db_commands_on_an_empty_database(empty_database_url, make_app):
    app = make_app(empty_database_url)
    runner = app.test_cli_runner()
    before = runner.invoke(args=["db", "current"])
    assert before.exit_code == 0, before.output
    assert "current: none" in before.output
    assert "tracker db upgrade" in before.output
    upgraded = runner.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"Database is at revision {migrate.head_revision(db.engine(app))}." in upgraded.output
    assert "(up to date)" in runner.invoke(args=["db", "current"]).output
    downgraded = runner.invoke(args=["db", "downgrade", "base"])
    assert downgraded.exit_code == 0, downgraded.output
    assert "Database is at revision base." in downgraded.output
    assert not migrate.is_up_to_date(db.engine(app))


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record, instead of starting, any server or scheduler a command tries to run."""
    started: list[str] = []

    def fake_run_simple(*_args: object, **_kwargs: object) -> None:
        started.append("server")

    def fake_build_scheduler(*_args: object, **_kwargs: object) -> None:
        started.append("scheduler")
        raise RuntimeError("the scheduler must not be built on an old schema")

    monkeypatch.setattr("tracker.cli.server.run_simple", fake_run_simple)
    monkeypatch.setattr("sync.jobs.scheduler.build_scheduler", fake_build_scheduler)
    return started


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["scheduler"]])
def test_server_and_scheduler_refuse_an_unmigrated_database(
    empty_database_url, make_app, no_server, command
):
    app = make_app(empty_database_url)
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code != 0
    assert "tracker db upgrade" in result.output
    assert no_server == []


def test_serve_starts_once_migrated(empty_database_url, make_app, no_server):
    app = make_app(empty_database_url)
    migrate.upgrade(db.engine(app))
    result = app.test_cli_runner().invoke(args=["serve", "--without-scheduler", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert no_server == ["server"]  # the check above is not simply failing every time
