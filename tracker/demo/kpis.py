"""The demo's ops data: which vendor works which queue, and a year of daily KPIs for every demo
queue, with weekday seasonality and noise, one visible spike, and a level shift after a delivered
idea (fewer tickets reach agents once it shipped).

Each queue's level starts near what its first idea's submitter typed (sometimes far from it, so
PMs see the mismatch flag). Deterministic for a seed; inserted with one Core executemany per
chunk, as about 110,000 rows would take a minute through the ORM.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from tracker.models import KpiValue, Organisation, Queue, QueueOrganisation, Suggestion

DAYS = 365
# Monday first: agents get more on weekdays.
WEEKDAY = (1.15, 1.1, 1.05, 1.0, 0.95, 0.7, 0.65)
SPIKE_QUEUE = "Spam appeals"
SPIKE_DAYS_AGO = 17
SPIKE_FACTORS = (2.7, 1.5)  # the day and the day after
SHIFT_FACTOR = 0.65  # tickets reaching agents after the delivered idea
# Queues each vendor works besides its region (the REGIONS suffixes in tracker/demo).
VENDOR_QUEUES = (
    (" (EMEA)", ("Spam appeals", "Comment spam", "Link spam")),
    (" (APAC)", ("Scam reports", "Romance scams")),
)
CHUNK = 5_000


@dataclass(frozen=True)
class KpiDemo:
    queues: int
    values: int
    spike: tuple[str, date]  # the queue and the day
    shift: tuple[str, date] | None  # the queue and the first day of the new level


@dataclass
class _Level:
    """What a queue looks like before noise: tickets a week reaching agents, and so on."""

    weekly_manual: float
    manual_share: float
    aht: float


def load(
    session: Session,
    *,
    organisations: Sequence[Organisation],
    today: date,
    now: datetime,
    seed: int = 11,
    effects: Mapping[int, tuple[datetime, float]] | None = None,
) -> KpiDemo:
    """Link vendors to queues and store a year of daily KPIs up to yesterday for every queue.
    `effects`: queue id -> (a delivery, the share of tickets still reaching agents after it)."""
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    found = session.exec(select(Queue).order_by(col(Queue.id))).all()
    _link_vendors(session, found, organisations)
    first_idea = _first_ideas(session)
    spike_queue = next((q for q in found if q.name == SPIKE_QUEUE), found[0])
    spike_day = today - timedelta(days=SPIKE_DAYS_AGO)
    shifted = _delivered_queue(session)
    shift: tuple[str, date] | None = None
    rows = 0
    batch: list[dict[str, Any]] = []
    for queue in found:
        assert queue.id is not None
        level = _level(first_idea.get(queue.id), rng)
        shift_day = shifted[1] if shifted is not None and shifted[0] == queue.id else None
        factor = SHIFT_FACTOR
        if shift_day is not None:
            shift = (queue.name, shift_day)
        if effects and queue.id in effects:
            delivered, factor = effects[queue.id]
            shift_day = delivered.date() + timedelta(days=1)
        spikes = {spike_day: SPIKE_FACTORS[0], spike_day + timedelta(days=1): SPIKE_FACTORS[1]}
        for values in _days(
            queue.id,
            level,
            rng,
            today=today,
            spikes=spikes if queue.id == spike_queue.id else {},
            shift_day=shift_day,
            factor=factor,
        ):
            batch.extend({**value, "source": "demo", "updated_at": now} for value in values)
            if len(batch) >= CHUNK:
                rows += _flush(session, batch)
    rows += _flush(session, batch)
    return KpiDemo(queues=len(found), values=rows, spike=(spike_queue.name, spike_day), shift=shift)


def _flush(session: Session, batch: list[dict[str, Any]]) -> int:
    if not batch:
        return 0
    session.execute(insert(KpiValue), batch)
    count = len(batch)
    batch.clear()
    return count


def _link_vendors(
    session: Session, found: Sequence[Queue], organisations: Sequence[Organisation]
) -> None:
    for organisation, (region, extra) in zip(organisations, VENDOR_QUEUES, strict=False):
        for queue in found:
            if queue.name.endswith(region) or queue.name in extra:
                assert queue.id is not None
                assert organisation.id is not None
                session.add(QueueOrganisation(queue_id=queue.id, organisation_id=organisation.id))
    session.flush()


def _first_ideas(session: Session) -> dict[int, Suggestion]:
    """Each queue's first idea: its typed figures set the queue's level."""
    first: dict[int, Suggestion] = {}
    for idea in session.exec(select(Suggestion).order_by(col(Suggestion.id))).all():
        if idea.queue_id is not None:
            first.setdefault(idea.queue_id, idea)
    return first


def _delivered_queue(session: Session) -> tuple[int, date] | None:
    """The queue of the idea delivered longest ago, and the day after its delivery."""
    idea = session.exec(
        select(Suggestion)
        .where(col(Suggestion.delivered_at).is_not(None), col(Suggestion.queue_id).is_not(None))
        .order_by(col(Suggestion.delivered_at))
    ).first()
    if idea is None or idea.delivered_at is None or idea.queue_id is None:
        return None
    return idea.queue_id, idea.delivered_at.date() + timedelta(days=1)


def _level(idea: Suggestion | None, rng: random.Random) -> _Level:
    typed_volume = idea.weekly_volume if idea is not None and idea.weekly_volume else 800
    typed_handle = idea.handle_time_minutes if idea is not None and idea.handle_time_minutes else 8
    return _Level(
        # At least 300 a week: tiny daily counts would make every rounding look like news.
        weekly_manual=max(300, typed_volume * rng.choice((0.55, 0.8, 0.95, 1.05, 1.2, 1.6))),
        manual_share=rng.uniform(0.35, 0.8),
        aht=typed_handle * rng.uniform(0.8, 1.3),
    )


def _days(
    queue_id: int,
    level: _Level,
    rng: random.Random,
    *,
    today: date,
    spikes: dict[date, float],
    shift_day: date | None,
    factor: float = SHIFT_FACTOR,
) -> Iterator[list[dict[str, Any]]]:
    """Each day's six values, oldest first, ending yesterday."""
    for offset in range(DAYS, 0, -1):
        day = today - timedelta(days=offset)
        spike = spikes.get(day, 1.0)
        manual = level.weekly_manual / sum(WEEKDAY) * WEEKDAY[day.weekday()]
        manual *= max(0.5, rng.gauss(1, 0.06)) * spike
        incoming = manual / level.manual_share * max(0.5, rng.gauss(1, 0.03))
        if shift_day is not None and day >= shift_day:
            manual *= factor  # automated now: incoming stays, fewer reach agents
        manual_solved = manual * rng.uniform(0.95, 0.99)
        solved = manual_solved + (incoming - manual) * rng.uniform(0.97, 1.0)
        weekend = 1.08 if day.weekday() >= 5 else 1.0
        aht = level.aht * weekend * max(0.6, rng.gauss(1, 0.05))
        backlog = manual * 1.5 * max(0.5, rng.gauss(1, 0.05))  # open at day end
        yield [
            {"queue_id": queue_id, "metric": metric, "day": day, "value": round(value, 2)}
            for metric, value in (
                ("incoming", round(incoming)),
                ("manual_incoming", round(manual)),
                ("solved", round(solved)),
                ("manual_solved", round(manual_solved)),
                ("aht_minutes", aht),
                ("backlog", round(backlog)),
            )
        ]
