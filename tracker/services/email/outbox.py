"""The states of a queued email row, shared by notifications and digest deliveries.

A sending run commits SENDING (one more attempt) before the SMTP conversation and SENT after it.
A crash between the two leaves the row SENDING: the server may or may not have accepted the
email, so the next run marks it UNCONFIRMED and never sends it again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from tracker.models import DeliveryStatus, DigestDelivery, Notification


def recover_interrupted(
    session: Session, table: type[DigestDelivery] | type[Notification], **also: Any
) -> int:
    """Mark every SENDING row of `table` UNCONFIRMED, setting the columns in `also` too; returns
    how many there were. The caller commits."""
    result = session.execute(
        update(table)
        .where(col(table.status) == DeliveryStatus.SENDING.value)
        .values(status=DeliveryStatus.UNCONFIRMED.value, **also)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
