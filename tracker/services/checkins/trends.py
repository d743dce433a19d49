"""The KPI part of a check-in pack: each queue the organisation works, its last weeks of
incoming, manual share and handle time against the weeks before, and its signals in the period.

Three queries whatever the number of queues: the queues, their weekly series
(services/kpis/series.sparklines) and their signals (services/kpis/signal_queries).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.models import Queue, QueueOrganisation, User
from tracker.services.kpis import charts, series, signal_queries, visibility
from tracker.services.kpis import metrics as kpi_metrics

# The last RECENT weeks are compared with the BEFORE weeks ahead of them: four weeks smooth a
# bad week out, eight before them give a steadier baseline than four.
RECENT_WEEKS = 4
BEFORE_WEEKS = 8
SIGNALS_SHOWN = 30


@dataclass(frozen=True)
class Trend:
    """One figure of one queue: the mean week of the recent weeks and of the weeks before."""

    metric: str
    label: str
    unit: str
    spark: charts.Spark
    recent: float | None
    before: float | None
    lower_is_better: bool

    @property
    def change(self) -> float | None:
        """Percentage points for a share, else per cent; None without both figures."""
        if self.recent is None or self.before is None:
            return None
        if self.unit == "%":
            return self.recent - self.before
        if self.before == 0:
            return None
        return (self.recent - self.before) / abs(self.before) * 100

    @property
    def change_text(self) -> str:
        change = self.change
        if change is None:
            return "no comparison"
        if self.unit == "%":
            return f"{change:+.1f} pts"
        return f"{change:+.0f}%"

    @property
    def better(self) -> bool | None:
        """Whether the move is an improvement (None when flat or unknown)."""
        change = self.change
        if change is None or abs(change) < 0.5:
            return None
        return (change < 0) == self.lower_is_better


@dataclass(frozen=True)
class SignalLine:
    """A spike or shift of the queue, every metric it moved, in one sentence."""

    text: str
    worse: bool


@dataclass(frozen=True)
class QueueTrends:
    queue: Queue
    trends: list[Trend]
    signals: list[SignalLine]


def signal_line(event: signal_queries.SignalGroup) -> SignalLine:
    moves = "; ".join(signal_queries.change(view) for view in event.members)
    return SignalLine(f"{event.label}: {moves}", event.worse)


def _mean(values: Sequence[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else None


def queue_trends(
    session: Session,
    *,
    actor: User,
    organisation_id: int,
    settings: Settings,
    today: date,
    since: date,
) -> list[QueueTrends]:
    """The queues `organisation_id` works that `actor` may see, by area and name."""
    query = (
        select(Queue)
        .join(QueueOrganisation, col(QueueOrganisation.queue_id) == col(Queue.id))
        .where(
            col(QueueOrganisation.organisation_id) == organisation_id,
            visibility.visible_clause(actor),
        )
        .order_by(col(Queue.area), col(Queue.key))
    )
    found = session.exec(query).all()
    ids = [queue.id for queue in found if queue.id is not None]
    if not ids:
        return []
    weeks = RECENT_WEEKS + BEFORE_WEEKS
    lines = series.sparklines(session, queue_ids=ids, settings=settings, today=today, weeks=weeks)
    views = signal_queries.recent_signals(
        session,
        actor=actor,
        settings=settings,
        since=since,
        limit=SIGNALS_SHOWN * 5,
        queue_ids=ids,
    )
    events = signal_queries.grouped(views, limit=SIGNALS_SHOWN)
    known = kpi_metrics.every_metric(settings)
    result = []
    for queue in found:
        assert queue.id is not None
        weekly = lines[queue.id]
        trends = []
        for name in series.SPARK_METRICS:
            values = weekly.values[name]
            metric = known[name]
            trends.append(
                Trend(
                    metric=name,
                    label=metric.label,
                    unit=metric.unit,
                    spark=charts.sparkline(values, ceiling=100.0 if metric.unit == "%" else None),
                    recent=_mean(values[-RECENT_WEEKS:]),
                    before=_mean(values[:BEFORE_WEEKS]),
                    lower_is_better=metric.lower_is_better,
                )
            )
        mine = [signal_line(event) for event in events if event.queue_id == queue.id]
        result.append(QueueTrends(queue=queue, trends=trends, signals=mine))
    return result
