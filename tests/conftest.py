"""Fixtures in flaskr's pattern: `app` from the factory on a fresh database, `client`, `runner`,
and factories (`make_user`) that return callables. Database tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tracker import create_app, db, migrate
from tracker.models import Organisation, Role, User, metadata
from tracker.services.accounts import users

pytest_plugins = ["tests.mail", "tests.plugins.apps", "tests.plugins.digests", "tests.plugins.jira"]

IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "correct horse battery staple"
TEST_SECRET = "test-secret-key-that-is-long-enough-for-production-checks"


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


# --- databases ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "tracker.db"
    engine = db.make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


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


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private, migrated PostgreSQL database for this test session, dropped afterwards."""
    with private_postgres_database("tracker_test") as url:
        engine = db.make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def _shared_sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one SQLite file this worker's cached apps use, restored from the template per test."""
    return tmp_path_factory.mktemp("shared", numbered=False) / "tracker.db"


def _restore_sqlite(template: Path, target: Path) -> None:
    _APPS.dispose_engines()  # no pooled connection may outlive the file it points to
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
    _APPS.dispose_engines()
    _truncate_postgres(url)
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


def settings_for(database_url: str, **overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "env": "testing",
        "secret_key": TEST_SECRET,
        "database_url": database_url,
    }
    for key, value in overrides.items():
        if isinstance(value, dict):
            settings.setdefault(key, {}).update(value)
        else:
            settings[key] = value
    return settings


class _AppCache:
    """Apps built on this worker's shared databases, reused across tests.

    Building an app costs about 0.15 s (Werkzeug compiles every route), a third of the suite's
    time when each test built its own. An app is reused only for the same database URL and the
    same settings; each test gets a fresh copy of its settings, so a test that changes one in
    place cannot leak it into the next, and a fresh database (`database_url`).
    """

    LIMIT = 12  # settings naming a per-test fake Jira never repeat; keep memory bounded

    def __init__(self) -> None:
        self._apps: OrderedDict[str, tuple[Flask, dict[str, Any]]] = OrderedDict()

    def get(self, key: str, build: Callable[[], Flask]) -> Flask:
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
        app.config.update(pristine, SETTINGS=pristine["SETTINGS"].model_copy(deep=True))
        return app

    def dispose_engines(self) -> None:
        for app, _ in self._apps.values():
            db.engine(app).dispose()


_APPS = _AppCache()


@pytest.fixture(scope="session", autouse=True)
def _close_cached_apps() -> Iterator[None]:
    yield
    _APPS.dispose_engines()


def _cache_key(database_url: str, overrides: dict[str, Any]) -> str | None:
    """The cache key, or None when the app must be built fresh (a test's own database, or
    settings that are not plain data)."""
    if not (database_url.startswith("postgresql") or database_url.endswith("/shared/tracker.db")):
        return None
    try:
        return json.dumps([database_url, overrides], sort_keys=True)
    except TypeError:
        return None


@pytest.fixture
def make_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build an app on a given database with extra settings; engines are disposed afterwards.
    A test that adds routes or hooks to its app is marked `fresh_app`: it gets one of its own."""
    reuse = request.node.get_closest_marker("fresh_app") is None
    built: list[Flask] = []

    def fresh(database_url: str, overrides: dict[str, Any]) -> Flask:
        return create_app(
            settings_for(database_url, **overrides), instance_path=tmp_path / "instance"
        )

    def build(database_url: str, **overrides: Any) -> Flask:
        key = _cache_key(database_url, overrides) if reuse else None
        if key is not None:
            return _APPS.get(key, lambda: fresh(database_url, overrides))
        app = fresh(database_url, overrides)
        built.append(app)
        return app

    yield build
    for app in built:
        db.engine(app).dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str) -> Flask:
    return make_app(database_url)


class TrackerClient(FlaskClient):
    """A test client that fills in the CSRF token like a browser submitting the page's form."""

    _csrf: str | None = None

    def csrf_token(self) -> str:
        page = self.get("/login") if self._csrf is None else None
        if page is not None:
            if page.status_code == 302:  # signed in already: any page with a form will do
                page = self.get("/account/tokens")
            match = re.search(
                r'name="csrf_token" type="hidden" value="([^"]+)"', page.text
            ) or re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert match, "no CSRF token on the page"
            self._csrf = match.group(1)
        assert self._csrf is not None
        return self._csrf

    def submit(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        form = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.post(url, data=form, **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        self._csrf = None
        response = self.submit("/login", {"email": email, "password": password})
        self._csrf = None  # the session changed
        return response


@pytest.fixture
def client(app: Flask) -> TrackerClient:
    app.test_client_class = TrackerClient
    test_client = app.test_client()
    assert isinstance(test_client, TrackerClient)
    return test_client


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


def organisation_factory(app: Flask) -> Callable[..., Organisation]:
    """Creates organisations in `app`'s database."""

    def make(name: str = "Acme Moderation", is_vendor: bool = True) -> Organisation:
        with db.session_scope(app) as session:
            return users.create_organisation(session, name=name, is_vendor=is_vendor)

    return make


def user_factory(app: Flask, make_organisation: Callable[..., Organisation]) -> Callable[..., User]:
    """Creates users in `app`'s database with the password PASSWORD; vendors get an organisation."""
    counter = iter(range(1, 10_000))

    def make(role: Role | str = Role.SUBMITTER, **overrides: Any) -> User:
        role = Role(role)
        number = next(counter)
        organisation_id = overrides.pop("organisation_id", None)
        if role is Role.VENDOR and organisation_id is None:
            organisation_id = make_organisation(name=f"Vendor {number}").id
        values: dict[str, Any] = {
            "email": f"{role.value}{number}@example.com",
            "display_name": f"{role.value.title()} {number}",
            "password": PASSWORD,
            "role": role,
            "organisation_id": organisation_id,
        }
        values.update(overrides)
        with db.session_scope(app) as session:
            return users.create_user(session, actor=None, **values)

    return make


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
