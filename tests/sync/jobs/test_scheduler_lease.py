"""Two real `tracker scheduler` processes on one database: the job lease lets only one of them
sync at a time, and when the one holding the lease dies, the other takes over once it expires.

The fake Jira answers slowly, so a sync run lasts most of the sync interval and the lease is
held most of the time; the holder is frozen (SIGSTOP) while its lease is checked, then killed
with SIGKILL, leaving its lease and its run behind as a crash would.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import col, select

from tests.fakejira import FakeJira
from tests.helpers.jira import jira_config
from tests.helpers.push_world import PushWorld
from tests.helpers.settings import TEST_SECRET
from tracker import db
from tracker.models import JobLease, PushState, SyncKind, SyncRun

ROOT = Path(__file__).resolve().parents[3]
# The `tracker` console script of the environment running the tests.
TRACKER = Path(sys.executable).parent / "tracker"
INTERVAL = 1.2  # seconds: sync.interval_minutes = 0.02
LEASE = 5  # seconds: the smallest scheduler.lease_seconds allowed
LATENCY = 0.8  # per Jira call, so that a run holds the lease for most of the interval


@pytest.fixture
def flavour() -> str:
    return "cloud"


def write_config(path: Path, database_url: str, fake: FakeJira) -> Path:
    jira = jira_config(fake)
    # Far from now, so the daily full reconcile does not fire during the test.
    reconcile_at = (datetime.now(UTC) + timedelta(hours=12)).strftime("%H:%M")
    lines = [
        'env = "production"',
        f"secret_key = {json.dumps(TEST_SECRET)}",
        f"database_url = {json.dumps(database_url)}",
        'log_level = "DEBUG"',
        "[scheduler]",
        f"lease_seconds = {LEASE}",
        "push_interval_seconds = 3600",
        "[sync]",
        f"interval_minutes = {INTERVAL / 60}",
        f"full_reconcile_at = {json.dumps(reconcile_at)}",
        "[digests]",
        "enabled = false",
        "[notifications]",
        "enabled = false",
        "[jira]",
    ]
    for key in ("base_url", "project_key", "deployment", "site_id", "email", "api_token"):
        lines.append(f"{key} = {json.dumps(jira[key])}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Scheduler:
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def owns(self, owner: str) -> bool:
        return re.search(rf"-{self.pid}(-|$)", owner) is not None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def start_scheduler(tmp_path: Path) -> Iterator[Callable[[Path], Scheduler]]:
    started: list[Scheduler] = []

    def start(config: Path) -> Scheduler:
        log = tmp_path / f"scheduler-{len(started)}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
        env["TRACKER_CONFIG"] = str(config)
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(TRACKER), "scheduler"], cwd=ROOT, env=env, stdout=out, stderr=out
            )
        started.append(Scheduler(process, log))
        return started[-1]

    try:
        yield start
    finally:
        for scheduler in started:
            if scheduler.process.poll() is None:
                scheduler.process.kill()
            scheduler.process.wait(10)


def runs(app: Flask) -> list[SyncRun]:
    with db.session_scope(app) as session:
        found = session.exec(
            select(SyncRun)
            .where(SyncRun.kind == SyncKind.INCREMENTAL.value)
            .order_by(col(SyncRun.started_at))
        )
        return list(found)


def sync_lease(app: Flask) -> JobLease | None:
    with db.session_scope(app) as session:
        return session.get(JobLease, "jira_sync")


def wait_for(what: str, check: Callable[[], Any], timeout: float, *logs: Scheduler) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    details = "\n".join(f"--- scheduler {s.pid}:\n{s.output()[-3000:]}" for s in logs)
    raise AssertionError(f"timed out waiting for {what}\n{details}")


def lease_holder(app: Flask, schedulers: list[Scheduler]) -> tuple[Scheduler, JobLease] | None:
    """The scheduler holding the sync lease for at least another second, and the lease."""
    lease = sync_lease(app)
    if lease is None or lease.lease_until is None:
        return None
    if lease.lease_until < datetime.now(UTC) + timedelta(seconds=1):
        return None
    holder = next((s for s in schedulers if s.owns(lease.owner)), None)
    return None if holder is None else (holder, lease)


def kill_the_lease_holder(app: Flask, schedulers: list[Scheduler]) -> tuple[Scheduler, JobLease]:
    """SIGKILL the scheduler holding the sync lease, caught while it holds it; returns it and
    the lease it left behind."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if found := lease_holder(app, schedulers):
            holder = found[0]
            os.kill(holder.pid, signal.SIGSTOP)  # frozen: it can neither finish nor release
            still = lease_holder(app, [holder])
            if still is not None:
                os.kill(holder.pid, signal.SIGKILL)
                holder.process.wait(10)
                return still
            os.kill(holder.pid, signal.SIGCONT)
        time.sleep(0.05)
    raise AssertionError("no scheduler was seen holding the sync lease")


def assert_no_overlap(found: list[SyncRun], ends: dict[int, datetime]) -> None:
    """No run started before every earlier-started run had ended."""
    spans = sorted((run.started_at, run.finished_at or ends[run.id or 0], run) for run in found)
    latest_end, latest = spans[0][1], spans[0][2]
    for start, end, run in spans[1:]:
        assert start >= latest_end, f"run {run} started while {latest} was running"
        if end > latest_end:
            latest_end, latest = end, run


def test_two_scheduler_processes_share_the_sync_through_the_lease(
    app: Flask, fake: FakeJira, world: PushWorld, start_scheduler, tmp_path: Path
):
    story_ids = world.stories(3)
    world.push(story_ids)
    world.run()
    assert {link.state for link in world.links().values()} == {PushState.PUSHED}
    fake.latency = LATENCY
    database_url = app.config["SETTINGS"].database_url.get_secret_value()
    config = write_config(tmp_path / "config.toml", database_url, fake)

    first, second = start_scheduler(config), start_scheduler(config)
    schedulers = [first, second]
    wait_for(
        "two successful scheduled syncs",
        lambda: sum(run.state == "succeeded" for run in runs(app)) >= 2,
        25,
        *schedulers,
    )

    dead, left_lease = kill_the_lease_holder(app, schedulers)
    killed_at = datetime.now(UTC)
    survivor = second if dead is first else first
    assert left_lease.lease_until is not None
    expires = left_lease.lease_until

    def taken_over() -> list[SyncRun]:
        return [
            run
            for run in runs(app)
            if survivor.owns(run.owner) and run.started_at > killed_at and run.state == "succeeded"
        ]

    wait_for(
        "the survivor to record two syncs after the kill",
        lambda: len(taken_over()) >= 2,
        (expires - datetime.now(UTC)).total_seconds() + 4 * INTERVAL + 4 * LATENCY + 5,
        survivor,
    )
    new_runs = taken_over()
    # Nothing ran while the dead scheduler's lease lasted, and the survivor took over at once.
    assert new_runs[0].started_at >= expires
    assert new_runs[0].started_at <= expires + timedelta(seconds=INTERVAL + 2)
    assert "job jira_sync is running elsewhere; skipped" in survivor.output()

    found = runs(app)
    # The killed run never finished: it held the job until its lease ran out.
    now = datetime.now(UTC)
    ends = {
        run.id or 0: (expires if dead.owns(run.owner) else now)
        for run in found
        if run.finished_at is None
    }
    assert_no_overlap(found, ends)
