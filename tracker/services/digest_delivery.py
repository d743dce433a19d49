"""Emailing prepared digests: one run at a time, each email recorded before and after it goes.

Sending commits SENDING (one more attempt) before the SMTP conversation and SENT after it, so a
crash in between leaves a SENDING row that the next run marks UNCONFIRMED rather than sending a
second time. A temporary refusal is retried after 5 min x 2^(attempts-1) until
`digests.max_attempts`; permanent refusals stop at once. Both stay FAILED for the admin page.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import ColumnElement, and_, or_, update
from sqlmodel import Session, col, select

from tracker import db, digest_render
from tracker.config import Settings
from tracker.mailer import Mailer, MailError, OutgoingEmail
from tracker.models import DeliveryStatus, Digest, DigestDelivery, User, utcnow
from tracker.services import email_prefs, leases

log = logging.getLogger(__name__)

RETRY_BASE = timedelta(minutes=5)
SENDER_LEASE = "digest_delivery"
BATCH = 100
INTERRUPTED = "The run sending it stopped before recording the result; not sent again."


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    unconfirmed: int = 0  # SENDING rows left by a crashed run; never resent
    skipped: int = 0  # the person was deactivated or turned digests off after preparing
    busy: bool = False  # another run holds the sender lease; this one sent nothing
    errors: list[str] = field(default_factory=list)


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


def message_id(settings: Settings, delivery: DigestDelivery) -> str:
    """Stable across retries, so a mail server can spot a duplicate."""
    host = urlsplit(settings.base_url).hostname or "localhost"
    return f"<digest-{delivery.digest_id}-{delivery.user_id}@{host}>"


def send_pending(app: Flask, *, now: datetime | None = None) -> SendReport:
    """Email every pending delivery and every failed one whose retry is due, over one SMTP
    connection (a new one after a temporary error). One run at a time (a database lease)."""
    settings: Settings = app.config["SETTINGS"]
    now = now or utcnow()
    owner = f"digests-{uuid.uuid4().hex[:12]}"
    lease = timedelta(seconds=settings.scheduler.lease_seconds)
    report = SendReport()
    if not settings.smtp.host:
        log.warning("no mail server configured (smtp.host): digests are not emailed")
        return report
    with db.session_scope(app) as session:
        if not leases.acquire(session, name=SENDER_LEASE, owner=owner, lease=lease, now=now):
            report.busy = True
            return report
    try:
        with app.app_context(), _Sender(app, settings, now, report) as sender:
            sender.mark_unconfirmed()
            sender.run(owner, lease)
    finally:
        with db.session_scope(app) as session:
            leases.release(session, name=SENDER_LEASE, owner=owner)
    return report


class _Sender:
    def __init__(self, app: Flask, settings: Settings, now: datetime, report: SendReport) -> None:
        self.app, self.settings, self.now, self.report = app, settings, now, report
        self.mailer: Mailer | None = None
        self.contents: dict[int, dict[str, Any]] = {}
        self._started = utcnow()

    def clock(self) -> datetime:
        """The run's `now` plus the time the run has taken so far."""
        return self.now + (utcnow() - self._started)

    def __enter__(self) -> _Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self._disconnect()

    def _disconnect(self) -> None:
        mailer, self.mailer = self.mailer, None
        if mailer is not None:
            mailer.__exit__(None, None, None)

    def mark_unconfirmed(self) -> None:
        with db.session_scope(self.app) as session:
            result = session.execute(
                update(DigestDelivery)
                .where(col(DigestDelivery.status) == DeliveryStatus.SENDING.value)
                .values(
                    status=DeliveryStatus.UNCONFIRMED.value,
                    next_attempt_at=None,
                    last_error=INTERRUPTED,
                )
                .execution_options(synchronize_session=False)
            )
            self.report.unconfirmed = int(result.rowcount)  # type: ignore[attr-defined]
        if self.report.unconfirmed:
            log.warning(
                "%s digest deliveries were interrupted: unconfirmed", self.report.unconfirmed
            )

    def run(self, owner: str, lease: timedelta) -> None:
        while True:
            with db.session_scope(self.app) as session:
                batch = list(
                    session.exec(
                        select(DigestDelivery)
                        .where(due_clause(self.now, self.settings.digests.max_attempts))
                        .order_by(col(DigestDelivery.id))
                        .limit(BATCH)
                    )
                )
                users = {
                    u.id: u
                    for u in session.exec(
                        select(User).where(col(User.id).in_([d.user_id for d in batch]))
                    )
                }
                off = email_prefs.opted_out(session, [d.user_id for d in batch], "digests")
                self._load_contents(session, {d.digest_id for d in batch})
            if not batch:
                return
            for delivery in batch:
                user = users[delivery.user_id]
                if not user.is_active or delivery.user_id in off:
                    reason = (
                        "the account is deactivated"
                        if not user.is_active
                        else "digests are turned off"
                    )
                    self._record(delivery, DeliveryStatus.SKIPPED, error=f"Not sent: {reason}.")
                    self.report.skipped += 1
                    continue
                if not self._deliver(delivery):
                    return  # the mail server cannot be reached; the next run tries again
                with db.session_scope(self.app) as session:
                    leases.renew(session, name=SENDER_LEASE, owner=owner, lease=lease)

    def _load_contents(self, session: Session, digest_ids: set[int]) -> None:
        missing = digest_ids - self.contents.keys()
        if missing:
            for digest in session.exec(select(Digest).where(col(Digest.id).in_(missing))):
                assert digest.id is not None
                self.contents[digest.id] = digest.content

    def _deliver(self, delivery: DigestDelivery) -> bool:
        """Send one delivery; False when the mail server cannot be reached at all."""
        try:
            email = self._compose(delivery)
        except Exception as exc:  # a rendering bug must not leave the row SENDING
            log.exception("digest delivery %s could not be rendered", delivery.id)
            if self._claim(delivery):
                self._fail(delivery, MailError(f"The digest could not be rendered: {exc}."))
            return True
        if not self._claim(delivery):
            return True  # another run took it
        try:
            if self.mailer is None:
                self.mailer = Mailer(self.settings.smtp).__enter__()
        except MailError as exc:  # never the recipient's fault: always worth another try
            self._fail(delivery, MailError(exc.message))
            return False
        try:
            sent_id = self.mailer.send(email)
        except MailError as exc:
            self._fail(delivery, exc)
            if not exc.permanent:  # the connection may be unusable now
                self._disconnect()
            return True
        record_sent(self.app, delivery_id=delivery.id, message_id=sent_id, sent_at=self.clock())
        self.report.sent += 1
        return True

    def _compose(self, delivery: DigestDelivery) -> OutgoingEmail:
        content = self.contents[delivery.digest_id]
        html, text, images = digest_render.render_email(
            content,
            unsubscribe_url=email_prefs.unsubscribe_url(self.settings, delivery.user_id, "digests"),
            web_url=digest_render.digest_url(self.settings.base_url, delivery.digest_id),
        )
        return OutgoingEmail(
            to=delivery.email,
            subject=digest_render.email_subject(content),
            text=text,
            html=html,
            headers=email_prefs.list_unsubscribe_headers(
                self.settings, delivery.user_id, "digests"
            ),
            message_id=message_id(self.settings, delivery),
            images=images,
        )

    def _claim(self, delivery: DigestDelivery) -> bool:
        """Commit SENDING (one more attempt) before talking to the server."""
        with db.session_scope(self.app) as session:
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
        delivery.attempts += 1
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def _fail(self, delivery: DigestDelivery, exc: MailError) -> None:
        retry = not exc.permanent and delivery.attempts < self.settings.digests.max_attempts
        next_at = self.clock() + RETRY_BASE * 2 ** (delivery.attempts - 1) if retry else None
        self._record(delivery, DeliveryStatus.FAILED, error=exc.message, next_attempt_at=next_at)
        self.report.failed += 1
        self.report.errors.append(f"{delivery.email}: {exc.message}")
        log.warning(
            "digest delivery %s to user %s failed: %s", delivery.id, delivery.user_id, exc.message
        )

    def _record(
        self,
        delivery: DigestDelivery,
        status: DeliveryStatus,
        *,
        error: str,
        next_attempt_at: datetime | None = None,
    ) -> None:
        with db.session_scope(self.app) as session:
            session.execute(
                update(DigestDelivery)
                .where(col(DigestDelivery.id) == delivery.id)
                .values(status=status.value, last_error=error, next_attempt_at=next_attempt_at)
                .execution_options(synchronize_session=False)
            )


def record_sent(app: Flask, *, delivery_id: int | None, message_id: str, sent_at: datetime) -> None:
    """Commit that the server accepted the email (the step a crash can separate from sending)."""
    with db.session_scope(app) as session:
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
