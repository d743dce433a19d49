"""Who is asking: browser sessions kept on the server (through Flask-Login), API calls through
bearer tokens only; and the per-address limits on sign-in attempts and token use."""

from __future__ import annotations

import math
import time
from datetime import timedelta

from flask import Flask, current_app, make_response, render_template, request, session
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import LoginManager, login_user, logout_user
from limits.errors import ConfigurationError
from werkzeug.wrappers import Response

from tracker.config import ConfigError, current_settings
from tracker.db import get_session
from tracker.errors import json_error, wants_json
from tracker.models import User
from tracker.services.accounts import sessions, tokens

# The signed cookie carries this random token; its row in `browsersession` makes it valid.
SESSION_TOKEN = "_session_token"  # noqa: S105 (the session key, not a secret)
THROTTLED = "Too many attempts from your network. Wait a while and try again."

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


def client_address() -> str:
    """The client's address: the connecting one, or X-Forwarded-For as seen by the outermost of
    `security.trusted_proxies` proxies (never further left, which the client could write)."""
    hops = current_settings().security.trusted_proxies
    if hops:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote_addr or "unknown"


# One per process, like login_manager; its storage comes from `security.rate_limit_storage_uri`.
limiter = Limiter(key_func=client_address, strategy="moving-window")


def _is_api_request() -> bool:
    return request.path.startswith("/api/")


def session_lifetime() -> timedelta:
    """How long a browser session lasts at most, on the server as in the cookie."""
    return timedelta(hours=current_settings().security.session_lifetime_hours)


def session_token() -> str | None:
    """The token of this browser's server-side session, if it has one."""
    token = session.get(SESSION_TOKEN)
    return token if isinstance(token, str) else None


def sign_in(user: User) -> None:
    """Start a server-side session for `user` and put its token in the signed cookie."""
    token = sessions.start_session(
        get_session(),
        user=user,
        user_agent=request.user_agent.string,
        address=client_address(),
        lifetime=session_lifetime(),
    )
    login_user(user)
    session[SESSION_TOKEN] = token


def sign_out() -> None:
    """End this browser's session on the server, so no copy of its cookie opens anything."""
    token = session_token()
    if token is not None:
        sessions.end_session(get_session(), token=token)
    logout_user()
    session.pop(SESSION_TOKEN, None)


@login_manager.user_loader
def _load_from_session(user_id: str) -> User | None:
    # The API never trusts the session cookie, so it needs no CSRF protection.
    token = session_token()
    if _is_api_request() or token is None:
        return None
    user = sessions.user_for_session(get_session(), token=token, lifetime=session_lifetime())
    if user is None or str(user.id) != user_id:
        return None
    return user


@login_manager.request_loader
def _load_from_token(req: object) -> User | None:
    if not _is_api_request():
        return None
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        return None
    # Counted before the lookup, right or wrong, so a throttled caller costs no query. Here,
    # before any view, Flask-Limiter's in-code form is the way in (its decorators wrap views);
    # entering the block counts the attempt or raises RateLimitExceeded.
    if current_settings().security.api_rate_limit:
        with limiter.limit(api_rate_limit, scope="api-token"):
            pass
    db_session = get_session()
    user = tokens.user_for_token(db_session, credentials.strip())
    # Commit only the token's last-used time; the request's own work commits separately.
    db_session.commit()
    return user


def login_rate_limit() -> str:
    """Sign-in attempts allowed per address (read per request: each app has its settings)."""
    return current_settings().security.login_rate_limit


def no_login_rate_limit() -> bool:
    return not current_settings().security.login_rate_limit


def api_rate_limit() -> str:
    return current_settings().security.api_rate_limit


def _throttled(exc: RateLimitExceeded) -> Response:
    """429 with Retry-After; the words are the same whoever and whatever was tried."""
    breached = limiter.current_limit
    retry_after = 60
    if breached is not None:
        retry_after = max(1, math.ceil(breached.reset_at - time.time()))
    current_app.logger.info(
        "throttled %s %s from %s (%s)", request.method, request.path, client_address(), exc.limit
    )
    if wants_json():
        response = json_error(429, THROTTLED)
    else:
        page = render_template(
            "errors/error.html", status=429, title="Slow down", message=THROTTLED
        )
        response = make_response(page, 429)
    response.headers["Retry-After"] = str(retry_after)
    return response


def reset_rate_limits() -> None:
    """Forget every count (tests: each starts with none against 127.0.0.1)."""
    if limiter.initialized:
        limiter.reset()


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    app.config["RATELIMIT_STORAGE_URI"] = (
        settings.security.rate_limit_storage_uri.get_secret_value()
    )
    login_manager.init_app(app)
    try:
        limiter.init_app(app)
    except ConfigurationError as exc:
        raise ConfigError(
            f"Config key 'security.rate_limit_storage_uri' cannot be used: {exc}."
        ) from None
    app.register_error_handler(RateLimitExceeded, _throttled)
