"""Scheduler heartbeats: the latest beat, and whether a scheduler was seen recently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracker import db
from tracker.services import heartbeats

NOW = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


def test_no_scheduler_ever_beat(app):
    with db.session_scope(app) as session:
        assert heartbeats.latest_beat(session) is None
        assert not heartbeats.scheduler_seen(session, now=NOW)


def test_a_beat_within_the_window_counts_and_an_older_one_does_not(app):
    with db.session_scope(app) as session:
        heartbeats.record_beat(session, owner="sched-web1-1", now=NOW - timedelta(minutes=3))
        heartbeats.record_beat(session, owner="sched-web2-2", now=NOW - timedelta(seconds=90))
    with db.session_scope(app) as session:
        latest = heartbeats.latest_beat(session)
        assert latest is not None
        assert latest.owner == "sched-web2-2"
        assert heartbeats.scheduler_seen(session, now=NOW)
        assert not heartbeats.scheduler_seen(session, now=NOW + timedelta(minutes=1))
        assert heartbeats.scheduler_seen(
            session, now=NOW + timedelta(minutes=1), within=timedelta(minutes=5)
        )


def test_a_second_beat_keeps_the_start_and_moves_seen_at(app):
    with db.session_scope(app) as session:
        heartbeats.record_beat(session, owner="sched-web1-1", now=NOW)
    with db.session_scope(app) as session:
        beat = heartbeats.record_beat(
            session, owner="sched-web1-1", now=NOW + timedelta(seconds=30)
        )
        assert (beat.started_at, beat.seen_at) == (NOW, NOW + timedelta(seconds=30))
