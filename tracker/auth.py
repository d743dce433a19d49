"""Who is asking: browser sessions through Flask-Login, API calls through bearer tokens only."""

from __future__ import annotations

from flask import Flask, request
from flask_login import LoginManager

from tracker.db import get_session
from tracker.models import User
from tracker.services.accounts import tokens

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


def _is_api_request() -> bool:
    return request.path.startswith("/api/")


@login_manager.user_loader
def _load_from_session(user_id: str) -> User | None:
    # The API never trusts the session cookie, so it needs no CSRF protection.
    if _is_api_request():
        return None
    raw_id, _, version = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = get_session().get(User, int(raw_id))
    if user is None or not user.is_active or str(user.session_version) != version:
        return None
    return user


@login_manager.request_loader
def _load_from_token(req: object) -> User | None:
    if not _is_api_request():
        return None
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        return None
    session = get_session()
    user = tokens.user_for_token(session, credentials.strip())
    # Commit only the token's last-used time; the request's own work commits separately.
    session.commit()
    return user


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
