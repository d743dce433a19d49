"""A request commits once, through `_finish_request`: success keeps its work, a refusal loses it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask, redirect
from sqlmodel import select
from werkzeug.wrappers import Response

from tracker import db
from tracker.errors import Conflict
from tracker.models import Organisation
from tracker.permissions import public
from tracker.services.accounts import users


@pytest.fixture
def probe_app(make_app: Callable[..., Flask], database_url: str) -> tuple[Flask, list[str]]:
    """An app with routes that add an organisation, then answer in different ways."""
    app = make_app(database_url)
    woken: list[str] = []

    def add(name: str) -> None:
        users.create_organisation(db.get_session(), name=name, is_vendor=False)
        db.on_commit(lambda: woken.append(name))

    @app.post("/probe/ok")
    @public
    def ok() -> str:
        add("kept")
        return "done"

    @app.post("/probe/redirect")
    @public
    def moved() -> Response:
        add("redirected")
        return redirect("/")

    @app.post("/probe/refused-form")
    @public
    def refused_form() -> tuple[str, int]:
        add("refused form")
        return "fix the form", 422

    @app.post("/probe/domain-error")
    @public
    def domain_error() -> str:
        add("conflict")
        raise Conflict("already there")

    @app.post("/probe/crash")
    @public
    def crash() -> str:
        add("crash")
        raise RuntimeError("boom")

    @app.post("/probe/back")
    @public
    def back() -> Response:
        add("sent back")
        db.discard_changes()
        return redirect("/")

    @app.post("/probe/keep")
    @public
    def keep() -> tuple[str, int]:
        add("failed sign-in")
        db.keep_changes()
        return "wrong password", 401

    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["WTF_CSRF_ENABLED"] = False
    return app, woken


def saved_names(app: Flask) -> set[str]:
    with db.session_scope(app) as session:
        return set(session.exec(select(Organisation.name)).all())


@pytest.mark.fresh_app
@pytest.mark.parametrize(
    ("path", "name", "status", "kept"),
    [
        ("/probe/ok", "kept", 200, True),
        ("/probe/redirect", "redirected", 302, True),
        ("/probe/refused-form", "refused form", 422, False),
        ("/probe/domain-error", "conflict", 409, False),
        ("/probe/crash", "crash", 500, False),
        ("/probe/back", "sent back", 302, False),
        ("/probe/keep", "failed sign-in", 401, True),
    ],
)
def test_the_answer_decides_whether_the_work_is_kept(probe_app, path, name, status, kept):
    app, woken = probe_app
    response = app.test_client().post(path)
    assert response.status_code == status
    assert (name in saved_names(app)) is kept
    # Background work that needs the rows starts only once they are committed.
    assert woken == ([name] if kept else [])
