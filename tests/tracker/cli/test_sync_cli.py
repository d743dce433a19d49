"""`tracker sync now` and `tracker sync status` against the fake Jira."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import col, select

from tests.fakejira import FakeJira
from tests.helpers.push_world import PushWorld
from tests.helpers.sync_runs import START, add_run, sync_settings
from tracker import db
from tracker.models import JobLease, Role, RunState, SyncKind, SyncRun, User
from tracker.services import leases

CLI_OWNER = f"cli-{socket.gethostname()}-{os.getpid()}"[:80]
LINE = re.compile(
    r"^Sync #(?P<id>\d+) (?P<kind>\w+) (?P<state>\w+) in (?P<seconds>[\d.]+) s: "
    r"(?P<calls>\d+) Jira calls?, (?P<checked>\d+) checked, "
    r"recorded (?P<recorded>\d+) issues?, (?P<changed>\d+) changed, "
    r"(?P<missing>\d+) missing, (?P<events>\d+) events?\.(?P<error>.*)$"
)


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str, fake: FakeJira) -> Flask:
    return make_app(database_url, **sync_settings(fake))


@pytest.fixture
def world(app: Flask, fake: FakeJira, make_user: Callable[..., User]) -> PushWorld:
    """Two stories pushed to the fake Jira, so the sync has issues to track."""
    world = PushWorld(app, fake, make_user(Role.PM))
    world.push(world.stories(2))
    world.run()
    return world


def stored_runs(app: Flask) -> list[SyncRun]:
    with db.session_scope(app) as session:
        return list(session.exec(select(SyncRun).order_by(col(SyncRun.id))))


def summary_line(output: str) -> dict[str, str]:
    [line] = output.strip().splitlines()
    match = LINE.match(line)
    assert match, line
    return match.groupdict()


# --- sync now -----------------------------------------------------------------------------------


def test_sync_now_runs_an_incremental_sync_and_prints_what_it_did(app, fake, world, tracker):
    keys = [link.jira_key for link in world.links().values()]
    fake.transition(keys[0], "In Progress")
    calls_before = fake.call_count()

    shown = summary_line(tracker("sync", "now").output)

    [run] = stored_runs(app)
    assert shown == {
        "id": str(run.id),
        "kind": "incremental",
        "state": "succeeded",
        "seconds": shown["seconds"],
        "calls": str(run.calls),
        "checked": "2",
        "recorded": "2",  # the first sync sees both issues for the first time
        "changed": "0",
        "missing": "0",
        "events": str(run.events),
        "error": "",
    }
    assert run.calls == fake.call_count() - calls_before >= 1
    assert run.events >= 1  # the move to In Progress
    assert run.owner == CLI_OWNER
    assert (run.recorded, run.changed) == (2, 0)


def test_the_first_sync_records_issues_and_a_later_one_counts_changes(app, fake, world, tracker):
    first = tracker("sync", "now").output
    assert "2 checked, recorded 2 issues, 0 changed" in first, first

    quiet = summary_line(tracker("sync", "now", "--full").output)
    assert (quiet["recorded"], quiet["changed"]) == ("0", "0"), "nothing changed in Jira"

    fake.transition([link.jira_key for link in world.links().values()][1], "In Progress")
    moved = summary_line(tracker("sync", "now").output)
    assert (moved["recorded"], moved["changed"]) == ("0", "1")


def test_sync_now_full_reconciles_every_tracked_issue(app, fake, world, tracker):
    shown = summary_line(tracker("sync", "now", "--full").output)
    assert shown["kind"] == "full"
    assert shown["state"] == "succeeded"
    assert shown["checked"] == "2"
    [run] = stored_runs(app)
    assert run.kind == SyncKind.FULL.value


def test_sync_now_holds_the_scheduler_lease_and_frees_it(app, fake, world, tracker):
    tracker("sync", "now")
    tracker("sync", "now", "--full")
    with db.session_scope(app) as session:
        held = {row.name: row for row in session.exec(select(JobLease))}
    assert set(held) == {"jira_sync", "jira_reconcile"}
    for row in held.values():
        assert row.owner == CLI_OWNER
        assert row.lease_until is None
        assert row.last_finished_at is not None


def test_sync_now_refuses_while_a_sync_is_running(app, fake, world, tracker):
    with db.session_scope(app) as session:
        leases.acquire(session, name="jira_sync", owner="sched-web1-99", lease=timedelta(minutes=2))
    calls_before = fake.call_count()

    result = tracker("sync", "now", expect=1)

    assert result.output.strip() == "Error: A sync is already running (owner sched-web1-99)."
    assert stored_runs(app) == []
    assert fake.call_count() == calls_before


def test_a_running_full_reconcile_does_not_stop_an_incremental_sync(app, fake, world, tracker):
    with db.session_scope(app) as session:
        leases.acquire(
            session, name="jira_reconcile", owner="sched-web1-99", lease=timedelta(minutes=2)
        )
    assert summary_line(tracker("sync", "now").output)["state"] == "succeeded"


def test_sync_now_reports_a_failed_run_and_exits_1(app, fake, world, tracker):
    fake.forbid_next(times=None)

    result = tracker("sync", "now", expect=1)

    shown = summary_line(result.output)
    [run] = stored_runs(app)
    assert shown["state"] == "failed"
    assert run.state == RunState.FAILED.value
    assert run.error
    assert shown["error"] == f" {run.error}"


def test_sync_now_without_jira_refuses_in_one_sentence(make_app, database_url):
    app = make_app(database_url)
    result = app.test_cli_runner().invoke(args=["sync", "now"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: Jira is not configured; set jira.base_url and its credentials first."
    )
    assert stored_runs(app) == []


# --- sync status --------------------------------------------------------------------------------


def status_lines(tracker) -> list[str]:
    return [line.rstrip() for line in tracker("sync", "status").output.splitlines()]


def test_status_lists_runs_and_how_the_sync_stands(app, tracker):
    add_run(app, started_at=START, calls=1, checked=40, recorded=7, changed=3, missing=1, events=5)
    add_run(
        app,
        kind=SyncKind.FULL.value,
        started_at=START + timedelta(minutes=5),
        finished_at=START + timedelta(minutes=6, seconds=30),
        calls=2,
        checked=41,
    )
    add_run(
        app,
        state=RunState.FAILED.value,
        started_at=START + timedelta(minutes=10),
        calls=1,
        error="Jira did not answer within 30 seconds.",
    )
    add_run(app, state=RunState.RUNNING.value, started_at=START + timedelta(minutes=15))
    with db.session_scope(app) as session:
        leases.acquire(session, name="jira_sync", owner="sched-web1-4242", lease=timedelta(hours=1))

    lines = status_lines(tracker)

    table = [line.split(None, 13) for line in lines[1:5]]
    assert lines[0].split() == [
        "#", "started", "kind", "state", "secs", "calls",
        "checked", "recorded", "changed", "missing", "events", "error",
    ]  # fmt: skip
    assert table == [
        ["4", "2025-03-04", "09:45", "UTC", "incremental", "running", "-",
         "0", "0", "0", "0", "0", "0"],
        ["3", "2025-03-04", "09:40", "UTC", "incremental", "failed", "2.5",
         "1", "0", "0", "0", "0", "0", "Jira did not answer within 30 seconds."],
        ["2", "2025-03-04", "09:35", "UTC", "full", "succeeded", "90.0",
         "2", "41", "0", "0", "0", "0"],
        ["1", "2025-03-04", "09:30", "UTC", "incremental", "succeeded", "2.5",
         "1", "40", "7", "3", "1", "5"],
    ]  # fmt: skip
    facts = dict(line.split(":", 1) for line in lines[6:] if ":" in line)
    facts = {key.strip(): value.strip() for key, value in facts.items()}
    assert facts["Last successful incremental run"] == "2025-03-04 09:30 UTC"
    assert facts["Last successful full reconcile"] == "2025-03-04 09:35 UTC"
    assert facts["Failed runs in a row"] == "1"
    assert facts["Running job"].startswith("jira_sync by sched-web1-4242 (lease until ")
    due = facts["Next incremental run"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", due), due


def test_status_marks_a_run_whose_process_died(app, tracker):
    add_run(app, state=RunState.RUNNING.value, owner="sched-web1-4242", started_at=START)
    lines = status_lines(tracker)
    assert lines[1].split()[:6] == [
        "1", "2025-03-04", "09:30", "UTC", "incremental", "interrupted",
    ]  # fmt: skip
    assert "Running jobs:                    none" in lines


def test_status_before_any_sync(app, tracker):
    lines = status_lines(tracker)
    assert lines[0] == "No sync has run yet."
    text = "\n".join(lines)
    assert "Last successful incremental run: never" in text
    assert "Last successful full reconcile:  never" in text
    assert "Failed runs in a row:            0" in text
    assert "Running jobs:                    none" in text


def test_status_says_when_the_scheduled_sync_is_off(make_app, database_url):
    app = make_app(database_url)
    result = app.test_cli_runner().invoke(args=["sync", "status"])
    assert result.exit_code == 0, result.output
    assert "Next incremental run:            none (the scheduled sync is switched off)" in (
        result.output
    )


def test_status_shows_only_the_newest_runs_asked_for(app, tracker):
    for minute in range(5):
        add_run(app, started_at=START + timedelta(minutes=minute))
    lines = tracker("sync", "status", "--limit", "2").output.splitlines()
    assert [line.split()[0] for line in lines[1:3]] == ["5", "4"]
    assert lines[3] == ""
