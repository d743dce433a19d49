"""Last week's digests for the demo: what the scheduler would have prepared at the latest
scheduled instant, for every audience, as web pages only (nothing is queued for email)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from tracker.config import Settings
from tracker.models import Digest
from tracker.services.digests import periods


def prepare_last_week(
    session: Session, *, settings: Settings, period_end: datetime, now: datetime
) -> list[Digest]:
    """The digests of the period ending at `period_end`, stamped as prepared just after it.
    Without smtp.host `prepare` adds no deliveries, so the demo never emails its example
    addresses even when a mail server is configured."""
    web_only = settings.model_copy(update={"smtp": settings.smtp.model_copy(update={"host": ""})})
    prepared = periods.prepare(session, settings=web_only, period_end=period_end)
    for digest in prepared:
        digest.created_at = min(now, period_end + timedelta(minutes=2))
        session.add(digest)
    session.flush()
    return prepared
