"""One engine per app, one session per request, `session_scope()` for jobs and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

_ENGINE_KEY = "tracker.engine"


def make_engine(url: str) -> Engine:
    """An engine with the settings the tracker relies on for the URL's database."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask, url: str) -> None:
    app.extensions[_ENGINE_KEY] = make_engine(url)
    app.teardown_appcontext(_close_session)


def engine(app: Flask | None = None) -> Engine:
    found: Engine = (app or current_app).extensions[_ENGINE_KEY]
    return found


def get_session() -> Session:
    """The request's session; views commit it once, teardown closes (and so rolls back) it."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A unit of work outside a request: commits on success, rolls back on any exception."""
    with Session(engine(app), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
