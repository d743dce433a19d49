"""KPI series read from kpivalue: a queue's days, its weeks (Monday to Sunday), and the last
weeks of many queues at once for sparklines.

Every read is a range scan on kpivalue's primary key (queue_id, metric, day), and only the
stored metrics a figure needs are read (a derived figure reads its inputs, a weighted mean its
weight). Weeks are aggregated in Python by the registry's rule (metrics.weekly_value): at most
about 1,100 days x a handful of metrics per queue page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sqlalchemy import String, case, cast, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from tracker.config import Settings
from tracker.errors import ValidationFailed
from tracker.models import KpiValue
from tracker.services.kpis import metrics as kpi_metrics
from tracker.services.kpis.metrics import Metric

# The metrics of the /queues sparklines, and how many weeks they cover.
SPARK_METRICS = ("incoming", kpi_metrics.MANUAL_SHARE, "aht_minutes")
SPARK_WEEKS = 12


@dataclass(frozen=True)
class Weekly:
    """Weekly figures: `weeks` are the Mondays, oldest first, one per week of the range (with
    or without data); `values[metric][i]` is the figure of `weeks[i]`, None without data."""

    weeks: list[date]
    values: dict[str, list[float | None]]


@dataclass(frozen=True)
class Point:
    day: date
    value: float


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_full_week(today: date) -> date:
    """The Monday of the last week that has ended before `today` (a partial week would make a
    sum look like a drop)."""
    return week_start(today) - timedelta(days=7)


def week_range(last_monday: date, weeks: int) -> list[date]:
    return [last_monday - timedelta(days=7 * offset) for offset in range(weeks - 1, -1, -1)]


def resolve(settings: Settings, names: Iterable[str]) -> list[Metric]:
    """The metrics named, stored or derived; ValidationFailed naming `metric` for an unknown
    name."""
    known = kpi_metrics.every_metric(settings)
    found: list[Metric] = []
    for name in names:
        if name not in known:
            raise ValidationFailed(
                f"Unknown metric '{name}'.",
                fields={"metric": f"Choose one of: {', '.join(known)}."},
            )
        found.append(known[name])
    return found


def stored_inputs(chosen: Iterable[Metric]) -> set[str]:
    """The stored metrics to read to compute `chosen`."""
    needed: set[str] = set()
    for metric in chosen:
        if metric.derived:
            needed.update(kpi_metrics.INPUTS[metric.name])
        else:
            needed.add(metric.name)
            if metric.weight:
                needed.add(metric.weight)
    return needed


def _read(
    session: Session,
    *,
    queue_ids: Sequence[int],
    stored: Iterable[str],
    start: date,
    end: date,
) -> list[tuple[int, str, int, float]]:
    """(queue id, metric, day as an ordinal, value) rows of the range.

    The database returns one row per queue and day with a column per metric (the rows of a
    3-year page drop from ~9,000 to ~1,100), and the day as its ISO text, turned into an
    ordinal once: result processing per row, not the index scan, is what a page waits for."""
    names = sorted(set(stored))
    if not names:
        return []
    metric, value = col(KpiValue.metric), col(KpiValue.value)
    columns = [func.max(case((metric == name, value))) for name in names]
    query = (
        sa_select(col(KpiValue.queue_id), cast(col(KpiValue.day), String), *columns)
        .where(col(KpiValue.day) >= start, col(KpiValue.day) <= end, metric.in_(names))
        .group_by(col(KpiValue.queue_id), col(KpiValue.day))
    )
    if len(queue_ids) == 1:
        query = query.where(col(KpiValue.queue_id) == queue_ids[0])
    else:
        query = query.where(col(KpiValue.queue_id).in_(list(queue_ids)))
    found: list[tuple[int, str, int, float]] = []
    for row in session.connection().execute(query):
        queue_id, text = row[0], row[1]
        ordinal = date.fromisoformat(text[:10]).toordinal()
        for name, figure in zip(names, row[2:], strict=True):
            if figure is not None:
                found.append((queue_id, name, ordinal, float(figure)))
    return found


def _weekly_from_rows(
    rows: Iterable[tuple[str, int, float]], chosen: Sequence[Metric], weeks: list[date]
) -> Weekly:
    """Each week's 7 days per stored metric (None where no value, so that paired metrics stay
    aligned day by day), then each chosen figure by its rule."""
    days: list[dict[str, list[float | None]]] = [{} for _ in weeks]
    if not weeks:
        return Weekly(weeks=weeks, values={metric.name: [] for metric in chosen})
    first, count = weeks[0].toordinal(), len(weeks)
    earliest: int | None = None
    for metric_name, day, value in rows:
        # weeks[0] is a Monday: the offset gives the week and the weekday without date maths.
        offset = day - first
        position = offset // 7
        if offset < 0 or position >= count:
            continue
        week = days[position]
        slots = week.get(metric_name)
        if slots is None:
            slots = week[metric_name] = [None] * 7
        slots[offset % 7] = value
        earliest = offset if earliest is None else min(earliest, offset)
    if earliest is not None and earliest % 7:
        # The data starts mid-week: that week's sums would show a drop that never happened.
        days[earliest // 7] = {}
    values = {
        metric.name: [kpi_metrics.weekly_value(metric, week) if week else None for week in days]
        for metric in chosen
    }
    return Weekly(weeks=weeks, values=values)


def weekly(
    session: Session,
    *,
    queue_id: int,
    metrics: Sequence[str] | None,
    start: date,
    end: date,
    settings: Settings,
) -> Weekly:
    """A queue's weekly figures from the week holding `start` to the week holding `end`.
    `metrics` None: every metric of the registry with data in the range plus the derived ones.
    ValidationFailed naming `metric` for an unknown metric."""
    weeks = week_range(week_start(end), (week_start(end) - week_start(start)).days // 7 + 1)
    if metrics is None:
        rows = _read(
            session,
            queue_ids=[queue_id],
            stored=kpi_metrics.registry(settings),
            start=weeks[0],
            end=end,
        )
        present = {row[1] for row in rows}
        known = kpi_metrics.every_metric(settings)
        chosen = [
            metric
            for metric in known.values()
            if (metric.derived and present.issuperset(kpi_metrics.INPUTS[metric.name]))
            or metric.name in present
        ]
    else:
        chosen = resolve(settings, metrics)
        rows = _read(
            session,
            queue_ids=[queue_id],
            stored=stored_inputs(chosen),
            start=weeks[0],
            end=end,
        )
    return _weekly_from_rows(((m, d, v) for _, m, d, v in rows), chosen, weeks)


def daily(
    session: Session, *, queue_id: int, metric: str, start: date, end: date, settings: Settings
) -> list[Point]:
    """A queue's days of `metric` (stored or derived) with a value, oldest first."""
    (chosen,) = resolve(settings, [metric])
    rows = _read(
        session, queue_ids=[queue_id], stored=stored_inputs([chosen]), start=start, end=end
    )
    by_day: dict[int, dict[str, list[float | None]]] = {}
    for _, name, day, value in rows:
        by_day.setdefault(day, {})[name] = [value]
    points = []
    for day in sorted(by_day):
        figure = kpi_metrics.weekly_value(chosen, by_day[day])
        if figure is not None:
            points.append(Point(date.fromordinal(day), figure))
    return points


def weekly_points(found: Weekly, metric: str) -> list[Point]:
    """The weeks of one figure that have a value, as (Monday, value) points."""
    return [
        Point(monday, value)
        for monday, value in zip(found.weeks, found.values[metric], strict=True)
        if value is not None
    ]


def sparklines(
    session: Session,
    *,
    queue_ids: Sequence[int],
    settings: Settings,
    today: date,
    names: Sequence[str] = SPARK_METRICS,
    weeks: int = SPARK_WEEKS,
) -> dict[int, Weekly]:
    """The last `weeks` full weeks of `names` for each queue: one query for all of them."""
    mondays = week_range(last_full_week(today), weeks)
    chosen = resolve(settings, names)
    if not queue_ids:
        return {}
    end = mondays[-1] + timedelta(days=6)
    rows = _read(
        session, queue_ids=queue_ids, stored=stored_inputs(chosen), start=mondays[0], end=end
    )
    per_queue: dict[int, list[tuple[str, int, float]]] = {queue_id: [] for queue_id in queue_ids}
    for queue_id, name, day, value in rows:
        per_queue[queue_id].append((name, day, value))
    return {
        queue_id: _weekly_from_rows(found, chosen, mondays) for queue_id, found in per_queue.items()
    }


# The longest range one request may ask for (the API and exports read at most this many days).
MAX_RANGE_DAYS = 5 * 366
Grain = Literal["day", "week"]
GRAINS: tuple[Grain, ...] = ("day", "week")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def day_value(raw: str, field: str) -> date:
    """A YYYY-MM-DD day; ValidationFailed naming `field` for anything else."""
    text = raw.strip()
    try:
        if _ISO_DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise ValidationFailed(
        f"'{field}' is not a day.", fields={field: "Give a day as YYYY-MM-DD, e.g. 2026-03-31."}
    )


@dataclass(frozen=True)
class Range:
    metric: Metric
    grain: Grain
    start: date
    end: date


def requested_range(
    settings: Settings,
    *,
    metric: str | None,
    start: str | None,
    end: str | None,
    grain: str | None,
    today: date,
) -> Range:
    """The metric, grain and days a request asks for, defaults filled in: weeks, the metric
    `incoming`, the last 12 full weeks (or the 84 days to yesterday). ValidationFailed naming
    `metric`, `grain`, `from` or `to` for a bad value, a reversed or too long range."""
    (chosen,) = resolve(settings, [metric.strip() if metric else "incoming"])
    given = (grain or "week").strip()
    if given not in GRAINS:
        raise ValidationFailed(f"Unknown grain '{given}'.", fields={"grain": "Choose day or week."})
    chosen_grain: Grain = "day" if given == "day" else "week"
    default_end = (
        last_full_week(today) + timedelta(days=6)
        if chosen_grain == "week"
        else today - timedelta(1)
    )
    last = day_value(end, "to") if end else default_end
    first = day_value(start, "from") if start else last - timedelta(days=7 * SPARK_WEEKS - 1)
    if chosen_grain == "week":
        first = week_start(first)
    if first > last:
        raise ValidationFailed(
            "The range ends before it starts.", fields={"from": "Give a day on or before `to`."}
        )
    if (last - first).days >= MAX_RANGE_DAYS:
        raise ValidationFailed(
            "The range is too long.",
            fields={"from": f"Ask for at most {MAX_RANGE_DAYS:,} days at a time."},
        )
    return Range(chosen, chosen_grain, first, last)


def points(session: Session, *, queue_id: int, wanted: Range, settings: Settings) -> list[Point]:
    """The points of a requested range: days with a value, or weeks (by Monday) with one."""
    if wanted.grain == "day":
        return daily(
            session,
            queue_id=queue_id,
            metric=wanted.metric.name,
            start=wanted.start,
            end=wanted.end,
            settings=settings,
        )
    found = weekly(
        session,
        queue_id=queue_id,
        metrics=[wanted.metric.name],
        start=wanted.start,
        end=wanted.end,
        settings=settings,
    )
    return weekly_points(found, wanted.metric.name)


def daily_values(
    session: Session, *, queue_ids: Sequence[int], metric: Metric, start: date, end: date
) -> dict[int, dict[date, float]]:
    """Each queue's days of `metric` (stored or derived) in [start, end] with a value, in one
    query however many queues (the benefit measurement reads a queue and its controls)."""
    if not queue_ids:
        return {}
    rows = _read(session, queue_ids=queue_ids, stored=stored_inputs([metric]), start=start, end=end)
    by_day: dict[tuple[int, int], dict[str, list[float | None]]] = {}
    for queue_id, name, day, value in rows:
        by_day.setdefault((queue_id, day), {})[name] = [value]
    found: dict[int, dict[date, float]] = {}
    for (queue_id, day), values in by_day.items():
        figure = kpi_metrics.weekly_value(metric, values)
        if figure is not None:
            found.setdefault(queue_id, {})[date.fromordinal(day)] = figure
    return found
