"""Sign-in, sign-out, lockout, sessions."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from sqlmodel import select

from tracker import db
from tracker.models import Role, SignInFailure, utcnow
from tracker.services.accounts import sign_in, users


def test_login_then_logout(client, make_user):
    user = make_user(Role.PM)
    response = client.login(user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert user.display_name in home.text
    client.submit("/logout")
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_without_revealing_the_account(client, make_user):
    user = make_user()
    wrong = client.login(user.email, "not the password at all")
    unknown = client.login("nobody@example.com", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "Email or password is wrong." in wrong.text
    assert "Email or password is wrong." in unknown.text


def test_login_redirects_to_next_but_never_off_site(client, make_user):
    user = make_user()
    client._csrf = None
    token = client.csrf_token()
    ok = client.post(
        "/login?next=/account/tokens",
        data={"csrf_token": token, "email": user.email, "password": "correct horse battery staple"},
    )
    assert ok.headers["Location"] == "/account/tokens"
    client.submit("/logout")
    client._csrf = None
    token = client.csrf_token()
    evil = client.post(
        "/login?next=//evil.example/x",
        data={"csrf_token": token, "email": user.email, "password": "correct horse battery staple"},
    )
    assert evil.headers["Location"] == "/"


def test_lockout_after_repeated_failures(app, client, make_user):
    user = make_user()
    for _ in range(5):
        assert client.login(user.email, "wrong password guess").status_code == 401
    locked = client.login(user.email)  # right password, but locked now
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 14 * 60
    assert "Too many failed sign-ins" in locked.text
    with db.session_scope(app) as session:
        failure = session.exec(select(SignInFailure)).one()
        assert (failure.email, failure.address) == (user.email, "127.0.0.1")
        assert failure.locked_until is not None
        failure.locked_until = utcnow() - timedelta(seconds=1)
    assert client.login(user.email).status_code == 302
    with db.session_scope(app) as session:
        assert session.exec(select(SignInFailure)).all() == []  # success forgets the failures


def test_lockout_threshold_comes_from_config(make_app, database_url):
    app = make_app(database_url, security={"login_max_failures": 2})
    with db.session_scope(app) as session:
        user = users.create_user(
            session,
            actor=None,
            email="a@example.com",
            display_name="A",
            password="correct horse battery staple",
            role="submitter",
        )
        policy = sign_in.LockoutPolicy(
            max_failures=app.config["SETTINGS"].security.login_max_failures
        )
        for _ in range(2):
            with contextlib.suppress(sign_in.LoginFailed):
                sign_in.authenticate(
                    session,
                    email=user.email,
                    password="wrong password",
                    address="192.0.2.1",
                    policy=policy,
                )
        with pytest.raises(sign_in.SignInLocked):
            sign_in.authenticate(
                session,
                email=user.email,
                password="correct horse battery staple",
                address="192.0.2.1",
                policy=policy,
            )


def test_deactivated_user_is_signed_out_and_cannot_sign_in(app, client, make_user):
    user = make_user()
    assert client.login(user.email).status_code == 302
    with db.session_scope(app) as session:
        stored = users.get_user(session, user.id)
        users.set_active(session, actor=None, user=stored, active=False)
    assert client.get("/").status_code == 302  # the old session no longer works
    assert client.login(user.email).status_code == 401


def test_password_change_requires_current_password(client, login_as):
    login_as(Role.SUBMITTER)
    wrong = client.submit(
        "/account/password", {"current_password": "nope", "new_password": "another long passphrase"}
    )
    assert wrong.status_code == 422
    assert "This is not your password." in wrong.text
    weak = client.submit(
        "/account/password",
        {"current_password": "correct horse battery staple", "new_password": "short"},
    )
    assert "Use at least 12 characters." in weak.text
    ok = client.submit(
        "/account/password",
        {
            "current_password": "correct horse battery staple",
            "new_password": "another long passphrase",
        },
    )
    assert ok.status_code == 302
    assert client.get("/").status_code == 200  # still signed in in this browser


def test_passwords_are_stored_as_argon2_hashes(app, make_user):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash
