"""The stored spikes and level shifts, read back: recent ones for homes and digests, one queue's
for its page and the API, with the queue visibility rule (services/kpis/visibility.py).

The scan that stores them is services/kpis/signal_scan.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.errors import ValidationFailed
from tracker.models import KpiSignal, Queue, User
from tracker.pagination import Page, paginate
from tracker.services.kpis import signals, visibility
from tracker.services.kpis.metrics import every_metric

RECENT_LIMIT = 20
DIGEST_LIMIT = 20
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class SignalView:
    """A stored signal with what a page needs to show it."""

    signal: KpiSignal
    queue_name: str
    metric_label: str
    unit: str


@dataclass(frozen=True)
class SignalGroup:
    """Signals of one queue of one kind on one day: one event (a surge reaches incoming,
    incoming to agents, solved ... at once) told once, its metrics listed."""

    queue_id: int
    queue_name: str
    kind: str
    day: date
    members: list[SignalView]

    @property
    def lead(self) -> SignalView:
        """The member an idea starts from: the one that costs agent hours, if any."""
        with_hours = [view for view in self.members if view.signal.agent_hours is not None]
        return with_hours[0] if with_hours else self.members[0]

    @property
    def worse(self) -> bool:
        return any(view.signal.worse for view in self.members)

    @property
    def label(self) -> str:
        name = "Level shift" if self.kind == signals.SHIFT else "Spike"
        return f"{name} {'from' if self.kind == signals.SHIFT else 'on'} {self.day.isoformat()}"


def grouped(views: Sequence[SignalView], *, limit: int) -> list[SignalGroup]:
    """The views as events (queue, kind, day), in the order their first member comes, at most
    `limit` events."""
    groups: dict[tuple[int, str, date], SignalGroup] = {}
    for view in views:
        signal = view.signal
        key = (signal.queue_id, signal.kind, signal.day)
        if key not in groups:
            if len(groups) == limit:
                continue
            groups[key] = SignalGroup(signal.queue_id, view.queue_name, signal.kind, signal.day, [])
        groups[key].members.append(view)
    return list(groups.values())


def change(view: SignalView) -> str:
    """A member's move within its event: "incoming to agents 631.0 → 1,021.0 tickets (+147.9
    agent hours that day)"."""
    return f"{view.metric_label.lower()} {_move(view)}"


def _move(view: SignalView) -> str:
    signal = view.signal
    shift = signal.kind == signals.SHIFT
    unit = f" {view.unit}" if view.unit else ""
    per = " a week" if signal.grain == "week" else ""
    text = f"{signal.baseline:,.1f} → {signal.value:,.1f}{unit}{per}"
    if signal.agent_hours is not None:
        text += f" ({signal.agent_hours:+,.1f} agent hours {'a week' if shift else 'that day'})"
    return text


def _views(rows: Sequence[Any], settings: Settings) -> list[SignalView]:
    known = every_metric(settings)
    views = []
    for signal, queue_name in rows:
        metric = known.get(signal.metric)
        views.append(
            SignalView(
                signal=signal,
                queue_name=queue_name,
                metric_label=metric.label if metric else signal.metric,
                unit=metric.unit if metric else "",
            )
        )
    return views


def _since(moment: date | datetime) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, clock(), tzinfo=UTC)


def _recent_query(
    actor: User, since: date | datetime, until: datetime | None, queue_ids: Iterable[int] | None
) -> Any:
    query = (
        select(KpiSignal, Queue.name)
        .join(Queue, col(Queue.id) == col(KpiSignal.queue_id))
        .where(
            visibility.visible_clause(actor),
            col(Queue.active),
            col(KpiSignal.detected_at) >= _since(since),
        )
    )
    if until is not None:
        query = query.where(col(KpiSignal.detected_at) < until)
    if queue_ids is not None:
        query = query.where(col(KpiSignal.queue_id).in_(list(queue_ids)))
    return query


def recent_signals(
    session: Session,
    *,
    actor: User,
    settings: Settings,
    since: date | datetime,
    until: datetime | None = None,
    limit: int = RECENT_LIMIT,
    queue_ids: Iterable[int] | None = None,
) -> list[SignalView]:
    """Signals detected from `since` (to `until`) in active queues the actor may see, newest
    first, at most `limit`."""
    query = _recent_query(actor, since, until, queue_ids).order_by(
        col(KpiSignal.detected_at).desc(), col(KpiSignal.id).desc()
    )
    return _views(session.exec(query.limit(limit)).all(), settings)


def digest_items(
    session: Session,
    *,
    viewer: User,
    settings: Settings,
    start: datetime,
    end: datetime,
    limit: int = DIGEST_LIMIT,
) -> tuple[list[dict[str, Any]], int]:
    """A digest's "Queues that moved": the events (a queue's spike or shift on one day, every
    metric it moved) detected in [start, end) that `viewer` may see, as JSON-ready dicts with
    absolute links, at most `limit`; and how many events there are."""
    query = _recent_query(viewer, start, end, None)
    events = query.with_only_columns(
        col(KpiSignal.queue_id), col(KpiSignal.kind), col(KpiSignal.day)
    ).distinct()
    total = session.exec(select(func.count()).select_from(events.subquery())).one()
    base = settings.base_url.rstrip("/")
    views = recent_signals(
        session, actor=viewer, settings=settings, since=start, until=end, limit=limit * 10
    )
    items = []
    for event in grouped(views, limit=limit):
        lead = event.lead.signal
        text = f"{event.label}: " + "; ".join(change(view) for view in event.members)
        items.append(
            {
                "queue": event.queue_name,
                "queue_url": f"{base}/queues/{event.queue_id}",
                "idea_url": f"{base}/suggestions/new?queue_id={event.queue_id}&signal={lead.id}",
                "metric_label": event.lead.metric_label,
                "kind": event.kind,
                "grain": lead.grain,
                "day": event.day.isoformat(),
                "baseline": lead.baseline,
                "value": lead.value,
                "size": lead.size,
                "unit": event.lead.unit,
                "agent_hours": lead.agent_hours,
                "worse": event.worse,
                "text": text,
            }
        )
    return items, int(total)


def describe(view: SignalView) -> str:
    """The signal in one sentence: "Level shift in incoming to agents from 2026-03-02: 1,160 ->
    1,860 tickets a week (+70.0 agent hours a week)"."""
    signal = view.signal
    shift = signal.kind == signals.SHIFT
    return (
        f"{'Level shift' if shift else 'Spike'} in {view.metric_label.lower()} "
        f"{'from' if shift else 'on'} {signal.day.isoformat()}: {_move(view)}"
    )


def queue_signals(
    session: Session,
    *,
    actor: User,
    settings: Settings,
    queue_id: int,
    since: str | None = None,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Page[SignalView]:
    """One page of a queue's signals, latest day first. `since` (YYYY-MM-DD) and `kind` (spike
    or shift) come as typed: a wrong one is a ValidationFailed naming it. NotFound for a queue
    the actor may not see."""
    queue = visibility.get_visible(session, actor, queue_id)
    query = select(KpiSignal).where(col(KpiSignal.queue_id) == queue_id)
    if since is not None:
        query = query.where(col(KpiSignal.day) >= _day(since, "since"))
    if kind is not None:
        if kind not in (signals.SPIKE, signals.SHIFT):
            raise ValidationFailed("Unknown kind.", fields={"kind": "Choose spike or shift."})
        query = query.where(col(KpiSignal.kind) == kind)
    query = query.order_by(col(KpiSignal.day).desc(), col(KpiSignal.id).desc())
    found = paginate(session, query, page, per_page)
    views = _views([(row, queue.name) for row in found.items], settings)
    return Page(items=views, total=found.total, page=found.page, per_page=found.per_page)


def _day(raw: str, field: str) -> date:
    if _ISO_DAY.fullmatch(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise ValidationFailed(
        f"{field} is not a date.", fields={field: "Give a date as YYYY-MM-DD, such as 2026-01-31."}
    )
