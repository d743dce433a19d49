"""Scheduler heartbeats: every scheduler process records a beat when it starts and every
BEAT_INTERVAL after, so pages and the CLI can tell whether unfinished work (a paused push) will
be picked up by itself or needs someone to resume it.

A beat is one row per scheduler process (its lease owner name), updated in place.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from tracker.models import SchedulerHeartbeat, utcnow

# How often a scheduler beats, and how long without a beat before it counts as gone: a few
# missed beats (a slow database, a long pause of the process) do not make it disappear.
BEAT_INTERVAL = timedelta(seconds=30)
RECENT = timedelta(minutes=2)


def record_beat(session: Session, *, owner: str, now: datetime | None = None) -> SchedulerHeartbeat:
    """Note that the scheduler `owner` is alive at `now`; its first beat also sets started_at.
    Flushes, never commits."""
    moment = now or utcnow()
    beat = session.get(SchedulerHeartbeat, owner[:80])
    if beat is None:
        beat = SchedulerHeartbeat(owner=owner[:80], started_at=moment, seen_at=moment)
    else:
        beat.seen_at = moment
    session.add(beat)
    session.flush()
    return beat


def latest_beat(session: Session) -> SchedulerHeartbeat | None:
    """The most recent beat of any scheduler, or None if no scheduler ever ran."""
    return session.exec(
        select(SchedulerHeartbeat).order_by(col(SchedulerHeartbeat.seen_at).desc()).limit(1)
    ).first()


def scheduler_seen(
    session: Session, *, within: timedelta = RECENT, now: datetime | None = None
) -> bool:
    """Whether some scheduler beat within `within` before `now` (it runs the push queue and
    resumes paused pushes by itself)."""
    beat = latest_beat(session)
    return beat is not None and beat.seen_at >= (now or utcnow()) - within
