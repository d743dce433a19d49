"""The KPI loads admin page: every load with its figures and rejected rows, the configured
warehouse sources, and the "Pull now" button running a pull in the background under the lease."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import select

from sync.jobs.kpi_pull import local_today
from tests.helpers.accounts import organisation_factory, user_factory
from tests.helpers.client import TrackerClient
from tests.helpers.kpis import make_queue
from tests.helpers.warehouse import Warehouse, sqlite_warehouse
from tracker import db
from tracker.models import JobLease, KpiLoad, Role
from tracker.services import leases

QUEUE = "Spam appeals (EN)"
START = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    with sqlite_warehouse(tmp_path) as made:
        yield made


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str, warehouse: Warehouse) -> Flask:
    sources = {
        "dwh": warehouse.source(interval_minutes=30),
        "finance": {**warehouse.source(), "enabled": False},
    }
    made = make_app(database_url, kpis={"sources": sources})
    make_queue(made, QUEUE)
    return made


def add_load(app: Flask, **values: Any) -> None:
    with db.session_scope(app) as session:
        session.add(KpiLoad(**values))


def table_rows(page: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table class="{table}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert body, f"no table {table} on the page"
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows.append([" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells])
    return rows


def flashes(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="flash[^"]*">(.*?)</p>', page)]


def wait_for_pull(app: Flask, timeout: float = 15) -> KpiLoad:
    """The pull's load once it is recorded and its lease is free (the thread has finished)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.session_scope(app) as session:
            found = list(session.exec(select(KpiLoad)))
            held = [row for row in session.exec(select(JobLease)) if row.lease_until is not None]
        if found and not held:
            [load] = found
            return load
        time.sleep(0.05)
    raise AssertionError("the pull started from the page did not finish")


def test_a_pm_sees_every_load_newest_first_with_its_figures(app, client, login_as, make_user):
    sender = make_user(Role.PM, display_name="Priya PM")
    add_load(
        app,
        channel="csv",
        actor_id=sender.id,
        state="succeeded",
        inserted=120,
        updated=3,
        unchanged=7,
        rejected=2,
        last_day=date(2026, 3, 1),
        rejections=[
            {"row": 4, "field": "queue", "reason": "No queue named 'Refunds (DE)'."},
            {"row": 9, "field": "value", "reason": "<b>Not a number</b>."},
        ],
        started_at=START,
    )
    add_load(
        app,
        channel="pull",
        source="dwh",
        state="failed",
        since=date(2026, 2, 26),
        error="Could not connect to the warehouse of source 'dwh': connection refused.",
        started_at=START + timedelta(hours=1),
    )
    login_as(Role.PM)

    page = client.get("/admin/kpis")

    assert page.status_code == 200
    assert table_rows(page.text, "kpi-loads") == [
        ["2026-03-04 10:30 UTC", "Warehouse pull", "dwh", "Pull of dwh", "Failed",
         "2026-02-26", "—", "0", "0", "0", "0",
         "Could not connect to the warehouse of source 'dwh': connection refused."],
        ["2026-03-04 09:30 UTC", "CSV file", "—", "Priya PM", "Succeeded", "—", "2026-03-01",
         "120", "3", "7",
         "2 Row 4, queue: No queue named 'Refunds (DE)'. Row 9, value: <b>Not a number</b>.",
         ""],
    ]  # fmt: skip
    assert '<details class="rejections"><summary>2</summary>' in page.text
    assert "&lt;b&gt;Not a number&lt;/b&gt;" in page.text, "rejected values are escaped"
    assert "<strong>2</strong> loads." in page.text


def test_the_sources_show_their_interval_last_pull_and_next_one(app, client, login_as):
    add_load(app, channel="pull", source="dwh", state="succeeded", started_at=START)
    login_as(Role.ADMIN)

    page = client.get("/admin/kpis").text

    dwh, finance = table_rows(page, "kpi-sources")
    assert dwh[:3] == ["dwh", "30 min", "2026-03-04 09:30 UTC Succeeded"]
    # Long overdue: the scheduler's next tick (shown as now, so a time today).
    assert dwh[3].endswith("UTC")
    assert finance[:4] == ["finance", "60 min", "Never", "None: switched off ( enabled = false )"]
    assert page.count("Pull now") == 2


def test_before_its_first_pull_or_without_the_scheduler_a_source_says_so(
    make_app, database_url, warehouse
):
    sources = {"dwh": warehouse.source(interval_minutes=30)}
    for scheduler, expected in [
        ({}, "Within 30 min of the scheduler starting"),
        ({"enabled": False}, "None: the scheduler is switched off"),
    ]:
        app = make_app(database_url, kpis={"sources": sources}, scheduler=scheduler)
        pm = user_factory(app, organisation_factory(app))(
            Role.PM, email=f"pm{len(scheduler)}@x.org"
        )
        app.test_client_class = TrackerClient
        client = app.test_client()
        assert client.login(pm.email).status_code == 302

        [dwh] = table_rows(client.get("/admin/kpis").text, "kpi-sources")

        assert dwh[2:4] == ["Never", expected]


def test_pull_now_runs_the_pull_in_the_background_and_lists_it(app, client, login_as, warehouse):
    today = local_today(app.config["SETTINGS"])
    warehouse.put([(QUEUE, today - timedelta(days=1), "incoming", 64)])
    login_as(Role.PM)

    response = client.submit("/admin/kpis/pull/dwh")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/kpis"
    assert flashes(client.get("/admin/kpis").text) == [
        "A pull of dwh has started; reload the page to see how it went."
    ]
    load = wait_for_pull(app)
    assert (load.source, load.state, load.inserted, load.actor_id) == ("dwh", "succeeded", 1, None)
    [row] = table_rows(client.get("/admin/kpis").text, "kpi-loads")
    assert row[1:5] == ["Warehouse pull", "dwh", "Pull of dwh", "Succeeded"]
    assert row[7] == "1"


def test_pull_now_waits_for_a_running_pull(app, client, login_as, warehouse):
    warehouse.put([(QUEUE, local_today(app.config["SETTINGS"]), "incoming", 64)])
    with db.session_scope(app) as session:
        leases.acquire(
            session, name="kpi_pull:dwh", owner="sched-web2-77", lease=timedelta(minutes=5)
        )
    login_as(Role.ADMIN)

    response = client.submit("/admin/kpis/pull/dwh", follow_redirects=True)

    assert flashes(response.text) == ["A pull of dwh is already running (owner sched-web2-77)."]
    time.sleep(0.2)
    with db.session_scope(app) as session:
        assert session.exec(select(KpiLoad)).all() == []


def test_pulling_a_source_that_is_not_configured_is_not_found(app, client, login_as):
    login_as(Role.PM)

    assert client.submit("/admin/kpis/pull/nosuch").status_code == 404
    assert client.submit("/admin/kpis/pull/" + "x" * 500).status_code == 404


@pytest.mark.parametrize("role", [Role.STAKEHOLDER, Role.VENDOR, Role.SUBMITTER])
def test_people_who_send_no_kpi_data_cannot_see_or_start_loads(app, client, login_as, role):
    login_as(role)

    assert client.get("/admin/kpis").status_code == 403
    assert client.submit("/admin/kpis/pull/dwh").status_code == 403


def test_loads_are_paged(app, client, login_as):
    for number in range(30):
        add_load(app, channel="api", state="succeeded", inserted=number,
                 started_at=START + timedelta(minutes=number))  # fmt: skip
    login_as(Role.PM)

    first = client.get("/admin/kpis").text
    second = client.get("/admin/kpis?page=2").text

    assert [row[7] for row in table_rows(first, "kpi-loads")] == [str(n) for n in range(29, 4, -1)]
    assert [row[7] for row in table_rows(second, "kpi-loads")] == ["4", "3", "2", "1", "0"]
    assert "Page 1 of 2" in first
    assert client.get("/admin/kpis?page=99999999999999").status_code == 200


def test_without_sources_the_page_says_how_to_add_one(make_app, database_url):
    app = make_app(database_url)
    pm = user_factory(app, organisation_factory(app))(Role.PM)
    app.test_client_class = TrackerClient
    client = app.test_client()
    assert client.login(pm.email).status_code == 302

    text = client.get("/admin/kpis").text

    assert "No warehouse source is configured." in text
    assert "No KPI data has been loaded yet." in text
    assert "Pull now" not in text
