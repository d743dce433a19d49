"""The admin page of the Jira status sync: recent runs with their figures, how the sync stands,
paging, and the "Sync now" and "Full reconcile now" buttons against the fake Jira."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlmodel import select

from tests.fakejira import FakeJira
from tests.helpers.accounts import organisation_factory, user_factory
from tests.helpers.client import TrackerClient
from tests.helpers.jira import SECRET_TOKEN
from tests.helpers.sync_runs import START, WEBHOOK_SECRET, add_run, sync_settings
from tracker import db
from tracker.models import JobLease, Role, RunState, SyncKind, SyncRun
from tracker.services import jira_sites, leases


def hold_lease(app: Flask, job: str, owner: str) -> None:
    with db.session_scope(app) as session:
        assert leases.acquire(session, name=job, owner=owner, lease=timedelta(minutes=30))


def table_rows(page: str) -> list[list[str]]:
    """The sync run table's body rows as lists of cell texts."""
    body = re.search(r'<table class="sync-runs">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert body, "no table of sync runs on the page"
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells])
    return rows


def facts(page: str) -> dict[str, str]:
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page, re.S)
    return {dt: html.unescape(re.sub(r"<[^>]+>", "", dd)).strip() for dt, dd in pairs}


def flashes(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="flash[^"]*">(.*?)</p>', page)]


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str, fake: FakeJira) -> Flask:
    return make_app(database_url, **sync_settings(fake))


def admin_client(app: Flask) -> TrackerClient:
    """A client signed in as a new admin, for an app built in the test."""
    user = user_factory(app, organisation_factory(app))(Role.ADMIN)
    app.test_client_class = TrackerClient
    client = app.test_client()
    assert isinstance(client, TrackerClient)
    assert client.login(user.email).status_code == 302
    return client


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN)


def test_admin_sees_recent_runs_newest_first_with_their_figures(app, client, admin):
    add_run(app, started_at=START, calls=1, checked=40, recorded=9, changed=3, missing=1, events=5)
    add_run(
        app,
        kind=SyncKind.FULL.value,
        state=RunState.FAILED.value,
        started_at=START + timedelta(hours=1),
        finished_at=START + timedelta(hours=1, minutes=2, seconds=5),
        calls=2,
        error="Jira refused the credentials (401); check jira.api_token.",
    )
    add_run(app, state=RunState.RUNNING.value, started_at=START + timedelta(hours=2), calls=1)
    hold_lease(app, "jira_sync", "sched-web1-4242")

    page = client.get("/admin/sync")

    assert page.status_code == 200
    assert table_rows(page.text) == [
        ["2025-03-04 11:30 UTC", "—", "Incremental", "Running", "1", "0", "0", "0", "0", "0",
         ""],
        [
            "2025-03-04 10:30 UTC", "2 min 5 s", "Full reconcile", "Failed",
            "2", "0", "0", "0", "0", "0",
            "Jira refused the credentials (401); check jira.api_token.",
        ],
        ["2025-03-04 09:30 UTC", "2.5 s", "Incremental", "Succeeded", "1", "40", "9", "3", "1",
         "5", ""],
    ]  # fmt: skip
    assert "<strong>3</strong> runs." in page.text
    assert ">Recorded</abbr>" in page.text, "first sightings have their own column"


def test_a_run_whose_process_died_shows_as_interrupted(app, client, admin):
    add_run(app, state=RunState.RUNNING.value, owner="sched-web1-4242", started_at=START)
    add_run(
        app,
        kind=SyncKind.FULL.value,
        state=RunState.RUNNING.value,
        owner="sched-web1-4242",
        started_at=START + timedelta(minutes=1),
    )
    # Another process has taken over the incremental job since; the full one is free.
    hold_lease(app, "jira_sync", "sched-web2-5151")

    page = client.get("/admin/sync").text

    assert [row[3] for row in table_rows(page)] == [
        "Interrupted Its process stopped before the run finished."
    ] * 2


def test_start_times_are_shown_in_the_configured_zone(make_app, database_url):
    app = make_app(database_url, timezone="Europe/Dublin")
    add_run(app, started_at=datetime(2025, 7, 1, 8, 0, tzinfo=UTC))
    page = admin_client(app).get("/admin/sync").text
    assert table_rows(page)[0][0] == "2025-07-01 09:00 IST"


def test_the_state_of_the_sync_at_a_glance(app, client, admin):
    add_run(app, started_at=START)
    add_run(app, kind=SyncKind.FULL.value, started_at=START + timedelta(minutes=10))
    for minutes in (20, 25):
        add_run(app, state=RunState.FAILED.value, started_at=START + timedelta(minutes=minutes))
    hold_lease(app, "jira_sync", "sched-web1-4242")

    shown = facts(client.get("/admin/sync").text)

    assert shown["Last good sync"] == "2025-03-04 09:30 UTC"
    assert shown["Last good full reconcile"] == "2025-03-04 09:40 UTC"
    assert shown["Failed runs in a row"] == "2"
    assert shown["Running now"].startswith("jira_sync (sched-web1-4242, lease until ")
    # The backoff after the failures is long over: an interval after the last incremental run.
    assert shown["Next scheduled sync"] == "2025-03-04 10:00 UTC"


def test_a_quiet_sync_says_so(app, client, admin):
    page = client.get("/admin/sync").text
    shown = facts(page)
    assert shown["Last good sync"] == "Never"
    assert shown["Failed runs in a row"] == "0"
    assert shown["Running now"] == "Nothing"
    assert "No sync has run yet." in page


def test_runs_are_paged(app, client, admin):
    for number in range(30):
        add_run(app, started_at=START + timedelta(minutes=number), checked=number)

    first = client.get("/admin/sync").text
    second = client.get("/admin/sync?page=2").text

    assert [row[5] for row in table_rows(first)] == [str(n) for n in range(29, 4, -1)]
    assert [row[5] for row in table_rows(second)] == ["4", "3", "2", "1", "0"]
    assert "Page 1 of 2" in first
    assert 'rel="next" href="/admin/sync?page=2&amp;per_page=25"' in first
    assert 'rel="prev"' in second


def test_no_secret_reaches_the_page(app, client, admin):
    add_run(app)
    page = client.get("/admin/sync").text
    assert SECRET_TOKEN not in page
    assert WEBHOOK_SECRET not in page
    assert str(app.config["SETTINGS"].database_url.get_secret_value()) not in page


def test_admins_find_the_page_in_the_navigation(app, client, admin):
    assert '<a href="/admin/sync">Jira sync</a>' in client.get("/").text


def test_pms_do_not(app, client, login_as):
    login_as(Role.PM)
    assert "/admin/sync" not in client.get("/").text
    assert client.get("/admin/sync").status_code == 403


# --- the buttons --------------------------------------------------------------------------------


def wait_until_done(app: Flask, timeout: float = 15) -> list[SyncRun]:
    """The runs once none is running and no sync lease is held (the thread has finished)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.session_scope(app) as session:
            runs = list(session.exec(select(SyncRun)))
            held = [
                lease for lease in session.exec(select(JobLease)) if lease.lease_until is not None
            ]
        if runs and not held and all(run.finished_at for run in runs):
            return runs
        time.sleep(0.05)
    raise AssertionError("the sync started from the page did not finish")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("incremental", "A sync has started; reload the page to see how it went."),
        ("full", "A full reconcile has started; reload the page to see how it went."),
    ],
)
def test_sync_now_runs_in_the_background_and_is_listed(app, client, admin, fake, kind, message):
    page = client.get("/admin/sync").text
    assert 'value="incremental" class="primary">Sync now</button>' in page
    assert 'value="full">Full reconcile now</button>' in page

    response = client.submit("/admin/sync/run", {"kind": kind})

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/sync"
    assert flashes(client.get("/admin/sync").text) == [message]
    [run] = wait_until_done(app)
    assert run.kind == kind
    assert run.state == RunState.SUCCEEDED.value
    assert run.owner.startswith("web-")
    listed = table_rows(client.get("/admin/sync").text)
    assert [row[2:4] for row in listed] == [
        ["Full reconcile" if kind == "full" else "Incremental", "Succeeded"]
    ]


def test_sync_now_waits_for_a_running_sync(app, client, admin, fake):
    with db.session_scope(app) as session:
        leases.acquire(session, name="jira_sync", owner="sched-web2-77", lease=timedelta(minutes=5))

    response = client.submit("/admin/sync/run", {"kind": "incremental"}, follow_redirects=True)

    assert flashes(response.text) == ["A sync is already running (owner sched-web2-77)."]
    time.sleep(0.2)
    with db.session_scope(app) as session:
        assert list(session.exec(select(SyncRun))) == []
    assert fake.call_count() == 0


def test_sync_now_without_jira_explains_what_to_set(make_app, database_url):
    app = make_app(database_url)
    client = admin_client(app)

    page = client.get("/admin/sync").text
    assert "Jira is not configured." in page
    assert "Sync now" not in page
    response = client.submit("/admin/sync/run", {"kind": "incremental"}, follow_redirects=True)
    assert flashes(response.text) == [
        "Jira is not configured; set jira.base_url and its credentials first."
    ]
    with db.session_scope(app) as session:
        assert list(session.exec(select(SyncRun))) == []


def test_an_unknown_kind_of_sync_is_refused(app, client, admin, fake):
    response = client.submit("/admin/sync/run", {"kind": "everything"}, follow_redirects=True)
    assert flashes(response.text) == ["Choose an incremental sync or a full reconcile."]
    assert fake.call_count() == 0


def test_what_the_site_does_differently_is_said(app, client, admin, fake):
    assert "This Jira site" not in facts(client.get("/admin/sync").text)
    with db.session_scope(app) as session:
        jira_sites.save(
            session,
            base_url=fake.url,
            flavour="datacenter",
            server_version="8.20.30",
            capabilities={"search": "get", "createmeta": "paged", "id_in": False},
            site_metadata=None,
            discovered_at=None,
        )

    shown = facts(client.get("/admin/sync").text)["This Jira site"]

    assert "Jira ignores `id in (...)` in searches" in shown
    assert "the full reconcile reads the tracked issues by the site label instead" in shown
    assert "the tracker searches with GET" in shown
    assert "create-screen" not in shown  # the paged one answers: nothing to say
