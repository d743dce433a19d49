"""Fixtures in flaskr's pattern: `app` from the factory on a fresh database, `client`, `runner`,
and factories (`make_user`) that return callables. Database tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.helpers.accounts import organisation_factory, user_factory
from tests.helpers.client import TrackerClient
from tests.helpers.databases import private_postgres_database
from tests.helpers.settings import settings_for
from tracker import auth, create_app, db, migrate
from tracker.config import load_settings
from tracker.models import Organisation, Role, User, metadata

pytest_plugins = ["tests.mail", "tests.plugins.apps", "tests.plugins.digests", "tests.plugins.jira"]


# --- no network but loopback --------------------------------------------------------------------

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(sock: socket.socket, address: Any) -> bool:
    if sock.family == socket.AF_UNIX:
        return True
    host = address[0] if isinstance(address, tuple) else str(address)
    return host in {"localhost", "::1"} or str(host).startswith("127.")


def _guarded_connect(sock: socket.socket, address: Any) -> Any:
    if not _is_local(sock, address):
        raise RuntimeError(f"test tried to reach the network at {address!r}")
    return _real_connect(sock, address)


def _guarded_connect_ex(sock: socket.socket, address: Any) -> Any:
    if not _is_local(sock, address):
        raise RuntimeError(f"test tried to reach the network at {address!r}")
    return _real_connect_ex(sock, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own TRACKER_* settings must not leak into tests."""
    for name in list(os.environ):
        if name.startswith("TRACKER_") and name != "TRACKER_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _no_rate_limit_counts() -> None:
    """Each test starts with no sign-in attempts or API calls counted against 127.0.0.1: the
    limiter's memory storage outlives the apps reused across tests."""
    auth.reset_rate_limits()


# --- databases ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "tracker.db"
    engine = db.make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private, migrated PostgreSQL database for this test session, dropped afterwards.

    Its connections skip waiting for the WAL flush at commit (`synchronous_commit=off`): a
    crash of the test server may lose the last commits, which no test relies on, and commits
    no longer queue behind the disk."""
    with private_postgres_database("tracker_test") as url:
        fast = make_url(url).update_query_dict({"options": "-c synchronous_commit=off"})
        fast_url = fast.render_as_string(hide_password=False)
        engine = db.make_engine(fast_url)
        migrate.upgrade(engine)
        with engine.begin() as connection:
            # Emptied by DELETE between tests (see _empty_postgres): without autovacuum
            # reclaiming the dead rows at random moments, new rows keep landing after the old
            # ones, as in a fresh table, so no test's result depends on when a vacuum ran.
            for table in metadata.sorted_tables:
                connection.execute(
                    text(f'ALTER TABLE "{table.name}" SET (autovacuum_enabled = off)')
                )
        engine.dispose()
        yield fast_url


@pytest.fixture(scope="session")
def _empty_postgres(postgres_url: str) -> Iterator[Callable[[], None]]:
    """Empties every table and restarts every id sequence, as a fresh database would have them.

    DELETE rather than TRUNCATE: on tables of a few rows it takes about 6 ms where TRUNCATE takes
    about 100 ms (new files and an fsync per table). A leaked connection holding row locks fails
    the test after the lock timeout instead of hanging the run."""
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        sequences = (
            connection.execute(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")
            )
            .scalars()
            .all()
        )
    statements = [f'DELETE FROM "{table.name}"' for table in reversed(metadata.sorted_tables)]
    statements += [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]

    def empty() -> None:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '20s'"))
            for statement in statements:
                connection.execute(text(statement))

    yield empty
    engine.dispose()


@pytest.fixture(scope="session")
def _shared_sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one SQLite file this worker's cached apps use, restored from the template per test."""
    return tmp_path_factory.mktemp("shared", numbered=False) / "tracker.db"


def _restore_sqlite(template: Path, target: Path) -> None:
    _APPS.dispose_engines(on=target)  # no pooled connection may outlive its file
    for suffix in ("-wal", "-shm", "-journal"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(template, target)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A freshly migrated, empty database: the same URL for every test of this worker, so the
    app built on it can be reused (see `make_app`); its contents are new each time."""
    if request.param == "sqlite":
        path: Path = request.getfixturevalue("_shared_sqlite_path")
        _restore_sqlite(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    request.getfixturevalue("_empty_postgres")()
    return url


def _sqlite_copy(template: Path, folder: Path) -> str:
    target = folder / "tracker.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A SQLite database of this test's own, for tests that need a second one or a file path."""
    return _sqlite_copy(sqlite_template, tmp_path)


# --- the app ------------------------------------------------------------------------------------


class _AppCache:
    """Apps built on this worker's shared databases, reused across tests.

    Building an app costs about 0.15 s (Werkzeug compiles every route), a third of the suite's
    time when each test built its own. An app is reused for the same database URL and the same
    settings but for the addresses of per-test servers (a fake Jira, an SMTP server), which
    nothing reads while the app is built. Each test gets its settings loaded afresh, with its own
    addresses, so a test that changes one in place cannot leak it into the next.
    """

    LIMIT = 24

    def __init__(self) -> None:
        self._apps: OrderedDict[str, tuple[Flask, dict[str, Any]]] = OrderedDict()

    def get(self, key: str, build: Callable[[], Flask], settings: Callable[[], Any]) -> Flask:
        if key in self._apps:
            self._apps.move_to_end(key)
        else:
            app = build()
            self._apps[key] = (app, dict(app.config))
            if len(self._apps) > self.LIMIT:
                evicted, _ = self._apps.popitem(last=False)[1]
                db.engine(evicted).dispose()
        app, pristine = self._apps[key]
        app.config.clear()
        app.config.update(pristine, SETTINGS=settings())
        return app

    def dispose_engines(self, on: Path | None = None) -> None:
        """Close the pooled connections of every cached app, or only of those using `on`."""
        for app, _ in self._apps.values():
            engine = db.engine(app)
            if on is None or engine.url.database == str(on):
                engine.dispose()


_APPS = _AppCache()


@pytest.fixture(scope="session", autouse=True)
def _close_cached_apps() -> Iterator[None]:
    yield
    _APPS.dispose_engines()


# Addresses of servers a test starts for itself; create_app reads none of them.
_PER_TEST_ADDRESSES = {"jira": ("base_url",), "smtp": ("host", "port")}


def _cache_key(database_url: str, overrides: dict[str, Any]) -> str | None:
    """The cache key, or None when the app must be built fresh (a test's own database, or
    settings that are not plain data)."""
    if not (database_url.startswith("postgresql") or database_url.endswith("/shared/tracker.db")):
        return None
    shape = {
        section: (
            {k: v for k, v in value.items() if k not in _PER_TEST_ADDRESSES.get(section, ())}
            if isinstance(value, dict)
            else value
        )
        for section, value in overrides.items()
    }
    try:
        return json.dumps([database_url, shape], sort_keys=True)
    except TypeError:
        return None


@pytest.fixture
def make_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build an app on a given database with extra settings; engines are disposed afterwards.
    A test that adds routes or hooks to its app is marked `fresh_app`: it gets one of its own."""
    reuse = request.node.get_closest_marker("fresh_app") is None
    built: list[Flask] = []

    instance = tmp_path / "instance"

    def fresh(database_url: str, overrides: dict[str, Any]) -> Flask:
        return create_app(settings_for(database_url, **overrides), instance_path=instance)

    def build(database_url: str, **overrides: Any) -> Flask:
        key = _cache_key(database_url, overrides) if reuse else None
        if key is not None:
            return _APPS.get(
                key,
                lambda: fresh(database_url, overrides),
                lambda: load_settings(instance, settings_for(database_url, **overrides)),
            )
        app = fresh(database_url, overrides)
        built.append(app)
        return app

    yield build
    for app in built:
        db.engine(app).dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str) -> Flask:
    return make_app(database_url)


@pytest.fixture
def client(app: Flask) -> TrackerClient:
    app.test_client_class = TrackerClient
    test_client = app.test_client()
    assert isinstance(test_client, TrackerClient)
    return test_client


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def make_organisation(app: Flask) -> Callable[..., Organisation]:
    return organisation_factory(app)


@pytest.fixture
def make_user(app: Flask, make_organisation: Callable[..., Organisation]) -> Callable[..., User]:
    return user_factory(app, make_organisation)


@pytest.fixture
def login_as(client: TrackerClient, make_user: Callable[..., User]) -> Callable[..., User]:
    """Create a user with the role and sign the client in as them."""

    def login(role: Role | str, **overrides: Any) -> User:
        user = make_user(role, **overrides)
        response = client.login(user.email)
        assert response.status_code == 302, response.text
        return user

    return login
