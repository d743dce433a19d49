"""Sign-in with a password, locked per email *and* client address.

Failures are counted for every email typed, whether an account has it or not, and the password
is always checked against a hash (a dummy one for unknown emails): the answers and their timing
say nothing about which accounts exist. A lock refuses one email from one address only, so a
stranger who fails on purpose cannot lock the owner out of their own address.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.models import SignInFailure, User, utcnow
from tracker.services.accounts import passwords
from tracker.services.accounts.users import normalise_email

# Rows not touched for this long are deleted, so guessed emails do not pile up.
_FORGET_AFTER = timedelta(days=1)


class LoginFailed(Exception):
    """Sign-in refused; the message is safe to show and never says whether the email exists."""


class SignInLocked(LoginFailed):
    """Too many failures for this email from this address; `retry_after` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"Too many failed sign-ins. Try again in {minutes} minute(s) or ask an administrator."
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    address: str,
    policy: LockoutPolicy,
    now: datetime | None = None,
) -> User:
    """The active user whose password matches. Raises SignInLocked while this email is locked
    from this address, else LoginFailed, counting the failure towards that lock."""
    now = now or utcnow()
    email = normalise_email(email)[:254]
    address = address[:64]
    user = session.exec(select(User).where(User.email == email)).first()
    # Always hash, locked or not, known or not: the time taken gives nothing away.
    valid = passwords.verify_password(user.password_hash if user else None, password)
    failure = session.exec(
        select(SignInFailure).where(SignInFailure.email == email, SignInFailure.address == address)
    ).first()
    if failure is not None and failure.locked_until is not None and failure.locked_until > now:
        raise SignInLocked(math.ceil((failure.locked_until - now).total_seconds()))
    if user is None or not valid or not user.is_active:
        _count_failure(session, failure, email=email, address=address, policy=policy, now=now)
        raise LoginFailed("Email or password is wrong.")
    if failure is not None:
        session.delete(failure)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = now
    session.add(user)
    session.flush()
    return user


def _count_failure(
    session: Session,
    failure: SignInFailure | None,
    *,
    email: str,
    address: str,
    policy: LockoutPolicy,
    now: datetime,
) -> None:
    if failure is None:
        failure = SignInFailure(email=email, address=address, updated_at=now)
        try:
            with session.begin_nested():  # two first failures at once: one insert wins
                session.add(failure)
        except IntegrityError:
            failure = session.exec(
                select(SignInFailure).where(
                    SignInFailure.email == email, SignInFailure.address == address
                )
            ).one()
    elif now - failure.updated_at > policy.lockout:
        failure.failures = 0  # an old streak of failures is forgiven
    failure.failures += 1
    failure.updated_at = now
    if failure.failures >= policy.max_failures:
        failure.locked_until = now + policy.lockout
        failure.failures = 0
    session.add(failure)
    session.flush()
    session.execute(
        delete(SignInFailure).where(
            col(SignInFailure.updated_at) < now - _FORGET_AFTER, col(SignInFailure.id) != failure.id
        )
    )
