"""`tracker kpis pull [NAME]` against a SQLite file acting as the warehouse."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import col, select

from sync.jobs.kpi_pull import local_today
from tests.helpers.kpis import make_queue
from tests.helpers.warehouse import Warehouse, sqlite_warehouse
from tracker import db
from tracker.models import KpiLoad, KpiValue
from tracker.services import leases

QUEUE = "Spam appeals (EN)"
PASSWORD = "Hunter2-warehouse"
BROKEN = {
    "url": f"postgresql+psycopg://reader:{PASSWORD}@127.0.0.1:1/dwh",
    "query": "SELECT queue, day, metric, value FROM kpis WHERE day >= :since",
}


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    with sqlite_warehouse(tmp_path) as made:
        yield made


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str, warehouse: Warehouse) -> Flask:
    sources = {
        "dwh": warehouse.source(first_days=60),
        "broken": BROKEN,
        "legacy": {**BROKEN, "enabled": False},
    }
    made = make_app(database_url, kpis={"sources": sources})
    make_queue(made, QUEUE)
    return made


def loads(app: Flask) -> list[KpiLoad]:
    with db.session_scope(app) as session:
        return list(session.exec(select(KpiLoad).order_by(col(KpiLoad.id))))


def test_pull_one_source_prints_its_counts_and_rejected_rows(app, warehouse, tracker):
    today = local_today(app.config["SETTINGS"])
    warehouse.put(
        [
            (QUEUE, today - timedelta(days=3), "incoming", 40),
            (QUEUE, today - timedelta(days=2), "incoming", 42),
            ("Refunds (DE)", today - timedelta(days=2), "incoming", 7),
        ]
    )

    result = tracker("kpis", "pull", "dwh")

    [done] = loads(app)
    since = today - timedelta(days=60)
    lines = result.output.splitlines()
    assert lines[0] == (
        f"dwh: pull #{done.id} succeeded since {since}: 2 inserted, 0 updated, 0 unchanged, "
        f"1 rejected; the last day received is {today - timedelta(days=2)}."
    )
    assert lines[1].startswith("  row 2, queue: No queue named 'Refunds (DE)'")
    assert len(lines) == 2

    again = tracker("kpis", "pull", "dwh")
    # Again from the last day received minus the overlap (3 days): both rows, unchanged.
    assert f"since {today - timedelta(days=5)}: 0 inserted, 0 updated, 2 unchanged" in again.output
    with db.session_scope(app) as session:
        assert len(session.exec(select(KpiValue)).all()) == 2


def test_pull_without_a_name_runs_every_enabled_source_and_fails_if_one_did(
    app, warehouse, tracker
):
    warehouse.put([(QUEUE, local_today(app.config["SETTINGS"]), "solved", 12)])

    result = tracker("kpis", "pull", expect=1)

    lines = result.output.splitlines()
    assert lines[0].startswith("broken: pull #1 failed (since ")
    assert "Could not connect to the warehouse of source 'broken'" in lines[0]
    assert PASSWORD not in result.output
    assert lines[1].startswith("dwh: pull #2 succeeded since ")
    assert [(load.source, load.state) for load in loads(app)] == [
        ("broken", "failed"),
        ("dwh", "succeeded"),
    ], "the disabled source is left alone; the failing one does not stop the others"


def test_an_unknown_source_is_a_usage_error_that_lists_the_names(app, tracker):
    result = tracker("kpis", "pull", "warehouse", expect=2)

    assert "No source is named 'warehouse'; the sources are: broken, dwh, legacy." in result.output
    assert loads(app) == []


def test_a_source_whose_pull_is_running_elsewhere_is_skipped(app, warehouse, tracker):
    warehouse.put([(QUEUE, local_today(app.config["SETTINGS"]), "solved", 12)])
    with db.session_scope(app) as session:
        leases.acquire(
            session, name="kpi_pull:dwh", owner="sched-web2-88", lease=timedelta(minutes=5)
        )

    result = tracker("kpis", "pull", "dwh")

    assert result.output == (
        "dwh: skipped. A pull of dwh is already running (owner sched-web2-88).\n"
    )
    assert loads(app) == []


def test_without_sources_the_command_says_what_to_configure(make_app, database_url):
    app = make_app(database_url)

    result = app.test_cli_runner().invoke(args=["kpis", "pull"])

    assert result.exit_code == 1
    assert "No warehouse source is configured; add a [kpis.sources.NAME] section." in result.output
