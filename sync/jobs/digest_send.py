"""Emailing prepared digests: one run at a time (a database lease), over one SMTP connection (a
new one after a temporary error), each email committed SENDING before it goes and SENT after.

The rules (what is due, each email, the states and the retry backoff) are
tracker/services/digests/delivery.py; this module opens the sessions, commits and talks SMTP for
the scheduled job (sync/jobs/digests.py), `tracker digest send` and the PMs' "send now" button.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from tracker.config import Settings
from tracker.db import session_scope
from tracker.models import User, utcnow
from tracker.services import leases
from tracker.services.digests import delivery as digest_delivery
from tracker.services.digests import periods
from tracker.services.digests.delivery import DueDelivery
from tracker.services.email.mailer import Mailer, MailError
from tracker.services.ports import SendNowResult, SendReport

log = logging.getLogger(__name__)

SENDER_LEASE = "digest_delivery"


def _settings(app: Flask) -> Settings:
    settings: Settings = app.config["SETTINGS"]
    return settings


def prepare_period(app: Flask, *, period_end: datetime, created_by: User | None = None) -> int:
    """Prepare and commit the digests due for `period_end`; returns how many were new."""
    with app.app_context(), session_scope(app) as session:
        prepared = periods.prepare(
            session, settings=_settings(app), period_end=period_end, created_by=created_by
        )
        return len(prepared)


def send_now(app: Flask, *, actor: User, now: datetime | None = None) -> SendNowResult:
    """Prepare every audience's digest for the period ending now and send them; the next
    scheduled digest starts from here. Raises PermissionDenied for anyone but PMs, Conflict when
    no mail server is configured (tracker.services.digests.periods.authorise_send_now)."""
    periods.authorise_send_now(actor=actor, settings=_settings(app))
    now = now or utcnow()
    prepared = prepare_period(app, period_end=now, created_by=actor)
    return SendNowResult(prepared, send_pending(app, now=now))


def send_pending(app: Flask, *, now: datetime | None = None) -> SendReport:
    """Email every pending delivery and every failed one whose retry is due. Returns at once
    (`busy`) when another run holds the sender lease."""
    settings = _settings(app)
    now = now or utcnow()
    report = SendReport()
    if not settings.smtp.host:
        log.warning("no mail server configured (smtp.host): digests are not emailed")
        return report
    owner = f"digests-{uuid.uuid4().hex[:12]}"
    lease = timedelta(seconds=settings.scheduler.lease_seconds)
    with session_scope(app) as session:
        if not leases.acquire(session, name=SENDER_LEASE, owner=owner, lease=lease, now=now):
            report.busy = True
            return report
    try:
        with app.app_context(), _Run(app, settings, now, report) as run:
            run.recover_interrupted()
            run.send_due(owner, lease)
    finally:
        with session_scope(app) as session:
            leases.release(session, name=SENDER_LEASE, owner=owner)
    return report


class _Run:
    """One sending run: its clock, its SMTP connection and the digests' contents it has read."""

    def __init__(self, app: Flask, settings: Settings, now: datetime, report: SendReport) -> None:
        self.app, self.settings, self.now, self.report = app, settings, now, report
        self.mailer: Mailer | None = None
        self.contents: dict[int, dict[str, Any]] = {}
        self._started = utcnow()

    def clock(self) -> datetime:
        """The run's `now` plus the time the run has taken so far."""
        return self.now + (utcnow() - self._started)

    def __enter__(self) -> _Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self._disconnect()

    def _disconnect(self) -> None:
        mailer, self.mailer = self.mailer, None
        if mailer is not None:
            mailer.__exit__(None, None, None)

    def recover_interrupted(self) -> None:
        with session_scope(self.app) as session:
            self.report.unconfirmed = digest_delivery.recover_interrupted(session)
        if self.report.unconfirmed:
            log.warning(
                "%s digest deliveries were interrupted: unconfirmed", self.report.unconfirmed
            )

    def send_due(self, owner: str, lease: timedelta) -> None:
        while True:
            with session_scope(self.app) as session:
                batch = digest_delivery.load_due(session, settings=self.settings, now=self.now)
                missing = {d.digest_id for d in batch.deliveries} - self.contents.keys()
                if missing:
                    self.contents |= digest_delivery.contents(session, digest_ids=missing)
            self.report.skipped += batch.skipped
            if batch.empty:
                return
            for delivery in batch.deliveries:
                if not self._deliver(delivery):
                    return  # the mail server cannot be reached; the next run tries again
                with session_scope(self.app) as session:
                    leases.renew(session, name=SENDER_LEASE, owner=owner, lease=lease)

    def _deliver(self, delivery: DueDelivery) -> bool:
        """Send one delivery; False when the mail server cannot be reached at all."""
        try:
            email = digest_delivery.compose(
                self.settings, delivery=delivery, content=self.contents[delivery.digest_id]
            )
        except Exception as exc:  # a rendering bug must not leave the row SENDING
            log.exception("digest delivery %s could not be rendered", delivery.id)
            claimed = self._claim(delivery)
            if claimed is not None:
                self._fail(claimed, f"The digest could not be rendered: {exc}.")
            return True
        claimed = self._claim(delivery)
        if claimed is None:
            return True  # another run took it
        try:
            if self.mailer is None:
                self.mailer = Mailer(self.settings.smtp).__enter__()
        except MailError as exc:  # never the recipient's fault: always worth another try
            self._fail(claimed, exc.message)
            return False
        try:
            sent_id = self.mailer.send(email)
        except MailError as exc:
            self._fail(claimed, exc.message, permanent=exc.permanent)
            if not exc.permanent:  # the connection may be unusable now
                self._disconnect()
            return True
        with session_scope(self.app) as session:
            digest_delivery.mark_sent(
                session, delivery_id=claimed.id, message_id=sent_id, sent_at=self.clock()
            )
        self.report.sent += 1
        return True

    def _claim(self, delivery: DueDelivery) -> DueDelivery | None:
        with session_scope(self.app) as session:
            return digest_delivery.mark_sending(session, delivery=delivery)

    def _fail(self, delivery: DueDelivery, error: str, *, permanent: bool = False) -> None:
        with session_scope(self.app) as session:
            digest_delivery.mark_failed(
                session,
                settings=self.settings,
                delivery=delivery,
                error=error,
                permanent=permanent,
                at=self.clock(),
            )
        self.report.failed += 1
        self.report.errors.append(f"{delivery.email}: {error}")
        log.warning(
            "digest delivery %s to user %s failed: %s", delivery.id, delivery.user_id, error
        )
