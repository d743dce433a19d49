"""Browser sessions kept on the server, so that ending one takes effect at once.

The signed cookie only carries a random token; the row (keyed by the token's SHA-256) is what
makes it valid. Signing out deletes the row, and a copy of the cookie opens nothing afterwards.
API tokens are apart (services/accounts/tokens.py).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from tracker.errors import NotFound
from tracker.models import BrowserSession, User, utcnow

# Writing last_seen_at on every page view would turn each read into a write.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def session_id(token: str) -> str:
    """The row id of the session whose cookie holds `token`."""
    # The token carries 256 random bits, so a fast hash is enough (as for API tokens).
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    session: Session,
    *,
    user: User,
    user_agent: str,
    address: str,
    lifetime: timedelta,
    now: datetime | None = None,
) -> str:
    """A new session for `user`; returns the token for the cookie (never stored as such).
    The user's sessions older than `lifetime` are deleted on the way."""
    now = now or utcnow()
    assert user.id is not None
    session.execute(
        delete(BrowserSession).where(
            col(BrowserSession.user_id) == user.id, col(BrowserSession.created_at) < now - lifetime
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        BrowserSession(
            id=session_id(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            user_agent=user_agent[:255],
            address=address[:64],
        )
    )
    session.flush()
    return token


def user_for_session(
    session: Session, *, token: str, lifetime: timedelta, now: datetime | None = None
) -> User | None:
    """The active owner of the live session behind `token`, or None. One indexed lookup; the
    last-seen time is written at most once per LAST_SEEN_RESOLUTION."""
    now = now or utcnow()
    found = session.exec(
        select(User, BrowserSession)
        .join(BrowserSession, col(BrowserSession.user_id) == col(User.id))
        .where(BrowserSession.id == session_id(token))
    ).first()
    if found is None:
        return None
    user, browser = found
    if not user.is_active or now - browser.created_at > lifetime:
        return None
    if now - browser.last_seen_at > LAST_SEEN_RESOLUTION:
        browser.last_seen_at = now
        session.add(browser)
        session.flush()
    return user


def end_session(session: Session, *, token: str) -> None:
    """Sign out the browser holding `token` (nothing happens if it is gone already)."""
    session.execute(delete(BrowserSession).where(col(BrowserSession.id) == session_id(token)))


def end_sessions(session: Session, *, user: User, keep_token: str | None = None) -> int:
    """Sign `user` out everywhere, except the browser holding `keep_token`; returns how many
    sessions ended."""
    statement = delete(BrowserSession).where(col(BrowserSession.user_id) == user.id)
    if keep_token is not None:
        statement = statement.where(col(BrowserSession.id) != session_id(keep_token))
    result = session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


def list_sessions(
    session: Session, *, user: User, lifetime: timedelta, now: datetime | None = None
) -> Sequence[BrowserSession]:
    """The user's live sessions, most recently seen first."""
    now = now or utcnow()
    return session.exec(
        select(BrowserSession)
        .where(BrowserSession.user_id == user.id, col(BrowserSession.created_at) >= now - lifetime)
        .order_by(col(BrowserSession.last_seen_at).desc())
    ).all()


def revoke_session(session: Session, *, user: User, revoked_id: str) -> None:
    """End one of the user's own sessions; NotFound for anyone else's or an unknown one."""
    browser = session.get(BrowserSession, revoked_id)
    if browser is None or browser.user_id != user.id:
        raise NotFound("That session does not exist or has ended.")
    session.delete(browser)
    session.flush()
