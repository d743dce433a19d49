"""One notification email per person per `notifications.batch_minutes`: who is due, the batch
as plain data for the email, and its delivery state.

The job (sync/jobs/notifications.py) commits SENDING before the SMTP conversation and SENT after
it; rows found SENDING at the start of a run are marked UNCONFIRMED and never resent
(tracker.services.email.outbox), so a crash between the two never sends the same batch twice.
A failed send leaves the batch pending for the next run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.models import DeliveryStatus, Notification, Suggestion, User
from tracker.services.email import outbox, preferences
from tracker.services.stories.drafts import suggestion_url
from tracker.services.suggestions.visibility import can_view

SKIPPED = DeliveryStatus.SKIPPED.value


@dataclass(frozen=True)
class NotificationItem:
    kind: str
    suggestion_id: int
    title: str
    url: str
    detail: str
    submitted: bool  # the recipient submitted the idea (else they voted on it)
    merged_into_title: str | None
    merged_into_url: str | None
    at: datetime


@dataclass(frozen=True)
class NotificationBatch:
    user_id: int
    email: str
    display_name: str
    notification_ids: list[int]
    items: list[NotificationItem]


def recover_interrupted(session: Session) -> int:
    """Batches left SENDING by a crash may have gone out: UNCONFIRMED, never resent."""
    return outbox.recover_interrupted(session, Notification)


def due_users(session: Session, *, settings: Settings, now: datetime) -> list[int]:
    """People with pending notifications whose last notification email is at least
    `notifications.batch_minutes` old (or who never had one)."""
    last_sent = (
        select(Notification.user_id, func.max(Notification.sent_at).label("last"))
        .where(Notification.status == DeliveryStatus.SENT.value)
        .group_by(col(Notification.user_id))
        .subquery()
    )
    window = now - timedelta(minutes=settings.notifications.batch_minutes)
    rows = session.exec(
        select(Notification.user_id)
        .outerjoin(last_sent, last_sent.c.user_id == col(Notification.user_id))
        .where(
            Notification.status == DeliveryStatus.PENDING.value,
            (last_sent.c.last.is_(None)) | (last_sent.c.last <= window),
        )
        .distinct()
        .order_by(col(Notification.user_id))
    ).all()
    return list(rows)


def _pending_for(session: Session, user_id: int) -> Sequence[Notification]:
    return session.exec(
        select(Notification)
        .where(Notification.user_id == user_id, Notification.status == DeliveryStatus.PENDING.value)
        .order_by(col(Notification.created_at), col(Notification.id))
    ).all()


def _skip(notifications: Iterable[Notification], now: datetime, why: str) -> None:
    for notification in notifications:
        notification.status = SKIPPED
        notification.sent_at = now
        notification.last_error = why


def load_batch(
    session: Session, *, settings: Settings, user_id: int, now: datetime
) -> NotificationBatch | None:
    """The person's pending notifications as plain data for one email, or None when nothing is
    to be sent. Notifications the person should not get (opted out, account deactivated, idea
    no longer visible to them) are marked skipped here; the caller commits."""
    pending = _pending_for(session, user_id)
    user = session.get(User, user_id)
    if not pending or user is None:
        return None
    if not user.is_active or not preferences.wants(session, user_id, "notifications"):
        _skip(pending, now, "opted out" if user.is_active else "account deactivated")
        session.flush()
        return None
    ids = {n.suggestion_id for n in pending}
    suggestions = {
        s.id: s for s in session.exec(select(Suggestion).where(col(Suggestion.id).in_(ids))).all()
    }
    target_ids = {s.duplicate_of_id for s in suggestions.values() if s.duplicate_of_id}
    targets = {
        s.id: s
        for s in session.exec(select(Suggestion).where(col(Suggestion.id).in_(target_ids))).all()
    }
    items: list[NotificationItem] = []
    kept: list[int] = []
    for notification in pending:
        suggestion = suggestions.get(notification.suggestion_id)
        if suggestion is None or not can_view(user, suggestion):
            _skip([notification], now, "no longer visible")
            continue
        target = targets.get(suggestion.duplicate_of_id or 0)
        show_target = (
            notification.kind == "merged" and target is not None and can_view(user, target)
        )
        items.append(
            NotificationItem(
                kind=notification.kind,
                suggestion_id=suggestion.id or 0,
                title=suggestion.title,
                url=suggestion_url(settings.base_url, suggestion.id or 0),
                detail=notification.detail,
                submitted=suggestion.submitter_id == user_id,
                merged_into_title=target.title if show_target and target else None,
                merged_into_url=(
                    suggestion_url(settings.base_url, target.id or 0)
                    if show_target and target
                    else None
                ),
                at=notification.created_at,
            )
        )
        kept.append(notification.id or 0)
    session.flush()
    if not items:
        return None
    return NotificationBatch(user_id, user.email, user.display_name, kept, items)


def _rows(session: Session, ids: Sequence[int]) -> Sequence[Notification]:
    return session.exec(select(Notification).where(col(Notification.id).in_(ids))).all()


def mark_sending(session: Session, *, notification_ids: Sequence[int]) -> None:
    for notification in _rows(session, notification_ids):
        notification.status = DeliveryStatus.SENDING.value
        notification.attempts += 1
        session.add(notification)
    session.flush()


def mark_sent(session: Session, *, notification_ids: Sequence[int], now: datetime) -> None:
    for notification in _rows(session, notification_ids):
        notification.status = DeliveryStatus.SENT.value
        notification.sent_at = now
        notification.last_error = ""
        session.add(notification)
    session.flush()


def mark_failed(
    session: Session, *, settings: Settings, notification_ids: Sequence[int], error: str
) -> None:
    """The email did not go out: pending again for the next run, or FAILED after
    `notifications.max_attempts`."""
    for notification in _rows(session, notification_ids):
        notification.last_error = error
        notification.status = (
            DeliveryStatus.FAILED.value
            if notification.attempts >= settings.notifications.max_attempts
            else DeliveryStatus.PENDING.value
        )
        session.add(notification)
    session.flush()


def record_unreachable(
    session: Session, *, settings: Settings, user_ids: Sequence[int], error: str
) -> None:
    """The mail server could not be reached at all: count an attempt on everything due."""
    for notification in session.exec(
        select(Notification).where(
            col(Notification.user_id).in_(user_ids),
            Notification.status == DeliveryStatus.PENDING.value,
        )
    ):
        notification.attempts += 1
        notification.last_error = error
        if notification.attempts >= settings.notifications.max_attempts:
            notification.status = DeliveryStatus.FAILED.value
        session.add(notification)
    session.flush()
