"""The demo's delivered-outside-Jira ideas, so the benefit pages have something true to show.

Three accepted ideas with a queue of their own are marked delivered by hand months ago (a macro,
a routing rule, a training), each with a known effect written into its queue's KPIs by
tracker/demo/kpis.py: one saves a third of the agents' tickets, one saves nothing (an honest
"inconclusive"), one shipped recently and is still being measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from tracker.config import Settings
from tracker.models import Status, StatusChange, Suggestion, User
from tracker.services.benefits import delivery, measure


@dataclass(frozen=True)
class HandDelivery:
    days_ago: int
    factor: float  # tickets reaching agents after delivery, as a share of before
    note: str


PLAN = (
    HandDelivery(150, 0.65, "New macro live for every agent; old template retired."),
    HandDelivery(110, 1.0, "Training session held with both vendor teams."),
    HandDelivery(25, 0.8, "Routing rule switched on for all regions."),
)


def deliver_by_hand(
    session: Session,
    *,
    pm: User,
    ideas: Sequence[Suggestion],
    settings: Settings,
    now: datetime,
) -> dict[int, tuple[datetime, float]]:
    """Mark up to three accepted ideas (each alone on its queue) delivered by hand; returns
    queue id -> (delivery moment, factor) for the KPI data."""
    taken: dict[int, tuple[datetime, float]] = {}
    used_queues = {idea.queue_id for idea in ideas if idea.status is not Status.ACCEPTED}
    chosen = [
        idea
        for idea in ideas
        if idea.status is Status.ACCEPTED and idea.queue_id not in used_queues and idea.id
    ]
    for plan, idea in zip(PLAN, _one_per_queue(chosen), strict=False):
        assert idea.id is not None
        assert idea.queue_id is not None
        on = (now - timedelta(days=plan.days_ago)).date()
        # Submitted and decided well before it shipped, as such ideas are.
        idea.created_at = now - timedelta(days=plan.days_ago + 60)
        idea.decided_at = now - timedelta(days=plan.days_ago + 40)
        session.add(idea)
        done = delivery.mark_delivered(
            session,
            actor=pm,
            suggestion_id=idea.id,
            on=on,
            note=plan.note,
            now=now,
            settings=settings,
        )
        _retime_history(session, idea, delivered=done.delivered_at)
        taken[idea.queue_id] = (done.delivered_at, plan.factor)
    return taken


def _retime_history(session: Session, idea: Suggestion, *, delivered: datetime) -> None:
    """Its history in the order it happened: submitted, decided, then delivered months ago
    (the PM recorded the delivery on that day, as teams do when they keep the tracker)."""
    changes = session.exec(
        select(StatusChange)
        .where(StatusChange.suggestion_id == idea.id)
        .order_by(col(StatusChange.id))
    ).all()
    decided = idea.decided_at or delivered
    for change in changes:
        if change.to_status == Status.DELIVERED.value:
            change.created_at = delivered
        elif change.from_status is None:
            change.created_at = idea.created_at
        else:
            change.created_at = decided
        session.add(change)


def _one_per_queue(ideas: Sequence[Suggestion]) -> list[Suggestion]:
    seen: set[int | None] = set()
    found = []
    for idea in ideas:
        if idea.queue_id not in seen:
            seen.add(idea.queue_id)
            found.append(idea)
    return found


def measure_all(session: Session, *, settings: Settings, now: datetime) -> int:
    """Measure every delivered idea once the KPIs are in (the scheduler would within minutes)."""
    return measure.refresh(session, settings=settings, now=now)
