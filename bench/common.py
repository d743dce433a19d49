"""What the benchmarks share: a scratch SQLite database and the app over it, the seed rows more
than one of them writes, and the fake Jira running in its own process.

Not a benchmark itself: `make bench` runs it too, and it does nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import insert, text

from tracker import create_app
from tracker.models import Initiative, Organisation, Role, Status

BATCH = 5000
SITE_ID = "bench"
# The status mix of a two-year-old backlog.
STATUS_WEIGHTS = {
    Status.NEW: 40,
    Status.UNDER_REVIEW: 18,
    Status.ACCEPTED: 14,
    Status.DECLINED: 10,
    Status.PARKED: 6,
    Status.DUPLICATE: 6,
    Status.IN_DELIVERY: 4,
    Status.DELIVERED: 2,
}


# ---- the database and the app ------------------------------------------------------------------
@contextmanager
def scratch_database() -> Iterator[tuple[Path, str]]:
    """A throwaway folder and the URL of a SQLite file in it; both gone on exit."""
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder:
        yield Path(folder), f"sqlite:///{Path(folder) / 'bench.db'}"


def bench_app(folder: Path, url: str, *, log_level: str = "ERROR", **sections: Any) -> Flask:
    """The app over the benchmark's database, in testing mode (no scheduler starts)."""
    settings = {
        "env": "testing",
        "secret_key": "bench-" * 8,
        "database_url": url,
        "log_level": log_level,
        **sections,
    }
    return create_app(settings, instance_path=folder / "instance")


# ---- seed rows ----------------------------------------------------------------------------------
def insert_batched(connection: Any, table: Any, rows: Iterable[dict[str, Any]]) -> None:
    """Bulk inserts in batches of BATCH rows, so a generator of rows is never held whole."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            connection.execute(insert(table), batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)


def insert_vendor_organisations(connection: Any, now: datetime) -> list[int]:
    """Five vendor organisations; returns their ids."""
    connection.execute(
        insert(Organisation),
        [{"name": f"Vendor {n}", "is_vendor": True, "created_at": now} for n in range(1, 6)],
    )
    return [row[0] for row in connection.execute(text("SELECT id FROM organisation"))]


def insert_initiatives(connection: Any, healths: Iterable[str], now: datetime) -> None:
    """One initiative per entry of `healths`, named "Initiative 0", "Initiative 1", ..."""
    connection.execute(
        insert(Initiative),
        [
            {
                "name": f"Initiative {n}",
                "goal": "",
                "health": health,
                "health_note": "",
                "created_at": now,
                "updated_at": now,
            }
            for n, health in enumerate(healths)
        ],
    )


def person(
    email_name: str, display_name: str, role: Role, now: datetime, organisation_id: int | None
) -> dict[str, Any]:
    """A user row at <email_name>@bench.example; nobody signs in with its password."""
    return {
        "email": f"{email_name}@bench.example",
        "display_name": display_name,
        "password_hash": "x",
        "role": role.value,
        "organisation_id": organisation_id,
        "created_at": now,
    }


def suggestion_row(
    rng: random.Random,
    *,
    number: int,
    author: tuple[int, int | None],
    status: Status,
    title: str,
    problem: str,
    proposed_change: str,
    area: str,
    queue: str,
) -> dict[str, Any]:
    """A suggestion row without its decision, initiative, score, votes or dates.

    Draws from `rng`, in this order: the ops figures, the confidential and vendor-sharing flags,
    and for a duplicate the idea it duplicates (one of the `number` before it).
    """
    user_id, organisation_id = author
    return {
        "title": title,
        "problem": problem,
        "proposed_change": proposed_change,
        "area": area,
        "queue": queue,
        "weekly_volume": rng.choice([None, rng.randint(10, 20000)]),
        "handle_time_minutes": rng.choice([None, round(rng.uniform(2, 30), 1)]),
        "minutes_saved_per_ticket": rng.choice([None, round(rng.uniform(0.5, 2), 1)]),
        "automation_share": None,
        "evidence_links": [],
        "submitter_id": user_id,
        "organisation_id": organisation_id,
        "confidential": rng.random() < 0.05,
        "shared_with_vendors": rng.random() < 0.1,
        "status": status,
        "duplicate_of_id": rng.randint(1, number)
        if status is Status.DUPLICATE and number
        else None,
    }


# ---- the fake Jira in its own process -----------------------------------------------------------
def add_jira_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--flavour", choices=["cloud", "datacenter"], default="cloud")


def jira_settings(fake: dict[str, str], flavour: str, concurrency: int) -> dict[str, Any]:
    """The [jira] settings for the fake whose details `FakeJiraProcess.details` holds."""
    jira: dict[str, Any] = {
        "base_url": fake["url"],
        "project_key": "OPS",
        "deployment": flavour,
        "site_id": SITE_ID,
        "max_concurrency": concurrency,
    }
    if flavour == "cloud":
        jira.update(email=fake["email"], api_token=fake["token"])
    else:
        jira["personal_access_token"] = fake["pat"]
    return jira


def send_details(fake: Any, conn: Connection) -> None:
    """In the fake's process: what the tracker needs to reach it."""
    conn.send({"url": fake.url, "email": fake.email, "token": fake.api_token, "pat": fake.pat})


class FakeJiraProcess:
    """A fake Jira in a process of its own, as a real Jira is: its request checks and JSON work
    do not compete with the tracker for the interpreter lock.

    `serve(*args, conn)` runs in that process: it sends its details (`send_details`), may send
    more, then answers each "report" with what it saw until it receives "stop".
    """

    def __init__(self, serve: Callable[..., None], *args: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, theirs = context.Pipe()
        self._server = context.Process(target=serve, args=(*args, theirs), daemon=True)
        self.details: dict[str, str] = {}

    def __enter__(self) -> FakeJiraProcess:
        self._server.start()
        self.details = self.conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.join(timeout=10)

    def final_report(self) -> dict[str, Any]:
        """The fake's last report, after which it stops; exits on a Jira contract violation."""
        self.conn.send("report")
        report: dict[str, Any] = self.conn.recv()
        self.conn.send("stop")
        if report["violations"]:
            raise SystemExit("Jira contract violations:\n  " + "\n  ".join(report["violations"]))
        return report
