"""Queue KPI benchmark: a wide CSV of 500 queues x 3 years x 8 metrics (about 4.4 million
values) imported through the ingest service, against a plain bulk insert of the same rows.

    python bench/kpis.py [--queues 500] [--years 3] [--database-url URL]

The schema is what the migrations create, in a fresh SQLite file unless --database-url names
another (an empty PostgreSQL database, say; the benchmark empties kpivalue and kpiload in it).
Sections, each printing its figures:

- ingest: (a) the baseline, SQLAlchemy Core executemany of prepared dicts into the empty
  kpivalue table in batches of 5,000, one transaction, timing only the inserts; (b) the same
  rows as a wide CSV through csv_format.load_csv (mode all, one commit),
  into the emptied table, timing everything from the text to the commit. Target: (b) at least
  half the rows per second of (a).

- scan and pages (bench/kpis_reads.py): the nightly signal scan over every queue, then the
  queue pages and the series API over the imported data (with its signals).
"""

from __future__ import annotations

import argparse
import io
import logging
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine, insert, text

from bench.common import bench_app, scratch_database
from bench.kpis_reads import Figure, section_pages, section_scan
from tracker import db, migrate
from tracker.models import KpiValue, Queue
from tracker.services.kpis import csv_format, ingest, metrics

SEED = 20261203
BATCH = 5_000
TARGET_RATIO = 0.5
# Two team metrics beside the six defaults: eight a queue a day.
EXTRA_METRICS = {
    "sla_breaches": {"label": "SLA breaches", "unit": "tickets", "lower_is_better": True},
    "escalations": {"label": "Escalations", "unit": "tickets", "lower_is_better": True},
}


@dataclass(frozen=True)
class World:
    app: Flask
    engine: Engine
    queue_names: list[str]
    days: list[date]
    metrics: list[str]

    @property
    def values(self) -> int:
        return len(self.queue_names) * len(self.days) * len(self.metrics)


def _day_values(rng: random.Random, base: float) -> list[float]:
    """One day's eight values of a queue: counts, a handle time, a backlog."""
    incoming = max(0, round(rng.gauss(base, base * 0.1)))
    manual = round(incoming * rng.uniform(0.3, 0.6))
    solved = max(0, incoming - rng.randint(0, 20))
    manual_solved = min(solved, manual)
    return [
        float(incoming),
        float(manual),
        float(solved),
        float(manual_solved),
        round(rng.uniform(3, 12), 2),
        float(rng.randint(0, 500)),
        float(rng.randint(0, 15)),
        float(rng.randint(0, 30)),
    ]


def generated(world: World) -> Iterator[tuple[str, date, list[float]]]:
    """Each queue's days, the same numbers every run."""
    rng = random.Random(SEED)
    for name in world.queue_names:
        base = rng.uniform(50, 3000)
        for day in world.days:
            yield name, day, _day_values(rng, base)


def wide_csv(world: World) -> str:
    buffer = io.StringIO()
    buffer.write(",".join(["queue", "date", *world.metrics]) + "\n")
    for name, day, values in generated(world):
        buffer.write(f"{name},{day.isoformat()},{','.join(f'{v:g}' for v in values)}\n")
    return buffer.getvalue()


def setup(folder: Path, url: str, queues: int, years: int) -> World:
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    app = bench_app(folder, url, kpis={"metrics": EXTRA_METRICS})
    names = [f"Queue {n:04d}" for n in range(queues)]
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM kpisignal"))
        connection.execute(text("DELETE FROM kpivalue"))
        connection.execute(text("DELETE FROM kpiload"))
        have = {row[0] for row in connection.execute(text("SELECT key FROM queue"))}
        missing = [name for name in names if name.casefold() not in have]
        if missing:
            connection.execute(
                insert(Queue),
                [
                    {
                        "name": n,
                        "key": n.casefold(),
                        "area": "",
                        "description": "",
                        "active": True,
                        "created_at": now,
                    }
                    for n in missing
                ],
            )
    last = datetime.now(UTC).date() - timedelta(days=1)
    days = [last - timedelta(days=n) for n in range(365 * years)][::-1]
    registry = metrics.registry(app.config["SETTINGS"])
    return World(app, engine, names, days, list(registry))


def _empty_values(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM kpivalue"))
        connection.execute(text("DELETE FROM kpiload"))
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM"))
    else:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE kpivalue")
            )


@dataclass
class Clock:
    """Wall time and this process's CPU time. On a shared machine the CPU time is the steadier
    figure for SQLite (its work happens in this process); PostgreSQL works in its own, so only
    wall time compares there."""

    wall: float = 0.0
    cpu: float = 0.0

    def __enter__(self) -> Clock:
        self._start = (time.perf_counter(), time.process_time())
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall += time.perf_counter() - self._start[0]
        self.cpu += time.process_time() - self._start[1]


def baseline_insert(world: World) -> Clock:
    """Time spent in executemany inserting every value (and the commit), the dicts made
    outside the clock."""
    with world.engine.connect() as connection:
        ids: dict[str, int] = dict(connection.execute(text("SELECT name, id FROM queue")).all())
    stamp = datetime.now(UTC)
    table: Any = KpiValue.__table__  # type: ignore[attr-defined]
    clock = Clock()
    batch: list[dict[str, Any]] = []
    with world.engine.connect() as connection:
        transaction = connection.begin()
        for name, day, values in generated(world):
            queue_id = ids[name]
            for metric, value in zip(world.metrics, values, strict=True):
                batch.append(
                    {
                        "queue_id": queue_id,
                        "metric": metric,
                        "day": day,
                        "value": value,
                        "source": "csv",
                        "updated_at": stamp,
                    }
                )
            if len(batch) >= BATCH:
                with clock:
                    connection.execute(insert(table), batch)
                batch = []
        with clock:
            if batch:
                connection.execute(insert(table), batch)
            transaction.commit()
    return clock


def csv_import(world: World, csv_text: str) -> tuple[Clock, ingest.LoadReport]:
    settings = world.app.config["SETTINGS"]
    with Clock() as clock, db.session_scope(world.app) as session:
        report = csv_format.load_csv(session, data=csv_text, settings=settings, actor=None)
    return clock, report


def section_ingest(world: World) -> list[Figure]:
    rows = world.values
    started = time.perf_counter()
    csv_text = wide_csv(world)
    made = time.perf_counter() - started
    print(f"  wide CSV: {rows:,} values, {len(csv_text) / 1e6:.0f} MB, made in {made:.1f} s")
    base = baseline_insert(world)
    _count(world, rows)
    _empty_values(world.engine)
    spent, report = csv_import(world, csv_text)
    _count(world, rows)
    if report.rejected or report.inserted != rows:
        raise SystemExit(f"the import did not take every row: {report}")
    figures = []
    for kind in ("wall", "cpu"):
        base_s, import_s = getattr(base, kind), getattr(spent, kind)
        ratio = base_s / import_s  # rows/s of the import over rows/s of the baseline
        verdict = "ok" if ratio >= TARGET_RATIO else f"below the target {TARGET_RATIO}"
        figures += [
            Figure("ingest", f"baseline bulk insert ({kind})", _rate(base_s, rows)),
            Figure("ingest", f"CSV import, service ({kind})", _rate(import_s, rows)),
            Figure("ingest", f"ratio import / baseline ({kind})", f"{ratio:.2f} ({verdict})"),
        ]
    return figures


def _rate(seconds: float, rows: int) -> str:
    return f"{seconds:.1f} s, {rows / seconds:,.0f} rows/s"


def _count(world: World, expected: int) -> None:
    with world.engine.connect() as connection:
        found = connection.execute(text("SELECT count(*) FROM kpivalue")).scalar_one()
    if found != expected:
        raise SystemExit(f"kpivalue holds {found:,} rows, expected {expected:,}")


SECTIONS: dict[str, Callable[[World], list[Figure]]] = {
    "ingest": section_ingest,
    "scan": section_scan,
    "pages": section_pages,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--queues", type=int, default=500)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with scratch_database() as (folder, sqlite_url):
        url = args.database_url or sqlite_url
        world = setup(folder, url, args.queues, args.years)
        print(
            f"{world.engine.dialect.name}: {args.queues} queues x {len(world.days)} days x "
            f"{len(world.metrics)} metrics"
        )
        figures: list[Figure] = []
        for name in args.sections.split(","):
            figures.extend(SECTIONS[name.strip()](world))
        db.engine(world.app).dispose()
        world.engine.dispose()
    width = max(len(f.name) for f in figures)
    for figure in figures:
        print(f"{figure.section:8} {figure.name:<{width}}  {figure.value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
