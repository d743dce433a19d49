"""Measuring delivered ideas from their queues' KPIs: states, controls, shared changes, and the
rows kept in step with deliveries and KPI loads. Real databases, real estimator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from flask import Flask

from tests.helpers.benefits import delivered_idea
from tests.helpers.kpis import make_queue, put_values
from tracker import db
from tracker.models import Benefit, BenefitState, LoadChannel, Role, Status, User
from tracker.services.benefits import measure, refresh
from tracker.services.kpis import queues
from tracker.services.kpis.ingest import KpiRow, load_rows

DELIVERED = date(2026, 6, 1)  # a Monday; work by hand started 18 May, pre window from 23 March
START, END = date(2026, 3, 1), date(2026, 9, 30)
AFTER = datetime(2026, 10, 1, 12, tzinfo=UTC)  # every window complete
AHT = 6.0  # minutes: agent hours a day = manual_solved / 10
# Solved by agents: 300 a weekday, 100 a weekend day: 170 agent hours a week.
WEEKLY_HOURS = 170.0


def _solved(
    *, drop_from: date | None = None, drop: float = 0.0, lift: float = 0.0, seed: int = 1
) -> dict[date, float]:
    """Tickets solved by agents each day; from `drop_from` on, `drop` of them gone; `lift`
    raises every day from the delivery week on (a change every queue of the area sees)."""
    rng = np.random.default_rng(seed)
    found = {}
    day = START
    while day <= END:
        base = 300.0 if day.weekday() < 5 else 100.0
        if day >= DELIVERED:
            base *= 1 + lift
        if drop_from is not None and day >= drop_from:
            base *= 1 - drop
        found[day] = round(base * (1 + rng.normal(0, 0.03)), 1)
        day += timedelta(days=1)
    return found


def _queue(app: Flask, name: str, solved: dict[date, float], area: str = "Content spam") -> int:
    queue = make_queue(app, name, area=area)
    assert queue.id is not None
    put_values(app, queue.id, "manual_solved", solved)
    put_values(app, queue.id, "aht_minutes", dict.fromkeys(solved, AHT))
    return queue.id


def _deliver(app: Flask, author: User, queue_id: int | None, **fields: Any) -> int:
    with db.session_scope(app) as session:
        idea = delivered_idea(
            session, author=author, queue_id=queue_id, delivered_on=DELIVERED, **fields
        )
        assert idea.id is not None
        return idea.id


def _measure(app: Flask, now: datetime = AFTER, ids: list[int] | None = None) -> None:
    with db.session_scope(app) as session:
        measure.refresh(session, settings=app.config["SETTINGS"], now=now, suggestion_ids=ids)


def _row(app: Flask, suggestion_id: int) -> Benefit:
    with db.session_scope(app) as session:
        row = session.get(Benefit, suggestion_id)
        assert row is not None
        session.expunge(row)
        return row


def test_a_known_saving_is_measured_with_an_interval_that_holds_it(
    app: Flask, make_user: Callable[..., User]
) -> None:
    author = make_user(Role.SUBMITTER)
    queue_id = _queue(app, "Spam appeals", _solved(drop_from=DELIVERED, drop=0.2))
    idea = _deliver(app, author, queue_id, expected_benefit=30.0)
    _measure(app)
    row = _row(app, idea)
    truth = 0.2 * WEEKLY_HOURS
    assert row.state == BenefitState.MEASURED.value
    assert row.method == "pre/post"  # no other queue in the area: its own history
    assert row.ci_low is not None
    assert row.ci_high is not None
    assert row.ci_low < truth < row.ci_high
    assert abs((row.measured or 0) - truth) < 0.1 * truth
    assert row.expected == 30.0
    assert (row.pre_weeks, row.post_weeks, row.post_weeks_target) == (8, 8, 8)
    assert (row.pre_start, row.post_end) == (date(2026, 3, 23), date(2026, 8, 3))
    assert row.settled_at is not None
    phases = row.chart["phase"]
    assert phases.count("pre") == 8
    assert phases.count("post") == 8


def test_control_queues_take_out_a_change_the_whole_area_saw(
    app: Flask, make_user: Callable[..., User]
) -> None:
    """Volume rose 30% across the area the week of delivery; the idea saved 20%. Before/after
    alone would see the rise; against the controls the saving stands."""
    author = make_user(Role.SUBMITTER)
    queue_id = _queue(app, "Spam appeals", _solved(drop_from=DELIVERED, drop=0.2, lift=0.3))
    controls = [_queue(app, f"Spam reports {n}", _solved(lift=0.3, seed=10 + n)) for n in range(3)]
    _queue(app, "Scam reports", _solved(seed=40), area="Scams and fraud")  # another area
    idea = _deliver(app, author, queue_id)
    _measure(app)
    row = _row(app, idea)
    truth = 0.2 * WEEKLY_HOURS * 1.3  # the saving, on the raised volume
    assert row.method == "difference-in-differences"
    assert sorted(row.control_queue_ids) == sorted(controls)
    assert row.ci_low is not None
    assert row.ci_high is not None
    assert row.ci_low < truth < row.ci_high


def test_a_queue_with_a_delivery_of_its_own_in_the_span_is_no_control(
    app: Flask, make_user: Callable[..., User]
) -> None:
    author = make_user(Role.SUBMITTER)
    queue_id = _queue(app, "Spam appeals", _solved(drop_from=DELIVERED, drop=0.2))
    busy = _queue(app, "Spam reports", _solved(seed=3))
    quiet = _queue(app, "Spam comments", _solved(seed=4))
    idea = _deliver(app, author, queue_id)
    _deliver(app, author, busy, title="Bulk close for spam reports")
    _measure(app)
    assert _row(app, idea).control_queue_ids == [quiet]


def test_overlapping_deliveries_share_one_change_and_never_count_it_twice(
    app: Flask, make_user: Callable[..., User]
) -> None:
    author = make_user(Role.SUBMITTER)
    queue_id = _queue(app, "Spam appeals", _solved(drop_from=DELIVERED, drop=0.2))
    first = _deliver(app, author, queue_id, expected_benefit=30.0)
    second = _deliver(
        app,
        author,
        queue_id,
        title="Second macro",
        expected_benefit=10.0,
        delivered_at=datetime(2026, 6, 15, tzinfo=UTC),
    )
    _measure(app, ids=[first])  # asking for one measures its whole group
    one, two = _row(app, first), _row(app, second)
    assert one.shared_with == [second]
    assert two.shared_with == [first]
    assert (one.share, two.share) == (0.75, 0.25)
    assert one.group_measured == two.group_measured
    assert (one.measured or 0) + (two.measured or 0) == pytest.approx(one.group_measured, rel=1e-12)


def test_waiting_until_the_window_after_delivery_is_complete(
    app: Flask, make_user: Callable[..., User]
) -> None:
    author = make_user(Role.SUBMITTER)
    queue_id = _queue(app, "Spam appeals", _solved(drop_from=DELIVERED, drop=0.2))
    idea = _deliver(app, author, queue_id, expected_benefit=30.0)
    _measure(app, now=datetime(2026, 6, 30, 9, tzinfo=UTC))  # 3 weeks after settling in
    row = _row(app, idea)
    assert row.state == BenefitState.WAITING.value
    assert (row.post_weeks, row.post_weeks_target) == (3, 8)
    assert row.measured is None
    assert row.settled_at is None


def test_not_measurable_says_why(app: Flask, make_user: Callable[..., User]) -> None:
    author = make_user(Role.SUBMITTER)
    no_queue = _deliver(app, author, None)
    empty = make_queue(app, "Empty queue")
    no_data = _deliver(app, author, empty.id, title="On an empty queue")
    thin = make_queue(app, "Thin queue", area="Scams and fraud")
    solved = {d: v for d, v in _solved().items() if d >= date(2026, 5, 4)}  # 2 weeks of pre
    put_values(app, thin.id, "manual_solved", solved)
    put_values(app, thin.id, "aht_minutes", dict.fromkeys(solved, AHT))
    short = _deliver(app, author, thin.id, title="On a queue with little history")
    _measure(app)
    reasons = {i: _row(app, i) for i in (no_queue, no_data, short)}
    assert all(r.state == BenefitState.NOT_MEASURABLE.value for r in reasons.values())
    assert "no queue" in reasons[no_queue].reason
    assert reasons[no_queue].delivered_on == DELIVERED
    assert "no agent hours data" in reasons[no_data].reason
    assert "only 14 of 56 days of data before work started" in reasons[short].reason


def test_a_kpi_load_refreshes_the_measurements_it_touches(
    app: Flask, make_user: Callable[..., User]
) -> None:
    author = make_user(Role.SUBMITTER)
    queue_id = _queue(app, "Spam appeals", {})
    idea = _deliver(app, author, queue_id)
    _measure(app)
    assert _row(app, idea).state == BenefitState.NOT_MEASURABLE.value
    solved = _solved(drop_from=DELIVERED, drop=0.2)
    rows = [
        KpiRow(n, "Spam appeals", day, metric, value)
        for n, (day, value) in enumerate(solved.items(), start=1)
        for metric, value in (("manual_solved", value), ("aht_minutes", AHT))
    ]
    with db.session_scope(app) as session:
        load_rows(
            session,
            rows=rows,
            channel=LoadChannel.API,
            settings=app.config["SETTINGS"],
            actor=None,
        )
    assert _row(app, idea).state == BenefitState.MEASURED.value


def test_the_scheduler_picks_new_stale_and_yesterdays_waiting_rows_and_drops_reopened_ones(
    app: Flask, make_user: Callable[..., User]
) -> None:
    settings = app.config["SETTINGS"]
    author = make_user(Role.SUBMITTER)
    queue_id = _queue(app, "Spam appeals", _solved(drop_from=DELIVERED, drop=0.2))
    other = _queue(app, "Scam appeals", _solved(seed=5), area="Scams and fraud")
    new = _deliver(app, author, queue_id)
    with db.session_scope(app) as session:
        assert refresh.due(session, settings=settings, now=AFTER) == [new]
    _measure(app)
    waiting = _deliver(app, author, other, title="Still waiting")
    _measure(app, now=datetime(2026, 6, 30, 9, tzinfo=UTC), ids=[waiting])
    with db.session_scope(app) as session:
        assert refresh.due(session, settings=settings, now=AFTER) == [waiting]
        stale = session.get(Benefit, new)
        assert stale is not None
        stale.stale = True
        reopened = delivered_idea(session, author=author, queue_id=other, title="Reopened")
        session.add(Benefit(suggestion_id=reopened.id or 0, state="measured"))
        reopened.status = Status.IN_DELIVERY
    with db.session_scope(app) as session:
        wanted = refresh.due(session, settings=settings, now=AFTER)
        assert set(wanted) == {new, waiting, reopened.id}
        refresh.run_due(session, settings=settings, now=AFTER)
    with db.session_scope(app) as session:
        assert session.get(Benefit, reopened.id) is None
        assert refresh.due(session, settings=settings, now=AFTER) == []


def test_merging_the_ideas_queue_keeps_its_measurement_and_measures_it_again(
    app: Flask, make_user: Callable[..., User]
) -> None:
    author, pm = make_user(Role.SUBMITTER), make_user(Role.PM)
    stray = _queue(app, "spam appeals (old name)", _solved(drop_from=DELIVERED, drop=0.2))
    target = make_queue(app, "Spam appeals")
    idea = _deliver(app, author, stray)
    _measure(app)
    with db.session_scope(app) as session:
        queues.merge_queues(
            session, actor=session.merge(pm), source_ids=[stray], target_id=target.id or 0
        )
    row = _row(app, idea)
    assert (row.queue_id, row.stale) == (target.id, True)
    with db.session_scope(app) as session:
        refresh.run_due(session, settings=app.config["SETTINGS"], now=AFTER)
    row = _row(app, idea)
    assert (row.queue_id, row.stale, row.state) == (target.id, False, "measured")
