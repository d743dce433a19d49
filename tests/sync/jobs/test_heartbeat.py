"""Every scheduler beats: at once when it starts, then every 30 s, without a lease, so pages and
the CLI promise that a paused push resumes only when a scheduler is really there."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlmodel import select

from sync.jobs.heartbeat import HEARTBEAT_JOB, beat
from sync.jobs.owners import scheduler_owner
from sync.jobs.scheduler import build_scheduler
from tracker import db
from tracker.models import JobLease, SchedulerHeartbeat
from tracker.services import heartbeats


@pytest.fixture
def sched_app(make_app: Callable[..., Flask], sqlite_url: str) -> Flask:
    return make_app(sqlite_url)


def beats(app: Flask) -> list[SchedulerHeartbeat]:
    with db.session_scope(app) as session:
        return list(session.exec(select(SchedulerHeartbeat)))


def test_every_scheduler_beats_every_30_seconds_and_first_as_it_starts(sched_app):
    before = datetime.now(UTC)
    scheduler = build_scheduler(sched_app, blocking=False)
    job = scheduler.get_job(HEARTBEAT_JOB)

    assert job is not None
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval == timedelta(seconds=30)
    assert (job.max_instances, job.coalesce) == (1, True)
    # The first beat is due at once: as the scheduler starts, not 30 s later.
    assert job.next_run_time is not None
    assert before - timedelta(seconds=1) <= job.next_run_time <= datetime.now(UTC)
    assert job.kwargs == {"owner": scheduler_owner()}


def test_a_started_scheduler_records_its_beat_without_a_lease(sched_app):
    scheduler = build_scheduler(sched_app, blocking=False)
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        while not beats(sched_app) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)

    [found] = beats(sched_app)
    assert found.owner == scheduler_owner()
    with db.session_scope(sched_app) as session:
        assert heartbeats.scheduler_seen(session)
        assert session.get(JobLease, HEARTBEAT_JOB) is None, "each scheduler beats for itself"


def test_a_scheduler_switched_off_does_not_beat(make_app, sqlite_url):
    app = make_app(sqlite_url, scheduler={"enabled": False})
    assert build_scheduler(app, blocking=False).get_job(HEARTBEAT_JOB) is None


def test_beats_update_one_row_per_scheduler(sched_app):
    beat(sched_app, owner="sched-web1-1")
    first = beats(sched_app)[0]
    beat(sched_app, owner="sched-web1-1")
    beat(sched_app, owner="sched-web2-2")

    found = {row.owner: row for row in beats(sched_app)}
    assert set(found) == {"sched-web1-1", "sched-web2-2"}
    assert found["sched-web1-1"].started_at == first.started_at
    assert found["sched-web1-1"].seen_at >= first.seen_at


def test_a_beat_that_cannot_be_written_is_logged_not_raised(sched_app, caplog, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(heartbeats, "record_beat", broken)
    beat(sched_app, owner="sched-web1-1")
    assert "could not record the scheduler's heartbeat" in caplog.text
