"""Status sync benchmark: 10,000 tracked issues from a fake Jira that answers every call after
50 ms.

    python bench/status_sync.py [--issues 10000] [--latency 0.05] [--concurrency 8]
                                [--flavour cloud]

The fake Jira runs in its own process (as a real one would; it skips checking its own answers)
and is seeded with the issues two days in the past: a third in progress, a tenth done, half in
an active sprint. A fresh SQLite file (the migrations' schema) gets, by bulk inserts, one
suggestion in delivery per issue with its story and the story's pushed Jira link. Then, timed:

1. a full reconcile, the first sync ever (every link new; the site's fields are learnt: one
   GET /field beside the searches);
2. the first incremental run in this process (nothing changed; it also learns the Jira user's
   time zone: GET /myself);
3. a steady-state incremental run with nothing changed.

For each: Jira calls, wall time, the ratio of the wall time to the lower bound of those calls
made one after another (calls x latency), and the peak growth of the process's resident memory
during the run (Linux VmHWM after resetting it through /proc/self/clear_refs, else sampled every
5 ms). Targets: full reconcile <= ceil(issues / 100) + 1 calls at a ratio under 1.3; steady
incremental 1 call; peak memory growth under 100 MB. Figures move with machine load.
"""

from __future__ import annotations

import argparse
import gc
import logging
import math
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, text, update
from sqlmodel import select

from bench.common import (
    SITE_ID,
    FakeJiraProcess,
    add_jira_options,
    bench_app,
    jira_settings,
    scratch_database,
    send_details,
)
from bench.push import seed as seed_stories
from sync.pull.status_sync import SyncSummary, run_sync
from tests.fakejira import FakeJira
from tracker import db
from tracker.models import JiraLink, PushState, Status, StatusEvent, Suggestion, SyncKind

TARGET_RATIO = 1.3
TARGET_MEMORY_MB = 100
PAGE = 100


# ---- the fake Jira, in its own process ---------------------------------------------------------
def serve_fake(flavour: str, latency: float, issues: int, conn: Connection) -> None:
    """Seed `issues` issues as the push would have left them, send their ids and keys, then
    report the calls made (FakeJiraProcess)."""
    with FakeJira(flavour, latency=latency, check_responses=False) as fake:
        fake.now = datetime.now(UTC) - timedelta(days=2)
        made = []
        for n in range(1, issues + 1):
            labels = ["initiative-tracker", f"trk-{SITE_ID}", f"trk-{SITE_ID}-s{n}"]
            issue = fake.add_issue(f"Route appeals of queue {n} to the specialists", labels=labels)
            if n % 3 == 0 or n % 10 == 0:
                fake.transition(issue.key, "In Progress")
            if n % 10 == 0:
                fake.transition(issue.key, "Done")
            if n % 2 == 0:
                fake.set_sprints(issue.key, {"id": 7, "name": "Sprint 7", "state": "active"})
            made.append((issue.id, issue.key))
        fake.clock = lambda: datetime.now(UTC)  # live again: the sync runs now
        send_details(fake, conn)
        conn.send(made)
        while conn.recv() == "report":
            conn.send({"calls": fake.call_count(), "violations": list(fake.contract_violations)})


# ---- the tracker's database --------------------------------------------------------------------
def seed(url: str, issues: list[tuple[str, str]], jira_url: str) -> None:
    """The push benchmark's suggestions and stories, one per issue, now in delivery, and each
    story's pushed link to its issue."""
    seed_stories(url, len(issues))
    engine = db.make_engine(url)
    now = datetime.now(UTC) - timedelta(days=2)
    with engine.begin() as connection:
        connection.execute(update(Suggestion).values(status=Status.IN_DELIVERY, in_jira_at=now))
        drafts = [
            row[0] for row in connection.execute(text("SELECT id FROM storydraft ORDER BY id"))
        ]
        connection.execute(
            insert(JiraLink),
            [
                {
                    "story_id": draft_id,
                    "label": f"trk-{SITE_ID}-s{draft_id}",
                    "state": PushState.PUSHED.value,
                    "attempts": 1,
                    "last_error": "",
                    "jira_id": jira_id,
                    "jira_key": key,
                    "browse_url": f"{jira_url}/browse/{key}",
                    "sent_at": now,
                    "pushed_at": now,
                    "updated_at": now,
                    "fix_versions": [],
                }
                for draft_id, (jira_id, key) in zip(drafts, issues, strict=True)
            ],
        )
    engine.dispose()


# ---- measuring -------------------------------------------------------------------------------
def _kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


class PeakMemory:
    """Peak growth of resident memory over a block, in MB: VmHWM after resetting it (Linux
    clear_refs 5), else the largest VmRSS sampled every 5 ms."""

    def __init__(self) -> None:
        self.method = "VmHWM reset via clear_refs"
        self.growth_mb = 0.0
        self._stop = threading.Event()
        self._sampled = 0
        self._sampler: threading.Thread | None = None

    def __enter__(self) -> PeakMemory:
        gc.collect()
        self._base = _kib("VmRSS")
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            self.method = "VmRSS sampled every 5 ms"
            self._sampler = threading.Thread(target=self._sample, daemon=True)
            self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self._sampled = max(self._sampled, _kib("VmRSS"))

    def __exit__(self, *exc: object) -> None:
        if self._sampler is not None:
            self._stop.set()
            self._sampler.join()
            peak = max(self._sampled, _kib("VmRSS"))
        else:
            peak = _kib("VmHWM")
        self.growth_mb = max(0, peak - self._base) / 1024


def timed(run: Callable[[], SyncSummary]) -> dict[str, Any]:
    with PeakMemory() as memory:
        started = time.perf_counter()
        summary = run()
        wall = time.perf_counter() - started
    return {"summary": summary, "wall": wall, "memory": memory}


def run(issues: int, latency: float, concurrency: int, flavour: str) -> dict[str, Any]:
    with FakeJiraProcess(serve_fake, flavour, latency, issues) as fake:
        made = fake.conn.recv()
        with scratch_database() as (folder, url):
            seed(url, made, fake.details["url"])
            app = bench_app(
                folder,
                url,
                log_level="WARNING",
                jira=jira_settings(fake.details, flavour, concurrency),
                sync={"batch_size": PAGE},
            )
            gc.freeze()  # as the app does outside tests: start-up objects leave the collector

            phases = {
                "full reconcile (first sync)": timed(
                    lambda: run_sync(app, kind=SyncKind.FULL, owner="bench")
                ),
                "first incremental in the process": timed(
                    lambda: run_sync(app, kind=SyncKind.INCREMENTAL, owner="bench")
                ),
                "steady no-change incremental": timed(
                    lambda: run_sync(app, kind=SyncKind.INCREMENTAL, owner="bench")
                ),
            }
            with db.session_scope(app) as session:
                synced = session.exec(select(func.count()).where(JiraLink.status_name != "")).one()
                delivered = session.exec(
                    select(func.count()).where(Suggestion.status == Status.DELIVERED)
                ).one()
                events = session.exec(select(func.count()).select_from(StatusEvent)).one()
            db.engine(app).dispose()
        jira = fake.final_report()
    return {
        "phases": phases,
        "synced": synced,
        "delivered": delivered,
        "events": events,
        "jira_calls": jira["calls"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--issues", type=int, default=10000)
    add_jira_options(parser)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    figures = run(args.issues, args.latency, args.concurrency, args.flavour)
    phases = figures["phases"]
    full, steady = phases["full reconcile (first sync)"], phases["steady no-change incremental"]
    most_full = math.ceil(args.issues / PAGE) + 1
    done = args.issues // 10
    ok = (
        all(p["summary"].state == "succeeded" for p in phases.values())
        and figures["synced"] == args.issues
        and figures["delivered"] == done
        and full["summary"].calls <= most_full
        and full["wall"] / (full["summary"].calls * args.latency) < TARGET_RATIO
        and steady["summary"].calls == 1
        and all(p["memory"].growth_mb < TARGET_MEMORY_MB for p in phases.values())
    )
    print(
        f"{args.issues} tracked issues, {args.flavour}, latency {args.latency * 1000:.0f} ms, "
        f"max_concurrency {args.concurrency}, batch {PAGE}"
    )
    for name, phase in phases.items():
        summary: SyncSummary = phase["summary"]
        bound = summary.calls * args.latency
        ratio = phase["wall"] / bound if bound else float("nan")
        print(f"  {name}: {summary.state}{' - ' + summary.error if summary.error else ''}")
        rows = [
            ("Jira calls", f"{summary.calls}"),
            ("issues checked / changed", f"{summary.checked} / {summary.changed}"),
            ("status events", f"{summary.events}"),
            ("wall time", f"{phase['wall']:.2f} s"),
            ("lower bound calls x latency", f"{bound:.2f} s"),
            ("ratio", f"{ratio:.2f}"),
            ("peak memory growth", f"{phase['memory'].growth_mb:.1f} MB"),
        ]
        for label, value in rows:
            print(f"    {label:<30} {value}")
    print(f"  memory measured as: {phases['steady no-change incremental']['memory'].method}")
    print(
        f"  links synced {figures['synced']}, suggestions delivered {figures['delivered']} "
        f"(expected {done}), status events {figures['events']}, calls the fake saw "
        f"{figures['jira_calls']}"
    )
    print(
        f"  targets: full reconcile <= {most_full} calls at ratio < {TARGET_RATIO}; steady "
        f"incremental 1 call; peak memory growth < {TARGET_MEMORY_MB} MB"
    )
    print("OK: targets met" if ok else "TARGET MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
