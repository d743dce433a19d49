"""The schedule as data: which jobs run, when (in the configured zone, across DST changes), which
ones config switches off, and the lease every run is wrapped in."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from sync.jobs.scheduler import JOBS, JobDefinition, build_scheduler, run_leased
from tracker import db
from tracker.config import Settings
from tracker.models import JobLease
from tracker.services import leases

JIRA = {
    "base_url": "http://127.0.0.1:9",
    "project_key": "OPS",
    "email": "bot@example.com",
    "api_token": "token-for-the-schedule",
}


def job(job_id: str) -> JobDefinition:
    return next(definition for definition in JOBS if definition.id == job_id)


def settings(**overrides: Any) -> Settings:
    return Settings(env="testing", database_url="sqlite://", **overrides)


def fire_times(trigger: Any, start: datetime, count: int) -> list[datetime]:
    """The next `count` fire times from `start`, asked as APScheduler's scheduler asks: after
    each run, the next time after the one just run, half a second later."""
    moment = trigger.get_next_fire_time(None, start)
    times: list[datetime] = []
    while len(times) < count:
        assert moment is not None
        assert not times or moment > times[-1], f"fire time {moment} again or backwards"
        times.append(moment)
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=0.5))
    return times


def local(moments: list[datetime], zone: str) -> list[str]:
    return [m.astimezone(ZoneInfo(zone)).strftime("%a %d %H:%M %Z") for m in moments]


def utc(moments: list[datetime]) -> list[str]:
    return [m.astimezone(UTC).strftime("%d %H:%M") for m in moments]


# --- the schedule -------------------------------------------------------------------------------


def test_every_job_of_the_issue_is_on_the_schedule():
    assert [definition.id for definition in JOBS] == [
        "jira_push",
        "jira_sync",
        "jira_reconcile",
        "digests",
        "notifications",
        "kpi_signals",
        "benefits",
    ]


def test_interval_jobs_follow_their_settings():
    configured = settings(
        sync={"interval_minutes": 7.5},
        scheduler={"push_interval_seconds": 45},
        notifications={"check_interval_minutes": 3},
        benefits={"refresh_minutes": 20},
    )
    intervals = {}
    for job_id in ("jira_sync", "jira_push", "notifications", "benefits"):
        trigger = job(job_id).trigger(configured)
        assert isinstance(trigger, IntervalTrigger)
        intervals[job_id] = trigger.interval
    assert intervals == {
        "jira_sync": timedelta(minutes=7, seconds=30),
        "jira_push": timedelta(seconds=45),
        "notifications": timedelta(minutes=3),
        "benefits": timedelta(minutes=20),
    }


def reconcile_times(zone: str, at: str, start: datetime, count: int = 3) -> list[datetime]:
    configured = settings(timezone=zone, sync={"full_reconcile_at": at})
    return fire_times(job("jira_reconcile").trigger(configured), start, count)


def test_daily_reconcile_keeps_its_local_time_across_the_spring_change():
    # Berlin moves from CET to CEST at 02:00 on Sunday 30 March 2025.
    times = reconcile_times("Europe/Berlin", "03:00", datetime(2025, 3, 28, 12, 0, tzinfo=UTC))
    assert local(times, "Europe/Berlin") == [
        "Sat 29 03:00 CET",
        "Sun 30 03:00 CEST",
        "Mon 31 03:00 CEST",
    ]
    assert utc(times) == ["29 02:00", "30 01:00", "31 01:00"]


def test_daily_reconcile_at_a_time_the_spring_change_skips_runs_an_hour_later_that_day():
    times = reconcile_times("Europe/Berlin", "02:30", datetime(2025, 3, 29, 12, 0, tzinfo=UTC))
    assert local(times, "Europe/Berlin") == [
        "Sun 30 03:30 CEST",
        "Mon 31 02:30 CEST",
        "Tue 01 02:30 CEST",
    ]


def test_daily_reconcile_in_the_hour_the_autumn_change_repeats_runs_once():
    # Dublin goes from IST back to GMT at 02:00 on Sunday 26 October 2025: 01:00-02:00 twice.
    times = reconcile_times("Europe/Dublin", "01:30", datetime(2025, 10, 25, 12, 0, tzinfo=UTC))
    assert local(times, "Europe/Dublin") == [
        "Sun 26 01:30 IST",
        "Mon 27 01:30 GMT",
        "Tue 28 01:30 GMT",
    ]
    assert utc(times) == ["26 00:30", "27 01:30", "28 01:30"]


def test_daily_reconcile_in_a_zone_west_of_utc():
    # New York leaves daylight time at 02:00 on Sunday 2 November 2025.
    times = reconcile_times("America/New_York", "23:45", datetime(2025, 11, 1, 12, tzinfo=UTC), 2)
    assert local(times, "America/New_York") == ["Sat 01 23:45 EDT", "Sun 02 23:45 EST"]
    assert utc(times) == ["02 03:45", "03 04:45"]


def digest_times(zone: str, send_at: str, start: datetime, count: int) -> list[datetime]:
    configured = settings(timezone=zone, digests={"send_at": send_at})
    return fire_times(job("digests").trigger(configured), start, count)


def test_digests_look_every_hour_at_the_send_at_minute_through_the_autumn_change():
    times = digest_times("Europe/Dublin", "09:15", datetime(2025, 10, 25, 23, 0, tzinfo=UTC), 4)
    assert local(times, "Europe/Dublin") == [
        "Sun 26 00:15 IST",
        "Sun 26 01:15 IST",
        "Sun 26 01:15 GMT",  # the repeated hour is a real hour too
        "Sun 26 02:15 GMT",
    ]
    assert utc(times) == ["25 23:15", "26 00:15", "26 01:15", "26 02:15"]


def test_digests_through_the_spring_change():
    times = digest_times("Europe/Berlin", "09:00", datetime(2025, 3, 30, 0, 30, tzinfo=UTC), 3)
    assert local(times, "Europe/Berlin") == [
        "Sun 30 03:00 CEST",
        "Sun 30 04:00 CEST",
        "Sun 30 05:00 CEST",
    ]
    assert utc(times) == ["30 01:00", "30 02:00", "30 03:00"]


def test_digests_in_a_zone_half_an_hour_off_utc():
    times = digest_times("Asia/Kolkata", "09:00", datetime(2025, 6, 2, 10, 0, tzinfo=UTC), 2)
    assert local(times, "Asia/Kolkata") == ["Mon 02 16:00 IST", "Mon 02 17:00 IST"]
    assert utc(times) == ["02 10:30", "02 11:30"]


def test_a_scheduler_that_slept_through_the_autumn_change_catches_up_and_moves_on():
    """APScheduler's catch-up after a pause: every missed time once, then the next one."""
    trigger = job("digests").trigger(settings(timezone="Europe/Dublin"))
    now = datetime(2025, 10, 26, 3, 30, tzinfo=UTC)
    missed, moment = [], trigger.get_next_fire_time(None, datetime(2025, 10, 25, 23, 1, tzinfo=UTC))
    while moment <= now:
        missed.append(moment)
        moment = trigger.get_next_fire_time(moment, now)
    assert utc(missed) == ["26 00:00", "26 01:00", "26 02:00", "26 03:00"]
    assert utc([moment]) == ["26 04:00"]


# --- switched on and off by config --------------------------------------------------------------


def scheduled(app: Flask) -> dict[str, Any]:
    """The jobs a scheduler built for `app` would run (it is never started)."""
    return {found.id: found for found in build_scheduler(app, blocking=False).get_jobs()}


@pytest.fixture
def jira_app(make_app: Callable[..., Flask], sqlite_url: str) -> Callable[..., Flask]:
    def build(**overrides: Any) -> Flask:
        overrides.setdefault("jira", JIRA)
        return make_app(sqlite_url, **overrides)

    return build


def test_jira_jobs_run_when_jira_is_configured(jira_app):
    jobs = scheduled(jira_app(sync={"interval_minutes": 2}))
    assert {"jira_push", "jira_sync", "jira_reconcile"} <= jobs.keys()
    assert jobs["jira_sync"].trigger.interval == timedelta(minutes=2)
    for found in jobs.values():
        assert found.max_instances == 1
        assert found.coalesce is True
        # A late heartbeat is pointless: the next one comes in 30 s.
        assert found.misfire_grace_time == (30 if found.id == "scheduler_heartbeat" else 300)


def test_sync_switched_off_leaves_the_push_on(jira_app):
    jobs = scheduled(jira_app(sync={"enabled": False}))
    assert "jira_push" in jobs
    assert not {"jira_sync", "jira_reconcile"} & jobs.keys()


def test_no_jira_no_jira_jobs(make_app, sqlite_url):
    jobs = scheduled(make_app(sqlite_url))
    assert not {"jira_push", "jira_sync", "jira_reconcile"} & jobs.keys()


def test_scheduler_switched_off_runs_no_jira_job(jira_app):
    jobs = scheduled(jira_app(scheduler={"enabled": False}))
    assert not {"jira_push", "jira_sync", "jira_reconcile"} & jobs.keys()


# --- the lease around every run -----------------------------------------------------------------


@pytest.fixture
def lease_app(make_app: Callable[..., Flask], database_url: str) -> Flask:
    return make_app(database_url, scheduler={"lease_seconds": 5})


def lease_row(app: Flask, name: str) -> JobLease:
    with db.session_scope(app) as session:
        row = session.get(JobLease, name)
        assert row is not None
        return row


def recording_job(calls: list[str], action: Callable[[Flask], None] | None = None) -> JobDefinition:
    def run(app: Flask) -> None:
        calls.append("ran")
        if action is not None:
            action(app)

    return JobDefinition("test_job", run, lambda s: IntervalTrigger(seconds=60), lambda a: True)


def test_run_leased_skips_while_another_process_holds_the_lease(lease_app):
    with db.session_scope(lease_app) as session:
        assert leases.acquire(
            session, name="test_job", owner="sched-other-1", lease=timedelta(minutes=1)
        )
    calls: list[str] = []
    assert run_leased(lease_app, recording_job(calls), owner="sched-me-2") is False
    assert calls == []
    assert lease_row(lease_app, "test_job").owner == "sched-other-1"


def test_run_leased_takes_over_an_expired_lease_and_frees_it_afterwards(lease_app):
    with db.session_scope(lease_app) as session:
        leases.acquire(
            session,
            name="test_job",
            owner="sched-dead-1",
            lease=timedelta(seconds=5),
            now=datetime.now(UTC) - timedelta(seconds=6),
        )
    calls: list[str] = []
    holder: list[str] = []
    job = recording_job(calls, lambda app: holder.append(lease_row(app, "test_job").owner))
    assert run_leased(lease_app, job, owner="sched-me-2") is True
    assert calls == ["ran"]
    assert holder == ["sched-me-2"]
    row = lease_row(lease_app, "test_job")
    assert row.lease_until is None
    assert row.last_finished_at is not None
    # Free again: the next process in line runs it at once.
    assert run_leased(lease_app, recording_job(calls), owner="sched-other-3") is True


def test_run_leased_renews_the_lease_while_the_job_runs(lease_app):
    seen: list[datetime | None] = []

    def slow(app: Flask) -> None:
        seen.append(lease_row(app, "test_job").lease_until)
        time.sleep(2.2)  # the heartbeat renews every lease_seconds / 3
        seen.append(lease_row(app, "test_job").lease_until)
        with db.session_scope(app) as session:
            taken = leases.acquire(
                session, name="test_job", owner="sched-other", lease=timedelta(seconds=5)
            )
        seen.append(None if taken else lease_row(app, "test_job").lease_until)

    assert run_leased(lease_app, recording_job([], slow), owner="sched-me") is True
    first, renewed, still_held = seen
    assert first is not None
    assert renewed is not None
    assert renewed - first >= timedelta(seconds=1.5)
    assert still_held is not None, "another process took the lease while the job ran"


def test_a_failing_job_is_logged_and_frees_its_lease(lease_app, caplog):
    def broken(app: Flask) -> None:
        raise RuntimeError("boom")

    assert run_leased(lease_app, recording_job([], broken), owner="sched-me") is True
    assert "scheduled job test_job failed" in caplog.text
    assert lease_row(lease_app, "test_job").lease_until is None


def test_two_threads_never_run_the_job_at_once(lease_app):
    running = threading.Event()
    release = threading.Event()
    calls: list[str] = []

    def hold(app: Flask) -> None:
        running.set()
        release.wait(5)

    job = recording_job(calls, hold)
    first = threading.Thread(target=run_leased, args=(lease_app, job), kwargs={"owner": "a"})
    first.start()
    assert running.wait(5)
    try:
        assert run_leased(lease_app, job, owner="b") is False
    finally:
        release.set()
        first.join(5)
    assert calls == ["ran"]
