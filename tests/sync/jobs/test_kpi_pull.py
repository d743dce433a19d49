"""Warehouse pulls against a second real database (a SQLite file, a PostgreSQL schema): the first
pull reads `first_days` back, later ones only from the last day received minus the overlap, bad
rows are rejected by name while the others load, a failing source is recorded with its error
(and never its password), the lease keeps two pulls of a source apart, and the scheduler runs
one job per enabled source."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import col, select

from sync.jobs.kpi_pull import local_today, mask_secrets, pull_source
from sync.jobs.kpi_pull_now import PullNotStarted, run_now
from sync.jobs.scheduler import build_scheduler, kpi_pull_job, run_leased
from tests.helpers.kpis import make_queue
from tests.helpers.warehouse import Warehouse, postgres_warehouse, sqlite_warehouse
from tracker import db
from tracker.models import JobLease, KpiLoad, KpiValue
from tracker.services import leases

QUEUE = "Spam appeals (EN)"
PASSWORD = "S3cret-Pa55"


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Warehouse]:
    if request.param == "sqlite":
        with sqlite_warehouse(tmp_path) as made:
            yield made
    else:
        with postgres_warehouse() as made:
            yield made


@pytest.fixture
def pull_app(
    make_app: Callable[..., Flask], database_url: str, warehouse: Warehouse
) -> Callable[..., Flask]:
    """An app whose source `dwh` reads the warehouse (first pull 30 days back, overlap 3)."""

    def build(**sources: dict[str, Any]) -> Flask:
        configured = {"dwh": warehouse.source(first_days=30, overlap_days=3), **sources}
        app = make_app(database_url, kpis={"sources": configured})
        make_queue(app, QUEUE)
        return app

    return build


def load(app: Flask, load_id: int) -> KpiLoad:
    with db.session_scope(app) as session:
        found = session.get(KpiLoad, load_id)
        assert found is not None
        return found


def stored(app: Flask) -> dict[tuple[str, date], float]:
    with db.session_scope(app) as session:
        values = session.exec(select(KpiValue).order_by(col(KpiValue.day))).all()
        assert {value.source for value in values} <= {"pull:dwh"}
        return {(value.metric, value.day): value.value for value in values}


def test_the_first_pull_loads_everything_since_first_days(pull_app, warehouse):
    app = pull_app()
    today = local_today(app.config["SETTINGS"])
    warehouse.put(
        [
            (QUEUE, today - timedelta(days=31), "incoming", 999),  # before the window
            (QUEUE, today - timedelta(days=30), "incoming", 410),
            (QUEUE, today - timedelta(days=10), "incoming", 420),
            (QUEUE, today - timedelta(days=2), "aht_minutes", 6.5),
        ]
    )

    done = load(app, pull_source(app, "dwh"))

    assert (done.channel, done.source, done.state) == ("pull", "dwh", "succeeded")
    assert done.since == today - timedelta(days=30)
    assert done.last_day == today - timedelta(days=2)
    assert (done.inserted, done.updated, done.unchanged, done.rejected) == (3, 0, 0, 0)
    assert done.error == ""
    assert stored(app) == {
        ("incoming", today - timedelta(days=30)): 410,
        ("incoming", today - timedelta(days=10)): 420,
        ("aht_minutes", today - timedelta(days=2)): 6.5,
    }


def test_the_next_pull_asks_only_from_the_last_day_minus_the_overlap(pull_app, warehouse):
    app = pull_app()
    today = local_today(app.config["SETTINGS"])
    old, recent, last = (today - timedelta(days=n) for n in (10, 4, 2))
    warehouse.put(
        [
            (QUEUE, old, "incoming", 100),
            (QUEUE, recent, "incoming", 200),
            (QUEUE, last, "incoming", 300),
        ]
    )
    pull_source(app, "dwh")
    # Late corrections: one older than the overlap (not read again), one inside it.
    warehouse.change(QUEUE, old, "incoming", 111)
    warehouse.change(QUEUE, recent, "incoming", 222)
    warehouse.put([(QUEUE, today - timedelta(days=1), "incoming", 400)])

    second = load(app, pull_source(app, "dwh"))

    assert second.since == last - timedelta(days=3)
    assert (second.inserted, second.updated, second.unchanged, second.rejected) == (1, 1, 1, 0)
    assert second.last_day == today - timedelta(days=1)
    values = stored(app)
    assert values[("incoming", old)] == 100, "a row before `since` was read again"
    assert values[("incoming", recent)] == 222
    assert values[("incoming", today - timedelta(days=1))] == 400


def test_a_failed_pull_does_not_move_the_window(pull_app, warehouse):
    app = pull_app(broken={"url": warehouse.url, "query": "SELECT 1 AS x WHERE :since = :since"})
    today = local_today(app.config["SETTINGS"])
    warehouse.put([(QUEUE, today - timedelta(days=5), "incoming", 10)])
    first = load(app, pull_source(app, "dwh"))
    failed = load(app, pull_source(app, "broken"))
    assert failed.state == "failed"

    again = load(app, pull_source(app, "dwh"))

    assert first.last_day is not None
    assert again.since == first.last_day - timedelta(days=3)
    assert load(app, pull_source(app, "broken")).since == today - timedelta(days=400)


def test_rows_of_an_unknown_queue_or_metric_are_rejected_by_name_and_the_rest_load(
    pull_app, warehouse
):
    app = pull_app()
    today = local_today(app.config["SETTINGS"])
    day = today - timedelta(days=3)
    warehouse.put(
        [
            (QUEUE, day, "incoming", 50),
            ("Refunds (DE)", day, "incoming", 70),
            (QUEUE, day, "happiness", 3),
            (QUEUE, day, "solved", -4),
            (QUEUE, day, "solved", 45),
        ]
    )

    done = load(app, pull_source(app, "dwh"))

    assert done.state == "succeeded"
    assert (done.inserted, done.rejected) == (1 + 0 + 0 + 0 + 1, 3)
    reasons = " ".join(f"{r['field']}: {r['reason']}" for r in done.rejections)
    assert "No queue named 'Refunds (DE)'" in reasons
    assert "happiness" in reasons
    assert {r["field"] for r in done.rejections} >= {"queue", "metric", "value"}
    assert stored(app) == {("incoming", day): 50, ("solved", day): 45}


def test_a_source_that_cannot_be_reached_is_recorded_without_its_password(pull_app):
    url = f"postgresql+psycopg://kpi_reader:{PASSWORD}@127.0.0.1:1/dwh"
    app = pull_app(broken={"url": url, "query": "SELECT * FROM kpis WHERE day >= :since"})

    failed = load(app, pull_source(app, "broken"))

    assert failed.state == "failed"
    assert failed.error.startswith("Could not connect to the warehouse of source 'broken': ")
    assert "Connection refused" in failed.error or "connection failed" in failed.error
    assert PASSWORD not in failed.error
    assert (failed.inserted, failed.rejected, failed.last_day) == (0, 0, None)
    assert failed.finished_at is not None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "SELECT queue_name AS queue, kpi_day AS day, kpi_value AS value FROM {table} "
            "WHERE kpi_day >= :since",
            "The query of source 'dwh' returned no column metric; it must return queue, day, "
            "metric and value (it returned queue, day, value).",
        ),
        ("SELECT * FROM no_such_table WHERE day >= :since", "The query of source 'dwh' failed: "),
        (
            "SELECT queue_name AS queue FROM {table}",
            "The query of source 'dwh' must use :since (rows with day >= :since).",
        ),
    ],
)
def test_a_query_that_cannot_be_read_fails_the_pull_with_a_sentence(
    make_app, database_url, warehouse, query, expected
):
    source = warehouse.source(query=query.format(table=warehouse.table))
    app = make_app(database_url, kpis={"sources": {"dwh": source}})

    failed = load(app, pull_source(app, "dwh"))

    assert failed.state == "failed"
    assert failed.error.startswith(expected)
    if "no_such_table" in query:
        assert "no_such_table" in failed.error, "the driver's own words follow the sentence"
    with db.session_scope(app) as session:
        assert session.exec(select(KpiValue)).all() == []


SLOW = {
    # Counting fifty million generated rows takes seconds; so does sleeping.
    "sqlite": "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 50000000) "
    "SELECT 'Spam appeals (EN)' AS queue, :since AS day, 'incoming' AS metric, count(*) AS value "
    "FROM n",
    "postgresql": "SELECT 'Spam appeals (EN)' AS queue, CAST(:since AS date) AS day, "
    "'incoming' AS metric, 1 AS value FROM pg_sleep(10)",
}


def test_a_query_past_its_timeout_is_stopped_and_recorded(make_app, database_url, warehouse):
    dialect = warehouse.engine.dialect.name
    source = warehouse.source(query=SLOW[dialect], timeout_seconds=0.2)
    app = make_app(database_url, kpis={"sources": {"dwh": source}})

    started = time.monotonic()
    failed = load(app, pull_source(app, "dwh"))

    assert time.monotonic() - started < 5
    assert failed.state == "failed"
    assert failed.error.startswith(("The query of source 'dwh' failed: ", "Reading the rows"))
    assert ("interrupted" if dialect == "sqlite" else "statement timeout") in failed.error


def test_secrets_in_a_drivers_message_are_masked():
    url = f"postgresql+psycopg://kpi:{PASSWORD}%40x@dwh.example.com/kpis?token=tok-123"
    message = (
        f"could not connect with {url}; password {PASSWORD}@x (encoded {PASSWORD}%40x), "
        "token tok-123"
    )

    masked = mask_secrets(message, url)

    assert PASSWORD not in masked
    assert "tok-123" not in masked
    assert "kpi:***@dwh.example.com" in masked


def test_a_pull_waits_for_the_one_running(pull_app, warehouse):
    app = pull_app()
    warehouse.put([(QUEUE, local_today(app.config["SETTINGS"]), "incoming", 5)])
    with db.session_scope(app) as session:
        assert leases.acquire(
            session, name="kpi_pull:dwh", owner="sched-other-7", lease=timedelta(minutes=5)
        )

    with pytest.raises(PullNotStarted) as refused:
        run_now(app, name="dwh", owner="cli-me-1")
    assert refused.value.message == "A pull of dwh is already running (owner sched-other-7)."
    assert run_leased(app, kpi_pull_job("dwh"), owner="sched-me-2") is False
    with db.session_scope(app) as session:
        assert session.exec(select(KpiLoad)).all() == []

    with db.session_scope(app) as session:
        leases.release(session, name="kpi_pull:dwh", owner="sched-other-7")
    assert run_leased(app, kpi_pull_job("dwh"), owner="sched-me-2") is True
    with db.session_scope(app) as session:
        [done] = session.exec(select(KpiLoad)).all()
        assert (done.source, done.state, done.inserted) == ("dwh", "succeeded", 1)
        lease = session.get(JobLease, "kpi_pull:dwh")
        assert lease is not None
        assert lease.lease_until is None, "the lease is free once the pull is done"


def test_the_scheduler_pulls_each_enabled_source_at_its_interval(make_app, sqlite_url):
    source = {"url": "sqlite://", "query": "SELECT 1 WHERE :since IS NOT NULL"}
    sources = {
        "dwh": {**source, "interval_minutes": 15},
        "finance": {**source, "interval_minutes": 240},
        "legacy": {**source, "enabled": False},
    }
    app = make_app(sqlite_url, kpis={"sources": sources})

    jobs = {job.id: job for job in build_scheduler(app, blocking=False).get_jobs()}

    assert jobs["kpi_pull:dwh"].trigger.interval == timedelta(minutes=15)
    assert jobs["kpi_pull:finance"].trigger.interval == timedelta(hours=4)
    assert "kpi_pull:legacy" not in jobs
    assert jobs["kpi_pull:dwh"].max_instances == 1
    assert jobs["kpi_pull:dwh"].coalesce is True

    off = make_app(sqlite_url, kpis={"sources": sources}, scheduler={"enabled": False})
    assert not [job for job in build_scheduler(off, blocking=False).get_jobs() if "kpi" in job.id]
