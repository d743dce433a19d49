"""When measurements are redone: what the scheduler's pass picks, and what a KPI load or a
delivery refreshes at once.

A row is due when its idea was delivered and has no row yet (the Jira sync delivers without
asking us), when it is stale (KPI data of its queue or its area changed), or once a day while
it waits for its window to complete. Rows of ideas no longer delivered are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.models import Benefit, BenefitState, Queue, Status, Suggestion
from tracker.services.benefits import measure


def due(session: Session, *, settings: Settings, now: datetime) -> list[int]:
    """Ideas whose measurement the scheduler should redo now."""
    today = measure.local_day(now, settings.timezone)
    start_of_day = datetime.combine(today, datetime.min.time(), tzinfo=now.tzinfo)
    missing = session.exec(
        select(Suggestion.id)
        .outerjoin(Benefit, col(Benefit.suggestion_id) == col(Suggestion.id))
        .where(
            col(Suggestion.status) == Status.DELIVERED,
            col(Suggestion.delivered_at).is_not(None),
            col(Benefit.suggestion_id).is_(None),
        )
    ).all()
    redo = session.exec(
        select(Benefit.suggestion_id).where(
            or_(
                col(Benefit.stale),
                (col(Benefit.state) == BenefitState.WAITING.value)
                & (col(Benefit.computed_at) < start_of_day),
            )
        )
    ).all()
    gone = session.exec(
        select(Benefit.suggestion_id)
        .join(Suggestion, col(Suggestion.id) == col(Benefit.suggestion_id))
        .where(col(Suggestion.status) != Status.DELIVERED)
    ).all()
    return sorted({*(i for i in missing if i is not None), *redo, *gone})


def run_due(session: Session, *, settings: Settings, now: datetime) -> int:
    """The scheduler's pass: refresh what is due. Returns the rows written."""
    if not settings.benefits.enabled:
        return 0
    wanted = due(session, settings=settings, now=now)
    return measure.refresh(session, settings=settings, now=now, suggestion_ids=wanted)


def _touched(session: Session, queue_ids: Iterable[int]) -> list[int]:
    """Delivered ideas whose measurement new data on these queues may change: the ideas on
    them and on every queue of their areas (whose controls they may be)."""
    wanted = sorted(set(queue_ids))
    if not wanted:
        return []
    areas = select(Queue.area).where(col(Queue.id).in_(wanted), col(Queue.area) != "")
    neighbours = select(Queue.id).where(col(Queue.area).in_(areas))
    found = session.exec(
        select(Suggestion.id).where(
            col(Suggestion.status) == Status.DELIVERED,
            or_(col(Suggestion.queue_id).in_(wanted), col(Suggestion.queue_id).in_(neighbours)),
        )
    ).all()
    return sorted(i for i in found if i is not None)


def after_load(
    session: Session, *, queue_ids: Iterable[int], settings: Settings, now: datetime
) -> int:
    """New KPI data arrived for these queues: refresh the ideas it touches at once when they
    are few (`refresh_now_max`), else mark them stale for the scheduler. Returns how many were
    refreshed at once."""
    if not settings.benefits.enabled:
        return 0
    touched = _touched(session, queue_ids)
    if not touched:
        return 0
    if len(touched) <= settings.benefits.refresh_now_max:
        return measure.refresh(session, settings=settings, now=now, suggestion_ids=touched)
    for start in range(0, len(touched), 1000):
        session.execute(
            update(Benefit)
            .where(col(Benefit.suggestion_id).in_(touched[start : start + 1000]))
            .values(stale=True)
            .execution_options(synchronize_session=False)
        )
    return 0
