"""Measurement benchmark: the scheduler's full refresh (measure.refresh over every delivered
idea) on queues with two years of daily KPIs, as the nightly worst case.

    python -m bench.benefits_measure [--queues 100] [--per-queue 10] [--database-url URL]

Seeds the portfolio benchmark's ideas (bench/benefits_portfolio.py: delivered over the last two
years, `per_queue` a queue), then two years of tickets solved by agents and handle time for
every queue, and times one full refresh. Prints the wall time, milliseconds an idea and SQL
statements an idea (windows, controls and the estimate with 2,000 bootstrap resamples each).
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from bench.benefits_portfolio import NOW, SEED, counting, seed
from bench.common import bench_app, insert_batched, scratch_database
from tracker import db, migrate
from tracker.models import KpiValue
from tracker.services.benefits import measure

DAYS = 760


def _kpis(engine: Engine, rng: random.Random) -> int:
    with engine.begin() as connection:
        queues = [row[0] for row in connection.execute(text("SELECT id FROM queue"))]
        start = NOW.date() - timedelta(days=DAYS)
        rows = []
        for queue_id in queues:
            level = rng.uniform(50, 400)
            for offset in range(DAYS):
                day = start + timedelta(days=offset)
                solved = level * (1.0 if day.weekday() < 5 else 0.4) * rng.gauss(1, 0.05)
                for metric, value in (("manual_solved", solved), ("aht_minutes", 6.0)):
                    rows.append(
                        {
                            "queue_id": queue_id,
                            "metric": metric,
                            "day": day,
                            "value": round(value, 2),
                            "source": "bench",
                            "updated_at": NOW,
                        }
                    )
        insert_batched(connection, KpiValue, rows)
        return len(rows)


def run(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--per-queue", type=int, default=10)
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    rng = random.Random(SEED)
    with scratch_database() as (folder, sqlite_url):
        url = args.database_url or sqlite_url
        engine = db.make_engine(url)
        migrate.upgrade(engine)
        app = bench_app(Path(folder), url)
        ideas = seed(engine, rng, queues=args.queues, per_queue=args.per_queue, start=0)
        values = _kpis(engine, rng)
        settings = app.config["SETTINGS"]
        with counting(db.engine(app)) as statements, db.session_scope(app) as session:
            started = time.perf_counter()
            written = measure.refresh(session, settings=settings, now=NOW)
            seconds = time.perf_counter() - started
        print(
            f"data        {engine.dialect.name}: {ideas:,} delivered ideas on {args.queues} "
            f"queues, {values:,} KPI values"
        )
        print(
            f"refresh     {seconds:.1f} s for {written:,} rows: {seconds / written * 1000:.1f} "
            f"ms an idea, {len(statements) / written:.2f} statements an idea"
        )
        engine.dispose()


if __name__ == "__main__":
    run(sys.argv[1:])
