"""Portfolio benchmark: /benefits, its CSV export and GET /api/v1/benefits over 5,000 delivered
ideas on 500 queues (ten a queue), each with its measurement.

    python bench/benefits_portfolio.py [--queues 500] [--per-queue 10] [--requests 20]
                                       [--database-url URL]

The schema is what the migrations create, in a fresh SQLite file unless --database-url names
another (an empty PostgreSQL database: the benchmark refuses one that holds suggestions).
Seeding is bulk inserts: five vendor organisations, 100 agents and 50 vendor staff, twelve
initiatives, the queues over the configured areas, delivered ideas spread over two years, and a
Benefit row for each (half measured, a quarter inconclusive, the rest waiting or not measurable;
one pair in ten on a queue shares its change), with a chart of 18 weeks as measure.py stores it.

It prints, for a PM, the median and p95 in ms of each page (Flask test client, server time
only) at the full size, and the number of SQL statements each page runs (a
before_cursor_execute listener) at 1,000 ideas and at the full size: the portfolio reads every
visible row in one query and adds up in Python, so the count must not move. Target: p95 under
2 s at 5,000 ideas, the same count at both sizes.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine, event, text

from bench.common import (
    bench_app,
    insert_batched,
    insert_initiatives,
    insert_vendor_organisations,
    person,
    scratch_database,
)
from tracker import db, migrate
from tracker.config import DEFAULT_AREAS
from tracker.models import Benefit, Queue, Role, Status, Suggestion, User
from tracker.services.accounts import tokens, users

SEED = 20261203
TARGET_S = 2.0
SMALL = 1_000
PASSWORD = "bench password that is long enough"  # noqa: S105 (a scratch account)
PM_EMAIL = "pm@benefits.bench.example"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PAGES = {
    "/benefits": False,
    "/benefits/export.csv": False,
    "/api/v1/benefits": True,
}
STATES = (("measured", 50), ("inconclusive", 25), ("waiting", 15), ("not_measurable", 10))


def _chart(rng: random.Random, delivered: date, level: float, change: float) -> dict[str, Any]:
    start = delivered - timedelta(days=delivered.weekday() + 9 * 7)
    weeks = [start + timedelta(weeks=n) for n in range(18)]
    phase = ["pre"] * 8 + ["gap"] + ["post"] * 9
    values = [
        round(level + (change if p == "post" else 0) + rng.gauss(0, level * 0.05), 1) for p in phase
    ]
    return {
        "confidence": 0.95,
        "weeks": [w.isoformat() for w in weeks],
        "values": values,
        "phase": phase,
        "pre_level": level,
        "post_level": level + change,
        "counterfactual": level,
    }


def _benefit(
    rng: random.Random, suggestion_id: int, queue_id: int, delivered: date
) -> dict[str, Any]:
    state = rng.choices([s for s, _ in STATES], weights=[w for _, w in STATES])[0]
    expected = round(rng.uniform(5, 120), 1)
    settled = state in ("measured", "inconclusive")
    change = rng.uniform(-10, 100) if settled else None
    half = rng.uniform(5, 40)
    low = None if change is None else change - half
    high = None if change is None else change + half * rng.uniform(0.8, 1.2)
    if state == "measured" and low is not None and low <= 0:
        low = change * 0.2 if change and change > 0 else 1.0
    if state == "inconclusive" and low is not None and low > 0:
        low = -rng.uniform(1, 10)
    return {
        "suggestion_id": suggestion_id,
        "queue_id": queue_id,
        "state": state,
        "metric": "agent_hours",
        "unit": "hours",
        "expected": expected,
        "measured": None if change is None else round(change, 2),
        "ci_low": None if low is None else round(low, 2),
        "ci_high": None if high is None else round(high, 2),
        "method": rng.choice(["difference-in-differences", "pre/post"]) if settled else "",
        "pre_weeks": 8,
        "post_weeks": 8 if state != "waiting" else rng.randint(1, 7),
        "post_weeks_target": 8,
        "reason": "" if state != "not_measurable" else "too little data before the change",
        "delivered_on": delivered,
        "control_queue_ids": [],
        "shared_with": [],
        "share": 1.0,
        "chart": _chart(rng, delivered, rng.uniform(200, 900), change or 0.0) if settled else {},
        "stale": False,
        "computed_at": NOW,
        "settled_at": NOW if settled else None,
    }


def seed(engine: Engine, rng: random.Random, *, queues: int, per_queue: int, start: int) -> int:
    """Ideas `start`.. up to queues x per_queue, `per_queue` a queue; returns the total."""
    with engine.begin() as connection:
        if start == 0:
            if connection.execute(text("SELECT count(*) FROM suggestion")).scalar_one():
                raise SystemExit("the database holds suggestions; give an empty one")
            org_ids = insert_vendor_organisations(connection, NOW)
            people = [
                person(f"agent{n}", f"Agent {n}", Role.SUBMITTER, NOW, None) for n in range(100)
            ]
            people += [
                person(f"vendor{n}", f"Vendor {n}", Role.VENDOR, NOW, org_ids[n % len(org_ids)])
                for n in range(50)
            ]
            insert_batched(connection, User, people)
            insert_initiatives(connection, ["on_track"] * 12, NOW)
            areas = list(DEFAULT_AREAS)
            insert_batched(
                connection,
                Queue,
                (
                    {
                        "name": f"Queue {n:04d}",
                        "key": f"queue {n:04d}",
                        "area": areas[n % len(areas)],
                        "description": "",
                        "active": True,
                        "created_at": NOW,
                    }
                    for n in range(queues)
                ),
            )
        authors = list(
            connection.execute(
                text(
                    "SELECT id, organisation_id FROM \"user\" WHERE role IN ('submitter', 'vendor')"
                )
            )
        )
        initiative_ids = [r[0] for r in connection.execute(text("SELECT id FROM initiative"))]
        queue_rows = list(connection.execute(text("SELECT id, name, area FROM queue ORDER BY id")))
        plans: list[tuple[int, date, dict[str, Any]]] = []
        total = len(queue_rows) * per_queue
        for number in range(start, total):
            queue_id, queue_name, area = queue_rows[number % len(queue_rows)]
            user_id, org_id = rng.choice(authors)
            delivered = (NOW - timedelta(days=rng.randint(60, 730))).date()
            suggestion = {
                "title": f"Idea {number}",
                "problem": "Agents repeat the same step on every ticket.",
                "proposed_change": "Automate the step.",
                "area": area,
                "queue": queue_name,
                "queue_id": queue_id,
                "benefit_metric": "",
                "evidence_links": [],
                "submitter_id": user_id,
                "organisation_id": org_id,
                "confidential": rng.random() < 0.03,
                "shared_with_vendors": rng.random() < 0.1,
                "status": Status.DELIVERED,
                "initiative_id": rng.choice(initiative_ids) if rng.random() < 0.4 else None,
                "score_inputs": {},
                "vote_count": 0,
                "comment_count": 0,
                "created_at": NOW,
                "updated_at": NOW,
                "delivered_at": datetime.combine(delivered, datetime.min.time(), tzinfo=UTC),
            }
            plans.append((queue_id, delivered, suggestion))
        insert_batched(connection, Suggestion, (row for _, _, row in plans))
        ids = [
            r[0]
            for r in connection.execute(
                text("SELECT id FROM suggestion ORDER BY id").execution_options(stream_results=True)
            )
        ][start:]
        rows = [
            _benefit(rng, suggestion_id, queue_id, delivered)
            for suggestion_id, (queue_id, delivered, _) in zip(ids, plans, strict=True)
        ]
        # One pair in ten on a queue overlaps: measured together, half the change each.
        for first, second in zip(rows[::20], rows[1::20], strict=False):
            if first["queue_id"] == second["queue_id"]:
                continue
            second["queue_id"] = first["queue_id"]
            for mine, other in ((first, second), (second, first)):
                mine["shared_with"] = [other["suggestion_id"]]
                mine["share"] = 0.5
        insert_batched(connection, Benefit, rows)
    return total


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _callers(app: Flask) -> dict[bool, Callable[[str], Any]]:
    """GET as the bench's PM: signed in (pages) and by token (API)."""
    app.config["WTF_CSRF_ENABLED"] = False  # sign in by POST without scraping a token
    with db.session_scope(app) as session:
        pm = users.create_user(
            session,
            actor=None,
            email=PM_EMAIL,
            display_name="PM",
            password=PASSWORD,
            role=Role.PM,
        )
        _, token = tokens.create_token(session, owner=pm, name="bench")
    browser, api = app.test_client(), app.test_client()
    signed_in = browser.post("/login", data={"email": PM_EMAIL, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.status_code
    headers = {"Authorization": f"Bearer {token}"}
    return {
        False: lambda url: browser.get(url),
        True: lambda url: api.get(url, headers=headers),
    }


def _get(call: Callable[[str], Any], url: str) -> None:
    answer = call(url)
    answer.get_data()
    assert answer.status_code == 200, (url, answer.status_code)


def statement_counts(app: Flask, callers: dict[bool, Callable[[str], Any]]) -> dict[str, int]:
    counts = {}
    for url, is_api in PAGES.items():
        _get(callers[is_api], url)  # warm
        with counting(db.engine(app)) as statements:
            _get(callers[is_api], url)
        counts[url] = len(statements)
    return counts


def timings(callers: dict[bool, Callable[[str], Any]], requests: int) -> dict[str, str]:
    figures = {}
    for url, is_api in PAGES.items():
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            _get(callers[is_api], url)
            samples.append(time.perf_counter() - started)
        median, tail = statistics.median(samples), _p95(samples)
        verdict = "ok" if tail < TARGET_S else f"over {TARGET_S:.0f} s"
        figures[url] = f"median {median * 1000:.0f} ms, p95 {tail * 1000:.0f} ms ({verdict})"
    return figures


def figures(
    *, queues: int = 500, per_queue: int = 10, requests: int = 20, database_url: str = ""
) -> list[tuple[str, str]]:
    """Seed, count and time; returns (name, value) pairs to print (bench/benefits.py prints
    them as its portfolio section)."""
    rng = random.Random(SEED)
    with scratch_database() as (folder, sqlite_url):
        url = database_url or sqlite_url
        engine = db.make_engine(url)
        migrate.upgrade(engine)
        app = bench_app(Path(folder), url)
        started = time.perf_counter()
        small = seed(engine, rng, queues=queues, per_queue=max(1, SMALL // queues), start=0)
        callers = _callers(app)
        few = statement_counts(app, callers)
        full = seed(engine, rng, queues=queues, per_queue=per_queue, start=small)
        seeded = time.perf_counter() - started
        many = statement_counts(app, callers)
        times = timings(callers, requests)
        db.engine(app).dispose()
        engine.dispose()
    found = [
        (
            "data",
            f"{engine.dialect.name}: {full:,} delivered ideas on {queues} queues (seeded in "
            f"{seeded:.1f} s), {requests} requests a page, as a PM",
        )
    ]
    for page in PAGES:
        same = "same" if few[page] == many[page] else "GROWS"
        found.append((page, times[page]))
        found.append(
            (
                f"{page} statements",
                f"{few[page]} at {small:,} ideas, {many[page]} at {full:,} ({same})",
            )
        )
    return found


def run(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--queues", type=int, default=500)
    parser.add_argument("--per-queue", type=int, default=10)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    found = figures(
        queues=args.queues,
        per_queue=args.per_queue,
        requests=args.requests,
        database_url=args.database_url,
    )
    width = max(len(name) for name, _ in found)
    for name, value in found:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    run(sys.argv[1:])
