"""An idea's evidence from data: weekly volume and handle time of its queue over the last full
weeks, beside what the submitter typed, and the words a spike or shift gives a new idea.

Nothing here checks who is asking for the figures of `for_queue`: callers check the queue's
visibility first (services/kpis/visibility.py). `for_suggestion` and `signal_prefill` do check.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.models import KpiSignal, KpiValue, Queue, Suggestion, User
from tracker.services.kpis import metrics, visibility

# Tickets handled by agents, best first: the first of these with data in the window is used.
VOLUME_BASIS = ("manual_solved", "manual_incoming", "incoming")
HANDLE_TIME = "aht_minutes"


@dataclass(frozen=True)
class QueueEvidence:
    """A queue's figures over the last full weeks that have data."""

    queue_id: int
    name: str
    weekly_volume: float | None  # mean tickets a week (of `basis`)
    handle_time_minutes: float | None  # mean handle time, weighted by tickets solved by hand
    weeks: int  # weeks in the window with data
    start: date  # the window's first Monday
    to: date  # the window's last Sunday
    basis: str  # the metric the volume is of, "" when no volume

    @property
    def note(self) -> str:
        """E.g. "from data, 8 weeks to 30 Nov"."""
        weeks = "1 week" if self.weeks == 1 else f"{self.weeks} weeks"
        return f"from data, {weeks} to {self.to.day} {self.to:%b}"

    def as_json(self) -> dict[str, object]:
        return {
            "queue_id": self.queue_id,
            "name": self.name,
            "weekly_volume": _rounded(self.weekly_volume, 0),
            "handle_time_minutes": _rounded(self.handle_time_minutes, 1),
            "weeks": self.weeks,
            "to": self.to.isoformat(),
            "basis": self.basis,
            "note": self.note,
        }


def _rounded(value: float | None, digits: int) -> float | int | None:
    if value is None:
        return None
    return round(value) if digits == 0 else round(value, digits)


def _last_full_sunday(today: date) -> date:
    """The Sunday ending the last week that is over by `today` (today's week is still open)."""
    return today - timedelta(days=today.weekday() + 1)


def for_queue(
    session: Session, *, queue_id: int, settings: Settings, today: date | None = None
) -> QueueEvidence | None:
    """The last `settings.kpis.evidence_weeks` full weeks (Monday to Sunday) of the queue, ending
    with the last full week that has data; None when the queue has no data there."""
    queue = session.get(Queue, queue_id)
    if queue is None:
        return None
    wanted = [*VOLUME_BASIS, HANDLE_TIME]
    latest_sunday = _last_full_sunday(today or date.today())
    last_day = session.exec(
        select(func.max(KpiValue.day)).where(
            col(KpiValue.queue_id) == queue_id,
            col(KpiValue.metric).in_(wanted),
            col(KpiValue.day) <= latest_sunday,
        )
    ).one()
    if last_day is None:
        return None
    end = last_day + timedelta(days=6 - last_day.weekday())
    start = end - timedelta(weeks=settings.kpis.evidence_weeks) + timedelta(days=1)
    rows = session.exec(
        select(col(KpiValue.metric), col(KpiValue.day), col(KpiValue.value)).where(
            col(KpiValue.queue_id) == queue_id,
            col(KpiValue.metric).in_(wanted),
            col(KpiValue.day) >= start,
            col(KpiValue.day) <= end,
        )
    ).all()
    values: dict[str, dict[date, float]] = defaultdict(dict)
    for metric, day, value in rows:
        values[metric][day] = value
    basis = next((name for name in VOLUME_BASIS if values.get(name)), "")
    volume, weeks = _weekly_mean(values.get(basis, {}), start)
    handle = _handle_time(settings, values, start, end)
    if volume is None and handle is None:
        return None
    if not weeks:  # handle time only: count the weeks it has
        weeks = len({(day - start).days // 7 for day in values.get(HANDLE_TIME, {})})
    return QueueEvidence(
        queue_id=queue_id,
        name=queue.name,
        weekly_volume=volume,
        handle_time_minutes=handle,
        weeks=weeks,
        start=start,
        to=end,
        basis=basis,
    )


def _weekly_mean(days: dict[date, float], start: date) -> tuple[float | None, int]:
    """The mean of the weekly sums over the weeks that have data, and how many weeks that is."""
    weekly: dict[int, float] = defaultdict(float)
    for day, value in days.items():
        weekly[(day - start).days // 7] += value
    if not weekly:
        return None, 0
    return sum(weekly.values()) / len(weekly), len(weekly)


def _handle_time(
    settings: Settings, values: dict[str, dict[date, float]], start: date, end: date
) -> float | None:
    """Handle time over the whole window, aggregated by the metric's rule (weighted by tickets
    solved by hand for the default `aht_minutes`)."""
    metric = metrics.registry(settings).get(HANDLE_TIME)
    if metric is None or not values.get(HANDLE_TIME):
        return None
    span = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
    names = {HANDLE_TIME, metric.weight} - {""}
    days = {name: [values.get(name, {}).get(day) for day in span] for name in names}
    return metrics.weekly_value(metric, days)


def mismatch(typed: float | None, measured: float | None, share: float) -> bool:
    """Whether typed and measured differ by more than `share` of the measured figure."""
    if typed is None or measured is None:
        return False
    if measured == 0:
        return typed != 0
    return abs(typed - measured) / abs(measured) > share


def for_suggestion(
    session: Session,
    *,
    viewer: User,
    suggestion: Suggestion,
    settings: Settings,
    today: date | None = None,
) -> QueueEvidence | None:
    """The evidence of the idea's queue, when the viewer may see that queue's data."""
    if suggestion.queue_id is None:
        return None
    queue = session.get(Queue, suggestion.queue_id)
    if queue is None or not visibility.can_view(session, viewer, queue):
        return None
    return for_queue(session, queue_id=suggestion.queue_id, settings=settings, today=today)


@dataclass(frozen=True)
class Prefill:
    """What a link from a queue or signal puts into the submit form."""

    queue: str
    problem: str = ""


def prefill(
    session: Session,
    *,
    viewer: User,
    settings: Settings,
    queue_id: int | None,
    signal_id: int | None,
) -> Prefill | None:
    """The queue (and, for a signal, the evidence as words) for a new idea; None when neither id
    names something the viewer may see."""
    if signal_id is not None:
        signal = session.get(KpiSignal, signal_id)
        queue = session.get(Queue, signal.queue_id) if signal is not None else None
        if signal is not None and queue is not None and visibility.can_view(session, viewer, queue):
            return Prefill(queue=queue.name, problem=signal_text(signal, settings))
    if queue_id is not None:
        queue = session.get(Queue, queue_id)
        if queue is not None and visibility.can_view(session, viewer, queue):
            return Prefill(queue=queue.name)
    return None


def _figure(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}".removesuffix(".0")


def signal_text(signal: KpiSignal, settings: Settings) -> str:
    """E.g. "Incoming rose from 820 to 1,140 a day on 12 Nov (+39%)." """
    metric = metrics.every_metric(settings).get(signal.metric)
    label = metric.label if metric is not None else signal.metric
    verb = "rose" if signal.value >= signal.baseline else "fell"
    per = "a week" if signal.grain == "week" else "a day"
    when = f"{signal.day.day} {signal.day:%b %Y}"
    when = f"on {when}" if signal.kind == "spike" else f"from {when} on"
    change = ""
    if signal.baseline:
        change = f" ({(signal.value - signal.baseline) / abs(signal.baseline):+.0%})"
    text = (
        f"{label} {verb} from {_figure(signal.baseline)} to {_figure(signal.value)} {per}"
        f" {when}{change}."
    )
    if signal.agent_hours:
        text += f" That is about {_figure(abs(signal.agent_hours))} agent hours a week."
    return text
