"""The scheduler's `kpi_signals` job: the nightly scan for spikes and level shifts.

Queues are scanned in batches, each committed on its own, so a failure in one batch keeps the
others' signals (house rule: commit per unit of work in jobs).
"""

from __future__ import annotations

import logging
import time

from flask import Flask
from sqlmodel import col, select

from tracker.config import Settings
from tracker.db import session_scope
from tracker.models import Queue
from tracker.services.kpis import signal_scan
from tracker.services.kpis.signal_scan import ScanReport

log = logging.getLogger(__name__)

BATCH = 50
SIGNAL_JOB = "kpi_signals"  # the scheduler's job id, and the name of its lease


def scan_all(app: Flask) -> ScanReport:
    """Scan every active queue, a batch of queues per transaction; the totals of all batches.
    A batch that fails is logged and skipped."""
    settings: Settings = app.config["SETTINGS"]
    started = time.perf_counter()
    with session_scope(app) as session:
        ids = [
            int(queue_id)
            for queue_id in session.exec(
                select(Queue.id).where(col(Queue.active)).order_by(col(Queue.id))
            )
            if queue_id is not None
        ]
    queues = series = new = dropped = 0
    for begin in range(0, len(ids), BATCH):
        batch = ids[begin : begin + BATCH]
        try:
            with session_scope(app) as session:
                report = signal_scan.scan(session, settings=settings, queue_ids=batch)
        except Exception:
            log.exception("signal scan of queues %s-%s failed", batch[0], batch[-1])
            continue
        queues += report.queues
        series += report.series
        new += report.signals_new
        dropped += report.signals_dropped
    return ScanReport(queues, series, new, time.perf_counter() - started, dropped)


def scheduled_signal_scan(app: Flask) -> None:
    report = scan_all(app)
    log.info(
        "signal scan: %s queues, %s series, %s new signals, %s dropped, in %.1f s",
        report.queues,
        report.series,
        report.signals_new,
        report.signals_dropped,
        report.seconds,
    )


def signals_enabled(app: Flask) -> bool:
    settings: Settings = app.config["SETTINGS"]
    return settings.kpis.signals.enabled and settings.scheduler.enabled
