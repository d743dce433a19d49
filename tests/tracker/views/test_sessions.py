"""Browser sessions kept on the server: signing out, sign out everywhere, a password change and
deactivation end them at once, whoever holds a copy of the cookie."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.helpers.accounts import PASSWORD
from tests.helpers.client import TrackerClient
from tracker import db
from tracker.errors import NotFound
from tracker.models import BrowserSession, utcnow
from tracker.services.accounts import sessions, users

NEW_PASSWORD = "another long passphrase"


def copy_cookie(source: TrackerClient, target: TrackerClient) -> None:
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie("session", cookie.value)


def session_rows(app) -> list[BrowserSession]:
    with db.session_scope(app) as session:
        return list(session.exec(select(BrowserSession)).all())


def test_a_copied_cookie_stops_working_the_moment_its_owner_signs_out(client, browser, login_as):
    login_as("pm")
    thief = browser()
    copy_cookie(client, thief)
    assert thief.get("/backlog").status_code == 200
    client.submit("/logout")
    assert thief.get("/backlog").status_code == 302
    assert client.get("/backlog").status_code == 302


def test_the_session_row_records_the_browser(app, client, make_user):
    user = make_user()
    client.login(user.email)
    client.get("/")
    (row,) = session_rows(app)
    assert row.user_id == user.id
    assert row.address == "127.0.0.1"
    assert row.user_agent.startswith("Werkzeug")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert row.id not in cookie.value  # the cookie holds the token, the table only its digest


def test_sign_out_everywhere_else(app, client, browser, make_user):
    user = make_user()
    client.login(user.email)
    laptop, phone = browser("192.0.2.7"), browser("198.51.100.9")
    laptop.login(user.email)
    phone.login(user.email)
    page = client.get("/account/sessions")
    assert page.status_code == 200
    assert page.text.count('danger">Sign out</button>') == 2  # not offered for this browser
    assert "192.0.2.7" in page.text
    assert "(this browser)" in page.text
    assert client.submit("/account/sessions/revoke-others").status_code == 302
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    assert client.get("/").status_code == 200
    assert len(session_rows(app)) == 1


def test_revoke_one_session(app, client, browser, make_user):
    user = make_user()
    client.login(user.email)
    laptop, phone = browser("192.0.2.7"), browser("198.51.100.9")
    laptop.login(user.email)
    phone.login(user.email)
    (laptop_row,) = [row for row in session_rows(app) if row.address == "192.0.2.7"]
    revoked = client.submit(f"/account/sessions/{laptop_row.id}/revoke")
    assert revoked.status_code == 302
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 200
    assert client.get("/").status_code == 200


def test_nobody_revokes_another_persons_session(app, client, browser, make_user):
    owner, stranger = make_user(), make_user()
    browser().login(owner.email)
    (row,) = session_rows(app)
    client.login(stranger.email)
    assert client.submit(f"/account/sessions/{row.id}/revoke").status_code == 404
    assert len(session_rows(app)) == 2


def test_password_change_ends_the_other_sessions_only(client, browser, make_user):
    user = make_user()
    client.login(user.email)
    other = browser("192.0.2.7")
    other.login(user.email)
    thief = browser()
    copy_cookie(other, thief)
    changed = client.submit(
        "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert thief.get("/").status_code == 302
    assert other.login(user.email, NEW_PASSWORD).status_code == 302


def test_deactivation_ends_every_session(app, client, browser, make_user):
    user = make_user()
    client.login(user.email)
    other = browser("192.0.2.7")
    other.login(user.email)
    with db.session_scope(app) as session:
        users.set_active(session, actor=None, user=users.get_user(session, user.id), active=False)
    assert session_rows(app) == []
    assert client.get("/").status_code == 302
    assert other.get("/").status_code == 302


def test_role_change_signs_the_person_out(app, client, make_user):
    user = make_user("pm")
    client.login(user.email)
    with db.session_scope(app) as session:
        users.set_role(session, actor=None, user=users.get_user(session, user.id), role="submitter")
    assert client.get("/").status_code == 302


def test_sessions_expire_on_the_server_and_last_seen_is_written_once_a_minute(app, make_user):
    user = make_user()
    lifetime = timedelta(hours=12)
    start = utcnow()
    with db.session_scope(app) as session:
        token = sessions.start_session(
            session,
            user=user,
            user_agent="Firefox",
            address="192.0.2.1",
            lifetime=lifetime,
            now=start,
        )
    with db.session_scope(app) as session:
        found = sessions.user_for_session(
            session, token=token, lifetime=lifetime, now=start + timedelta(seconds=30)
        )
        assert found is not None
        assert found.id == user.id
    assert session_rows(app)[0].last_seen_at == start  # not written within the minute
    later = start + timedelta(minutes=5)
    with db.session_scope(app) as session:
        assert sessions.user_for_session(session, token=token, lifetime=lifetime, now=later)
    assert session_rows(app)[0].last_seen_at == later
    with db.session_scope(app) as session:
        expired = start + lifetime + timedelta(seconds=1)
        assert (
            sessions.user_for_session(session, token=token, lifetime=lifetime, now=expired) is None
        )
        assert sessions.list_sessions(session, user=user, lifetime=lifetime, now=expired) == []
        assert sessions.user_for_session(session, token="forged", lifetime=lifetime) is None


def test_revoking_an_unknown_session_is_not_found(app, make_user):
    user = make_user()
    with db.session_scope(app) as session, pytest.raises(NotFound):
        sessions.revoke_session(session, user=user, revoked_id="0" * 64)
