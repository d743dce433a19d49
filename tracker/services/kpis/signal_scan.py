"""The nightly scan for spikes and level shifts: judge every queue, store what holds.

Every night the whole stored history of each active queue is judged again, not only the last
days: the queue page shows signals over years, corrected or late data can make an old signal
appear or vanish, and the shift detector's robust scale is a property of the whole series. The
detectors are vectorised (services/kpis/signals.py), so a full pass over 500 queues x 8 metrics
x 3 years takes seconds; rows are read per queue in key order, so memory stays one queue's.

A signal's `detected_at` is when the nightly scan could first have told: the day after its
alarm (or now, if that is later than now). So the first scan of years of history does not
flood homes and digests with "new" signals from last year, and a digest's period holds the
signals the data showed in it.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any

import numpy as np
from sqlalchemy import String, cast
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.models import KpiSignal, KpiValue, Queue, utcnow
from tracker.services.kpis import signals
from tracker.services.kpis.metrics import (
    AGENT_HOURS,
    Metric,
    derived,
    hours_per_unit,
    registry,
)

# Weeks before a signal's alarm whose handle time and volume turn its size into agent hours.
RECENT_WEEKS = 4

Key = tuple[str, str, date]  # metric, kind, day


@dataclass(frozen=True)
class ScanReport:
    queues: int
    series: int
    signals_new: int
    seconds: float
    signals_dropped: int = 0


@dataclass(frozen=True)
class Found:
    metric: Metric
    detection: signals.Detection
    agent_hours: float | None


class QueueSeries:
    """One queue's daily values by metric (NaN for a missing day) and its full weeks."""

    def __init__(self, rows: Sequence[Any], today: date) -> None:
        # Rows come ordered by metric, then day: one slice per metric.
        cuts = [0, *(i for i in range(1, len(rows)) if rows[i][0] != rows[i - 1][0]), len(rows)]
        spans = [(rows[b][0], b, e) for b, e in itertools.pairwise(cuts)]
        days = {name: _offsets([row[1] for row in rows[b:e]]) for name, b, e in spans}
        origin = min(int(offsets[0]) for offsets in days.values())
        self.first = date.fromordinal(origin)
        last = max(int(offsets[-1]) for offsets in days.values())
        self.length = min(last, today.toordinal()) - origin + 1
        self.daily: dict[str, np.ndarray[Any, Any]] = {}
        for name, begin, end in spans:
            offsets = days[name] - origin
            values = np.array([row[2] for row in rows[begin:end]], dtype=float)
            keep = offsets < self.length
            series = np.full(self.length, np.nan)
            series[offsets[keep]] = values[keep]
            self.daily[name] = series
        # Full weeks only, Monday to Sunday: a week still running would look like a drop.
        self.week_start = self.first + timedelta(days=(7 - self.first.weekday()) % 7)
        skip = (self.week_start - self.first).days
        self.weeks = max(0, (self.length - skip) // 7)
        self.grid = {
            name: series[skip : skip + 7 * self.weeks].reshape(self.weeks, 7)
            for name, series in self.daily.items()
        }

    def weekly(self, metric: Metric) -> list[float | None]:
        """The metric's weekly series, by the rule of metrics.weekly_value (vectorised; a test
        holds the two equal)."""
        empty = np.full((self.weeks, 7), np.nan)
        if metric.name == AGENT_HOURS:
            volume = self.grid.get("manual_solved", empty)
            minutes = self.grid.get("aht_minutes", empty)
            both = ~np.isnan(volume) & ~np.isnan(minutes)
            total = np.where(both, volume * minutes, 0.0).sum(axis=1) / 60
            return _listed(total, np.asarray(both.any(axis=1)))
        values = self.grid.get(metric.name, empty)
        present = ~np.isnan(values)
        filled = np.where(present, values, 0.0)
        counted = present.sum(axis=1)
        if metric.aggregate == "sum":
            return _listed(filled.sum(axis=1), counted > 0)
        plain = filled.sum(axis=1) / np.maximum(counted, 1)
        if metric.weight:
            weights = self.grid.get(metric.weight, empty)
            both = present & ~np.isnan(weights)
            weight = np.where(both, weights, 0.0).sum(axis=1)
            weighted = np.where(both, filled * np.where(both, weights, 0.0), 0.0).sum(axis=1)
            plain = np.where(weight > 0, weighted / np.where(weight > 0, weight, 1.0), plain)
        return _listed(plain, counted > 0)


def _listed(values: np.ndarray[Any, Any], present: np.ndarray[Any, Any]) -> list[float | None]:
    return [v if p else None for v, p in zip(values.tolist(), present.tolist(), strict=True)]


def _offsets(days: Sequence[Any]) -> np.ndarray[Any, Any]:
    """Day ordinals of one metric's ordered days (dates or ISO strings). Mostly every day is
    there: then the first and last say it all, and the rest need not be parsed."""
    first, last = _ordinal(days[0]), _ordinal(days[-1])
    if last - first + 1 == len(days):
        return np.arange(first, last + 1)
    return np.array([_ordinal(day) for day in days])


def _ordinal(day: Any) -> int:
    return (day if isinstance(day, date) else date.fromisoformat(str(day)[:10])).toordinal()


def scan(
    session: Session,
    *,
    settings: Settings,
    today: date | None = None,
    queue_ids: Iterable[int] | None = None,
) -> ScanReport:
    """Judge every active queue (or those given), store the signals found and drop the stored
    ones that no longer hold. Flushes; the caller commits."""
    started = time.perf_counter()
    today = today or utcnow().date()
    query = select(Queue.id).where(col(Queue.active)).order_by(col(Queue.id))
    if queue_ids is not None:
        query = query.where(col(Queue.id).in_(list(queue_ids)))
    ids = [int(queue_id) for queue_id in session.exec(query) if queue_id is not None]
    stored = registry(settings)
    series = new = dropped = 0
    for queue_id in ids:
        found, judged = _judge(session, queue_id, stored, settings, today)
        series += judged
        added, removed = _store(session, queue_id, found)
        new += added
        dropped += removed
    session.flush()
    return ScanReport(len(ids), series, new, time.perf_counter() - started, dropped)


def _judge(
    session: Session, queue_id: int, stored: dict[str, Metric], settings: Settings, today: date
) -> tuple[list[Found], int]:
    # The day as text: parsing ~1,100 distinct strings beats a date object per row (SQLite
    # stores dates as ISO text; PostgreSQL casts them the same way). The DBAPI's own tuples:
    # no column needs a result processor, and SQLAlchemy's rows would cost more than the
    # detectors (measured: 20 ms a queue of 8 x 3 years).
    result = session.connection().execute(
        sa_select(col(KpiValue.metric), cast(col(KpiValue.day), String), col(KpiValue.value))
        .where(col(KpiValue.queue_id) == queue_id, col(KpiValue.metric).in_(list(stored)))
        .order_by(col(KpiValue.metric), col(KpiValue.day))
    )
    try:
        rows: Sequence[Any] = result.cursor.fetchall()
    finally:
        result.close()
    if not rows:
        return [], 0
    data = QueueSeries(rows, today)
    tuning = settings.kpis.signals
    weekly = {name: data.weekly(stored[name]) for name in data.daily}
    if "manual_solved" in data.daily and "aht_minutes" in data.daily:
        weekly[AGENT_HOURS] = data.weekly(derived(AGENT_HOURS))
    hours = _Hours(data, weekly)
    found: list[Found] = []
    for name, values in weekly.items():
        metric = stored.get(name) or derived(name)
        counts = metric.aggregate == "sum" and not metric.derived
        detections = signals.find_shifts(
            data.week_start,
            values,
            drift=tuning.shift_drift,
            limit=tuning.shift_limit,
            counts=counts,
        )
        if name in data.daily:
            detections += signals.find_spikes(
                data.first,
                data.daily[name],
                threshold=tuning.spike_threshold,
                trailing_weeks=tuning.trailing_weeks,
                counts=counts,
            )
        found += [Found(metric, d, hours.of(metric, d)) for d in detections]
    return found, len(weekly)


class _Hours:
    """Agent hours a signal stands for, from the queue's handle time and volume in the weeks up
    to its alarm: hours a week for a shift, hours that day for a spike."""

    def __init__(self, data: QueueSeries, weekly: dict[str, list[float | None]]) -> None:
        self.data = data
        self.aht = weekly.get("aht_minutes", [])
        self.solved = weekly.get("manual_solved", [])

    def _recent(self, values: list[float | None], week: int) -> float | None:
        window = [v for v in values[max(0, week - RECENT_WEEKS + 1) : week + 1] if v is not None]
        return sum(window) / len(window) if window else None

    def of(self, metric: Metric, detection: signals.Detection) -> float | None:
        week = (detection.alarm_day - self.data.week_start).days // 7
        week = min(max(week, 0), self.data.weeks - 1)
        solved = self._recent(self.solved, week)
        if solved is not None and detection.grain == "day":
            solved /= 7
        per_unit = hours_per_unit(
            metric, aht_minutes=self._recent(self.aht, week), manual_solved=solved
        )
        return None if per_unit is None else round(detection.size * per_unit, 2)


def _store(session: Session, queue_id: int, found: list[Found]) -> tuple[int, int]:
    """Upsert the queue's signals by (metric, kind, day); delete those not found again."""
    existing = {
        (s.metric, s.kind, s.day): s
        for s in session.exec(select(KpiSignal).where(col(KpiSignal.queue_id) == queue_id))
    }
    now = utcnow()
    seen: set[Key] = set()
    added = 0
    for item in found:
        d = item.detection
        key = (item.metric.name, d.kind, d.day)
        if key in seen:
            continue
        seen.add(key)
        fields: dict[str, Any] = {
            "grain": d.grain,
            "baseline": round(d.baseline, 4),
            "value": round(d.value, 4),
            "size": round(d.size, 4),
            "agent_hours": item.agent_hours,
            "worse": signals.worse(d, lower_is_better=item.metric.lower_is_better),
        }
        row = existing.get(key)
        if row is None:
            alarm = datetime.combine(d.alarm_day + timedelta(days=1), clock(), tzinfo=UTC)
            row = KpiSignal(
                queue_id=queue_id,
                metric=key[0],
                kind=key[1],
                day=key[2],
                detected_at=min(now, alarm),
                **fields,
            )
            added += 1
        else:
            for name, value in fields.items():
                if getattr(row, name) != value:
                    setattr(row, name, value)
        session.add(row)
    gone = [row for key, row in existing.items() if key not in seen]
    for row in gone:
        session.delete(row)
    return added, len(gone)
