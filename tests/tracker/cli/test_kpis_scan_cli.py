"""`tracker kpis scan`: the nightly scan now, under the scheduler job's lease."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlmodel import select

from sync.jobs.kpi_signals import SIGNAL_JOB
from tests.helpers.kpis import daily, make_queue, put_values
from tracker import db
from tracker.models import KpiSignal
from tracker.services import leases

WEEKS = 16


def _queue_with_a_spike(app) -> date:
    queue = make_queue(app, "Spam appeals (EN)")
    assert queue.id is not None
    end = datetime.now(UTC).date() - timedelta(days=1)
    start = end - timedelta(days=7 * WEEKS - 1)
    rng = np.random.default_rng(3)
    values = [float(round(300 + rng.normal(0, 8))) for _ in range(7 * WEEKS)]
    spike = end - timedelta(days=10)
    values[(spike - start).days] += 400
    put_values(app, queue.id, "incoming", daily(start, values))
    return spike


def test_a_scan_finds_the_spike_once(app, tracker):
    spike = _queue_with_a_spike(app)

    first = tracker("kpis", "scan")
    again = tracker("kpis", "scan")

    assert "Scanned 1 queues" in first.output
    assert "1 new signals" in first.output
    assert "0 new signals" in again.output
    with db.session_scope(app) as session:
        found = session.exec(select(KpiSignal)).all()
        assert [(s.kind, s.metric, s.day) for s in found] == [("spike", "incoming", spike)]


def test_a_scan_running_elsewhere_is_not_doubled(app, tracker):
    _queue_with_a_spike(app)
    with db.session_scope(app) as session:
        assert leases.acquire(
            session, name=SIGNAL_JOB, owner="scheduler-elsewhere", lease=timedelta(minutes=5)
        )

    result = tracker("kpis", "scan", expect=1)

    assert "running elsewhere" in result.output
    with db.session_scope(app) as session:
        assert session.exec(select(KpiSignal)).all() == []
