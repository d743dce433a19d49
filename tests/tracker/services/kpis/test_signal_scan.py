"""The nightly scan stores what the detectors find, once, and drops what no longer holds; the
signals are read back with the queue visibility rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from flask import Flask
from sqlmodel import col, select

from tests.helpers.kpis import daily, make_queue, put_values
from tracker import db
from tracker.models import KpiSignal, Organisation, Role, User
from tracker.services.kpis import metrics, signal_queries, signal_scan

START = date(2026, 5, 4)  # a Monday
WEEKS = 26
TODAY = START + timedelta(weeks=WEEKS)
SHIFT_WEEK = 16
SPIKE_DAY = START + timedelta(weeks=8, days=2)  # a Wednesday
PATTERN = [1.0, 1.05, 1.0, 0.95, 0.9, 0.5, 0.4]


def manual_incoming() -> list[float]:
    rng = np.random.default_rng(5)
    values = [200 * PATTERN[d % 7] + rng.normal(0, 5) for d in range(7 * WEEKS)]
    for d in range(7 * SHIFT_WEEK, 7 * WEEKS):
        values[d] += 100  # 700 more tickets a week from week 16
    values[(SPIKE_DAY - START).days] += 120
    return [round(v) for v in values]


@pytest.fixture
def queue_id(app: Flask) -> int:
    queue = make_queue(app, "Spam appeals (EN)")
    assert queue.id is not None
    put_values(app, queue.id, "manual_incoming", daily(START, manual_incoming()))
    put_values(app, queue.id, "aht_minutes", daily(START, [6.0] * 7 * WEEKS))
    put_values(app, queue.id, "manual_solved", daily(START, [100.0] * 7 * WEEKS))
    return queue.id


def run_scan(app: Flask, **kwargs: object) -> signal_scan.ScanReport:
    with db.session_scope(app) as session:
        return signal_scan.scan(
            session,
            settings=app.config["SETTINGS"],
            today=TODAY,
            **kwargs,  # type: ignore[arg-type]
        )


def stored(app: Flask) -> list[KpiSignal]:
    with db.session_scope(app) as session:
        return list(session.exec(select(KpiSignal).order_by(col(KpiSignal.day))))


def test_the_scan_stores_the_shift_and_the_spike_with_their_hours(app, queue_id):
    report = run_scan(app)

    found = stored(app)
    assert report.queues == 1
    assert report.series == 4  # three stored metrics and agent hours
    assert report.signals_new == len(found)
    [shift] = [s for s in found if s.kind == "shift"]
    assert (shift.queue_id, shift.metric, shift.grain) == (queue_id, "manual_incoming", "week")
    assert shift.day == START + timedelta(weeks=SHIFT_WEEK)
    assert shift.baseline == pytest.approx(1160, abs=20)  # 200 x 5.8 a week
    assert shift.size == pytest.approx(700, abs=30)
    # 700 more tickets a week at 6 minutes each: 70 agent hours a week, for the worse.
    assert shift.agent_hours == pytest.approx(70, abs=3)
    assert shift.worse is True
    # Known by the night after the week that raised the alarm, not "now".
    assert shift.detected_at < datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)
    spikes = [s for s in found if s.kind == "spike"]
    assert SPIKE_DAY in {s.day for s in spikes}
    spike = next(s for s in spikes if s.day == SPIKE_DAY)
    assert spike.grain == "day"
    assert spike.size == pytest.approx(120, abs=20)
    assert spike.agent_hours == pytest.approx(spike.size * 0.1, abs=0.01)
    # The level change is one shift, not weeks of daily spikes.
    assert len([s for s in spikes if s.day >= shift.day]) <= 2


def test_a_second_scan_adds_nothing_and_corrected_data_drops_the_spike(app, queue_id):
    run_scan(app)
    first = {(s.metric, s.kind, s.day): s.id for s in stored(app)}

    again = run_scan(app)
    assert again.signals_new == 0
    assert {(s.metric, s.kind, s.day): s.id for s in stored(app)} == first

    corrected = manual_incoming()[(SPIKE_DAY - START).days] - 120
    put_values(app, queue_id, "manual_incoming", {SPIKE_DAY: corrected})
    report = run_scan(app)
    assert report.signals_dropped == 1
    assert SPIKE_DAY not in {s.day for s in stored(app)}


def test_only_the_queues_asked_for_and_active_ones_are_scanned(app, queue_id):
    other = make_queue(app, "Refunds")
    assert other.id is not None
    put_values(app, other.id, "manual_incoming", daily(START, manual_incoming()))

    assert run_scan(app, queue_ids=[other.id]).queues == 1
    assert {s.queue_id for s in stored(app)} == {other.id}

    with db.session_scope(app) as session:
        from_db = session.get(type(other), other.id)
        assert from_db is not None
        from_db.active = False
    assert run_scan(app).queues == 1


def test_a_queue_without_values_or_with_little_history_has_no_signals(app):
    quiet = make_queue(app, "Quiet")
    assert quiet.id is not None
    put_values(app, quiet.id, "incoming", daily(TODAY - timedelta(days=10), [5.0] * 9 + [90.0]))
    report = run_scan(app)
    assert (report.queues, report.signals_new) == (1, 0)


def test_recent_signals_follow_queue_visibility(
    app: Flask,
    queue_id: int,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
):
    vendor_org = make_organisation("Acme BPO")
    assert vendor_org.id is not None
    worked = make_queue(app, "Worked by Acme", organisation_ids=[vendor_org.id])
    assert worked.id is not None
    put_values(app, worked.id, "manual_incoming", daily(START, manual_incoming()))
    run_scan(app)
    pm = make_user(Role.PM)
    vendor = make_user(Role.VENDOR, organisation_id=vendor_org.id)
    settings = app.config["SETTINGS"]

    with db.session_scope(app) as session:
        everything = signal_queries.recent_signals(
            session, actor=pm, settings=settings, since=START, limit=100
        )
        theirs = signal_queries.recent_signals(
            session, actor=vendor, settings=settings, since=START, limit=100
        )
        later = signal_queries.recent_signals(
            session, actor=pm, settings=settings, since=START + timedelta(weeks=12), limit=100
        )
    assert {v.signal.queue_id for v in everything} == {queue_id, worked.id}
    assert {v.queue_name for v in theirs} == {"Worked by Acme"}
    moments = [v.signal.detected_at for v in everything]
    assert moments == sorted(moments, reverse=True)
    assert everything[0].metric_label == "Incoming to agents"
    assert everything[0].unit == "tickets"
    assert 0 < len(later) < len(everything)


def test_the_weekly_series_follow_the_metric_rules(app):
    """The scan's vectorised weeks equal metrics.weekly_value, gaps and weights included."""
    rng = np.random.default_rng(11)
    first = date(2026, 1, 7)  # a Wednesday: the first full week starts on the 12th
    names = ["incoming", "manual_solved", "aht_minutes", "backlog"]
    rows = []
    for name in names:
        for offset in range(60):
            if rng.random() < 0.15:
                continue  # a missing day
            rows.append(
                (name, (first + timedelta(days=offset)).isoformat(), float(rng.integers(1, 50)))
            )
    rows.sort()
    series = signal_scan.QueueSeries(rows, today=first + timedelta(days=59))
    settings = app.config["SETTINGS"]
    assert series.week_start == date(2026, 1, 12)
    assert series.weeks == 7
    for name in [*names, metrics.AGENT_HOURS]:
        metric = metrics.every_metric(settings)[name]
        expected = []
        for week in range(series.weeks):
            begin = (series.week_start - first).days + 7 * week
            days = {
                n: [None if np.isnan(v) else v for v in series.daily[n][begin : begin + 7]]
                for n in names
            }
            expected.append(metrics.weekly_value(metric, days))
        assert series.weekly(metric) == pytest.approx(expected), name
