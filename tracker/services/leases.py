"""Database leases on scheduled jobs: one holder at a time, taken over once a lease expires.

Each step is one conditional UPDATE, so two processes (or two app servers on PostgreSQL) racing
for a job cannot both win, whatever the isolation level.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.models import JobLease, utcnow


def acquire(
    session: Session, *, name: str, owner: str, lease: timedelta, now: datetime | None = None
) -> bool:
    """Take the lease on `name` for `lease` if it is free, expired or already `owner`'s."""
    now = now or utcnow()
    _ensure(session, name)
    result = session.execute(
        update(JobLease)
        .where(
            col(JobLease.name) == name,
            or_(
                col(JobLease.lease_until).is_(None),
                col(JobLease.lease_until) < now,
                col(JobLease.owner) == owner,
            ),
        )
        .values(owner=owner, lease_until=now + lease, last_started_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def renew(
    session: Session, *, name: str, owner: str, lease: timedelta, now: datetime | None = None
) -> bool:
    """Extend `owner`'s lease; False if the lease is someone else's now."""
    now = now or utcnow()
    result = session.execute(
        update(JobLease)
        .where(col(JobLease.name) == name, col(JobLease.owner) == owner)
        .values(lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, *, name: str, owner: str, now: datetime | None = None) -> None:
    """Free the lease now (if still `owner`'s) and note when the job finished."""
    session.execute(
        update(JobLease)
        .where(col(JobLease.name) == name, col(JobLease.owner) == owner)
        .values(lease_until=None, last_finished_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()


def holders(session: Session) -> list[JobLease]:
    """Every job's lease row, for `tracker sync status` and the admin page."""
    return list(session.exec(select(JobLease).order_by(col(JobLease.name))))


def _ensure(session: Session, name: str) -> None:
    if session.get(JobLease, name) is not None:
        return
    try:
        with session.begin_nested():
            session.add(JobLease(name=name))
    except IntegrityError:
        pass  # another process inserted it first
