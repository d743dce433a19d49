"""The scheduled notification job: status changes -> notifications -> one email per person per
batch window, sent over SMTP after the commit that marks the batch SENDING."""

from __future__ import annotations

import logging
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, render_template

from tracker.config import Settings
from tracker.db import session_scope
from tracker.models import utcnow
from tracker.services.email import preferences
from tracker.services.email.mailer import Mailer, MailError, OutgoingEmail
from tracker.services.notifications import batches as notification_batches
from tracker.services.notifications import collection
from tracker.services.notifications.batches import NotificationBatch

log = logging.getLogger(__name__)


@dataclass
class NotificationReport:
    created: int = 0
    emails_sent: int = 0
    failed: int = 0  # batches whose email did not go out this run (retried next run)
    unconfirmed: int = 0  # notifications found SENDING after a crash; never resent


def _settings(app: Flask) -> Settings:
    settings: Settings = app.config["SETTINGS"]
    return settings


def notifications_enabled(app: Flask) -> bool:
    settings = _settings(app)
    return (
        settings.notifications.enabled and settings.scheduler.enabled and bool(settings.smtp.host)
    )


def scheduled_notifications(app: Flask) -> None:
    report = run(app)
    if report.created or report.emails_sent or report.failed or report.unconfirmed:
        log.info(
            "notifications: %d created, %d emails sent, %d failed, %d unconfirmed",
            report.created,
            report.emails_sent,
            report.failed,
            report.unconfirmed,
        )


def run(app: Flask, *, now: datetime | None = None) -> NotificationReport:
    """Collect new notifications, then email every person whose batch window has passed."""
    now = now or utcnow()
    settings = _settings(app)
    report = NotificationReport()
    with session_scope(app) as session:
        report.unconfirmed = notification_batches.recover_interrupted(session)
    with session_scope(app) as session:
        report.created = collection.collect(session, now=now)
    with session_scope(app) as session:
        due = notification_batches.due_users(session, settings=settings, now=now)
    if not due:
        return report
    with ExitStack() as stack:
        mailer: Mailer | None = None
        for index, user_id in enumerate(due):
            with session_scope(app) as session:
                batch = notification_batches.load_batch(
                    session, settings=settings, user_id=user_id, now=now
                )
            if batch is None:  # nothing left to send, or dropped by the person's preferences
                continue
            if mailer is None:  # connect only once there is something to send
                try:
                    mailer = stack.enter_context(Mailer(settings.smtp))
                except MailError as exc:
                    log.warning("notifications not sent: %s", exc.message)
                    with session_scope(app) as session:
                        notification_batches.record_unreachable(
                            session, settings=settings, user_ids=due[index:], error=exc.message
                        )
                    report.failed += len(due) - index
                    break
            if _send(app, mailer, batch, now):
                report.emails_sent += 1
            else:
                report.failed += 1
    return report


def _send(app: Flask, mailer: Mailer, batch: NotificationBatch, now: datetime) -> bool:
    try:
        email = compose(app, batch)
    except Exception as exc:  # a rendering bug must not stop everyone after this person
        log.exception("notifications to user %s could not be rendered", batch.user_id)
        _attempt_failed(app, batch, f"The email could not be rendered: {exc}.")
        return False
    with session_scope(app) as session:
        notification_batches.mark_sending(session, notification_ids=batch.notification_ids)
    try:
        mailer.send(email)
    except MailError as exc:
        log.warning("notifications to user %s not sent: %s", batch.user_id, exc.message)
        with session_scope(app) as session:
            notification_batches.mark_failed(
                session,
                settings=_settings(app),
                notification_ids=batch.notification_ids,
                error=exc.message,
            )
        return False
    with session_scope(app) as session:
        notification_batches.mark_sent(session, notification_ids=batch.notification_ids, now=now)
    return True


def _attempt_failed(app: Flask, batch: NotificationBatch, error: str) -> None:
    """Count an attempt that never reached the server; given up after `max_attempts`."""
    with session_scope(app) as session:
        notification_batches.mark_sending(session, notification_ids=batch.notification_ids)
        notification_batches.mark_failed(
            session,
            settings=_settings(app),
            notification_ids=batch.notification_ids,
            error=error,
        )


# What happened to an idea, per notification kind: the subject line and both email parts.
VERBS: dict[str, str] = {
    "accepted": "was accepted",
    "declined": "was declined",
    "merged": "was merged",
    "pushed": "is in delivery",
    "delivered": "was delivered",
}


def subject_for(batch: NotificationBatch) -> str:
    if len(batch.items) == 1:
        item = batch.items[0]
        return f"Your idea “{_shorten(item.title)}” {VERBS[item.kind]}"
    return f"{len(batch.items)} updates on ideas you follow"


def _shorten(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def compose(app: Flask, batch: NotificationBatch) -> OutgoingEmail:
    """The email for one batch: HTML and plain text from templates/email/notification.*."""
    settings = _settings(app)
    unsubscribe = preferences.unsubscribe_url(settings, batch.user_id, "notifications")
    context = {
        "batch": batch,
        "items": batch.items,
        "verbs": VERBS,
        "unsubscribe_url": unsubscribe,
        "preferences_url": f"{settings.base_url}/account/email",
    }
    with app.app_context():
        text = render_template("email/notification.txt", **context)
        html = render_template("email/notification.html", **context)
    return OutgoingEmail(
        to=batch.email,
        subject=subject_for(batch),
        text=text,
        html=html,
        headers=preferences.list_unsubscribe_headers(settings, batch.user_id, "notifications"),
    )
