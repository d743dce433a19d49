"""Personal API tokens: shown once, stored as a SHA-256 digest, revocable, acting as their owner."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlmodel import Session, col, select

from tracker.errors import NotFound, ValidationFailed
from tracker.models import ApiToken, User, utcnow
from tracker.permissions import Permission, require

TOKEN_PREFIX = "trk_"  # noqa: S105 (a marker, not a secret)
# Recording every use would turn each API read into a write.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(plaintext: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough (no password-style stretching).
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_token(session: Session, *, owner: User, name: str) -> tuple[ApiToken, str]:
    """A new token and its plaintext, which is never stored and cannot be shown again."""
    name = name.strip()
    if not name or len(name) > 80:
        raise ValidationFailed(
            "Name the token.", fields={"name": "Give the token a name of 1 to 80 characters."}
        )
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    assert owner.id is not None
    token = ApiToken(
        user_id=owner.id, name=name, prefix=plaintext[:12], token_hash=_digest(plaintext)
    )
    session.add(token)
    session.flush()
    return token, plaintext


def list_tokens(session: Session, *, owner: User) -> Sequence[ApiToken]:
    return session.exec(
        select(ApiToken)
        .where(ApiToken.user_id == owner.id)
        .order_by(col(ApiToken.created_at).desc())
    ).all()


def revoke_token(session: Session, *, actor: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("That token does not exist.")
    if token.user_id != actor.id:
        require(actor, Permission.MANAGE_USERS, "You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        session.flush()
    return token


def user_for_token(session: Session, plaintext: str) -> User | None:
    """The active owner of a valid, unrevoked token, or None."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == _digest(plaintext))).first()
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        token.last_used_at = now
        session.add(token)
        session.flush()
    return user
