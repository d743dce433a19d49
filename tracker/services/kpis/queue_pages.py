"""What the queue pages show, one call per page: the list with its sparklines, a queue with its
weekly charts, delivered ideas, signals and ideas, and the weekly series as CSV rows.

Every call checks visibility first (services/kpis/visibility.py), so pages, exports and the API
share one rule; ideas and their markers are only those the viewer may see.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.errors import ValidationFailed
from tracker.models import KpiSignal, Organisation, Queue, SignalKind, Suggestion, User
from tracker.pagination import Page, paginate
from tracker.services.kpis import charts, queues, series, visibility
from tracker.services.kpis import metrics as kpi_metrics
from tracker.services.suggestions import visibility as idea_visibility

YEARS = (1, 3)
SIGNALS_SHOWN = 50
IDEAS_SHOWN = 200
# The fixed charts: key, title, figures drawn together, the value axis top (None: from data).
CHARTS: tuple[tuple[str, str, tuple[str, ...], float | None], ...] = (
    ("incoming", "Incoming", ("incoming", "manual_incoming"), None),
    ("solved", "Solved", ("solved", "manual_solved"), None),
    (
        "share",
        "Manual and automation share",
        (kpi_metrics.MANUAL_SHARE, kpi_metrics.AUTOMATION_SHARE),
        100.0,
    ),
    ("aht", "Average handle time", ("aht_minutes",), None),
    ("agent_hours", "Agent hours per week", (kpi_metrics.AGENT_HOURS,), None),
    ("backlog", "Open at day end", ("backlog",), None),
)


@dataclass(frozen=True)
class SparkCell:
    metric: str
    label: str
    unit: str
    spark: charts.Spark


@dataclass(frozen=True)
class QueueRow:
    queue: Queue
    organisations: list[str]
    ideas: int
    sparks: list[SparkCell]


@dataclass(frozen=True)
class QueueList:
    page: Page[Queue]
    areas: list[tuple[str, list[QueueRow]]]
    weeks: list[date]

    @property
    def through(self) -> date | None:
        """The Sunday ending the last week shown."""
        return self.weeks[-1] + timedelta(days=6) if self.weeks else None


def list_page(
    session: Session,
    *,
    actor: User,
    settings: Settings,
    page: int,
    per_page: int,
    today: date,
) -> QueueList:
    """One page of the queues the viewer may see, by area then name, with 12-week sparklines
    of incoming, manual share and handle time: four queries whatever the page size."""
    query = (
        select(Queue)
        .where(visibility.visible_clause(actor))
        .order_by(col(Queue.area), col(Queue.key))
    )
    found = paginate(session, query, page, per_page)
    ids = [queue.id for queue in found.items if queue.id is not None]
    organisations = queues.organisations_of(session, ids)
    counts = queues.idea_counts(session, ids)
    lines = series.sparklines(session, queue_ids=ids, settings=settings, today=today)
    known = kpi_metrics.every_metric(settings)
    areas: dict[str, list[QueueRow]] = {}
    for queue in found.items:
        assert queue.id is not None
        weekly = lines[queue.id]
        cells = [
            SparkCell(
                name,
                known[name].label,
                known[name].unit,
                charts.sparkline(
                    weekly.values[name],
                    ceiling=100.0 if name == kpi_metrics.MANUAL_SHARE else None,
                ),
            )
            for name in series.SPARK_METRICS
        ]
        row = QueueRow(
            queue=queue,
            organisations=[org.name for org in organisations.get(queue.id, [])],
            ideas=counts.get(queue.id, 0),
            sparks=cells,
        )
        areas.setdefault(queue.area or "No area", []).append(row)
    weeks = series.week_range(series.last_full_week(today), series.SPARK_WEEKS)
    return QueueList(page=found, areas=list(areas.items()), weeks=weeks)


def years_value(raw: str | None) -> int:
    """`?years=`: 1 (the default) or 3; ValidationFailed naming `years` for anything else."""
    if raw is None or raw.strip() == "":
        return 1
    if raw.strip() in {str(years) for years in YEARS}:
        return int(raw.strip())
    raise ValidationFailed(
        "Choose 1 or 3 years.", fields={"years": "Choose 1 or 3 years of weeks."}
    )


def page_range(today: date, years: int) -> tuple[date, date]:
    """First and last day of the weeks a page shows: `years` x 52 full weeks to last Sunday."""
    last_monday = series.last_full_week(today)
    return last_monday - timedelta(weeks=52 * years - 1), last_monday + timedelta(days=6)


@dataclass(frozen=True)
class SignalRow:
    signal: KpiSignal
    kind: str
    metric_label: str
    unit: str


@dataclass(frozen=True)
class Table:
    """The charts' weekly numbers for screen readers and phones: newest week first, formatted
    here (a template macro per cell would cost more than reading the data)."""

    heads: list[str]
    rows: list[tuple[str, list[str]]]


def format_figure(value: float | None, unit: str) -> str:
    if value is None:
        return "\u2013"  # an en dash: no data that week
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


@dataclass(frozen=True)
class QueuePage:
    queue: Queue
    organisations: list[Organisation]
    years: int
    start: date
    end: date
    charts: list[charts.Chart]
    weeks: list[date]
    table: Table
    ideas: list[Suggestion]
    delivered: list[Suggestion]
    signals: list[SignalRow]


def _ideas(session: Session, actor: User, queue_id: int) -> list[Suggestion]:
    query = (
        select(Suggestion)
        .where(col(Suggestion.queue_id) == queue_id, idea_visibility.visible_clause(actor))
        .order_by(col(Suggestion.created_at).desc(), col(Suggestion.id).desc())
        .limit(IDEAS_SHOWN)
    )
    return list(session.exec(query).all())


def _signals(session: Session, queue_id: int) -> list[KpiSignal]:
    query = (
        select(KpiSignal)
        .where(col(KpiSignal.queue_id) == queue_id)
        .order_by(col(KpiSignal.day).desc(), col(KpiSignal.id).desc())
        .limit(SIGNALS_SHOWN)
    )
    return list(session.exec(query).all())


def _chart_plan(
    known: dict[str, kpi_metrics.Metric], present: set[str]
) -> list[tuple[str, str, tuple[str, ...], float | None]]:
    """The fixed charts with data, then one per custom metric with data."""
    plan = [
        (key, title, tuple(n for n in names if n in present), ceiling)
        for key, title, names, ceiling in CHARTS
        if any(name in present for name in names)
    ]
    drawn = {name for _, _, names, _ in CHARTS for name in names}
    for name, metric in known.items():
        if name in present and name not in drawn:
            plan.append((f"metric-{name}", metric.label, (name,), None))
    return plan


def _has_values(values: Sequence[float | None]) -> bool:
    return any(value is not None for value in values)


def queue_page(
    session: Session,
    *,
    actor: User,
    settings: Settings,
    queue_id: int,
    years: int,
    today: date,
) -> QueuePage:
    """Everything /queues/<id> shows; NotFound when the queue is not visible to `actor`."""
    queue = visibility.get_visible(session, actor, queue_id)
    start, end = page_range(today, years)
    weekly = series.weekly(
        session, queue_id=queue_id, metrics=None, start=start, end=end, settings=settings
    )
    known = kpi_metrics.every_metric(settings)
    present = {name for name, values in weekly.values.items() if _has_values(values)}
    ideas = _ideas(session, actor, queue_id)
    delivered = sorted(
        (idea for idea in ideas if idea.delivered_at is not None),
        key=lambda idea: idea.delivered_at or idea.created_at,
    )
    markers = [
        charts.MarkerAt(
            day=idea.delivered_at.date(),
            label=f"#{idea.id}",
            title=f"#{idea.id} {idea.title} delivered {idea.delivered_at:%Y-%m-%d}",
            href=f"/suggestions/{idea.id}",
        )
        for idea in delivered
        if idea.delivered_at is not None
    ]
    found_signals = _signals(session, queue_id)
    drawn: list[charts.Chart] = []
    plan = _chart_plan(known, present)
    for key, title, names, ceiling in plan:
        dots = [
            charts.DotAt(
                day=signal.day,
                value=value,
                title=_signal_title(signal, known),
                worse=signal.worse,
            )
            for signal in found_signals
            if signal.metric in names
            and (value := _week_value(weekly, signal.metric, signal.day)) is not None
        ]
        drawn.append(
            charts.line_chart(
                key=key,
                title=title,
                unit=known[names[0]].unit,
                weeks=weekly.weeks,
                series=[(known[name].label, weekly.values[name]) for name in names],
                markers=markers,
                dots=dots,
                ceiling=ceiling,
            )
        )
    columns = [name for _, _, names, _ in plan for name in names]
    units = [known[name].unit for name in columns]
    table = Table(
        heads=[
            f"{known[name].label} ({known[name].unit})" if known[name].unit else known[name].label
            for name in columns
        ],
        rows=[
            (
                weekly.weeks[index].isoformat(),
                [
                    format_figure(weekly.values[name][index], unit)
                    for name, unit in zip(columns, units, strict=True)
                ],
            )
            for index in range(len(weekly.weeks) - 1, -1, -1)
        ],
    )
    return QueuePage(
        queue=queue,
        organisations=queues.organisations_of(session, [queue_id])[queue_id],
        years=years,
        start=start,
        end=end,
        charts=drawn,
        weeks=weekly.weeks,
        table=table,
        ideas=ideas,
        delivered=delivered,
        signals=[
            SignalRow(
                signal,
                SignalKind(signal.kind).label if signal.kind in set(SignalKind) else signal.kind,
                known[signal.metric].label if signal.metric in known else signal.metric,
                known[signal.metric].unit if signal.metric in known else "",
            )
            for signal in found_signals
        ],
    )


def _week_value(weekly: series.Weekly, metric: str, day: date) -> float | None:
    values = weekly.values.get(metric)
    if values is None:
        return None
    monday = series.week_start(day)
    for index, week in enumerate(weekly.weeks):
        if week == monday:
            return values[index]
    return None


def _signal_title(signal: KpiSignal, known: dict[str, kpi_metrics.Metric]) -> str:
    metric = known.get(signal.metric)
    label = metric.label if metric is not None else signal.metric
    kind = SignalKind(signal.kind).label if signal.kind in set(SignalKind) else signal.kind
    return f"{kind} in {label.lower()} on {signal.day:%Y-%m-%d}: {signal.size:+,.1f}"


def csv_rows(
    session: Session,
    *,
    actor: User,
    settings: Settings,
    queue_id: int,
    years: int,
    today: date,
) -> Iterator[list[str]]:
    """The page's weekly series as CSV rows (a header, then a row per week); NotFound when the
    queue is not visible to `actor`. Read completely before the first row is returned."""
    visibility.get_visible(session, actor, queue_id)
    start, end = page_range(today, years)
    weekly = series.weekly(
        session, queue_id=queue_id, metrics=None, start=start, end=end, settings=settings
    )
    names = [name for name, values in weekly.values.items() if _has_values(values)]
    rows = [["week_start", *names]]
    for index, monday in enumerate(weekly.weeks):
        rows.append(
            [monday.isoformat(), *(_csv_number(weekly.values[name][index]) for name in names)]
        )
    return iter(rows)


def _csv_number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.4f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class QueueSummary:
    queue: Queue
    organisations: list[str]
    idea_count: int


def api_queues(session: Session, *, actor: User) -> list[QueueSummary]:
    """The visible queues as the API lists them (three queries)."""
    found = queues.list_visible(session, actor=actor)
    ids = [queue.id for queue in found if queue.id is not None]
    organisations = queues.organisations_of(session, ids)
    counts = queues.idea_counts(session, ids)
    return [
        QueueSummary(
            queue,
            [org.name for org in organisations.get(queue.id or 0, [])],
            counts.get(queue.id or 0, 0),
        )
        for queue in found
    ]


@dataclass(frozen=True)
class SeriesAnswer:
    metric: kpi_metrics.Metric
    grain: series.Grain
    start: date
    end: date
    points: list[series.Point]


def api_series(
    session: Session,
    *,
    actor: User,
    settings: Settings,
    queue_id: int,
    metric: str | None,
    start: str | None,
    end: str | None,
    grain: str | None,
    today: date,
) -> SeriesAnswer:
    """GET /queues/{id}/kpis: NotFound for a queue not visible to `actor` (checked first, so
    that a bad parameter tells nothing about a hidden queue), ValidationFailed naming a bad
    parameter."""
    visibility.get_visible(session, actor, queue_id)
    wanted = series.requested_range(
        settings, metric=metric, start=start, end=end, grain=grain, today=today
    )
    found = series.points(session, queue_id=queue_id, wanted=wanted, settings=settings)
    return SeriesAnswer(wanted.metric, wanted.grain, wanted.start, wanted.end, found)
