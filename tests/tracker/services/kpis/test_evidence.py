"""Evidence from data: a queue's weekly volume and handle time over its last full weeks, the
prefill a spike or shift gives a new idea, and the typed-versus-data mismatch rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.helpers.kpis import daily, make_queue, put_values
from tracker import db
from tracker.models import KpiSignal, QueueOrganisation, Role
from tracker.services.kpis import evidence

TODAY = date(2025, 12, 3)  # a Wednesday: the last full week ends on Sunday 30 Nov
LAST_SUNDAY = date(2025, 11, 30)
WINDOW_START = date(2025, 10, 6)  # the Monday 8 weeks before


def find(app, queue_id, today=TODAY):
    with db.session_scope(app) as session:
        return evidence.for_queue(
            session, queue_id=queue_id, settings=app.config["SETTINGS"], today=today
        )


def test_the_last_eight_full_weeks_give_volume_and_weighted_handle_time(app):
    queue = make_queue(app)
    # Ten weeks up to today: the open week and the two weeks before the window must not count.
    start = WINDOW_START - timedelta(weeks=2)
    days = (TODAY - start).days + 1
    in_window = [WINDOW_START <= start + timedelta(days=n) <= LAST_SUNDAY for n in range(days)]
    # 100 tickets a day by hand in the window, 5,000 outside it.
    put_values(
        app, queue.id, "manual_solved", daily(start, [100 if w else 5000 for w in in_window])
    )
    # Weekdays 6 min, weekends 12 min on the same 100 tickets: weighted (6*5 + 12*2) / 7.
    aht = [
        (6 if (start + timedelta(days=n)).weekday() < 5 else 12) if w else 99
        for n, w in enumerate(in_window)
    ]
    put_values(app, queue.id, "aht_minutes", daily(start, aht))

    found = find(app, queue.id)

    assert found is not None
    assert found.weekly_volume == pytest.approx(700)
    assert found.handle_time_minutes == pytest.approx((6 * 5 + 12 * 2) / 7)
    assert (found.weeks, found.start, found.to) == (8, WINDOW_START, LAST_SUNDAY)
    assert found.basis == "manual_solved"
    assert found.note == "from data, 8 weeks to 30 Nov"
    assert found.as_json()["weekly_volume"] == 700


def test_handle_time_is_weighted_by_the_tickets_solved_by_hand(app):
    queue = make_queue(app)
    week = daily(LAST_SUNDAY - timedelta(days=6), [1] * 7)
    put_values(app, queue.id, "manual_solved", {**week, LAST_SUNDAY: 601})
    put_values(app, queue.id, "aht_minutes", {**dict.fromkeys(week, 2.0), LAST_SUNDAY: 10.0})
    found = find(app, queue.id)
    assert found is not None
    # 6 days of 1 ticket at 2 min and one day of 601 at 10 min: close to 10, far from the mean 3.1.
    assert found.handle_time_minutes == pytest.approx((6 * 2 + 601 * 10) / 607)
    assert (found.weekly_volume, found.weeks) == (607, 1)
    assert found.note == "from data, 1 week to 30 Nov"


@pytest.mark.parametrize(
    ("stored", "basis", "volume"),
    [
        ({"manual_incoming": 50, "incoming": 80}, "manual_incoming", 350),
        ({"incoming": 80}, "incoming", 560),
        ({"manual_solved": 10, "manual_incoming": 50, "incoming": 80}, "manual_solved", 70),
    ],
)
def test_volume_falls_back_to_incoming_to_agents_then_incoming(app, stored, basis, volume):
    queue = make_queue(app)
    for metric, per_day in stored.items():
        put_values(app, queue.id, metric, daily(LAST_SUNDAY - timedelta(days=6), [per_day] * 7))
    found = find(app, queue.id)
    assert found is not None
    assert (found.basis, found.weekly_volume, found.handle_time_minutes) == (basis, volume, None)


def test_the_window_ends_with_the_last_full_week_that_has_data(app):
    queue = make_queue(app)
    # Data stopped on Wednesday 5 Nov: the window ends on Sunday 9 Nov, the last week partial.
    put_values(app, queue.id, "manual_solved", daily(date(2025, 9, 1), [10] * 66))
    found = find(app, queue.id)
    assert found is not None
    assert found.to == date(2025, 11, 9)
    assert found.note == "from data, 8 weeks to 9 Nov"
    assert found.weeks == 8


def test_no_data_in_a_full_week_gives_none(app):
    queue = make_queue(app)
    assert find(app, queue.id) is None
    # Only today's open week has data: not a full week yet.
    put_values(app, queue.id, "manual_solved", {date(2025, 12, 1): 40, TODAY: 40})
    assert find(app, queue.id) is None
    # Another metric than volume or handle time gives nothing either.
    put_values(app, queue.id, "backlog", {LAST_SUNDAY: 40})
    assert find(app, queue.id) is None
    assert find(app, 987654) is None


@pytest.mark.parametrize(
    ("typed", "measured", "flagged"),
    [
        (1200, 840, True),  # 43% over
        (1000, 840, False),  # 19% over
        (630, 840, False),  # exactly 25% under
        (620, 840, True),
        (None, 840, False),
        (5, 0, True),
        (0, 0, False),
    ],
)
def test_typed_and_data_are_flagged_past_the_mismatch_share(typed, measured, flagged):
    assert evidence.mismatch(typed, measured, 0.25) is flagged


def make_signal(app, queue_id, **fields):
    values = {
        "queue_id": queue_id,
        "metric": "incoming",
        "kind": "spike",
        "day": date(2025, 11, 12),
        "baseline": 820,
        "value": 1140,
        "size": 320,
    }
    values.update(fields)
    with db.session_scope(app) as session:
        signal = KpiSignal(**values)
        session.add(signal)
        session.flush()
        return signal.id


def prefill(app, user, **ids):
    with db.session_scope(app) as session:
        return evidence.prefill(
            session,
            viewer=user,
            settings=app.config["SETTINGS"],
            queue_id=ids.get("queue_id"),
            signal_id=ids.get("signal_id"),
        )


def test_a_signal_puts_its_evidence_into_the_problem(app, make_user):
    queue = make_queue(app)
    spike = make_signal(app, queue.id)
    shift = make_signal(
        app,
        queue.id,
        kind="shift",
        metric="manual_solved",
        baseline=500,
        value=400,
        grain="week",
        agent_hours=-12.5,
    )
    agent = make_user(Role.SUBMITTER)
    found = prefill(app, agent, signal_id=spike)
    assert found is not None
    assert found.queue == "Spam appeals (EN)"
    assert found.problem == "Incoming rose from 820 to 1,140 a day on 12 Nov 2025 (+39%)."
    moved = prefill(app, agent, signal_id=shift)
    assert moved is not None
    assert moved.problem == (
        "Solved by agents fell from 500 to 400 a week from 12 Nov 2025 on (-20%)."
        " That is about 12.5 agent hours a week."
    )


def test_vendors_get_nothing_from_queues_their_organisation_does_not_work(
    app, make_user, make_organisation
):
    worked, other = make_organisation(name="Worker Ltd"), make_organisation(name="Other Ltd")
    queue = make_queue(app, organisation_ids=[worked.id])
    signal = make_signal(app, queue.id)
    outsider = make_user(Role.VENDOR, organisation_id=other.id)
    insider = make_user(Role.VENDOR, organisation_id=worked.id)
    assert prefill(app, outsider, signal_id=signal) is None
    assert prefill(app, outsider, queue_id=queue.id) is None
    assert prefill(app, insider, signal_id=signal).problem.startswith("Incoming rose")
    assert prefill(app, insider, queue_id=queue.id).queue == queue.name
    assert prefill(app, insider, queue_id=424242, signal_id=424242) is None
    with db.session_scope(app) as session:
        assert session.get(QueueOrganisation, (queue.id, worked.id)) is not None
