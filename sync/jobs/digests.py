"""The scheduler's `digests` job: prepare the latest due period's digests, then email whatever is
pending or due for a retry.

Preparing is idempotent (a subject whose digest already reaches the period end is skipped), so
running this job hourly is correct: the hour after the scheduled instant prepares and sends that
week's digests, and every other hour retries failed deliveries whose backoff has passed. A
scheduler that was down at the scheduled instant catches up at its next run.
"""

from __future__ import annotations

import logging

from flask import Flask

from sync.jobs import digest_send
from tracker.config import Settings
from tracker.models import utcnow
from tracker.services.digests import periods

log = logging.getLogger(__name__)


def scheduled_digests(app: Flask) -> None:
    settings: Settings = app.config["SETTINGS"]
    now = utcnow()
    period_end = periods.period_end_for(settings, now)
    try:
        prepared = digest_send.prepare_period(app, period_end=period_end)
        if prepared:
            log.info("prepared %s digests for the period ending %s", prepared, period_end)
    except Exception:  # deliveries already prepared must still go out
        log.exception("preparing the digests for the period ending %s failed", period_end)
    report = digest_send.send_pending(app, now=now)
    if report.sent or report.failed or report.unconfirmed:
        log.info(
            "digest emails: %s sent, %s failed, %s unconfirmed",
            report.sent,
            report.failed,
            report.unconfirmed,
        )


def digests_enabled(app: Flask) -> bool:
    settings: Settings = app.config["SETTINGS"]
    return settings.digests.enabled and settings.scheduler.enabled
