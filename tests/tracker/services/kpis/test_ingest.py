"""Loading KPI rows: idempotent upserts, rows rejected by name, all-or-nothing, dry runs, and
the load's record."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from tests.helpers.kpis import make_queue, put_values
from tracker import db
from tracker.errors import PermissionDenied
from tracker.models import KpiLoad, KpiValue, LoadChannel, Queue, Role, User
from tracker.services.kpis import csv_format, ingest, metrics
from tracker.services.kpis.ingest import KpiRow

DAY = date(2026, 11, 30)


def load(app: Any, rows: list[KpiRow], *, actor: User | None = None, **options: Any):
    with db.session_scope(app) as session:
        return ingest.load_rows(
            session,
            rows=rows,
            channel=options.pop("channel", LoadChannel.API),
            settings=app.config["SETTINGS"],
            actor=actor,
            **options,
        )


def stored(app: Any) -> dict[tuple[int, str, date], float]:
    with db.session_scope(app) as session:
        return {
            (v.queue_id, v.metric, v.day): v.value for v in session.exec(select(KpiValue)).all()
        }


def the_load(app: Any, load_id: int | None) -> KpiLoad:
    with db.session_scope(app) as session:
        found = session.get(KpiLoad, load_id)
        assert found is not None
        session.expunge(found)
        return found


def rows_of(queue: object, values: list[float], metric: str = "incoming") -> list[KpiRow]:
    return [
        KpiRow(n + 1, queue, (DAY - timedelta(days=n)).isoformat(), metric, value)
        for n, value in enumerate(values)
    ]


def test_the_same_rows_again_change_nothing_and_a_new_value_updates(app):
    queue = make_queue(app)
    first = load(app, rows_of("Spam appeals (EN)", [812, 790, 805]))
    assert (first.inserted, first.updated, first.unchanged, first.rejected) == (3, 0, 0, 0)
    assert first.applied
    assert first.last_day == DAY

    again = load(app, rows_of("spam appeals  (en)", [812, 790, 805]))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)

    changed = load(app, rows_of(queue.id, [812, 999, 805]), channel=LoadChannel.CSV)
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 2)
    values = stored(app)
    assert len(values) == 3
    assert queue.id is not None
    assert values[(queue.id, "incoming", DAY - timedelta(days=1))] == 999
    with db.session_scope(app) as session:
        sources = dict(session.exec(select(col(KpiValue.day), col(KpiValue.source))).all())
    assert sources[DAY - timedelta(days=1)] == "csv"  # the row that changed
    assert sources[DAY] == "api"  # unchanged rows keep where they came from


def test_the_load_is_recorded_with_its_counts_and_first_rejections(app):
    make_queue(app)
    pm = _person(app, Role.PM)
    rows = [*rows_of("Spam appeals (EN)", [1, 2]), KpiRow(3, "Nowhere", DAY, "incoming", 1)]
    report = load(app, rows, actor=pm, mode="valid", channel=LoadChannel.CSV, source="may.csv")
    record = the_load(app, report.load_id)
    assert (record.channel, record.source, record.actor_id) == ("csv", "may.csv", pm.id)
    assert (record.state, record.inserted, record.rejected) == ("succeeded", 2, 1)
    assert record.rejections == [
        {
            "row": 3,
            "field": "queue",
            "reason": "No queue named 'Nowhere'; add it on the Queues page or with "
            "`tracker queues create`.",
        }
    ]
    assert record.last_day == DAY
    assert record.finished_at is not None


BAD_ROWS = [
    ("queue", {"queue": "Nowhere"}, "No queue named 'Nowhere'"),
    ("queue", {"queue": 999_999}, "No queue with id 999999"),
    ("queue", {"queue": True}, "must be a queue's name or its id"),
    ("queue", {"queue": "Spam\x00appeals"}, "control characters"),
    ("day", {"day": "30/11/2026"}, "is not a day; write it as YYYY-MM-DD"),
    ("day", {"day": "\uff12\uff10\uff12\uff16-11-30"}, "is not a day"),
    ("day", {"day": "2026-02-30"}, "2026-02-30 is not a day of the calendar"),
    ("day", {"day": "1999-12-31"}, "before 2000-01-01"),
    ("day", {"day": (datetime.now(UTC).date() + timedelta(days=2)).isoformat()}, "future"),
    ("metric", {"metric": "happiness"}, "No metric named 'happiness'; the metrics are: incoming"),
    ("metric", {"metric": "agent_hours"}, "computed from manual_solved and aht_minutes"),
    ("value", {"value": -3}, "negative"),
    ("value", {"value": float("nan")}, "NaN"),
    ("value", {"value": "NaN"}, "NaN"),
    ("value", {"value": float("inf")}, "infinite"),
    ("value", {"value": 2e12}, "too large"),
    ("value", {"value": 10**400}, "too large"),
    ("value", {"value": True}, "must be a number"),
    ("value", {"value": "١٢"}, "is not a number"),
    ("value", {"value": "12 tickets"}, "is not a number"),
    ("value", {"value": ""}, "missing"),
]


@pytest.mark.parametrize(("field", "change", "reason"), BAD_ROWS)
def test_a_bad_row_is_rejected_naming_its_field_and_the_good_rows_load(app, field, change, reason):
    make_queue(app)
    bad = {"queue": "Spam appeals (EN)", "day": "2026-11-29", "metric": "incoming", "value": 5}
    bad.update(change)
    rows = [KpiRow(1, "Spam appeals (EN)", DAY, "incoming", 7), KpiRow(2, **bad)]
    report = load(app, rows, mode="valid")
    assert (report.inserted, report.rejected, report.applied) == (1, 1, True)
    [rejection] = report.rejections
    assert (rejection.number, rejection.field) == (2, field)
    assert reason in rejection.reason
    assert list(stored(app).values()) == [7]


def test_good_spellings_are_taken(app):
    queue = make_queue(app)
    rows = [
        KpiRow(1, "  SPAM appeals (en) ", "2026-11-01", "Incoming", "1,200"),
        KpiRow(2, queue.id, date(2026, 11, 2), " aht_minutes ", Decimal("6.5")),
        KpiRow(3, queue.id, datetime(2026, 11, 3, 0, 0, tzinfo=UTC), "backlog", " 0 "),
        KpiRow(4, queue.id, "2026-11-04", "solved", 1e12),
    ]
    report = load(app, rows)
    assert report.rejections == []
    assert report.inserted == 4
    assert sorted(stored(app).values()) == [0, 6.5, 1200, 1e12]


def test_a_row_repeating_an_earlier_one_in_the_same_load_is_rejected(app):
    make_queue(app)
    rows = [
        KpiRow(2, "Spam appeals (EN)", DAY, "incoming", 1),
        KpiRow(3, "Spam appeals (EN)", DAY, "solved", 1),
        KpiRow(4, "spam appeals (en)", DAY.isoformat(), "incoming", 2),
    ]
    report = load(app, rows, mode="valid")
    assert report.inserted == 2
    assert [(r.number, r.field) for r in report.rejections] == [(4, "day")]
    assert "repeats row 2" in report.rejections[0].reason
    assert sorted(stored(app).values()) == [1, 1]


def test_a_row_with_several_problems_is_one_rejected_row_naming_each(app):
    report = load(app, [KpiRow(1, "Nowhere", "someday", "happiness", -1)], mode="valid")
    assert report.rejected == 1
    assert [r.field for r in report.rejections] == ["queue", "day", "metric", "value"]


def test_mode_all_stores_nothing_when_any_row_is_rejected(app, monkeypatch):
    monkeypatch.setattr(ingest, "CHUNK", 2)  # the bad row comes chunks after good ones
    queue = make_queue(app)
    put_values(app, queue.id, "incoming", {DAY: 100})
    rows = [*rows_of(queue.id, [500, 1, 2, 3, 4]), KpiRow(6, queue.id, DAY, "nope", 1)]
    report = load(app, rows, mode="all")
    assert not report.applied
    assert (report.inserted, report.updated, report.rejected) == (4, 1, 1)
    assert stored(app) == {(queue.id, "incoming", DAY): 100}
    record = the_load(app, report.load_id)
    assert record.state == "failed"
    assert "nothing was stored" in record.error
    assert record.rejections[0]["field"] == "metric"


def test_a_dry_run_counts_like_an_apply_and_stores_nothing(app, monkeypatch):
    monkeypatch.setattr(ingest, "CHUNK", 2)
    queue = make_queue(app)
    put_values(app, queue.id, "incoming", {DAY: 100, DAY - timedelta(days=1): 790})
    rows = rows_of(queue.id, [100, 790, 805, 811, 3])
    dry = load(app, rows, dry_run=True)
    assert (dry.inserted, dry.updated, dry.unchanged) == (3, 0, 2)
    assert not dry.applied
    assert dry.dry_run
    assert len(stored(app)) == 2
    assert the_load(app, dry.load_id).state == "dry_run"
    real = load(app, rows)
    assert (real.inserted, real.updated, real.unchanged) == (3, 0, 2)
    assert len(stored(app)) == 5


def test_an_inactive_queue_still_takes_data(app):
    queue = make_queue(app)
    with db.session_scope(app) as session:
        found = session.get(Queue, queue.id)
        assert found is not None
        found.active = False
    assert load(app, rows_of(queue.id, [1])).inserted == 1


def test_only_pms_admins_and_integrations_send_data(app):
    make_queue(app)
    with pytest.raises(PermissionDenied):
        load(app, rows_of("Spam appeals (EN)", [1]), actor=_person(app, Role.SUBMITTER))
    for role in (Role.PM, Role.ADMIN, Role.INTEGRATION):
        report = load(app, rows_of("Spam appeals (EN)", [1]), actor=_person(app, role))
        assert report.applied
    with db.session_scope(app) as session:
        assert session.exec(select(func.count()).select_from(KpiValue)).one() == 1


def test_a_pull_stores_its_source_on_the_values(app):
    make_queue(app)
    report = load(
        app,
        rows_of("Spam appeals (EN)", [1]),
        channel=LoadChannel.PULL,
        mode="valid",
        source="warehouse",
        since=date(2026, 11, 1),
    )
    with db.session_scope(app) as session:
        assert session.exec(select(KpiValue.source)).one() == "pull:warehouse"
    record = the_load(app, report.load_id)
    assert (record.channel, record.source, record.since) == ("pull", "warehouse", date(2026, 11, 1))


def _person(app: Any, role: Role) -> User:
    with db.session_scope(app) as session:
        user = User(
            email=f"{role.value}-{id(object())}@example.com",
            display_name=role.value,
            password_hash="x",
            role=role,
        )
        session.add(user)
        session.flush()
        session.expunge(user)
        return user


def test_a_wide_line_with_an_unknown_queue_rejects_each_value_and_says_so_once(app):
    make_queue(app)
    text = "queue,date,incoming,solved\nNowhere,2026-11-30,8,9\nSpam appeals (EN),2026-11-30,8,\n"
    parsed = csv_format.parse(text, registry=metrics.registry(app.config["SETTINGS"]))
    with db.session_scope(app) as session:
        report = ingest.load_records(
            session,
            records=parsed.records(),
            channel=LoadChannel.CSV,
            settings=app.config["SETTINGS"],
            actor=None,
            mode="valid",
        )
    assert (report.inserted, report.rejected) == (1, 2)
    assert [(r.number, r.field) for r in report.rejections] == [(2, "queue")]
