"""The schedule as data, and the APScheduler that runs it.

Production runs the jobs in one `tracker scheduler` process; `make run` runs them in-process.
Every run takes the job's lease in the database first (`tracker.services.leases`), so a second
scheduler process (started by mistake, or on another machine) never runs a job at the same time,
and takes over within `scheduler.lease_seconds` when the first one dies.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from sync.jobs.benefits import BENEFIT_JOB, benefits_enabled, scheduled_benefits
from sync.jobs.digests import digests_enabled, scheduled_digests
from sync.jobs.heartbeat import HEARTBEAT_JOB, beat, heartbeat_enabled
from sync.jobs.kpi_pull import interval_seconds, pull_enabled, scheduled_pull
from sync.jobs.kpi_signals import SIGNAL_JOB, scheduled_signal_scan, signals_enabled
from sync.jobs.notifications import notifications_enabled, scheduled_notifications
from sync.jobs.owners import scheduler_owner
from sync.jobs.triggers import WallClockTrigger
from sync.pull.status_sync import scheduled_full, scheduled_incremental, sync_enabled
from sync.push.worker import push_enabled, scheduled_push
from tracker.config import Settings
from tracker.db import session_scope
from tracker.models import utcnow
from tracker.services import heartbeats, leases
from tracker.services.kpis.loads import pull_job_name

log = logging.getLogger(__name__)

Trigger = Callable[[Settings], BaseTrigger]


@dataclass(frozen=True)
class JobDefinition:
    id: str
    func: Callable[[Flask], None]
    trigger: Trigger
    enabled: Callable[[Flask], bool]
    misfire_grace_seconds: int = 300


def every(seconds: Callable[[Settings], float]) -> Trigger:
    return lambda settings: IntervalTrigger(seconds=seconds(settings), timezone="UTC")


def daily_at(hhmm: Callable[[Settings], str]) -> Trigger:
    """At a local wall-clock time in the configured zone, once a day whatever DST does."""

    def trigger(settings: Settings) -> BaseTrigger:
        hour, minute = hhmm(settings).split(":")
        return WallClockTrigger(zone=settings.timezone, hour=int(hour), minute=int(minute))

    return trigger


def digest_hourly(settings: Settings) -> BaseTrigger:
    """Hourly at the `send_at` minute, in the configured zone: the weekly digest goes out on
    time, and a run missed while the scheduler was down (or a failed email) is caught up within
    the hour. Preparing a period twice is impossible, so the extra runs only retry and catch up.
    """
    minute = int(settings.digests.send_at.split(":")[1])
    return WallClockTrigger(zone=settings.timezone, minute=minute)


JOBS: list[JobDefinition] = [
    JobDefinition(
        "jira_push",
        scheduled_push,
        every(lambda s: s.scheduler.push_interval_seconds),
        push_enabled,
    ),
    JobDefinition(
        "jira_sync",
        scheduled_incremental,
        every(lambda s: s.sync.interval_minutes * 60),
        sync_enabled,
    ),
    JobDefinition(
        "jira_reconcile", scheduled_full, daily_at(lambda s: s.sync.full_reconcile_at), sync_enabled
    ),
    JobDefinition("digests", scheduled_digests, digest_hourly, digests_enabled),
    JobDefinition(
        "notifications",
        scheduled_notifications,
        every(lambda s: s.notifications.check_interval_minutes * 60),
        notifications_enabled,
    ),
    JobDefinition(
        SIGNAL_JOB,
        scheduled_signal_scan,
        daily_at(lambda s: s.kpis.signals.scan_at),
        signals_enabled,
    ),
    JobDefinition(
        BENEFIT_JOB,
        scheduled_benefits,
        every(lambda s: s.benefits.refresh_minutes * 60),
        benefits_enabled,
    ),
]


def kpi_pull_job(name: str) -> JobDefinition:
    """The job that pulls the warehouse source `[kpis.sources.NAME]`, under lease
    `kpi_pull:NAME`, every `interval_minutes`."""
    return JobDefinition(
        pull_job_name(name),
        partial(scheduled_pull, name=name),
        every(partial(interval_seconds, name=name)),
        partial(pull_enabled, name=name),
    )


def scheduled_jobs(settings: Settings) -> list[JobDefinition]:
    """JOBS and one pull job per configured warehouse source."""
    return [*JOBS, *(kpi_pull_job(name) for name in sorted(settings.kpis.sources))]


def run_leased(app: Flask, job: JobDefinition, *, owner: str | None = None) -> bool:
    """Run `job` if its lease can be taken, renewing the lease while it runs; False if another
    process holds it. The job's own errors are logged, never raised into the scheduler."""
    settings: Settings = app.config["SETTINGS"]
    owner = owner or scheduler_owner()
    lease = timedelta(seconds=settings.scheduler.lease_seconds)
    with session_scope(app) as session:
        if not leases.acquire(session, name=job.id, owner=owner, lease=lease):
            log.debug("job %s is running elsewhere; skipped", job.id)
            return False
    stop = threading.Event()
    heartbeat = threading.Thread(
        target=_renew_until, args=(app, job.id, owner, lease, stop), daemon=True
    )
    heartbeat.start()
    try:
        job.func(app)
    except Exception:
        log.exception("scheduled job %s failed", job.id)
    finally:
        stop.set()
        heartbeat.join()
        with session_scope(app) as session:
            leases.release(session, name=job.id, owner=owner)
    return True


def _renew_until(
    app: Flask, name: str, owner: str, lease: timedelta, stop: threading.Event
) -> None:
    while not stop.wait(lease.total_seconds() / 3):
        try:
            with session_scope(app) as session:
                if not leases.renew(session, name=name, owner=owner, lease=lease):
                    log.warning("job %s: lease lost to another process", name)
                    return
        except Exception:  # the database may be briefly unreachable; try again next beat
            log.exception("job %s: could not renew its lease", name)


def build_scheduler(app: Flask, *, blocking: bool) -> BaseScheduler:
    """A scheduler with every enabled job; `max_instances=1` and `coalesce` per house rules.
    Unless the scheduler is switched off it also beats (`sync.jobs.heartbeat`): at once when it
    starts, then every 30 s, without a lease, so pages can promise that pushes resume."""
    settings: Settings = app.config["SETTINGS"]
    scheduler: BaseScheduler = (
        BlockingScheduler(timezone="UTC") if blocking else BackgroundScheduler(timezone="UTC")
    )
    if heartbeat_enabled(app):
        scheduler.add_job(
            beat,
            IntervalTrigger(seconds=heartbeats.BEAT_INTERVAL.total_seconds(), timezone="UTC"),
            args=[app],
            kwargs={"owner": scheduler_owner()},
            id=HEARTBEAT_JOB,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(heartbeats.BEAT_INTERVAL.total_seconds()),
            next_run_time=utcnow(),  # the first beat as the scheduler starts
        )
    for job in scheduled_jobs(settings):
        if not job.enabled(app):
            log.info("job %s is switched off by config", job.id)
            continue
        scheduler.add_job(
            run_leased,
            job.trigger(settings),
            args=[app, job],
            id=job.id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=job.misfire_grace_seconds,
        )
    return scheduler
