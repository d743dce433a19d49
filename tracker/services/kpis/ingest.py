"""KPI rows in: check every row, store the good ones idempotently, and record the load.

One function serves the CSV page and command, the JSON API and the warehouse pull. Each row is
one metric of one queue on one day; its key (queue, metric, day) is KpiValue's primary key, so
the same row again changes nothing ("unchanged") and a new value for it replaces the old one
("updated"), never adding a second row.

Built for loads of millions of rows (bench/kpis.py): rows are checked one by one with cached
queue, day and metric lookups, then written in chunks, each chunk reading the values it may
replace with one query per few hundred (queue, metric) pairs and writing with Core executemany.
Mode "all" writes inside a savepoint that is rolled back if any row is rejected, so a large file
never has to be held in memory to be all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, bindparam, or_, select, update
from sqlmodel import Session

from tracker.config import Settings
from tracker.models import KpiLoad, KpiValue, LoadChannel, LoadState, User, utcnow
from tracker.permissions import Permission, require
from tracker.services.benefits import refresh as benefit_refresh
from tracker.services.kpis import metrics
from tracker.services.kpis.ingest_rows import (
    Good,
    KpiRow,
    Record,
    Rejection,
    RowChecker,
    Unreadable,
    number_of,
)

__all__ = [
    "CHUNK",
    "FIRST_DAY",
    "MAX_VALUE",
    "KpiRow",
    "LoadReport",
    "Rejection",
    "Unreadable",
    "load_records",
    "load_rows",
    "number_of",
]

CHUNK = 5_000
# A (queue, metric) pair per OR term: SQLite refuses expression trees deeper than 1,000.
_PAIRS_PER_QUERY = 200
FIRST_DAY = date(2000, 1, 1)
MAX_VALUE = 1e12
# Rejections kept in the report (the count is always exact) and on the load's record.
REPORT_REJECTIONS = 10_000
RECORDED_REJECTIONS = 100
_TABLE: Any = KpiValue.__table__  # type: ignore[attr-defined]


@dataclass
class LoadReport:
    load_id: int | None
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    rejections: list[Rejection]
    applied: bool  # False for a dry run, and for mode "all" with any rejection
    dry_run: bool
    last_day: date | None
    # Queues that received new or changed values (none for a dry run or a load not applied).
    queue_ids: frozenset[int] = frozenset()

    @property
    def taken(self) -> int:
        return self.inserted + self.updated + self.unchanged


@dataclass
class _Run:
    """What one load has seen and done so far."""

    write: bool
    source: str
    stamp: datetime
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    last_day: date | None = None
    # (queue id, metric) -> day -> the row that brought it: a later row for it is a repeat.
    seen: dict[tuple[int, str], dict[date, int]] = field(default_factory=dict)
    changed: set[int] = field(default_factory=set)  # queues with new or changed values

    def reject(self, problems: list[Rejection]) -> None:
        self.rejected += 1
        room = REPORT_REJECTIONS - len(self.rejections)
        if room > 0:
            self.rejections.extend(problems[:room])


def load_rows(
    session: Session,
    *,
    rows: Iterable[KpiRow],
    channel: LoadChannel,
    settings: Settings,
    actor: User | None,
    mode: Literal["all", "valid"] = "all",
    dry_run: bool = False,
    source: str = "",
    since: date | None = None,
) -> LoadReport:
    """Check and store `rows`, and record the load as a KpiLoad (flushed, not committed).

    Mode "all" stores nothing if any row is rejected; mode "valid" stores the good rows. A dry
    run counts exactly what an apply would do and stores nothing but the load's record.
    PermissionDenied if `actor` (None for a scheduled pull) may not send KPI data."""
    return load_records(
        session,
        records=((row.number, row.queue, row.day, ((row.metric, row.value),)) for row in rows),
        channel=channel,
        settings=settings,
        actor=actor,
        mode=mode,
        dry_run=dry_run,
        source=source,
        since=since,
    )


def load_records(
    session: Session,
    *,
    records: Iterable[Record],
    channel: LoadChannel,
    settings: Settings,
    actor: User | None,
    mode: Literal["all", "valid"] = "all",
    dry_run: bool = False,
    source: str = "",
    since: date | None = None,
) -> LoadReport:
    """`load_rows` for rows grouped by line, each with its (metric, value) pairs (a wide CSV
    file's lines): the queue and day are read once a line. Counts are of values; a line's bad
    queue or day rejects each of its values and is reported once."""
    if actor is not None:
        require(actor, Permission.INGEST_KPIS, "Only PMs, admins and integrations send KPI data.")
    started = utcnow()
    load = KpiLoad(
        channel=channel.value,
        source=source[:60],
        actor_id=actor.id if actor is not None else None,
        since=since,
        started_at=started,
    )
    # The load's row goes in first: a savepoint opened after it nests in a real transaction.
    session.add(load)
    session.flush()
    value_source = f"pull:{source}" if channel is LoadChannel.PULL else channel.value
    run = _Run(write=not dry_run, source=value_source[:60], stamp=started)
    checker = RowChecker(
        session,
        registry=metrics.registry(settings),
        first_day=FIRST_DAY,
        last_day=datetime.now(UTC).date() + timedelta(days=1),
        max_value=MAX_VALUE,
    )
    all_or_nothing = mode == "all"
    savepoint = session.begin_nested() if all_or_nothing and not dry_run else None
    for chunk in _checked_chunks(records, checker, run):
        if all_or_nothing and run.rejected:
            run.write = False  # nothing more is written; the savepoint is rolled back below
        _store(session, chunk, run)
    applied = not dry_run and not (all_or_nothing and run.rejected)
    if savepoint is not None:
        if applied:
            savepoint.commit()
        else:
            savepoint.rollback()
    _finish(load, run, dry_run=dry_run, applied=applied)
    session.add(load)
    session.flush()
    if applied and run.changed:
        # Measurements of delivered ideas on these queues (or using them as controls) move.
        benefit_refresh.after_load(session, queue_ids=run.changed, settings=settings, now=utcnow())
    return LoadReport(
        load_id=load.id,
        inserted=run.inserted,
        updated=run.updated,
        unchanged=run.unchanged,
        rejected=run.rejected,
        rejections=run.rejections,
        applied=applied,
        dry_run=dry_run,
        last_day=run.last_day,
        queue_ids=frozenset(run.changed) if applied and not dry_run else frozenset(),
    )


def _finish(load: KpiLoad, run: _Run, *, dry_run: bool, applied: bool) -> None:
    if dry_run:
        load.state = LoadState.DRY_RUN.value
    elif applied:
        load.state = LoadState.SUCCEEDED.value
    else:
        load.state = LoadState.FAILED.value
        load.error = f"{run.rejected:,} row(s) rejected, so nothing was stored (all or nothing)."
    load.inserted, load.updated, load.unchanged = run.inserted, run.updated, run.unchanged
    load.rejected = run.rejected
    load.rejections = [r.as_dict() for r in run.rejections[:RECORDED_REJECTIONS]]
    load.last_day = run.last_day
    load.finished_at = utcnow()


def _checked_chunks(
    records: Iterable[Record], checker: RowChecker, run: _Run
) -> Iterator[list[Good]]:
    """The good values in chunks of CHUNK; rejected ones (and repeats) go to `run`.

    The hot loop of a large file: the queue and day once a line, each value parsed by float()
    on the common path (number_of explains any refusal), lookups bound to locals."""
    chunk: list[Good] = []
    seen = run.seen
    last_day = run.last_day
    metric_of, max_value = checker.metric, MAX_VALUE
    for number, raw_queue, raw_day, pairs in records:
        queue_id = checker.queue(raw_queue)
        day = checker.day(raw_day)
        line_ok = type(queue_id) is int and type(day) is date
        # The same two, typed for what follows (used only when line_ok).
        good_queue = queue_id if type(queue_id) is int else 0
        good_day = day if type(day) is date else FIRST_DAY
        line_problems: list[Rejection] = []
        if not line_ok:
            if type(queue_id) is str:
                line_problems.append(Rejection(number, "queue", queue_id))
            if type(day) is str:
                line_problems.append(Rejection(number, "day", day))
        for raw_metric, raw_value in pairs:
            metric, metric_problem = metric_of(raw_metric)
            value: float | str | None = None
            if type(raw_value) is str and raw_value.isascii() and "_" not in raw_value:
                try:
                    value = float(raw_value)
                except ValueError:
                    value = None
            if value is None or not 0.0 <= value <= max_value:  # type: ignore[operator]
                value = number_of(raw_value, max_value)
            if metric_problem or isinstance(value, str) or not line_ok:
                problems = list(line_problems)
                line_problems = []  # a line's queue and day problems are told once
                if metric_problem:
                    problems.append(Rejection(number, "metric", metric_problem))
                if isinstance(value, str):
                    problems.append(Rejection(number, "value", value))
                run.reject(problems)
                continue
            days = seen.get((good_queue, metric))
            if days is None:
                days = seen[(good_queue, metric)] = {}
            earlier = days.get(good_day)
            if earlier is not None:
                run.reject([Rejection(number, "day", _repeat(earlier, metric, good_day))])
                continue
            days[good_day] = number
            if last_day is None or good_day > last_day:
                last_day = good_day
            chunk.append((good_queue, metric, good_day, value))
            if len(chunk) >= CHUNK:
                run.last_day = last_day
                yield chunk
                chunk = []
    run.last_day = last_day
    if chunk:
        yield chunk


def _repeat(earlier: int, metric: str, day: date) -> str:
    return f"This row repeats row {earlier} ({metric} of the same queue on {day.isoformat()})."


def _existing(session: Session, chunk: list[Good]) -> dict[tuple[int, str, date], float]:
    """The stored values the chunk's rows may replace, by key: one query per few hundred
    (queue, metric) pairs, each asking for the days between the pair's first and last."""
    spans: dict[tuple[int, str], tuple[date, date]] = {}
    for queue_id, metric, day, _value in chunk:
        span = spans.get((queue_id, metric))
        if span is None:
            spans[(queue_id, metric)] = (day, day)
        elif day < span[0]:
            spans[(queue_id, metric)] = (day, span[1])
        elif day > span[1]:
            spans[(queue_id, metric)] = (span[0], day)
    found: dict[tuple[int, str, date], float] = {}
    pairs = list(spans.items())
    columns = _TABLE.c
    for start in range(0, len(pairs), _PAIRS_PER_QUERY):
        terms = [
            and_(
                columns.queue_id == queue_id,
                columns.metric == metric,
                columns.day.between(first, last),
            )
            for (queue_id, metric), (first, last) in pairs[start : start + _PAIRS_PER_QUERY]
        ]
        query = select(columns.queue_id, columns.metric, columns.day, columns.value).where(
            or_(*terms)
        )
        for queue_id, metric, day, value in session.connection().execute(query):
            found[(queue_id, metric, day)] = value
    return found


def _store(session: Session, chunk: list[Good], run: _Run) -> None:
    """Count what the chunk's rows do to the stored values and, when writing, do it."""
    existing = _existing(session, chunk)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    source, stamp = run.source, run.stamp
    for queue_id, metric, day, value in chunk:
        old = existing.get((queue_id, metric, day))
        if old is None:
            inserts.append(
                {
                    "queue_id": queue_id,
                    "metric": metric,
                    "day": day,
                    "value": value,
                    "source": source,
                    "updated_at": stamp,
                }
            )
        elif old == value:
            run.unchanged += 1
        else:
            updates.append(
                {"k_queue": queue_id, "k_metric": metric, "k_day": day, "v_value": value}
            )
    run.inserted += len(inserts)
    run.updated += len(updates)
    run.changed.update(row["queue_id"] for row in inserts)
    run.changed.update(row["k_queue"] for row in updates)
    if not run.write:
        return
    connection = session.connection()
    if inserts:
        connection.execute(_TABLE.insert(), inserts)
    if updates:
        columns = _TABLE.c
        statement = (
            update(_TABLE)
            .where(
                columns.queue_id == bindparam("k_queue"),
                columns.metric == bindparam("k_metric"),
                columns.day == bindparam("k_day"),
            )
            .values(value=bindparam("v_value"), source=source, updated_at=stamp)
        )
        connection.execute(statement, updates)
