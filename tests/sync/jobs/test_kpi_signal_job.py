"""The nightly `kpi_signals` job: on the schedule at `[kpis.signals] scan_at` in the configured
zone unless switched off, and a scan of every active queue that commits batch by batch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlmodel import Session, select

from sync.jobs import kpi_signals
from sync.jobs.scheduler import JOBS, build_scheduler
from tests.helpers.kpis import daily, make_queue, put_values
from tracker import db
from tracker.config import Settings
from tracker.models import KpiSignal, utcnow
from tracker.services.kpis import signal_scan

JOB = next(definition for definition in JOBS if definition.id == "kpi_signals")


def stepped(weeks: int = 20, step_week: int = 12) -> list[float]:
    """A queue whose daily volume rises from 100 to 200 at `step_week`, with a small wobble."""
    return [(100.0 if d < 7 * step_week else 200.0) + (d * 7 % 5) for d in range(7 * weeks)]


def test_the_scan_runs_nightly_at_its_local_time():
    configured = Settings(
        env="testing",
        database_url="sqlite://",
        timezone="Europe/Berlin",
        kpis={"signals": {"scan_at": "03:15"}},
    )
    trigger = JOB.trigger(configured)
    first = trigger.get_next_fire_time(None, datetime(2026, 7, 1, 12, tzinfo=UTC))
    assert first is not None
    assert first.astimezone(ZoneInfo("Europe/Berlin")).strftime("%d %H:%M") == "02 03:15"


@pytest.mark.parametrize(
    ("sections", "scheduled"),
    [({}, True), ({"kpis": {"signals": {"enabled": False}}}, False)],
)
def test_the_job_is_switched_off_by_config(
    make_app: Callable[..., Flask], sqlite_url: str, sections: dict[str, Any], scheduled: bool
):
    app = make_app(sqlite_url, **sections)
    jobs = {job.id for job in build_scheduler(app, blocking=False).get_jobs()}
    assert ("kpi_signals" in jobs) is scheduled


def test_scan_all_stores_every_active_queues_signals(app: Flask):
    start = utcnow().date() - timedelta(weeks=20)
    start -= timedelta(days=start.weekday())
    ids = []
    for name in ("Refunds", "Spam appeals (EN)", "Scams"):
        queue = make_queue(app, name)
        assert queue.id is not None
        put_values(app, queue.id, "incoming", daily(start, stepped()))
        ids.append(queue.id)

    report = kpi_signals.scan_all(app)

    assert (report.queues, report.series) == (3, 3)
    with db.session_scope(app) as session:
        shifts = session.exec(select(KpiSignal).where(KpiSignal.kind == "shift")).all()
    assert sorted(s.queue_id for s in shifts) == ids
    assert {s.day for s in shifts} == {start + timedelta(weeks=12)}
    assert report.signals_new >= 3


def test_a_failing_batch_keeps_the_others(app: Flask, monkeypatch: pytest.MonkeyPatch):
    start = utcnow().date() - timedelta(weeks=20)
    start -= timedelta(days=start.weekday())
    broken = make_queue(app, "Broken")
    fine = make_queue(app, "Fine")
    for queue in (broken, fine):
        assert queue.id is not None
        put_values(app, queue.id, "incoming", daily(start, stepped()))
    real_scan = signal_scan.scan

    def scan(session: Session, **kwargs: Any) -> signal_scan.ScanReport:
        if broken.id in kwargs["queue_ids"]:
            raise RuntimeError("disk full")
        return real_scan(session, **kwargs)

    monkeypatch.setattr(kpi_signals, "BATCH", 1)
    monkeypatch.setattr(signal_scan, "scan", scan)

    report = kpi_signals.scan_all(app)

    assert report.queues == 1
    with db.session_scope(app) as session:
        assert {s.queue_id for s in session.exec(select(KpiSignal))} == {fine.id}
