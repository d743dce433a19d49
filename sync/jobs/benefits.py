"""The scheduler's `benefits` job: measure newly delivered ideas, redo the stale ones and, once
a day each, the ones still waiting for their window (services/benefits/refresh.py).

Due ideas are measured in batches, each committed on its own, so one failing batch (a queue
whose data breaks the estimator) keeps the others' measurements (house rule: commit per unit
of work in jobs). A batch holds whole queues' worth of ideas: refresh() takes the other
deliveries of each queue along, so splitting never measures half a group.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import Flask

from tracker.config import Settings
from tracker.db import session_scope
from tracker.models import utcnow
from tracker.services.benefits import measure, refresh

log = logging.getLogger(__name__)

BENEFIT_JOB = "benefits"  # the scheduler's job id, and the name of its lease
BATCH = 100


@dataclass(frozen=True)
class RefreshReport:
    due: int
    written: int
    failed_batches: int
    seconds: float


def refresh_due(app: Flask, *, everything: bool = False) -> RefreshReport:
    """Refresh what is due (every delivered idea with `everything`), batch by batch."""
    settings: Settings = app.config["SETTINGS"]
    started = time.perf_counter()
    now = utcnow()
    with session_scope(app) as session:
        if everything:
            wanted = measure.delivered_ids(session)
        else:
            wanted = refresh.due(session, settings=settings, now=now)
    written = failed = 0
    for begin in range(0, len(wanted), BATCH):
        batch = wanted[begin : begin + BATCH]
        try:
            with session_scope(app) as session:
                written += measure.refresh(
                    session, settings=settings, now=now, suggestion_ids=batch
                )
        except Exception:
            failed += 1
            log.exception("measuring ideas %s-%s failed", batch[0], batch[-1])
    return RefreshReport(len(wanted), written, failed, time.perf_counter() - started)


def scheduled_benefits(app: Flask) -> None:
    report = refresh_due(app)
    if report.due:
        log.info(
            "benefits: %s ideas due, %s rows written, %s failed batches, in %.1f s",
            report.due,
            report.written,
            report.failed_batches,
            report.seconds,
        )


def benefits_enabled(app: Flask) -> bool:
    settings: Settings = app.config["SETTINGS"]
    return settings.benefits.enabled and settings.scheduler.enabled
