"""One engine per app, one session per request, `session_scope()` for jobs and the CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine
from werkzeug.wrappers import Response

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
    app.after_request(_finish_request)
    app.teardown_appcontext(_close_session)


def engine(app: Flask | None = None) -> Engine:
    found: Engine = (app or current_app).extensions[_ENGINE_KEY]
    return found


def get_session() -> Session:
    """The request's session. Views and the API never commit it: `_finish_request` does, once."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    session: Session = g.db_session
    return session


def keep_changes() -> None:
    """Commit this request's work although it answers with an error (a failed sign-in still
    counts towards the lockout)."""
    g.db_keep_changes = True


def discard_changes() -> None:
    """Roll this request's work back although it answers with a redirect (a refused action
    that sends the person back to the page with the reason)."""
    g.db_discard_changes = True


def on_commit(callback: Callable[[], object]) -> None:
    """Run `callback` once this request's work is committed, e.g. wake a background worker that
    must see the new rows; never run when the request's work is rolled back."""
    g.setdefault("db_on_commit", []).append(callback)


def _finish_request(response: Response) -> Response:
    """The one commit of a request: its work is kept when it answered with success (below 400);
    an error answer (a refused form, a DomainError turned into a page or JSON, a 500) rolls it
    back, so nothing is ever half-saved."""
    session: Session | None = g.get("db_session")
    if session is None:
        return response
    refused = response.status_code >= 400 or g.pop("db_discard_changes", False)
    if not refused or g.pop("db_keep_changes", False):
        session.commit()
        for callback in g.pop("db_on_commit", []):
            callback()
    else:
        session.rollback()
    return response


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
