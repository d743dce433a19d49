"""Emailing prepared digests, the rules: which deliveries are due, each one's email, and its
states. The run that takes the lease and talks SMTP is sync/jobs/digest_send.py.

Each email is recorded SENDING before it goes and SENT after it (tracker.services.email.outbox),
so a crash in between leaves a row the next run marks UNCONFIRMED rather than sending it twice.
A temporary refusal is retried after 5 min x 2^(attempts-1) until `digests.max_attempts`;
permanent refusals stop at once. Both stay FAILED for the admin page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, and_, func, or_, update
from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.models import DeliveryStatus, Digest, DigestDelivery, User
from tracker.services.digests import render
from tracker.services.email import outbox, preferences
from tracker.services.email.mailer import OutgoingEmail

RETRY_BASE = timedelta(minutes=5)
BATCH = 100
INTERRUPTED = "The run sending it stopped before recording the result; not sent again."


@dataclass(frozen=True)
class DueDelivery:
    """One delivery to email, as plain data for the sending run."""

    id: int
    digest_id: int
    user_id: int
    email: str
    status: str
    attempts: int


@dataclass(frozen=True)
class DueBatch:
    deliveries: list[DueDelivery]
    skipped: int  # marked SKIPPED: deactivated or digests turned off since preparing

    @property
    def empty(self) -> bool:
        return not self.deliveries and not self.skipped


def due_clause(now: datetime, max_attempts: int) -> ColumnElement[bool]:
    return or_(
        col(DigestDelivery.status) == DeliveryStatus.PENDING.value,
        and_(
            col(DigestDelivery.status) == DeliveryStatus.FAILED.value,
            col(DigestDelivery.next_attempt_at).is_not(None),
            col(DigestDelivery.next_attempt_at) <= now,
            col(DigestDelivery.attempts) < max_attempts,
        ),
    )


def count_due(session: Session, *, settings: Settings, now: datetime) -> int:
    """How many deliveries a run at `now` would email (pending ones and due retries)."""
    return session.exec(
        select(func.count())
        .select_from(DigestDelivery)
        .where(due_clause(now, settings.digests.max_attempts))
    ).one()


def recover_interrupted(session: Session) -> int:
    """Deliveries left SENDING by a crash may have gone out: UNCONFIRMED, never resent."""
    return outbox.recover_interrupted(
        session, DigestDelivery, next_attempt_at=None, last_error=INTERRUPTED
    )


def load_due(
    session: Session, *, settings: Settings, now: datetime, limit: int = BATCH
) -> DueBatch:
    """The next `limit` due deliveries in id order. Those whose person was deactivated or turned
    digests off since preparing are marked SKIPPED here (and counted); the caller commits."""
    rows = list(
        session.exec(
            select(DigestDelivery)
            .where(due_clause(now, settings.digests.max_attempts))
            .order_by(col(DigestDelivery.id))
            .limit(limit)
        )
    )
    user_ids = [d.user_id for d in rows]
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(user_ids)))}
    off = preferences.opted_out(session, user_ids, "digests")
    due: list[DueDelivery] = []
    skipped = 0
    for row in rows:
        assert row.id is not None
        if not users[row.user_id].is_active:
            _set(session, row.id, DeliveryStatus.SKIPPED, "Not sent: the account is deactivated.")
            skipped += 1
        elif row.user_id in off:
            _set(session, row.id, DeliveryStatus.SKIPPED, "Not sent: digests are turned off.")
            skipped += 1
        else:
            due.append(
                DueDelivery(row.id, row.digest_id, row.user_id, row.email, row.status, row.attempts)
            )
    return DueBatch(due, skipped)


def contents(session: Session, *, digest_ids: set[int]) -> dict[int, dict[str, Any]]:
    """digest id -> the digest's saved content."""
    found: dict[int, dict[str, Any]] = {}
    for digest in session.exec(select(Digest).where(col(Digest.id).in_(digest_ids))):
        assert digest.id is not None
        found[digest.id] = digest.content
    return found


def message_id(settings: Settings, delivery: DueDelivery) -> str:
    """Stable across retries, so a mail server can spot a duplicate."""
    host = urlsplit(settings.base_url).hostname or "localhost"
    return f"<digest-{delivery.digest_id}-{delivery.user_id}@{host}>"


def compose(settings: Settings, *, delivery: DueDelivery, content: dict[str, Any]) -> OutgoingEmail:
    """The email of one delivery of the digest with `content`. Renders templates, so the caller
    provides an app context."""
    html, text, images = render.render_email(
        content,
        unsubscribe_url=preferences.unsubscribe_url(settings, delivery.user_id, "digests"),
        web_url=render.digest_url(settings.base_url, delivery.digest_id),
    )
    return OutgoingEmail(
        to=delivery.email,
        subject=render.email_subject(content),
        text=text,
        html=html,
        headers=preferences.list_unsubscribe_headers(settings, delivery.user_id, "digests"),
        message_id=message_id(settings, delivery),
        images=images,
    )


def mark_sending(session: Session, *, delivery: DueDelivery) -> DueDelivery | None:
    """Claim the delivery as SENDING with one more attempt, if it is still as loaded; returns it
    as claimed, or None when another run took it. The caller commits before talking SMTP."""
    result = session.execute(
        update(DigestDelivery)
        .where(
            col(DigestDelivery.id) == delivery.id,
            col(DigestDelivery.status) == delivery.status,
            col(DigestDelivery.attempts) == delivery.attempts,
        )
        .values(status=DeliveryStatus.SENDING.value, attempts=delivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    return replace(delivery, status=DeliveryStatus.SENDING.value, attempts=delivery.attempts + 1)


def mark_sent(session: Session, *, delivery_id: int, message_id: str, sent_at: datetime) -> None:
    """The server accepted the email (the step a crash can separate from sending)."""
    session.execute(
        update(DigestDelivery)
        .where(col(DigestDelivery.id) == delivery_id)
        .values(
            status=DeliveryStatus.SENT.value,
            sent_at=sent_at,
            message_id=message_id,
            last_error="",
            next_attempt_at=None,
        )
        .execution_options(synchronize_session=False)
    )


def mark_failed(
    session: Session,
    *,
    settings: Settings,
    delivery: DueDelivery,
    error: str,
    permanent: bool,
    at: datetime,
) -> datetime | None:
    """FAILED with `error`, after the claimed `delivery`'s attempt; returns when it is retried
    (backoff from `at`), or None when it is not: a permanent refusal or the last attempt."""
    retry = not permanent and delivery.attempts < settings.digests.max_attempts
    next_at = at + RETRY_BASE * 2 ** (delivery.attempts - 1) if retry else None
    _set(session, delivery.id, DeliveryStatus.FAILED, error, next_attempt_at=next_at)
    return next_at


def _set(
    session: Session,
    delivery_id: int,
    status: DeliveryStatus,
    error: str,
    *,
    next_attempt_at: datetime | None = None,
) -> None:
    session.execute(
        update(DigestDelivery)
        .where(col(DigestDelivery.id) == delivery_id)
        .values(status=status.value, last_error=error, next_attempt_at=next_attempt_at)
        .execution_options(synchronize_session=False)
    )
